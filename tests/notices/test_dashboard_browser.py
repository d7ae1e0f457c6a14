"""The notice pages of the dashboard as a person sees them, on a phone (390×844) and a desktop
(1366×900): compose with the fields the choices need and the LINE preview beside (or below)
it, one confirmation step, the list, the call list and 「今すぐリマインド」.

Set ISLANDOS_SHOTS_DIR to keep a screenshot of each step there (to look at them)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from islandos.line.events import postback_data
from islandos.models.audit import AuditEntry
from islandos.models.people import Person
from tests.notices.conftest import send, sign_in, write_typhoon_notice
from tests.support.browser import chromium, serve  # noqa: F401
from tests.support.webhook import postback_event

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture(params=sorted(VIEWPORTS))
def screen(request, chromium) -> Iterator[Any]:  # noqa: F811
    """A fresh page on a phone or a desktop screen, in Japanese."""
    context = chromium.new_context(locale="ja-JP", viewport=VIEWPORTS[request.param])
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.screen_name = request.param
    yield page
    context.close()


def look(page: Any, name: str) -> None:
    """Keep a full-page screenshot when ISLANDOS_SHOTS_DIR says where."""
    folder = os.environ.get("ISLANDOS_SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}-{page.screen_name}.png"), full_page=True)


def no_sideways_scrolling(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, "not drawn"
    return found


def test_compose_shows_the_fields_each_choice_needs_and_the_preview_beside_or_below(
        app, db, island, screen):
    page = screen
    with serve(app) as base:
        sign_in(page, db, base, "/admin/notices/new")
        send_at, weekdays = page.locator("#send_at"), page.get_by_label("水曜")
        districts, tourist_days = page.get_by_label("北集落"), page.locator("#tourist_days")
        reminder = page.locator("#reminder_hours")
        for hidden in (send_at, weekdays, districts, tourist_days, reminder):
            assert hidden.is_hidden()

        # Each radio button sits on one line with its words, at the start of the line.
        for label in ("島民全員", "集落を選ぶ", "今すぐ", "日時を決めて", "毎週くり返す", "緊急"):
            choice = page.locator("label.choice", has_text=label).first
            button = box(choice.locator("input"))
            words = box(choice.locator("span"))
            assert words["height"] < 40, f"{label}: the words wrap or are huge"
            assert button["width"] < 30 and button["x"] < words["x"], label
            assert abs((button["y"] + button["height"] / 2)
                       - (words["y"] + words["height"] / 2)) < 8, f"{label}: not on one line"

        page.get_by_role("radio", name="日時を決めて").check()
        assert send_at.is_visible() and weekdays.is_hidden()
        page.get_by_role("radio", name="毎週くり返す").check()
        assert send_at.is_visible() and weekdays.is_visible()
        assert page.get_by_label("くり返しの終わりの日").is_visible()
        page.get_by_role("radio", name="今すぐ").check()
        assert send_at.is_hidden() and weekdays.is_hidden()
        page.get_by_role("radio", name="集落を選ぶ").check()
        assert districts.is_visible() and tourist_days.is_hidden()
        page.get_by_role("radio", name="観光客", exact=True).check()
        assert tourist_days.is_visible() and districts.is_hidden()
        page.get_by_role("radio", name="重要", exact=True).check()
        assert reminder.is_visible()

        # The preview follows what is typed, as LINE shows it (重要: a card with the button).
        page.get_by_label("タイトル", exact=True).fill("港の工事")
        page.get_by_label("本文（日本語）").fill("明日は港の北側に入れません。")
        preview = page.locator("#live-preview .line-phone[data-language=ja]")
        preview.get_by_text("港の工事", exact=True).wait_for()
        assert preview.get_by_text("確認しました", exact=True).is_visible()

        page.evaluate("window.scrollTo(0, 0)")
        form, aside = box(page.locator("#compose-form")), box(page.locator(".compose-preview"))
        if page.screen_name == "desktop":  # beside the form, at its top
            assert aside["x"] >= form["x"] + form["width"]
            assert abs(aside["y"] - form["y"]) < 5
        else:  # below the form, without a large gap
            assert aside["x"] == form["x"]
            assert 0 <= aside["y"] - (form["y"] + form["height"]) < 40
        no_sideways_scrolling(page)
        look(page, "compose")


def test_one_confirmation_states_people_per_language_and_messages_then_sends(
        app, db, island, worker, fake_line, screen):
    fake_line.quota_limit, fake_line.total_usage = 1000, 100
    page = screen
    with serve(app) as base:
        sign_in(page, db, base, "/admin/notices/new")
        write_typhoon_notice(page)

        page.get_by_role("heading", name="送信前の確認").wait_for()
        assert page.get_by_text("緊急または全員あてのお知らせです。").is_visible()
        people = page.locator("table.summary")
        assert people.locator("td[data-language=ja]").inner_text() == "3 人"  # with family
        assert people.locator("td[data-language=en]").inner_text().startswith("1 人")
        assert "英語の文がないので日本語で届きます" in people.inner_text()
        assert "4 人" in people.locator(".recipients-total").inner_text()
        assert "4 通" in people.locator(".messages-needed").inner_text()
        quota = page.locator(".quota").inner_text()
        assert "今月の上限 1000 通のうち 100 通を使用済み" in quota
        assert "このお知らせで 4 通使います" in quota
        assert page.locator("meter.quota-meter").is_visible()
        ja = page.locator(".line-phone[data-language=ja]")
        assert ja.get_by_text("台風の接近", exact=True).is_visible()

        look(page, "confirm")
        send_button = page.get_by_role("button", name="送信する")
        button, aside = box(send_button), box(page.locator(".compose-preview"))
        assert button["y"] + button["height"] <= page.viewport_size["height"]  # no scrolling
        if page.screen_name == "phone":
            assert button["y"] < aside["y"]  # before the preview, not after it
        no_sideways_scrolling(page)

        page.get_by_role("button", name="戻って直す").click()  # back: the form as it was
        assert page.get_by_label("タイトル", exact=True).input_value() == "台風の接近"
        assert page.get_by_role("radio", name="緊急").is_checked()
        page.get_by_role("button", name="確認へ進む").click()
        page.get_by_role("button", name="送信する").click()
        page.get_by_text("送信しました。").wait_for()
    worker.run_once()
    assert len(fake_line.calls("/v2/bot/message/multicast")) == 3  # ja, en, family


def test_the_list_says_the_audience_in_words_a_series_and_the_confirmation_rate(
        app, db, island, worker, fake_line, line, frozen_clock, screen):
    both = send(db, title="集落の清掃", audience_kind="districts",
                district_ids=(island.north, island.south), priority="important")
    send(db, title="役場からのお知らせ", audience_kind="islanders")
    start = frozen_clock() + timedelta(hours=1)  # Wednesday 10:00 in Japan
    send(db, title="ごみ収集", audience_kind="islanders", send_at=start, repeat_weekdays="2",
         repeat_until=start.date().replace(year=2027))
    worker.run_once()
    line.post(postback_event(island.uid("taro"), postback_data("notice_confirm", notice=both),
                             line.reply_token()))
    frozen_clock(hours=1)
    worker.run_once()  # the series' first Wednesday
    page = screen
    with serve(app) as base:
        sign_in(page, db, base, "/admin/notices")
        rows = page.locator("table.notices tbody tr")
        cleaning = rows.filter(has_text="集落の清掃")
        assert "北集落・南集落" in cleaning.inner_text()
        assert "集落を選ぶ" not in page.locator("table.notices").inner_text()
        assert "島民全員" in rows.filter(has_text="役場からのお知らせ").inner_text()
        rate = cleaning.locator("meter")
        assert rate.is_visible()
        assert rate.get_attribute("value") == "1" and rate.get_attribute("max") == "3"
        assert "1 / 3 人（33%）" in cleaning.inner_text()
        series = rows.filter(has_text="ごみ収集")
        assert re.search(r"次回：2026年12月2日\(水\) 10:00", series.inner_text())
        assert "のべ 3 人（1 回）" in series.inner_text()
        no_sideways_scrolling(page)
        look(page, "list")


def test_the_call_list_is_printable_by_district_and_audited_and_reminding_is_hourly(
        app, db, island, worker, fake_line, line, frozen_clock, screen):
    with db.transaction() as session:
        for name, phone in (("hanako", "090-1111-2222"), ("jiro", "090-3333-4444")):
            person = session.get(Person, island.ids[name])
            assert person is not None
            person.phone = phone
    notice_id = send(db, title="避難所の開設", audience_kind="islanders", priority="important")
    worker.run_once()
    line.post(postback_event(island.uid("taro"), postback_data("notice_confirm",
                                                               notice=notice_id),
                             line.reply_token()))
    page = screen
    with serve(app) as base:
        sign_in(page, db, base, f"/admin/notices/{notice_id}")
        remind = page.get_by_role("button", name="今すぐリマインド（2 通）")
        assert remind.is_visible()
        assert "今月の通数を 2 通使います" in page.locator(".remind-now").inner_text()
        remind.click()
        page.get_by_text("まだ確認していない 2 人にリマインドを送ります。").wait_for()
        page.get_by_role("button", name="今すぐリマインド（2 通）").click()
        refused = page.get_by_text("リマインドは1時間に1回までです。")
        refused.first.wait_for()
        assert "2026年11月25日(水) 10:00から送れます" in page.locator(".flash.error").inner_text()
        frozen_clock(minutes=30)  # (the dashboard signs out after 30 idle minutes)
        page.reload()
        frozen_clock(minutes=30)
        page.get_by_role("button", name="今すぐリマインド（2 通）").click()
        page.get_by_text("まだ確認していない 2 人にリマインドを送ります。").wait_for()
        look(page, "notice")
        no_sideways_scrolling(page)
        confirmed = page.locator("table.report tr", has_text="北集落").locator("td.confirmed")
        assert confirmed.inner_text() == "1"
        if page.screen_name == "phone":  # a card per district: each number says what it is
            label = confirmed.evaluate("td => getComputedStyle(td, '::before').content")
            assert label == '"確認済み"'

        page.get_by_role("button", name="電話で確認する人のリストを印刷（取扱注意）").click()
        page.get_by_text("取扱注意", exact=True).wait_for()
        # the print button is shown by the page's (deferred) script: wait until it appears
        page.get_by_role("button", name="印刷する").wait_for(state="visible", timeout=5000)
        north = page.locator("section", has=page.get_by_role("heading", name="北集落（1 人）"))
        assert "島 花子" in north.inner_text() and "090-1111-2222" in north.inner_text()
        south = page.locator("section", has=page.get_by_role("heading", name="南集落（1 人）"))
        assert "島 次郎" in south.inner_text() and "090-3333-4444" in south.inner_text()
        assert "島 太郎" not in page.locator(".call-list").inner_text()  # he confirmed
        no_sideways_scrolling(page)
        look(page, "call-list")
        page.emulate_media(media="print")
        assert page.locator(".topbar").is_hidden() and page.get_by_text("取扱注意").is_visible()
    with db.transaction() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id).where(
            AuditEntry.target == f"notice:{notice_id}")).all()
        made = [e for e in entries if e.action == "notice.call_list_printed"]
        reminded = [e for e in entries if e.action == "notice.reminded"]
    assert [(e.actor, e.after) for e in made] == [("admin:1", {"people": 2})]
    assert [e.after for e in reminded] == [{"recipients": 2, "by_hand": True}] * 2
    assert all(e.actor == "admin:1" for e in reminded)


def test_without_javascript_every_field_shows_and_the_notice_still_goes(
        app, db, island, worker, fake_line, chromium):  # noqa: F811
    context = chromium.new_context(locale="ja-JP", viewport=VIEWPORTS["phone"],
                                   java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.screen_name = "phone-nojs"
    try:
        with serve(app) as base:
            sign_in(page, db, base, "/admin/notices/new")
            for field in ("#send_at", "#repeat_until", "#tourist_days", "#reminder_hours"):
                assert page.locator(field).is_visible()
            assert page.get_by_text("くり返す曜日（「毎週くり返す」のとき）").is_visible()
            page.get_by_label("タイトル", exact=True).fill("港の工事")
            page.get_by_label("本文（日本語）").fill("明日は港の北側に入れません。")
            page.get_by_role("radio", name="集落を選ぶ").check()
            page.get_by_label("北集落").check()
            page.get_by_role("button", name="確認へ進む").click()
            page.get_by_role("heading", name="送信前の確認").wait_for()
            assert page.locator(".audience").inner_text().startswith("北集落")
            assert "【港の工事】" in page.locator(".line-phone .line-text").inner_text()
            no_sideways_scrolling(page)
            look(page, "confirm-nojs")
            page.get_by_role("button", name="送信する").click()
            page.get_by_text("送信しました。").wait_for()
    finally:
        context.close()
    worker.run_once()
    assert sorted(uid for call in fake_line.calls("/v2/bot/message/multicast")
                  for uid in call.json["to"]) == sorted([island.uid("taro"), island.uid("hanako")])
