"""The entry contribution (入島協力金): fee table, checkout, Stripe events, passes, reports."""
