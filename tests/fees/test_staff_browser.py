"""In a real browser on a phone: port staff check passes on /passes/verify, online and offline."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from islandos.extensions import islandos_state
from islandos.models.fees import FeeCheckIn, FeePass, FeePayment
from islandos.services.fees.passes import PassClaims, sign_pass
from tests.support.browser import chromium, serve  # noqa: F401
from tests.support.factories import ADMIN_PASSWORD, make_admin

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


def _exempt_pass(visitor, db) -> FeePass:
    response = visitor.pay("/fee?src=port", count_resident=2)
    reference = response.location.rsplit("/", 1)[-1]
    with db.transaction() as session:
        fee_pass = session.scalar(select(FeePass).join(FeePayment).where(
            FeePayment.reference == reference))
        assert fee_pass is not None
        return fee_pass


def test_staff_check_passes_on_a_phone_online_and_offline(
        app, db, visitor, chromium):  # noqa: F811
    first, second = _exempt_pass(visitor, db), _exempt_pass(visitor, db)
    settings = islandos_state(app).settings
    other = dataclasses.replace(settings, secret_key="another-island-" + "q" * 32)
    forged = sign_pass(other, PassClaims(second.code, second.arrival_date, {"adult": 9}))
    with db.transaction() as session:
        make_admin(session, username="port1", role="viewer", totp=False)
    context = chromium.new_context(locale="ja-JP", viewport={"width": 390, "height": 844},
                                   is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "favicon.ico" not in str(message.location)
            and "ERR_INTERNET_DISCONNECTED" not in message.text else None)
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        with serve(app) as base:
            page.goto(f"{base}/passes/verify")
            assert "/admin/login" in page.url
            page.get_by_label("ユーザー名").fill("port1")
            page.get_by_label("パスワード").fill(ADMIN_PASSWORD)
            page.get_by_role("button", name="ログイン").click()
            page.wait_for_url(f"{base}/passes/verify")
            page.get_by_text("オンライン", exact=True).wait_for()
            code = page.get_by_label("確認コード")
            result = page.locator("#result")

            code.fill(first.code.lower())
            page.get_by_role("button", name="確認する").click()
            result.get_by_text("有効です（本日）").wait_for()
            assert "島民 2人" in result.inner_text()
            page.screenshot(path=str(SHOTS / "verify-valid-phone.png"), full_page=True)

            code.fill(first.code)
            page.get_by_role("button", name="確認する").click()
            result.get_by_text("確認済みです").wait_for()
            assert "最初の確認: 11/25 09:00" in result.inner_text()
            page.screenshot(path=str(SHOTS / "verify-already-phone.png"), full_page=True)

            code.fill(forged)
            page.get_by_role("button", name="確認する").click()
            result.get_by_text("偽造の疑いがあります。使えません。").wait_for()

            # The service worker keeps the page: it opens again with no network.
            assert page.evaluate(
                "navigator.serviceWorker.ready.then(function () { return true; })")
            page.reload()  # now controlled by the service worker, which caches the page
            page.get_by_text("オンライン", exact=True).wait_for()
            context.set_offline(True)
            page.reload()
            page.get_by_role("heading", name="パスの確認").wait_for()
            code = page.get_by_label("確認コード")
            result = page.locator("#result")
            code.fill(second.token)  # what the camera reads from the QR
            page.get_by_role("button", name="確認する").click()
            result.get_by_text("有効です（オフラインで確認。通信が戻ったら送信します）").wait_for()
            page.get_by_text("1件が送信待ちです").wait_for()
            code.fill(forged)
            page.get_by_role("button", name="確認する").click()
            result.get_by_text("偽造の疑いがあります。使えません。").wait_for()
            page.screenshot(path=str(SHOTS / "verify-offline-phone.png"), full_page=True)
            with db.transaction() as session:
                assert session.scalars(select(FeeCheckIn).where(
                    FeeCheckIn.pass_id == second.id)).all() == []

            context.set_offline(False)
            page.evaluate("window.dispatchEvent(new Event('online'))")
            page.get_by_text("オフラインの確認1件を送信しました").wait_for()
            page.locator("#queue-box").wait_for(state="hidden")
            with db.transaction() as session:
                sent = session.scalars(select(FeeCheckIn).where(
                    FeeCheckIn.pass_id == second.id)).one()
                assert sent.offline and sent.device and sent.device.startswith("phone-")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390
    finally:
        context.close()
    assert errors == []


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_fee_page_reads_its_steps_aloud_in_its_language(app, chromium, language):  # noqa: F811
    context = chromium.new_context(locale="ja-JP" if language == "ja" else "en-US",
                                   viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    page = context.new_page()
    # The page's own speech: record what it asks the browser to say, in which language.
    page.add_init_script("""
        window.__said = [];
        window.speechSynthesis.speak = function (u) { window.__said.push([u.lang, u.text]); };
    """)
    try:
        with serve(app) as base:
            page.goto(f"{base}/fee?lang={language}")
            name = "音声で案内" if language == "ja" else "Read aloud"
            page.get_by_role("button", name=name).click()
            said = page.evaluate("window.__said")
            stop = "読み上げを止める" if language == "ja" else "Stop reading"
            assert page.get_by_role("button", name=stop).is_visible()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"fee-read-aloud-{language}.png"))
    finally:
        context.close()
    assert len(said) == 1
    voice_language, words = said[0]
    if language == "ja":
        assert voice_language == "ja-JP" and words.startswith("お支払いの手順です。")
        assert "港で係の人にパスを見せてください。" in words
    else:
        assert voice_language == "en-US" and words.startswith("How to pay:")
        assert "Show it to the port staff." in words
