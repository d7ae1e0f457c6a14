"""In a real browser, on a phone and a desktop: /fee → (fake) Stripe Checkout → the thanks page,
which waits for the webhook and then shows the pass."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from islandos.extensions import islandos_state
from tests.support.browser import chromium, serve  # noqa: F401

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 900)], ids=["phone", "desktop"])
def test_a_visitor_pays_on_the_phone_and_sees_the_pass(
        app, stripe_api, chromium, viewport):  # noqa: F811
    context = chromium.new_context(locale="ja-JP",
                                   viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    # The app has no favicon (not this feature's business); every other failed load counts.
    page.on("console", lambda message: errors.append(f"{message.text} {message.location}")
            if message.type == "error" and "favicon.ico" not in str(message.location)
            else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    state = islandos_state(app)
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = "phone" if viewport[0] < 500 else "desktop"
    try:
        with serve(app) as base:
            state.settings = dataclasses.replace(state.settings, public_base_url=base)
            stripe_api.webhook_url = f"{base}/stripe/webhook"
            page.goto(f"{base}/fee?src=port")
            page.get_by_label("大人（中学生以上）").fill("2")
            page.get_by_label("子ども（6〜12歳）").fill("1")
            page.screenshot(path=str(SHOTS / f"fee-form-{name}.png"), full_page=True)
            page.get_by_role("button", name="支払いへ進む").click()
            page.wait_for_url(f"{stripe_api.base_url}/pay/**")
            assert page.locator(".total").inner_text() == "¥1,200"
            stripe_api.webhook_delay = 2.0  # back on our page before Stripe's webhook
            page.get_by_role("button", name="Pay ¥1,200").click()
            page.wait_for_url(f"{base}/fee/thanks/**")
            assert page.get_by_text("お支払いを確認しています").is_visible()
            assert page.locator(".fee-pass").count() == 0  # no pass before the webhook
            page.locator(".fee-pass svg").wait_for()  # the page checked again and shows it
            code = page.locator(".fee-code").inner_text()
            assert len(code) == 6
            assert page.get_by_text("大人（中学生以上） 2人").is_visible()
            assert page.get_by_role("link", name="パスを画像で保存").is_visible()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport[0]  # nothing wider than the phone
            page.screenshot(path=str(SHOTS / f"fee-pass-{name}.png"), full_page=True)
    finally:
        context.close()
    assert errors == []
