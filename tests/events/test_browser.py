"""In a real browser, on a phone and a desktop: the office creates an event in /admin, an
islander answers it in the simulator (参加, two people), and the office reads the tally."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from islandos.clock import TOKYO, now
from islandos.demo import seed_demo
from islandos.demo.island import demo_user_id
from islandos.extensions import IslandState, islandos_state
from tests.simulator.conftest import Screen, dev_app, screen  # noqa: F401
from tests.support.browser import chromium, serve, sign_in  # noqa: F401
from tests.support.factories import make_admin

pytestmark = pytest.mark.browser

ISLANDER = demo_user_id("islander", 0)  # 比嘉 ウシ, 港集落, Japanese
SHOTS = Path("/tmp/events-screens")


@pytest.fixture
def island(dev_app: Flask, frozen_clock: Any) -> IslandState:  # noqa: F811
    state = islandos_state(dev_app)
    with state.db.transaction() as session:
        seed_demo(session, state.registry.seeders)
    return state


@pytest.fixture
def base(dev_app: Flask, island: IslandState) -> Iterator[str]:  # noqa: F811
    with serve(dev_app) as url:
        yield url


def local(moment) -> str:
    return moment.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")


def test_create_in_admin_answer_in_the_simulator_read_the_tally(
        screen: Screen, base: str, island: IslandState) -> None:  # noqa: F811
    with island.db.transaction() as session:
        _admin, secret = make_admin(session, username="gyouji", role="editor")
    page = screen.page
    sign_in(page, base, "gyouji", secret, "/admin/events/new")

    start = now() + timedelta(days=4)
    page.get_by_label("題名", exact=True).fill("区の総会")
    page.get_by_label("説明（日本語）").fill("公民館で区の総会を開きます。")
    page.get_by_label("開始").fill(local(start))
    page.get_by_label("終了").fill(local(start + timedelta(hours=2)))
    page.get_by_label("場所", exact=True).fill("公民館")
    page.get_by_label("回答の締め切り").fill(local(start - timedelta(days=1)))
    page.get_by_label("定員（同伴者を含む人数・なしは空欄）").fill("30")
    guests = page.get_by_label("1回答あたりの同伴者の上限")
    assert not guests.is_visible()  # asked only once guests are allowed
    page.get_by_label("同伴者を連れて来てよい").check()
    guests.fill("3")
    assert not page.get_by_label("東集落").is_visible()  # districts only for 集落を選ぶ
    page.get_by_label("島民全員").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= screen.width
    page.get_by_role("button", name="確認へ進む").click()
    page.get_by_text("送る前に確かめてください").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= screen.width
    page.screenshot(path=str(SHOTS / f"event-review-{screen.name}.png"), full_page=True)
    page.get_by_role("button", name="作って案内を送る").click()
    page.get_by_text("行事を作り、案内を送りました").wait_for()
    event_url = page.url
    assert re.search(r"/admin/events/\d+$", event_url)

    chat = screen.page.context.new_page()
    chat.goto(f"{base}/dev/simulator/?user={ISLANDER}")
    chat.get_by_test_id("person-info").get_by_text("active", exact=False).wait_for()
    chat.get_by_test_id("text").fill("行事")
    chat.get_by_test_id("text").press("Enter")
    card = chat.get_by_test_id("flex").filter(has_text="区の総会").last
    card.wait_for()
    card.get_by_role("button", name="参加", exact=True).click()
    chat.locator("#quick button", has_text="2人").click()
    chat.get_by_text("回答：参加（2人）").last.wait_for()
    assert chat.evaluate("document.documentElement.scrollWidth") <= screen.width
    SHOTS.mkdir(exist_ok=True)
    chat.screenshot(path=str(SHOTS / f"simulator-{screen.name}.png"))

    page.reload()
    assert "参加 2人（同伴者を含む）" in page.locator(".headcount").inner_text()
    total = page.locator("table.tally tr.total")
    assert total.locator("td.yes").inner_text() == "1"
    assert total.locator("td.people").inner_text() == "2"
    assert "比嘉 ウシ" in page.locator("ul.answer-yes").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= screen.width
    page.screenshot(path=str(SHOTS / f"admin-{screen.name}.png"), full_page=True)
    assert screen.errors == []
