"""Real-browser tests: Debian's Chromium through Playwright, the app served from a thread.

Skipped only when /usr/bin/chromium (or Playwright) is missing AND CI is not "true".
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.support.databases import in_ci

CHROMIUM = os.environ.get("ISLANDOS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _require_browser() -> None:
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"{CHROMIUM} is missing (apt-get install -y chromium fonts-noto-cjk)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is missing (pip install playwright)"
    if missing:
        if in_ci():
            pytest.fail(f"browser tests must run under CI=true: {missing}")
        # Only on a developer's machine without Chromium: CI (CI=true) fails above instead.
        pytest.skip(missing)


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve the app on 127.0.0.1 (a free port) from a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


_running: dict[str, Any] = {}


def _shared_browser() -> Any:
    """One Playwright and one Chromium for the whole run (Playwright's sync API allows one)."""
    if "browser" not in _running:
        from playwright.sync_api import sync_playwright
        playwright = sync_playwright().start()
        _running["playwright"] = playwright
        _running["browser"] = playwright.chromium.launch(executable_path=CHROMIUM,
                                                         args=CHROMIUM_ARGS)
        atexit.register(_stop)
    return _running["browser"]


def _stop() -> None:
    browser, playwright = _running.pop("browser", None), _running.pop("playwright", None)
    if browser is not None:
        browser.close()
    if playwright is not None:
        playwright.stop()


@pytest.fixture(scope="session")
def chromium() -> Any:
    _require_browser()
    return _shared_browser()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A fresh page (own cookies) in Japanese on a tablet-sized screen."""
    context = chromium.new_context(locale="ja-JP", viewport={"width": 1024, "height": 768})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Any, base: str, username: str, secret: str, path: str = "/admin/") -> None:
    """Open `path` in the dashboard, sign in there with password and 2FA, land on `path`."""
    from tests.support.admin import totp_code
    from tests.support.factories import ADMIN_PASSWORD
    page.goto(f"{base}{path}")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_label("認証アプリの6けたのコード").fill(totp_code(secret))
    page.get_by_role("button", name="確認").click()
    page.wait_for_url(f"{base}{path}")
