"""Events (行事): invitations, answers with a head-count and a waitlist, reminders, tallies."""
