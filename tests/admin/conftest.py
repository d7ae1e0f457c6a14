"""Admin tests: signed-in clients through the real login form."""

from tests.notices.conftest import island  # noqa: F401  (an island that gets notices)
from tests.support.admin import admin_client  # noqa: F401
from tests.support.browser import browser_page, chromium  # noqa: F401
