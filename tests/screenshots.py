"""Refresh the screenshots under docs/screenshots/ (not part of the test run).

    .venv/bin/python -m tests.screenshots [NAME ...]

Starts IslandOS in development on a fresh SQLite database with the demo island (as
`islandos serve --demo` does: migrations, demo data, rich menus deployed to the recorder,
the worker in a thread), drives Debian's Chromium through each shot and writes small PNGs.
A feature adds its pictures by appending a `Shot` to SHOTS.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from islandos import create_app
from islandos.cli.db import upgrade_database
from islandos.demo import seed_demo
from islandos.demo.island import demo_user_id
from islandos.extensions import islandos_state
from islandos.line.richmenus import deploy_rich_menus
from islandos.line.worker import Worker
from islandos.settings import PROJECT_ROOT
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, serve

OUT = PROJECT_ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
MAX_BYTES = 150_000


@dataclass(frozen=True)
class Shot:
    """One picture: a name (the file), a viewport, and what to do before taking it."""

    name: str
    viewport: dict[str, int]
    steps: Callable[[Any, str], None]  # (Playwright page, base URL)
    full_page: bool = False


def _simulator(page: Any, base: str, user_id: str) -> None:
    page.goto(f"{base}/dev/simulator/?user={user_id}")
    page.get_by_test_id("richmenu").locator("img").wait_for()


def simulator_rich_menu(page: Any, base: str) -> None:
    """A demo islander taps ヘルプ on the islander menu and gets the shortcuts."""
    _simulator(page, base, demo_user_id("islander", 0))
    page.get_by_test_id("richmenu").get_by_role("button", name="ヘルプ").click()
    page.get_by_text("ご用件を下のボタンから選んでください。").wait_for()
    page.wait_for_timeout(300)


def simulator_notice_carousel(page: Any, base: str) -> None:
    """A demo islander asks for past notices: the archive carousel."""
    _simulator(page, base, demo_user_id("islander", 2))
    page.get_by_test_id("text").fill("お知らせ")
    page.get_by_test_id("text").press("Enter")
    page.get_by_test_id("carousel").wait_for()
    page.get_by_test_id("text").blur()
    page.wait_for_timeout(300)


# Dashboard accounts the shots sign in with: one each (a TOTP code is taken only once).
ADMIN_LOGINS: list[tuple[str, str]] = []


def _admin_accounts(session: Any, count: int = 12) -> None:
    from tests.support.factories import make_admin
    for number in range(count):
        name = f"screenshots{number}"
        _admin, secret = make_admin(session, username=name, role="editor")
        ADMIN_LOGINS.append((name, secret or ""))


def _sign_in(page: Any, base: str, path: str) -> None:
    from tests.support.browser import sign_in
    username, secret = ADMIN_LOGINS.pop()
    sign_in(page, base, username, secret, path)


def _write_notice(page: Any, base: str) -> None:
    _sign_in(page, base, "/admin/notices/new")
    page.get_by_label("タイトル", exact=True).fill("港の工事のお知らせ")
    page.get_by_label("本文（日本語）").fill(
        "あした9時から17時まで、港の北側で工事をします。\n船の乗り降りは南側の岸壁をお使いください。")
    page.get_by_role("radio", name="重要", exact=True).check()
    page.locator("#live-preview").get_by_text("港の工事のお知らせ", exact=True).wait_for()


def notices_compose(page: Any, base: str) -> None:
    """The compose form with its LINE preview beside it."""
    _write_notice(page, base)
    page.locator("#body_ja").blur()


def notices_confirm(page: Any, base: str) -> None:
    """The one confirmation step: people per language, the messages it uses, the button."""
    _write_notice(page, base)
    page.get_by_role("button", name="確認へ進む").click()
    page.get_by_role("heading", name="送信前の確認").wait_for()


def notice_confirmations(page: Any, base: str) -> None:
    """An important demo notice: who confirmed, per district, and what the office can do."""
    _sign_in(page, base, "/admin/notices")
    page.get_by_role("link", name="断水のお知らせ").click()
    page.evaluate("window.scrollTo(0, document.querySelector('.facts').getBoundingClientRect()"
                  ".top + window.scrollY - 20)")


def notices_list(page: Any, base: str) -> None:
    """The list: the audience in words, the weekly series, confirmation bars."""
    _sign_in(page, base, "/admin/notices")


SHOTS: list[Shot] = [
    Shot("simulator-richmenu-phone", PHONE, simulator_rich_menu),
    Shot("simulator-notices-desktop", DESKTOP, simulator_notice_carousel),
    Shot("notices-compose-desktop", DESKTOP, notices_compose),
    Shot("notices-confirm-phone", PHONE, notices_confirm),
    Shot("notice-confirmations-desktop", DESKTOP, notice_confirmations),
    Shot("notices-list-desktop", DESKTOP, notices_list),
]


@contextmanager
def demo_app() -> Iterator[Flask]:
    """IslandOS in development on a throwaway SQLite database with the demo island."""
    with tempfile.TemporaryDirectory(prefix="islandos-shots-") as directory:
        url = f"sqlite:///{Path(directory) / 'demo.sqlite3'}"
        app = create_app({"env": "development", "database_url": url,
                          "secret_key": "screenshots-only-" + "s" * 32})
        state = islandos_state(app)
        upgrade_database(url)
        with state.db.transaction() as session:
            seed_demo(session, state.registry.seeders)
            _admin_accounts(session)
        deploy_rich_menus(state.db, state.transport)
        stop = threading.Event()
        worker = Worker(state.db, state.transport, state.jobs, worker_id="screenshots")
        thread = threading.Thread(target=worker.run_forever, args=(stop, 0.5), daemon=True)
        thread.start()
        try:
            yield app
        finally:
            stop.set()
            thread.join(timeout=5)
            state.db.dispose()


def small_png(data: bytes) -> bytes:
    """The screenshot with at most 256 colours (a third of the size, the same to the eye)."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
    return out.getvalue()


def take(shots: list[Shot]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    with demo_app() as app, serve(app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for shot in shots:
                context = browser.new_context(locale="ja-JP", viewport=shot.viewport)
                context.set_default_timeout(15_000)
                page = context.new_page()
                shot.steps(page, base)
                data = small_png(page.screenshot(full_page=shot.full_page))
                path = OUT / f"{shot.name}.png"
                path.write_bytes(data)
                written.append(path)
                size = len(data)
                print(f"{path.relative_to(PROJECT_ROOT)}  {size // 1024} KB"
                      + ("  (over 150 KB: make the shot smaller)" if size > MAX_BYTES else ""))
                context.close()
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only these shots (default: all)")
    names = parser.parse_args(argv).names
    unknown = set(names) - {shot.name for shot in SHOTS}
    if unknown:
        parser.error("unknown shot(s): " + ", ".join(sorted(unknown)))
    take([shot for shot in SHOTS if not names or shot.name in names])
    return 0


if __name__ == "__main__":
    sys.exit(main())
