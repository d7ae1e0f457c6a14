"""Reliability tests: signed-in dashboard clients, the browser, and faults that belong to one
kind of database, shared from tests/support."""

from tests.support.admin import admin_client  # noqa: F401
from tests.support.browser import browser_page, chromium  # noqa: F401
from tests.support.faults import only_postgres, only_sqlite  # noqa: F401
