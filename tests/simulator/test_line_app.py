"""In a real browser, on a phone and on a desktop: the simulator looks and behaves like LINE.

The demo island is loaded and the rich menus deployed to the recorder, as `islandos serve
--demo` does; the worker is run by hand where LINE would link a menu or deliver a push.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from islandos.demo import seed_demo
from islandos.demo.island import demo_user_id
from islandos.extensions import IslandState, islandos_state
from islandos.line import messages
from islandos.line.outbox import enqueue_push
from islandos.line.richmenus import deploy_rich_menus
from islandos.line.worker import Worker
from tests.simulator.conftest import Screen
from tests.support.browser import serve

pytestmark = pytest.mark.browser

ISLANDER = demo_user_id("islander", 0)  # 比嘉 ウシ, 港集落, Japanese


@pytest.fixture
def island(dev_app: Flask, frozen_clock: Any) -> IslandState:
    state = islandos_state(dev_app)
    with state.db.transaction() as session:
        seed_demo(session, state.registry.seeders)
    deploy_rich_menus(state.db, state.transport)
    return state


@pytest.fixture
def base(dev_app: Flask, island: IslandState) -> Iterator[str]:
    with serve(dev_app) as url:
        yield url


def run_worker(state: IslandState) -> None:
    Worker(state.db, state.transport, state.jobs, worker_id="browser").run_once()


def open_chat(screen: Screen, base: str, user_id: str = ISLANDER) -> Any:
    page = screen.page
    page.goto(f"{base}/dev/simulator/?user={user_id}")
    page.get_by_test_id("person-info").get_by_text("active", exact=False).wait_for()
    return page


def say(page: Any, text: str) -> None:
    page.get_by_test_id("text").fill(text)
    page.get_by_test_id("text").press("Enter")


def menu_area(page: Any, label: str) -> Any:
    return page.get_by_test_id("richmenu").get_by_role("button", name=label, exact=True)


def page_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_the_linked_rich_menu_is_drawn_and_a_tap_sends_its_words(screen, base):
    page = open_chat(screen, base)
    menu = page.get_by_test_id("richmenu")
    picture = menu.locator("img")
    picture.wait_for()
    # decode() waits for the picture to arrive: under load it is shown before it is loaded
    assert picture.evaluate("img => img.decode().then(() => img.naturalWidth)") == 2500
    drawn = picture.bounding_box()
    assert drawn["width"] / drawn["height"] == pytest.approx(2500 / 1686, rel=0.02)  # 2 rows
    assert drawn["y"] + drawn["height"] <= screen.page.viewport_size["height"]
    # three tiles side by side in the first row
    tiles = [menu_area(page, label).bounding_box() for label in ("お知らせ", "行事", "マップ")]
    assert [round(t["width"] / drawn["width"], 2) for t in tiles] == [0.33, 0.33, 0.33]
    assert tiles[0]["x"] < tiles[1]["x"] < tiles[2]["x"]

    menu_area(page, "お知らせ").click()
    page.get_by_test_id("sent").get_by_text("お知らせ", exact=True).wait_for()
    page.get_by_test_id("carousel").get_by_text("断水のお知らせ").wait_for()

    toggle = page.get_by_test_id("menu-toggle")
    assert toggle.inner_text() == "メニュー ▼"
    toggle.click()
    assert not menu.is_visible() and toggle.inner_text() == "メニュー ▲"
    toggle.click()
    menu_area(page, "ヘルプ").click()
    page.get_by_text("ご用件を下のボタンから選んでください。").wait_for()
    assert screen.errors == []


def test_the_menu_changes_when_the_worker_links_a_new_one(screen, base, island):
    page = screen.page
    page.goto(f"{base}/dev/simulator/")
    page.get_by_test_id("new-persona" if screen.name == "desktop" else "new-persona-phone").click()
    page.wait_for_url("**/dev/simulator/?user=U*")
    menu_area(page, "島民・家族の登録").wait_for()  # the default menu, before following

    page.get_by_test_id("follow").click()
    page.locator("#chat button", has_text="English").last.click()
    page.get_by_text("are you visiting, or are you family?", exact=False).first.wait_for()
    run_worker(island)  # links the English menu
    menu_area(page, "Register").wait_for()
    assert page.get_by_test_id("menu-toggle").inner_text() == "Menu ▼"
    assert screen.errors == []


def test_the_date_picker_and_the_location_form_show_only_when_asked(screen, base, island):
    page = open_chat(screen, base)
    picker, where = page.get_by_test_id("date-picker"), page.get_by_test_id("location-form")
    assert not picker.is_visible() and not where.is_visible()

    with island.db.transaction() as session:
        enqueue_push(session, ISLANDER, [messages.flex("清掃活動", messages.bubble(
            "清掃活動", ["参加できる日を選んでください。"],
            [messages.datetime_picker_action("日を選ぶ", "action=pick", mode="date",
                                             min_value="2026-12-01")]),
            [messages.location_action("いまの場所を送る")])])
    run_worker(island)
    page.locator("#quick button", has_text="いまの場所を送る").click()
    assert where.is_visible() and not picker.is_visible()
    where.get_by_role("button", name="位置を送る").click()
    page.get_by_test_id("sent").get_by_text("26.159", exact=False).wait_for()
    assert not where.is_visible()

    page.locator("#chat button", has_text="日を選ぶ").click()
    assert picker.is_visible() and not where.is_visible()
    page.get_by_label("日付を選ぶ").fill("2026-12-05")
    picker.get_by_role("button", name="決定").click()
    page.get_by_test_id("sent").get_by_text("2026-12-05", exact=False).wait_for()
    assert not picker.is_visible()
    assert not where.is_visible()
    assert screen.errors == []


def test_a_carousel_scrolls_inside_the_chat_and_never_widens_the_page(screen, base):
    page = open_chat(screen, base)
    say(page, "お知らせ")
    carousel = page.get_by_test_id("carousel")
    carousel.get_by_text("断水のお知らせ").wait_for()
    assert page_width(page) <= screen.width
    box = carousel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= screen.width
    last = carousel.get_by_test_id("flex").last
    assert last.bounding_box()["x"] > box["x"] + box["width"]  # out of sight, to the side
    assert carousel.evaluate("row => { row.scrollLeft = row.scrollWidth; return row.scrollLeft; }")
    page.wait_for_timeout(300)  # scroll snapping settles
    shown = last.bounding_box()
    assert box["x"] <= shown["x"] and shown["x"] + shown["width"] <= box["x"] + box["width"] + 1
    assert page_width(page) <= screen.width
    assert screen.errors == []


def test_on_a_phone_the_chat_comes_first_and_personas_are_a_drop_down(screen, base):
    page = screen.page
    page.goto(f"{base}/dev/simulator/")
    assert "左" not in page.get_by_test_id("empty-state").inner_text()
    picker, listing = page.get_by_test_id("persona-picker"), page.get_by_test_id("persona-list")
    if screen.name == "phone":
        assert picker.is_visible() and not listing.is_visible()
        picker.get_by_role("combobox").select_option(ISLANDER)
        page.wait_for_url(f"**/dev/simulator/?user={ISLANDER}")
        chat = page.get_by_test_id("chat").bounding_box()
        assert chat["y"] < 844 / 3  # the conversation fills the first screen
        assert chat["width"] >= 380
    else:
        assert listing.is_visible() and not picker.is_visible()
        listing.get_by_role("link", name="比嘉 ウシ", exact=False).click()
        page.wait_for_url(f"**/dev/simulator/?user={ISLANDER}")
    page.get_by_test_id("richmenu").locator("img").wait_for()
    assert page_width(page) <= screen.width
    # headless Chromium fetches no icon itself: fetch what the tab would show
    icons = page.locator("link[rel=icon]").evaluate_all("links => links.map(l => l.href)")
    for url in [*icons, f"{base}/favicon.ico"]:
        assert page.request.get(url).ok, url
    assert screen.errors == []


def test_the_whole_conversation_survives_a_reload(screen, base):
    page = open_chat(screen, base)
    say(page, "ヘルプ")
    page.get_by_text("ご用件を下のボタンから選んでください。").wait_for()
    menu_area(page, "設定").click()
    page.get_by_test_id("sent").get_by_text("設定", exact=True).wait_for()
    page.locator("[data-testid=bot-message]").nth(1).wait_for()
    before = page.get_by_test_id("chat").inner_text()

    page.reload()
    page.get_by_test_id("sent").get_by_text("設定", exact=True).wait_for()
    page.locator("[data-testid=bot-message]").nth(1).wait_for()
    assert page.get_by_test_id("chat").inner_text() == before
    assert [s.inner_text() for s in page.get_by_test_id("sent").all()] == ["ヘルプ", "設定"]
    assert screen.errors == []


def css(locator: Any, prop: str) -> str:
    return str(locator.evaluate(f"node => getComputedStyle(node)[{prop!r}]"))


def test_flex_messages_look_as_in_line(screen, base, island):
    page = open_chat(screen, base)
    picture = f"{base}/static/richmenus/islander-ja.png"
    card = messages.bubble("断水のお知らせ", ["水道管の工事のため、断水します。"], [
        messages.postback_action("確認しました", "action=notice_confirm&notice=1", "確認しました"),
        messages.message_action("ヘルプ")], hero_image_url=picture, label="重要")
    detail = {
        "type": "bubble", "size": "kilo",
        "header": {"type": "box", "layout": "vertical", "backgroundColor": "#C0392B",
                   "contents": [{"type": "text", "text": "緊急", "color": "#FFFFFF",
                                 "weight": "bold", "size": "sm"}]},
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": [
            {"type": "text", "text": "避難所", "weight": "bold", "size": "xl"},
            {"type": "separator", "margin": "lg"},
            {"type": "box", "layout": "horizontal", "contents": [
                {"type": "text", "text": "場所", "size": "sm", "color": "#888888", "flex": 1},
                {"type": "text", "text": "公民館", "size": "sm", "flex": 3}]},
            {"type": "text", "text": "とても長い説明の文です。" * 12, "wrap": True, "maxLines": 2},
            {"type": "text", "text": "折り返さない長い一行の文です。" * 6}]},
        "footer": {"type": "box", "layout": "vertical", "contents": [
            {"type": "button", "style": "link", "color": "#1E6FA8",
             "action": messages.uri_action("地図を開く", f"{base}/healthz")}]},
    }
    with island.db.transaction() as session:
        enqueue_push(session, ISLANDER, [messages.flex("断水のお知らせ", card),
                                         messages.flex("避難所", detail)])
    run_worker(island)
    first, second = page.get_by_test_id("flex").first, page.get_by_test_id("flex").last
    first.wait_for()
    second.wait_for()

    assert first.bounding_box()["width"] == 300  # mega, LINE's default
    hero = first.locator(".fx-hero img")
    hero_box = hero.bounding_box()
    assert hero_box["width"] / hero_box["height"] == pytest.approx(20 / 13, rel=0.02)
    title, line = first.get_by_text("断水のお知らせ"), first.get_by_text("水道管の工事")
    assert (css(title, "fontSize"), css(title, "fontWeight")) == ("19px", "700")
    assert css(line, "fontSize") == "16px"
    label = first.get_by_text("重要", exact=True)
    assert css(label, "color") == "rgb(30, 111, 168)"
    confirm = first.get_by_role("button", name="確認しました")
    assert css(confirm, "backgroundColor") == "rgb(6, 199, 85)"
    assert css(confirm, "color") == "rgb(255, 255, 255)"
    assert confirm.bounding_box()["height"] == 52
    secondary = first.get_by_role("button", name="ヘルプ")
    assert css(secondary, "backgroundColor") == "rgb(220, 223, 229)"

    assert second.bounding_box()["width"] == 260  # kilo
    header = second.get_by_text("緊急", exact=True)
    assert css(header.locator(".."), "backgroundColor") == "rgb(192, 57, 43)"
    separator = second.locator(".fx-separator")
    assert separator.bounding_box()["height"] == 1
    where, hall = second.get_by_text("場所", exact=True), second.get_by_text("公民館")
    where_box, hall_box = where.bounding_box(), hall.bounding_box()
    assert where_box["y"] == hall_box["y"]  # side by side
    assert hall_box["width"] / where_box["width"] == pytest.approx(3, rel=0.05)
    one_line = where_box["height"]
    clamped = second.get_by_text("とても長い説明の文です。", exact=False)
    assert one_line * 1.5 < clamped.bounding_box()["height"] < one_line * 2.5  # maxLines 2
    unwrapped = second.get_by_text("折り返さない長い一行の文です。", exact=False)
    assert unwrapped.bounding_box()["height"] < one_line * 1.5  # one line, cut with …
    link = second.get_by_role("button", name="地図を開く")
    assert css(link, "backgroundColor") == "rgba(0, 0, 0, 0)"
    assert css(link, "color") == "rgb(30, 111, 168)"
    with page.context.expect_page() as opened:
        link.click()
    assert opened.value.url == f"{base}/healthz"

    confirm.click()  # a postback with displayText shows as the person's message
    page.get_by_test_id("sent").get_by_text("確認しました").wait_for()
    assert screen.errors == []


def test_a_long_conversation_is_shown_whole(screen, base, island):
    for n in range(1, 131):
        island.transport.push(ISLANDER, [messages.text(f"連絡 {n} 件目")], f"retry-{n}")
    page = open_chat(screen, base)
    page.get_by_text("連絡 130 件目", exact=True).wait_for()
    assert page.get_by_text("連絡 1 件目", exact=True).count() == 1
    assert page.locator("[data-testid=bot-message]").count() == 130
    assert screen.errors == []
