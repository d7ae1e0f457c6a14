"""The simulator runs only in development: an app with the recording transport."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from islandos import create_app
from islandos.db import Database
from islandos.extensions import islandos_state
from tests.conftest import _empty_tables
from tests.support.browser import browser_page, chromium  # noqa: F401

SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture
def dev_app(schema: Database, database_url: str) -> Iterator[Flask]:
    application = create_app({"env": "development", "database_url": database_url,
                              "secret_key": "dev-secret-key-" + "y" * 32})
    yield application
    islandos_state(application).db.dispose()
    _empty_tables(schema)


class Screen:
    """A browser page on a phone or a desktop screen that notes every console error and
    every failed request."""

    def __init__(self, page: Any, name: str) -> None:
        self.page, self.name = page, name
        self.errors: list[str] = []
        page.on("console", lambda message: self.errors.append(message.text)
                if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", lambda response: self.errors.append(
            f"{response.status} {response.url}") if response.status >= 400 else None)

    @property
    def width(self) -> int:
        return SCREENS[self.name]["width"]


@pytest.fixture(params=sorted(SCREENS))
def screen(request: pytest.FixtureRequest, chromium: Any) -> Iterator[Screen]:  # noqa: F811
    """A fresh page in Japanese, once on a 390×844 phone and once on a 1366×900 desktop."""
    context = chromium.new_context(locale="ja-JP", viewport=SCREENS[request.param])
    context.set_default_timeout(10_000)
    yield Screen(context.new_page(), request.param)
    context.close()
