"""Admin tests: signed-in clients through the real login form."""

from tests.support.admin import admin_client  # noqa: F401
from tests.support.browser import browser_page, chromium  # noqa: F401
