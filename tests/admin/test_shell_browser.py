"""In a real browser, on a phone (390×844) and a desktop (1366×900): the home shows what
needs attention first, invite codes are listed and revoked, the audit log reads as words,
is filtered and downloads as CSV."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from islandos.line.events import postback_data
from tests.admin.test_people import make_request
from tests.admin.test_screens import DESKTOP, PHONE, overflow, screenshot
from tests.notices.conftest import send
from tests.support.browser import serve, sign_in
from tests.support.factories import make_admin
from tests.support.webhook import postback_event

pytestmark = pytest.mark.browser
SCREENS = pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])


@pytest.fixture
def office(db: Any) -> str | None:
    with db.transaction() as session:
        _admin, secret = make_admin(session, username="yakuba")
    return secret


@pytest.fixture
def open_page(chromium: Any, request: Any) -> Iterator[Any]:
    screen = request.node.callspec.params["screen"]
    context = chromium.new_context(locale="ja-JP", viewport=screen)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@SCREENS
def test_the_home_shows_what_needs_attention_before_the_recent_notices(
        app, db, island, worker, line, office, open_page, screen, frozen_clock):
    make_request(db, name="新里 ゆき")
    notice_id = send(db, title="台風が近づいています", priority="important", reminder_hours=6)
    worker.run_once()
    line.post(postback_event(island.uid("taro"), postback_data("notice_confirm",
                                                               notice=notice_id),
                             line.reply_token()))
    page = open_page
    with serve(app) as base:
        sign_in(page, base, "yakuba", office)
        attention = page.locator(".attention-items")
        request = attention.get_by_role("link", name=re.compile("島民登録の申請が1件"))
        unconfirmed = attention.get_by_role("link", name=re.compile("台風が近づいています"))
        assert request.is_visible() and unconfirmed.is_visible()
        assert "まだ2人が確認していません" in unconfirmed.inner_text()
        assert "2026年11月25日(水) 15:00" in unconfirmed.inner_text()
        recent = page.locator(".home-panel")
        row = recent.locator("li", has_text="台風が近づいています")
        assert row.locator("meter").is_visible() and "33%" in row.inner_text()
        # What needs attention is first: above the recent notices, on the first screen.
        assert attention.bounding_box()["y"] < recent.bounding_box()["y"]
        assert attention.bounding_box()["y"] < screen["height"]
        assert overflow(page) == 0
        screenshot(page, f"{screen['width']}-home-attention")
        request.click()
        page.wait_for_url(f"{base}/admin/requests")
        assert page.get_by_text("新里 ゆき").is_visible()


@SCREENS
def test_the_office_makes_codes_sees_them_listed_and_revokes_one(
        app, db, office, open_page, screen):
    page = open_page
    with serve(app) as base:
        sign_in(page, base, "yakuba", office)
        page.goto(f"{base}/admin/invite-codes")
        page.get_by_label("いくつ作りますか").fill("2")  # the form is open: no code yet
        page.get_by_role("button", name="作る").click()
        page.get_by_text("招待コードを2件作りました").wait_for()
        codes = page.locator("ul.codes code").all_inner_texts()
        assert len(codes) == 2
        rows = page.locator("table.invite-codes tbody tr")
        assert rows.count() == 2
        first = page.locator("tr", has_text=codes[0])
        assert first.get_by_text("未使用").is_visible()
        page.once("dialog", lambda dialog: dialog.accept())  # "…よろしいですか？"
        first.get_by_role("button", name="取り消す").click()
        page.get_by_text(f"招待コード {codes[0]} を取り消しました").wait_for()
        revoked = page.locator("tr", has_text=codes[0])
        assert revoked.get_by_text("取り消し済み").is_visible()
        assert revoked.get_by_role("button", name="取り消す").count() == 0
        assert page.locator("tr", has_text=codes[1]).get_by_role(
            "button", name="取り消す").is_visible()
        page.get_by_role("link", name=re.compile("取り消し済み")).click()
        assert page.locator("table.invite-codes tbody tr").count() == 1
        assert overflow(page) == 0
        screenshot(page, f"{screen['width']}-invite-codes-revoked")


@SCREENS
def test_the_audit_log_reads_as_words_is_filtered_and_downloads_as_csv(
        app, db, office, open_page, screen):
    _person_id, _request_id = make_request(db, name="比嘉 花子")
    with db.transaction() as session:
        make_admin(session, username="henshu", role="editor")
    page = open_page
    with serve(app) as base:
        sign_in(page, base, "yakuba", office)
        page.goto(f"{base}/admin/audit")
        row = page.locator("tbody tr", has_text="島民登録を申請")
        assert "比嘉 花子" in row.inner_text()
        login = page.locator("tbody tr", has_text="管理画面にログイン").first
        assert "アカウント yakuba" in login.inner_text() and "admin:" not in login.inner_text()
        when = login.locator("td.when time")
        assert when.bounding_box()["height"] < 40  # the date on one line
        assert overflow(page) == 0
        screenshot(page, f"{screen['width']}-audit")

        page.get_by_text("絞り込む").click()
        page.get_by_label("利用者（名前か番号）").fill("比嘉")
        page.get_by_role("button", name="検索").click()
        assert page.locator("tbody tr").count() == 1
        assert page.locator("tbody").get_by_text("島民登録を申請").is_visible()
        page.get_by_role("link", name="条件をクリア").click()
        page.get_by_text("絞り込む").click()
        page.get_by_label("操作したアカウント").select_option(label="yakuba")
        page.get_by_role("button", name="検索").click()
        assert page.locator("tbody tr", has_text="島民登録を申請").count() == 0
        assert page.locator("tbody tr", has_text="管理画面にログイン").count() >= 1

        with page.expect_download() as download:
            page.get_by_role("link", name="CSVで書き出す").click()
        data = Path(download.value.path()).read_bytes()
        assert data.startswith("\ufeff".encode())
        text = data.decode("utf-8")
        assert "管理画面にログイン" in text and "アカウント yakuba" in text
        assert "島民登録を申請" not in text  # the filter applies to the download
