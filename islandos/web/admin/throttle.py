"""The sign-in throttle: attempts per address, counted where the deployment says."""

from __future__ import annotations

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

LOGIN_LIMITS = "10 per minute;30 per hour"


class LoginThrottle:
    """Moving-window counts of sign-in attempts, one key per client address.

    `limits` directly, not a before-request hook: only the login form is throttled, so no
    other request (least of all LINE's webhook) pays for a rate-limit check.
    """

    def __init__(self, storage_uri: str, limits_text: str = LOGIN_LIMITS) -> None:
        self.storage = storage_from_string(storage_uri)
        self.window = MovingWindowRateLimiter(self.storage)
        self.limits = parse_many(limits_text)

    def attempt(self, address: str) -> bool:
        """Count one attempt from `address`; False once any of the limits is exceeded."""
        return all([self.window.hit(limit, "admin-login", address) for limit in self.limits])
