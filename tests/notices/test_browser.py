"""In a real browser: compose, preview and send a notice, then read who confirmed."""

from __future__ import annotations

import re

import pytest

from islandos.line.events import postback_data
from tests.notices.conftest import sign_in, write_typhoon_notice
from tests.support.browser import browser_page, chromium, serve  # noqa: F401
from tests.support.webhook import postback_event

pytestmark = pytest.mark.browser


def test_office_composes_previews_sends_and_reads_the_confirmation_list(
        app, db, island, worker, fake_line, line, browser_page):  # noqa: F811
    page = browser_page
    with serve(app) as base:
        sign_in(page, db, base, "/admin/notices/new")
        write_typhoon_notice(page)

        phone = page.locator(".line-phone[data-language=ja]")
        phone.get_by_text("台風の接近", exact=True).wait_for()
        assert phone.get_by_text("確認しました", exact=True).is_visible()
        assert "4 人" in page.locator(".recipients-total").inner_text()  # 3 + family
        page.get_by_role("button", name="送信する").click()
        page.get_by_text("送信しました。").wait_for()
        notice_id = int(re.search(r"/admin/notices/(\d+)$", page.url).group(1))

        worker.run_once()
        assert len(fake_line.calls("/v2/bot/message/multicast")) == 3  # ja, en, family
        line.post(postback_event(island.uid("jiro"),
                                 postback_data("notice_confirm", notice=notice_id),
                                 line.reply_token()))
        page.reload()
        total = page.locator("table.report tr.total")
        assert total.locator("td.confirmed").inner_text() == "1"
        assert total.locator("td.not-yet-count").inner_text() == "3"
        not_yet = page.locator("ul.not-yet").inner_text()
        assert "島 太郎" in not_yet and "本土 一郎" in not_yet and "島 次郎" not in not_yet
