"""Privacy tests run on the fee app (Stripe's fake set up, the clock frozen), so a person can
use every feature: registration, family, notices, the map and the entry contribution."""

from __future__ import annotations

from tests.fees.conftest import (  # noqa: F401  (fixtures)
    app,
    stripe_api,
    stripe_server,
    stripe_webhook,
    visitor,
)
from tests.registration.conftest import chat, districts, other_chat  # noqa: F401  (fixtures)
from tests.support.admin import admin_client  # noqa: F401  (a fixture)
