"""In a real browser, on a 390×844 phone and a 1366×900 desktop: every dashboard page
reachable from the menu (and one detail page of each kind, with the demo island's data)
fits the screen without sideways scrolling, and the menu is a compact button on a phone.

Screenshots go to $ISLANDOS_SCREENSHOTS when it is set (to look at them)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from islandos.demo import seed_demo
from islandos.extensions import islandos_state
from tests.support.browser import serve, sign_in
from tests.support.factories import make_admin

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# Links that are not pages to look at: downloads, sign-out, language switches.
NOT_A_PAGE = re.compile(r"(\.csv|\.json|\.geojson|\.png|\.jpg|\.svg|\.pdf|/logout)(\?|$)|[?&]lang=")


def screenshot(page: Any, name: str) -> None:
    folder = os.environ.get("ISLANDOS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the screen (0: it fits)."""
    return int(page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"))


def wide_elements(page: Any) -> list[str]:
    """The elements that stick out on the right (to say what to fix)."""
    found: list[str] = page.evaluate("""() => {
      const width = window.innerWidth, out = [];
      for (const el of document.querySelectorAll('body *')) {
        const box = el.getBoundingClientRect();
        if (box.right > width + 1 && box.width > 0) {
          out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className)
            .split(' ').join('.') : '') + ' ' + Math.round(box.right));
        }
      }
      return out.slice(0, 8);
    }""")
    return found


def pattern(path: str) -> str:
    """A page's kind: its path with numbers as N, without the query (one page of each kind
    is enough)."""
    return re.sub(r"\d+", "N", path.split("?")[0])


def admin_links(page: Any, base: str, selector: str, menu: bool = False) -> list[str]:
    """The links to dashboard pages in `selector` (every link of the menu, some of which are
    staff pages outside /admin)."""
    hrefs: list[str] = page.eval_on_selector_all(
        selector, "links => links.map(a => a.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if href.startswith(base) and (menu or parts.path.startswith("/admin")) and not (
                NOT_A_PAGE.search(href) or parts.fragment):
            paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


@pytest.fixture
def demo_island(app: Any, db: Any) -> Iterator[str | None]:
    with db.transaction() as session:
        seed_demo(session, islandos_state(app).registry.seeders)
        _admin, secret = make_admin(session, username="yakuba")
    yield secret


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_admin_page_fits_the_screen(app, chromium, demo_island, screen):
    context = chromium.new_context(locale="ja-JP", viewport=screen)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        with serve(app) as base:
            sign_in(page, base, "yakuba", demo_island)
            menu = admin_links(page, base, ".mainnav a", menu=True)
            assert len(menu) >= 8, menu  # home, people, requests, codes, notices, ...
            seen: dict[str, str] = {}
            to_visit = list(dict.fromkeys(menu))
            too_wide: list[str] = []
            for path in to_visit:
                if pattern(path) in seen:
                    continue
                response = page.goto(base + path)
                assert response is not None and response.status == 200, path
                seen[pattern(path)] = path
                if overflow(page) > 0:
                    too_wide.append(f"{path}: +{overflow(page)}px {wide_elements(page)}")
                screenshot(page, f"{screen['width']}-" + (pattern(path).strip("/")
                                                          .replace("/", "-") or "admin"))
                if path in menu:  # one level down: detail pages of each list
                    for link in admin_links(page, base, "main a"):
                        if link not in to_visit and pattern(link) not in seen:
                            to_visit.append(link)
            assert too_wide == [], "\n".join(too_wide)
            details = [path for path in seen.values() if path not in menu]
            assert any(re.fullmatch(r"/admin/people/\d+", p) for p in details), details
            assert any(re.fullmatch(r"/admin/notices/\d+", p) for p in details), details
            assert errors == []
    finally:
        context.close()


def test_on_a_phone_the_menu_is_one_button_that_opens_the_list(app, chromium, demo_island):
    context = chromium.new_context(locale="ja-JP", viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        with serve(app) as base:
            sign_in(page, base, "yakuba", demo_island)
            toggle = page.get_by_role("button", name=re.compile("メニュー"))
            assert toggle.is_visible() and "ホーム" in toggle.inner_text()
            audit_link = page.locator(".mainnav").get_by_role("link", name="監査ログ")
            assert not audit_link.is_visible()  # folded away: the page starts at its title
            heading = page.get_by_role("heading", level=1)
            assert heading.bounding_box()["y"] < 200
            toggle.click()
            assert toggle.get_attribute("aria-expanded") == "true"
            audit_link.click()
            page.wait_for_url(f"{base}/admin/audit")
            toggle = page.get_by_role("button", name=re.compile("メニュー"))
            assert "監査ログ" in toggle.inner_text()  # the button names the page you are on
            screenshot(page, "390-menu-closed")
            toggle.click()
            screenshot(page, "390-menu-open")
    finally:
        context.close()


def test_on_a_desktop_the_menu_is_a_row_of_links(app, chromium, demo_island):
    context = chromium.new_context(locale="ja-JP", viewport=DESKTOP)
    page = context.new_page()
    try:
        with serve(app) as base:
            sign_in(page, base, "yakuba", demo_island)
            assert not page.get_by_role("button", name=re.compile("メニュー")).is_visible()
            nav = page.locator(".mainnav")
            for name in ("ホーム", "招待コード", "監査ログ"):
                assert nav.get_by_role("link", name=name).is_visible()
            tops = {round(box["y"]) for box in (
                nav.get_by_role("link", name=name).bounding_box()
                for name in ("ホーム", "監査ログ"))}
            assert len(tops) == 1  # one row
    finally:
        context.close()
