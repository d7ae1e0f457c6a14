"""The safety check goes out before anything else queued and reaches everyone exactly
once, with LINE's 429s and a worker that dies mid-send; its reminder goes only to those who
have not answered."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from islandos.clock import now
from islandos.line.outbox import enqueue_multicast
from islandos.line.worker import Worker
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.services.disaster import mode as modes
from tests.disaster.conftest import MULTICAST, chat, drain, start


def _reached(fake_line, source_text: str | None = None) -> list[str]:
    return [uid for call in fake_line.calls(MULTICAST) if call.accepted
            for uid in call.json["to"]
            if source_text is None or source_text in str(call.json["messages"])]


def test_the_check_goes_out_before_messages_queued_earlier(db, island, state, fake_line):
    with db.transaction() as session:
        enqueue_multicast(session, [island.uid("taro"), island.uid("jiro")],
                          [{"type": "text", "text": "明日の船の時刻です。"}])
    start(db)
    Worker(state.db, state.transport, state.jobs, worker_id="w", batch=1).run_once()
    first = fake_line.calls(MULTICAST)[0].json
    assert "安否確認" in str(first["messages"])


def test_429s_and_a_worker_restart_still_reach_everyone_exactly_once(
        db, island, state, fake_line, frozen_clock):
    start(db)
    with db.transaction() as session:
        # A worker claimed a batch, LINE took it, and the worker died before recording it.
        row = session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.PENDING).order_by(OutboxMessage.id)).first()
        assert row is not None
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
            status=OutboxStatus.SENDING, attempts=row.attempts + 1, first_attempt_at=now(),
            lease_until=now() + timedelta(minutes=2)))
        recipients, messages, retry_key = row.recipients, row.messages, row.retry_key
    assert state.transport.multicast(recipients, messages, retry_key).accepted
    fake_line.script(MULTICAST, 429, headers={"Retry-After": "1"}, times=2)
    drain(Worker(state.db, state.transport, state.jobs, worker_id="other"), 1)
    assert fake_line.requests[-1].status == 429
    for _ in range(4):
        frozen_clock(minutes=5)
        drain(Worker(state.db, state.transport, state.jobs, worker_id="restarted"), 2)
    reached = _reached(fake_line)
    expected = [island.uid(name) for name in ("taro", "hanako", "jiro", "family")]
    assert sorted(reached) == sorted(expected)  # each once: the retry key was kept
    with db.transaction() as session:
        statuses = set(session.scalars(select(OutboxMessage.status).where(
            OutboxMessage.source.like("safety:%"))))
    assert statuses == {OutboxStatus.ACCEPTED}


def test_the_reminder_goes_only_to_those_who_have_not_answered(
        db, island, worker, fake_line, line):
    mode_id = start(db)
    drain(worker)
    chat(line, island, "taro").tap("safety", m=mode_id, c="safe")
    with db.transaction() as session:
        count = modes.remind(session, mode_id, "admin:1")
    assert count == 2  # hanako and jiro (the family copy is not reminded)
    drain(worker)
    reminded = _reached(fake_line, "まだ安否が届いていません") + _reached(
        fake_line, "We have not heard from you yet")
    assert sorted(reminded) == sorted([island.uid("hanako"), island.uid("jiro")])


def test_tourists_are_asked_only_when_the_office_chooses_them(db, island, worker, fake_line):
    start(db, tourists=True)
    drain(worker)
    assert island.uid("tourist") in _reached(fake_line)
    assert island.uid("stranger") not in _reached(fake_line)
