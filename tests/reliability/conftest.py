"""Reliability tests: signed-in dashboard clients and the browser, shared from tests/support."""

from tests.support.admin import admin_client  # noqa: F401
from tests.support.browser import browser_page, chromium  # noqa: F401
