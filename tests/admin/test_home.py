"""The dashboard home puts first what needs the office: islander requests, important notices
many have not confirmed (and when the reminder goes), failed deliveries, a sending pause,
the month's quota; then recent notices with their confirmation rates."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from islandos.clock import now
from islandos.line import messages
from islandos.line.events import postback_data
from islandos.line.outbox import enqueue_push
from islandos.models.outbox import OutboxStatus
from islandos.models.system import SendingPause
from islandos.registry import AttentionItem, Feature, Registry
from tests.admin.test_people import make_request
from tests.notices.conftest import send
from tests.support.webhook import postback_event


def attention(page: str) -> list[str]:
    """The "needs attention" items as a person reads them, in order."""
    section = page.split('id="attention-title"', 1)[1].split("</section>", 1)[0]
    items = re.findall(r'<li class="attention-item (\w+)">(.*?)</li>', section, re.S)
    return [f"{level}: " + " ".join(re.sub(r"<[^>]+>", "", text).split())
            for level, text in items]


def recent(page: str) -> list[str]:
    section = page.split("最近のお知らせ", 1)[1].split("</section>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split())
            for row in re.findall(r"<li>(.*?)</li>", section, re.S)]


def test_a_quiet_island_says_nothing_needs_attention(admin_client, fake_line):
    fake_line.quota_limit = None
    page = admin_client().get("/admin/").get_data(as_text=True)
    assert attention(page) == []
    assert "いま対応が必要なことはありません" in page
    assert "0通（上限なし）" in page
    assert "お知らせはまだありません" in page


def test_requests_unconfirmed_notices_failures_a_pause_and_the_quota_come_first(
        admin_client, db, island, worker, fake_line, line, frozen_clock):
    fake_line.quota_limit = 7
    make_request(db)
    important = send(db, title="台風が近づいています", priority="important", reminder_hours=6)
    normal = send(db, title="ごみ収集の日が変わります")
    worker.run_once()  # 3 islanders get each: 6 of the month's 7 messages
    line.post(postback_event(island.uid("taro"), postback_data("notice_confirm", notice=important),
                             line.reply_token()))
    with db.transaction() as session:
        for user in ("U" + "9" * 32, "U" + "8" * 32):
            enqueue_push(session, user, [messages.text("届かなかった")]).status = \
                OutboxStatus.FAILED
        session.add(SendingPause(reason="monthly_limit", paused_at=now(),
                                 resume_at=now() + timedelta(days=3)))
    page = admin_client().get("/admin/").get_data(as_text=True)
    items = attention(page)
    # Dangers first: the pause and the failures; then the rest.
    assert items[0].startswith("danger: LINEへの送信を一時停止しています：今月のメッセージ数の上限")
    assert "danger: この7日間に、2人あての送信2件が届きませんでした。" in items[:2]
    assert "warn: 島民登録の申請が1件、承認を待っています。" in items
    # Sent at 09:00 Tokyo (frozen clock), reminder after 6 hours.
    assert ("warn: 「台風が近づいています」をまだ2人が確認していません（確認 33%）。"
            "リマインドは 2026年11月25日(水) 15:00 に送ります。") in items
    assert not any("ごみ収集" in item for item in items)  # a normal notice asks nothing
    assert "warn: 今月のメッセージ数が上限の86%に達しています（6 / 7通）。" in items
    assert '<meter class="quota-meter" min="0" max="7"' in page and "6 / 7通" in page
    assert 'href="/admin/requests"' in page
    assert f'href="/admin/notices/{important}"' in page

    rows = recent(page)
    assert rows[0].startswith("ごみ収集の日が変わります") and "3人に送信" in rows[0]
    assert rows[1].startswith("台風が近づいています") and "1 / 3人が確認" in rows[1]
    assert "33%" in rows[1] and "33%" not in rows[0]
    assert re.search(r'<meter min="0" max="1"[^>]* value="0.333', page)
    assert normal


def test_once_most_have_confirmed_or_the_reminder_went_the_home_says_so(
        admin_client, db, island, worker, line, frozen_clock):
    important = send(db, title="断水のお知らせ", priority="important", reminder_hours=1)
    worker.run_once()
    for name in ("taro", "hanako", "jiro"):
        line.post(postback_event(island.uid(name),
                                 postback_data("notice_confirm", notice=important),
                                 line.reply_token()))
    page = admin_client().get("/admin/").get_data(as_text=True)
    assert not any("断水" in item for item in attention(page))
    assert "100%" in recent(page)[0]

    other = send(db, title="停電のお知らせ", priority="emergency", reminder_hours=1)
    worker.run_once()
    frozen_clock(hours=2)
    worker.run_once()  # the reminder job runs
    items = attention(admin_client().get("/admin/").get_data(as_text=True))
    assert any(item.startswith("danger: 「停電のお知らせ」をまだ") and "リマインドは送りました"
               in item for item in items)
    frozen_clock(datetime(2026, 12, 10, tzinfo=UTC))  # a week on: no longer listed
    items = attention(admin_client().get("/admin/").get_data(as_text=True))
    assert not any("停電" in item for item in items)
    assert other


def test_a_feature_adds_its_own_items_through_the_registry():
    def seats(_session, _moment):
        return [AttentionItem("行事「%(title)s」が満席です。", 1, "events.event",
                              values={"title": "運動会"}, args={"event_id": 3})]

    registry = Registry.build([Feature("events", attention=(seats,)),
                               Feature("quiet")])
    (item,) = registry.attention(None, now())  # type: ignore[arg-type]
    assert item.values == {"title": "運動会"} and item.endpoint == "events.event"
