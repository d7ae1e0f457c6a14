"""In a real browser: a new user registers as an islander in the simulator."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from islandos.extensions import islandos_state
from islandos.line.richmenus import deploy_rich_menus
from islandos.line.worker import Worker
from islandos.models.people import Person, Role
from islandos.services.registration import create_invite_codes
from tests.support.browser import serve
from tests.support.factories import make_district

pytestmark = pytest.mark.browser


def tap(page, label: str) -> None:
    """Tap the newest button with this label (in a card or the quick replies)."""
    page.locator("#chat button, #quick button", has_text=label).last.click()


def menu_tile(page, label: str):
    return page.get_by_test_id("richmenu").get_by_role("button", name=label, exact=True)


def test_a_new_user_registers_as_an_islander_in_the_simulator(dev_app, browser_page):
    state = islandos_state(dev_app)
    db = state.db
    deploy_rich_menus(db, state.transport)
    with db.transaction() as session:
        district = make_district(session, code="east", name_ja="東集落", name_en="East")
        code = create_invite_codes(session, count=1, district_id=None, actor="cli")[0].code
    page = browser_page
    with serve(dev_app) as base:
        page.goto(f"{base}/dev/simulator/")
        page.get_by_test_id("new-persona").click()
        page.wait_for_url("**/dev/simulator/?user=U*")
        user_id = page.url.rsplit("=", 1)[1]

        menu_tile(page, "島民・家族の登録").wait_for()  # the default menu
        page.get_by_test_id("follow").click()
        page.get_by_text("ようこそ / Welcome").first.wait_for()
        tap(page, "日本語")
        page.get_by_text("島民ですか？観光客ですか？家族ですか？").first.wait_for()
        tap(page, "島民です")
        page.get_by_text("招待コードを送ってください").first.wait_for()
        page.get_by_test_id("text").fill(code)
        page.get_by_test_id("text").press("Enter")
        page.get_by_text("コードを確認しました").wait_for()
        tap(page, "同意して進む")
        page.get_by_text("お名前（フルネーム）を送ってください", exact=False).wait_for()
        page.get_by_test_id("text").fill("比嘉 花子")
        page.get_by_test_id("text").press("Enter")
        page.get_by_text("電話番号を送ってください", exact=False).wait_for()
        tap(page, "電話番号なしで進む")
        page.get_by_text("お住まいの集落を選んでください").first.wait_for()
        tap(page, "東集落")
        page.get_by_text("登録が終わりました", exact=False).wait_for()
        page.get_by_test_id("person-info").get_by_text("islander", exact=False).wait_for()
        Worker(db, state.transport, state.jobs, worker_id="sim").run_once()  # links the menu
        menu_tile(page, "お知らせ").wait_for()  # the islander menu
        assert page.get_by_test_id("sent").get_by_text("比嘉 花子").is_visible()

    with db.transaction() as session:
        person = session.scalars(select(Person).where(Person.line_user_id == user_id)).one()
        assert person.role == Role.ISLANDER
        assert person.full_name == "比嘉 花子"
        assert person.district_id == district.id
