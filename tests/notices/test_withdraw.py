"""Withdrawing a sent notice (with a correction), resending what LINE refused, erasure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from islandos.clock import now
from islandos.models.audit import AuditEntry
from islandos.models.notices import Notice
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.services.asking.erasure import forget_person
from islandos.services.notices.changes import confirm, resend_failed, withdraw
from islandos.services.notices.drafts import NoticeError, NoticeInput
from tests.notices.conftest import BASE_URL, deliveries, multicasts, notice, reached, send


def test_withdrawing_drops_what_has_not_gone_and_sends_the_correction_to_the_same_people(
        db, island, worker, fake_line):
    notice_id = send(db, audience_kind="districts", district_ids=(island.north,),
                     title="断水は10時から", priority="important")
    correction = NoticeInput(title="訂正：断水は11時から", body_ja="11時からに変わりました。")
    with db.transaction() as session:
        fixed = withdraw(session, notice_id, "admin:1", BASE_URL, correction)
        assert fixed is not None
        fixed_id = fixed.id
    worker.run_once()
    texts = [b["messages"][0]["altText"] for b in multicasts(fake_line)]
    assert texts and all("訂正" in t for t in texts)
    assert sorted(reached(fake_line)) == sorted([island.uid("taro"), island.uid("hanako")])
    assert notice(db, notice_id).status == "withdrawn"
    assert notice(db, fixed_id).correction_of_id == notice_id
    with db.transaction() as session:
        dropped = session.scalars(select(OutboxMessage.status).where(
            OutboxMessage.source == f"notice:{notice_id}")).all()
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert set(dropped) == {OutboxStatus.DROPPED}
    assert actions == ["notice.drafted", "notice.sent", "notice.drafted", "notice.withdrawn",
                       "notice.sent"]


def test_a_withdrawn_notice_sends_no_reminder(db, island, worker, fake_line, frozen_clock):
    notice_id = send(db, audience_kind="islanders", priority="important")
    worker.run_once()
    with db.transaction() as session:
        withdraw(session, notice_id, "admin:1", BASE_URL)
    fake_line.reset()
    frozen_clock(days=2)
    worker.run_once()
    assert multicasts(fake_line) == []


def test_only_sent_notices_can_be_withdrawn(db, island, frozen_clock):
    from datetime import timedelta

    from islandos.clock import now
    notice_id = send(db, audience_kind="islanders", send_at=now() + timedelta(hours=1))
    with db.transaction() as session:
        try:
            withdraw(session, notice_id, "admin:1", BASE_URL)
            raise AssertionError("a scheduled notice was withdrawn")
        except NoticeError as exc:
            assert exc.msgid == "送信済みのお知らせだけが取り消せます。"


def test_deliveries_line_refused_can_be_resent_once(db, island, worker, fake_line):
    notice_id = send(db, audience_kind="islanders")
    fake_line.script("/v2/bot/message/multicast", 400, times=2)
    worker.run_once()
    assert set(s for s in _statuses(db)) == {OutboxStatus.FAILED}
    with db.transaction() as session:
        assert resend_failed(session, notice_id, "admin:1", BASE_URL) == 3
    with db.transaction() as session:
        assert resend_failed(session, notice_id, "admin:1", BASE_URL) == 0  # already queued
    worker.run_once()
    assert sorted(reached(fake_line)) == sorted(
        [island.uid("taro"), island.uid("hanako"), island.uid("jiro")])
    with db.transaction() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("notice.resent") == 2



def test_a_resend_keeps_the_not_after_time_and_is_refused_once_it_has_passed(
        db, island, worker, fake_line, frozen_clock):
    deadline = now() + timedelta(hours=2)
    notice_id = send(db, audience_kind="islanders", not_after=deadline)
    fake_line.script("/v2/bot/message/multicast", 400, times=2)
    worker.run_once()
    with db.transaction() as session:
        assert resend_failed(session, notice_id, "admin:1", BASE_URL) == 3
        again = session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.PENDING)).all()
        assert again and {row.not_after for row in again} == {deadline}
    fake_line.script("/v2/bot/message/multicast", 400, times=2)
    worker.run_once()
    frozen_clock(hours=2, minutes=1)
    with pytest.raises(NoticeError) as refused, db.transaction() as session:
        resend_failed(session, notice_id, "admin:1", BASE_URL)
    assert "過ぎたので、再送できません" in refused.value.msgid
    assert reached(fake_line) == []

def test_erasing_a_person_keeps_anonymous_counts(db, island, line):
    notice_id = send(db, audience_kind="islanders", priority="important")
    with db.transaction() as session:
        forget_person(session, island.ids["taro"])
    rows = deliveries(db, notice_id)
    assert len(rows) == 3
    assert island.ids["taro"] not in {r.person_id for r in rows}
    with db.transaction() as session:
        assert session.get(Notice, notice_id).recipient_count == 3


def test_deleting_personal_data_unlinks_confirmations_but_keeps_the_counts(app, db, island):
    from islandos.extensions import islandos_state
    from islandos.services.privacy import delete_personal_data
    notice_id = send(db, audience_kind="islanders", priority="important")
    with db.transaction() as session:
        confirm(session, notice_id, island.ids["taro"])
        delete_personal_data(session, island.ids["taro"], "line:person:1",
                             islandos_state(app).registry.erasers, notify=False)
    rows = deliveries(db, notice_id)
    assert len(rows) == 3 and sum(1 for r in rows if r.confirmed_at) == 1
    assert island.ids["taro"] not in {r.person_id for r in rows}


def _statuses(db) -> list[str]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage.status)))
