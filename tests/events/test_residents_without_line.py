"""Residents without LINE (kept by the office): in the snapshot of an event and of a notice
that needs confirming, so they are tallied and on the call list, never sent anything; staff
record their answers."""

from __future__ import annotations

from islandos.services.asking import tally as core_tally
from islandos.services.events.editing import event_ask
from islandos.services.notices.drafts import NoticeInput
from islandos.services.notices.sending import create_and_submit, notice_ask
from tests.events.conftest import make_event


def test_an_important_notice_puts_residents_without_line_on_the_call_list(
        db, island, fake_line, worker):
    with db.transaction() as session:
        notice = create_and_submit(session, NoticeInput(
            title="断水", body_ja="明日は断水です。", priority="important",
            audience_kind="islanders"), "admin:1", "https://island.example.jp")
        notice_id, recipients = notice.id, notice.recipient_count
    worker.run_once()
    sent = [uid for call in fake_line.calls("/v2/bot/message/multicast")
            for uid in call.json["to"]]
    assert "" not in sent and len(sent) == recipients == 4
    with db.transaction() as session:
        ask = notice_ask(session, notice_id)
        calls = core_tally.not_answered(session, ask, "ja")
        total = core_tally.tally(session, ask, "ja").total
    assert {"岬 ウメ": "098-111-2222"}.items() <= {c["name"]: c["phone"] for c in calls}.items()
    assert total.asked == 5 and total.not_sent == 1


def test_an_event_counts_them_and_sends_them_nothing(db, island, fake_line, worker):
    event_id = make_event(db)
    worker.run_once()
    sent = [uid for call in fake_line.calls("/v2/bot/message/multicast")
            for uid in call.json["to"]]
    assert len(sent) == 4
    with db.transaction() as session:
        ask = event_ask(session, event_id)
        total = core_tally.tally(session, ask, "ja").total
    assert total.asked == 5 and total.not_answered == 5
