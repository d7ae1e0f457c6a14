"""In a real browser, on a phone and a desktop: from the home page to the map, a filter, a
spot's page. Map tiles are answered locally (no request leaves the machine)."""

from __future__ import annotations

import base64

import pytest

from tests.support.browser import chromium, serve  # noqa: F401

pytestmark = pytest.mark.browser

BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5E"
    "rkJggg==")


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 900)], ids=["phone", "desktop"])
def test_a_visitor_finds_the_map_filters_it_and_opens_a_spot(
        app, island_map, chromium, viewport):  # noqa: F811
    context = chromium.new_context(locale="ja-JP",
                                   viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.route("https://cyberjapandata.gsi.go.jp/**", lambda route: route.fulfill(
        status=200, content_type="image/png", body=BLANK_TILE))
    try:
        with serve(app) as base:
            page.goto(f"{base}/")
            assert page.get_by_text("アガリ拝所の周りの小道", exact=False).first.is_visible()
            page.get_by_role("link", name="島の地図").first.click()
            page.wait_for_url(f"{base}/map")
            page.locator(".leaflet-interactive").first.wait_for()
            markers = page.locator("path.leaflet-interactive")
            everything = markers.count()
            assert everything >= 15  # spots, the no-entry places and the closed area
            page.get_by_role("button", name="トイレ").click()
            assert page.get_by_role("button", name="トイレ").get_attribute("aria-pressed") == \
                "true"
            assert 2 <= markers.count() < everything
            assert page.get_by_role("link", name="港のトイレ").is_visible()
            assert not page.get_by_role("link", name="南風港").is_visible()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport[0]
            page.get_by_role("link", name="港のトイレ").click()
            page.wait_for_url(f"{base}/spots/port-toilet")
            assert page.get_by_role("heading", name="港のトイレ").is_visible()
            assert page.get_by_text("7:00〜18:00").is_visible()
    finally:
        context.close()
    assert errors == []
