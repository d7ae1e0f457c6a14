"""The sign-in throttle: attempts per address, counted where the deployment says."""

from __future__ import annotations

import logging
import os
import sys

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

LOGIN_LIMITS = "10 per minute;30 per hour"

log = logging.getLogger(__name__)


def several_web_processes() -> bool:
    """Whether this process is one of several web processes (gunicorn, or WEB_CONCURRENCY > 1).

    Read from the process, not from Settings: it says how we were started, not how we are
    configured. `islandos serve` and the worker are single processes.
    """
    try:
        concurrency = int(os.environ.get("WEB_CONCURRENCY", "") or 0)
    except ValueError:
        concurrency = 0
    return concurrency > 1 or "gunicorn.arbiter" in sys.modules


def warn_if_counted_per_process(env: str, storage_uri: str) -> bool:
    """Log a warning when several production web processes count sign-ins in their own memory.

    The Procfile runs gunicorn with WEB_CONCURRENCY workers (4 by default), and each keeps
    its own counts, so an address gets the limit once per worker. Returns whether it warned.
    """
    if env != "production" or not storage_uri.startswith("memory://") \
            or not several_web_processes():
        return False
    log.warning(
        "RATELIMIT_STORAGE_URI is memory:// with several web processes: each counts sign-in "
        "attempts on its own, so an address gets the sign-in limit (%s) once per process. "
        "Set RATELIMIT_STORAGE_URI to a store they share, e.g. redis://localhost:6379/0.",
        LOGIN_LIMITS)
    return True


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
