"""In a real browser, on a phone and a desktop: the office creates a poll, islanders answer
in LINE, and the results page shows counts, percentages and bars a person can read."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from islandos.clock import now
from tests.polls.conftest import chat_of, tap_option, tokyo_input
from tests.support.browser import chromium, serve, sign_in  # noqa: F401
from tests.support.factories import make_admin

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 900)], ids=["phone", "desktop"])
def test_the_office_creates_a_poll_and_reads_the_results(
        app, db, island, line, chromium, viewport):  # noqa: F811
    with db.transaction() as session:
        _admin, secret = make_admin(session, username="henshu", role="editor")
    context = chromium.new_context(locale="ja-JP",
                                   viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "favicon.ico" not in str(message.location) else None)
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = "phone" if viewport[0] < 500 else "desktop"
    try:
        with serve(app) as base:
            sign_in(page, base, "henshu", secret, "/admin/polls/new")

            page.get_by_label("質問", exact=True).fill("敬老会の会場はどこがよいですか。")
            page.get_by_label("選択肢 1", exact=True).fill("公民館")
            page.get_by_label("選択肢 2", exact=True).fill("小学校の体育館")
            page.get_by_label("選択肢 3", exact=True).fill("港の広場")
            page.get_by_label("一つだけ選ぶ").check()
            page.get_by_label("島民全員").check()
            page.get_by_label("締め切り").fill(tokyo_input(now() + timedelta(days=3)))
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]
            page.screenshot(path=str(SHOTS / f"poll-new-{name}.png"), full_page=True)
            page.get_by_role("button", name="確認へ進む").click()
            page.get_by_text("送る前に確かめてください").wait_for()
            assert page.locator(".messages-needed").inner_text().startswith("4 通")
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]
            page.screenshot(path=str(SHOTS / f"poll-review-{name}.png"), full_page=True)
            page.get_by_role("button", name="送信する").click()
            page.get_by_text("アンケートを 4 人に送りました。").wait_for()
            poll_id = int(re.search(r"/admin/polls/(\d+)$", page.url).group(1))

            for person, option in (("taro", 1), ("hanako", 1), ("kame", 3), ("jiro", 1)):
                tap_option(chat_of(line, island, person), poll_id, option)
            page.reload()
            bars = page.locator(".poll-results .poll-bars li")
            assert bars.count() == 3
            first = bars.nth(0)
            assert first.locator(".poll-label").inner_text() == "公民館"
            assert first.locator(".poll-figure").inner_text() == "3 人（75.0%）"
            # What a person sees: the 75% bar is three times as long as the 25% one.
            track = first.locator(".poll-bar").bounding_box()
            long = first.locator(".poll-bar-fill").bounding_box()
            short = bars.nth(2).locator(".poll-bar-fill").bounding_box()
            assert track and long and short and track["width"] > 60
            assert abs(long["width"] / track["width"] - 0.75) < 0.02
            assert abs(long["width"] / short["width"] - 3) < 0.1
            assert bars.nth(1).locator(".poll-figure").inner_text() == "0 人（0.0%）"
            districts = page.locator("table.poll-districts").inner_text()
            assert "北集落" in districts and "南集落" in districts
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]
            page.screenshot(path=str(SHOTS / f"poll-results-{name}.png"), full_page=True)
            assert errors == []  # no CSP violation, nothing failed to load
    finally:
        context.close()
