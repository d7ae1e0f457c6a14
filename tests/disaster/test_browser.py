"""In a real browser: two admins start disaster mode with a safety check in /admin; in the
LINE simulator an islander asks for help and their family member answers for another
islander from the disaster menu; the office reads the live list, on a phone and a desktop."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from islandos.extensions import islandos_state
from islandos.line.richmenus import deploy_rich_menus
from islandos.line.worker import Worker
from islandos.models.people import FamilyLink, Role
from tests.simulator.conftest import dev_app  # noqa: F401
from tests.support.admin import totp_code
from tests.support.browser import chromium, serve  # noqa: F401
from tests.support.factories import ADMIN_PASSWORD, make_admin, make_district, make_person

pytestmark = pytest.mark.browser
BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5E"
    "rkJggg==")
SHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots" / "disaster"


def _page(chromium: Any, width: int, height: int) -> Any:  # noqa: F811
    """A page in Japanese; map tiles are answered locally (no request leaves the machine)."""
    context = chromium.new_context(locale="ja-JP", viewport={"width": width, "height": height})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.route("https://cyberjapandata.gsi.go.jp/**", lambda route: route.fulfill(
        status=200, content_type="image/png", body=BLANK_TILE))
    return page


def _log_in(page: Any, base: str, username: str, secret: str | None) -> None:
    page.goto(f"{base}/admin/disaster")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_label("認証アプリの6けたのコード").fill(totp_code(secret or ""))
    page.get_by_role("button", name="確認").click()
    page.wait_for_url(f"{base}/admin/disaster")


def _tap(page: Any, label: str) -> None:
    page.locator("#chat button, #quick button", has_text=label).last.click()


def test_start_answer_as_islander_and_family_and_read_the_live_list(
        dev_app, chromium):  # noqa: F811
    state = islandos_state(dev_app)
    db = state.db
    deploy_rich_menus(db, state.transport)
    with db.transaction() as session:
        north = make_district(session, "north", "北集落", "North", sort_order=1)
        taro = make_person(session, Role.ISLANDER, "ja", north, full_name="島 太郎",
                           phone="090-1111-2222")
        jiro = make_person(session, Role.ISLANDER, "ja", north, full_name="島 次郎")
        make_person(session, Role.ISLANDER, "ja", north, full_name="浜 ウメ", line_user_id=None)
        family = make_person(session, Role.FAMILY, "ja", full_name="本土 一郎")
        session.add_all([
            FamilyLink(family_person_id=family.id, islander_person_id=taro.id),
            FamilyLink(family_person_id=family.id, islander_person_id=jiro.id)])
        _a, first_secret = make_admin(session, username="kacho", role="admin")
        _b, second_secret = make_admin(session, username="jicho", role="admin")
        taro_uid, family_uid = taro.line_user_id, family.line_user_id
    worker = Worker(db, state.transport, state.jobs, worker_id="browser")
    SHOTS.mkdir(parents=True, exist_ok=True)
    office = _page(chromium, 1366, 900)
    deputy = _page(chromium, 390, 844)
    phone = _page(chromium, 390, 844)
    with serve(dev_app) as base:
        _log_in(office, base, "kacho", first_secret)
        office.get_by_label("災害の種類").select_option("typhoon")
        office.get_by_label("島民全員に安否確認を送る", exact=False).check()
        office.get_by_role("button", name="災害時モードを始める").click()
        office.get_by_text("災害時モードを始めました").wait_for()
        assert office.get_by_text("別の管理者の確認待ち").is_visible()

        _log_in(deputy, base, "jicho", second_secret)
        deputy.get_by_role("button", name="確認して安否確認を送る").click()
        deputy.get_by_text("安否確認を送りました").wait_for()
        for _ in range(3):
            worker.run_once()  # the check, the family copy and the menu switch

        phone.goto(f"{base}/dev/simulator/?user={taro_uid}")
        tile = phone.get_by_test_id("richmenu").get_by_role("button", name="安否を知らせる",
                                                             exact=True)
        tile.wait_for(state="attached")
        phone.get_by_text("【安否確認】台風").first.wait_for()
        _tap(phone, "助けが必要")
        phone.get_by_text("どのような助けが必要ですか", exact=False).wait_for()
        _tap(phone, "動けない")
        phone.get_by_text("「助けが必要（動けない）」と役場に伝えました", exact=False).wait_for()
        _tap(phone, "位置情報を送る")  # the quick reply opens the simulator's location form
        phone.get_by_test_id("location-form").get_by_role("button", name="位置を送る").click()
        phone.get_by_text("位置情報を役場に伝えました", exact=False).wait_for()
        phone.screenshot(path=str(SHOTS / "islander-phone.png"))
        worker.run_once()  # the push to the family

        phone.goto(f"{base}/dev/simulator/?user={family_uid}")
        phone.get_by_text("【安否】島 太郎さん：助けが必要（動けない）").first.wait_for()
        phone.get_by_test_id("text").fill("家族へ連絡")
        phone.get_by_test_id("text").press("Enter")
        phone.get_by_text("島 次郎さん").last.wait_for()
        _tap(phone, "無事を確認した")
        phone.get_by_text("「家族が無事を確認しました」と役場に伝えました", exact=False).wait_for()
        phone.screenshot(path=str(SHOTS / "family-phone.png"))

        for page, name in ((office, "desktop"), (deputy, "phone")):
            page.goto(f"{base}/admin/disaster")
            rows = page.locator(".safety-list li")
            assert rows.nth(0).get_attribute("class") == "state-help"
            assert "島 太郎" in rows.nth(0).inner_text()
            assert "動けない" in rows.nth(0).inner_text()
            assert "浜 ウメ" in rows.nth(1).inner_text() and "LINEなし" in rows.nth(1).inner_text()
            assert "家族が確認" in rows.nth(2).inner_text()
            page.locator("#help-map .leaflet-interactive").first.wait_for()  # taro's marker
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= page.viewport_size["width"], name
            page.screenshot(path=str(SHOTS / f"live-{name}.png"), full_page=True)
            page.get_by_role("link", name="訪問リストを印刷（取扱注意）").click()
            page.get_by_text("取扱注意：個人情報です", exact=False).wait_for()
            assert "浜 ウメ" in page.locator(".visit-list").inner_text()
            assert "島 太郎" not in page.locator(".visit-list").inner_text()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= page.viewport_size["width"], name
            page.screenshot(path=str(SHOTS / f"visits-{name}.png"), full_page=True)
    for page in (office, deputy, phone):
        page.context.close()
