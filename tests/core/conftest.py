"""Core tests: the shell's pages need a signed-in client and a browser now and then."""

from tests.support.admin import admin_client  # noqa: F401
from tests.support.browser import chromium  # noqa: F401
