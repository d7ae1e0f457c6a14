"""The error pages in a real browser, on a phone and on a desktop screen."""

from __future__ import annotations

import os

import pytest

from tests.support.browser import serve

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("ISLANDOS_SCREENSHOTS")  # a folder: keep the screenshots to look at


@pytest.mark.parametrize(("width", "height", "locale"), [(390, 844, "ja-JP"),
                                                          (1280, 800, "en-US")])
def test_a_missing_page_and_a_server_error_read_well(app, chromium, width, height, locale):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/admin/boom")
    def boom() -> str:
        raise RuntimeError("broken on purpose")

    context = chromium.new_context(locale=locale, viewport={"width": width, "height": height})
    page = context.new_page()
    english = locale.startswith("en")
    try:
        with serve(app) as base:
            response = page.goto(f"{base}/admin/nowhere")
            assert response is not None and response.status == 404
            heading = page.get_by_role("heading", level=1)
            assert heading.inner_text() == ("Page not found" if english
                                            else "ページが見つかりません")
            home = page.get_by_role("link", name="Back to home" if english else "ホームへ戻る")
            # Nothing runs off a phone's screen; the button is big enough for a thumb.
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            box = home.bounding_box()
            assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= width
            if SHOTS:
                page.screenshot(path=f"{SHOTS}/404-{width}.png", full_page=True)

            response = page.goto(f"{base}/admin/boom")
            assert response is not None and response.status == 500
            number = page.get_by_test_id("request-id").inner_text()
            assert number == response.headers["x-request-id"]
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if SHOTS:
                page.screenshot(path=f"{SHOTS}/500-{width}.png", full_page=True)

            page.get_by_role("link", name="Back to home" if english else "ホームへ戻る").click()
            page.wait_for_url(f"{base}/admin/login**")  # the dashboard asks for a sign-in
    finally:
        context.close()
