"""The simulator runs only in development: an app with the recording transport."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from islandos import create_app
from islandos.db import Database
from islandos.extensions import islandos_state
from tests.conftest import _empty_tables
from tests.support.browser import browser_page, chromium  # noqa: F401


@pytest.fixture
def dev_app(schema: Database, database_url: str) -> Iterator[Flask]:
    application = create_app({"env": "development", "database_url": database_url,
                              "secret_key": "dev-secret-key-" + "y" * 32})
    yield application
    islandos_state(application).db.dispose()
    _empty_tables(schema)
