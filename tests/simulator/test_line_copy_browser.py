"""In a real browser, on a phone and on a desktop: what the bot sends looks right in the
simulator. Important and emergency notices carry a coloured band; deleting data and
removing a family link are the grey-red second button under a green safe one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from islandos.demo.island import demo_user_id
from islandos.line.outbox import enqueue_push
from islandos.models.notices import Notice
from islandos.services.notices.messages import notice_messages
from tests.simulator.test_line_app import (  # noqa: F401  (fixtures)
    ISLANDER,
    base,
    css,
    island,
    open_chat,
    page_width,
    run_worker,
    say,
)

pytestmark = pytest.mark.browser

# Set ISLANDOS_SCREENSHOTS=/some/dir to keep what the browser showed, to look at it.
SHOTS = os.environ.get("ISLANDOS_SCREENSHOTS")


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def test_important_and_emergency_notices_stand_out(screen, base, island):  # noqa: F811
    page = open_chat(screen, base)
    notices = [Notice(id=9001, title="断水のお知らせ", body_ja="明日9時から12時まで断水します。",
                      priority="important"),
               Notice(id=9002, title="避難指示", body_ja="高台へ避難してください。",
                      priority="emergency")]
    with island.db.transaction() as session:
        enqueue_push(session, ISLANDER, [message for notice in notices
                                         for message in notice_messages(notice, "ja")])
    run_worker(island)
    cards = page.get_by_test_id("flex")
    cards.last.wait_for()
    important, emergency = cards.nth(cards.count() - 2), cards.last
    for card, word, colour in ((important, "重要", "rgb(179, 92, 0)"),
                               (emergency, "緊急", "rgb(192, 57, 43)")):
        band = card.get_by_text(word, exact=True)
        assert band.is_visible()
        assert css(band, "color") == "rgb(255, 255, 255)"
        assert css(band.locator(".."), "backgroundColor") == colour
        # The band is at the top of the card, above the title.
        assert band.bounding_box()["y"] < card.get_by_text(
            "断水のお知らせ" if word == "重要" else "避難指示", exact=True).bounding_box()["y"]
        assert card.get_by_role("button", name="確認しました").is_visible()
    emergency.scroll_into_view_if_needed()
    shot(page, f"notice-bands-{screen.name}")
    assert page_width(page) <= screen.width
    assert screen.errors == []


def test_deleting_data_is_the_second_warning_coloured_button(screen, base, island):  # noqa: F811
    page = open_chat(screen, base)
    say(page, "データを削除")
    card = page.get_by_test_id("flex").last
    card.get_by_text("データを削除しますか？").wait_for()
    keep = card.get_by_role("button", name="やめる")
    delete = card.get_by_role("button", name="削除する")
    assert css(keep, "backgroundColor") == "rgb(6, 199, 85)"  # LINE's green primary
    assert css(delete, "backgroundColor") == "rgb(246, 212, 207)"  # pale warning red
    assert css(delete, "color") == "rgb(17, 17, 17)"
    assert keep.bounding_box()["y"] < delete.bounding_box()["y"]  # the safe one first
    assert card.get_by_text("消えるもの：", exact=False).is_visible()
    card.scroll_into_view_if_needed()
    shot(page, f"delete-data-{screen.name}")
    keep.click()
    page.get_by_text("削除をやめました。データはそのままです。").wait_for()
    assert screen.errors == []


def test_cards_grow_with_the_font_size_chosen_in_line(screen, base, island):  # noqa: F811
    page = open_chat(screen, base)
    say(page, "設定")
    card = page.get_by_test_id("flex").last
    title = card.get_by_text("設定", exact=True)
    title.wait_for()
    button = card.get_by_role("button", name="データを削除")
    normal, normal_button = css(title, "fontSize"), css(button, "fontSize")
    assert (normal, normal_button) == ("19px", "16px")
    page.get_by_test_id("font-scale").select_option(label="特大")
    assert float(css(title, "fontSize")[:-2]) == pytest.approx(19 * 1.45, rel=0.01)
    assert float(css(button, "fontSize")[:-2]) == pytest.approx(16 * 1.45, rel=0.01)
    card.scroll_into_view_if_needed()
    shot(page, f"font-size-extra-large-{screen.name}")
    assert page_width(page) <= screen.width
    page.reload()  # the choice stays, as the setting does in LINE
    page.get_by_test_id("flex").last.get_by_text("設定", exact=True).wait_for()
    assert page.get_by_test_id("font-scale").input_value() == "1.45"
    assert screen.errors == []


def test_family_see_whom_they_are_linked_to_and_removing_a_link_is_the_warning_button(
        screen, base, island):  # noqa: F811
    page = open_chat(screen, base, demo_user_id("family", 0))
    say(page, "家族とのつながり")
    carousel = page.get_by_test_id("chat").locator("li").last
    # 比嘉 ウシ agreed to show her name; 比嘉 正男 has not chosen, so only his district shows.
    shown = carousel.get_by_text("比嘉 ウシ（港集落）", exact=True)
    shown.wait_for()
    assert carousel.get_by_text("港集落の方", exact=True).count() == 1
    remove = carousel.get_by_role("button", name="解除する").first
    assert css(remove, "backgroundColor") == "rgb(246, 212, 207)"
    shot(page, f"family-links-{screen.name}")
    assert page_width(page) <= screen.width
    remove.click()
    confirm = page.get_by_test_id("flex").last
    confirm.get_by_text("つながりを解除しますか？").wait_for()
    keep = confirm.get_by_role("button", name="やめる")
    unlink = confirm.get_by_role("button", name="解除する")
    assert css(keep, "backgroundColor") == "rgb(6, 199, 85)"
    assert css(unlink, "backgroundColor") == "rgb(246, 212, 207)"
    assert keep.bounding_box()["y"] < unlink.bounding_box()["y"]
    confirm.scroll_into_view_if_needed()
    shot(page, f"family-unlink-{screen.name}")
    assert screen.errors == []
