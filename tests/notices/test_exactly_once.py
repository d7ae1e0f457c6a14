"""Each notice reaches each recipient once: LINE errors, several workers, a worker killed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from islandos.clock import now
from islandos.line.worker import Worker
from islandos.models.outbox import OutboxMessage, OutboxStatus
from tests.notices.conftest import multicasts, reached, send

MULTICAST = "/v2/bot/message/multicast"


def statuses(db) -> list[str]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_429_and_500_are_retried_and_each_islander_gets_it_once(
        db, island, worker, fake_line, frozen_clock):
    send(db, audience_kind="islanders")
    fake_line.script(MULTICAST, 429)
    fake_line.script(MULTICAST, 500)
    worker.run_once()
    assert reached(fake_line) == []
    for _ in range(3):
        frozen_clock(minutes=5)
        worker.run_once()
    assert sorted(reached(fake_line)) == sorted(
        [island.uid("taro"), island.uid("hanako"), island.uid("jiro")])
    assert statuses(db) == [OutboxStatus.ACCEPTED] * 2


def test_an_answer_lost_after_line_accepted_is_not_sent_twice(
        db, island, worker, fake_line, frozen_clock):
    send(db, audience_kind="islanders")
    fake_line.script(MULTICAST, 500, accept=True, times=2)  # LINE took them; the answer was lost
    worker.run_once()
    frozen_clock(minutes=5)
    worker.run_once()
    conflicts = [r for r in fake_line.requests if r.path == MULTICAST and r.status == 409]
    assert len(conflicts) == 2  # the retries carried the same retry keys
    assert statuses(db) == [OutboxStatus.ACCEPTED] * 2
    accepted = [uid for r in fake_line.requests if r.path == MULTICAST and r.accepted
                for uid in r.json["to"]]
    assert sorted(accepted) == sorted(
        [island.uid("taro"), island.uid("hanako"), island.uid("jiro")])


def test_two_workers_send_each_batch_once(db, island, state, fake_line):
    send(db, audience_kind="everyone")
    first = Worker(state.db, state.transport, state.jobs, worker_id="w1", batch=1)
    second = Worker(state.db, state.transport, state.jobs, worker_id="w2", batch=1)
    first.run_once()
    second.run_once()
    first.run_once()
    assert len(reached(fake_line)) == len(set(reached(fake_line))) == 6


def test_a_worker_killed_mid_send_is_finished_by_another_with_the_same_retry_key(
        db, island, state, fake_line, frozen_clock):
    send(db, audience_kind="districts", district_ids=(island.south,))
    with db.transaction() as session:
        row = session.scalars(select(OutboxMessage)).one()
        # The dead worker claimed the row and its request reached LINE; then it died.
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
            status=OutboxStatus.SENDING, attempts=1, first_attempt_at=now(),
            lease_until=now() + timedelta(minutes=2)))
        recipients, messages, retry_key = row.recipients, row.messages, row.retry_key
    assert state.transport.multicast(recipients, messages, retry_key).accepted
    survivor = Worker(state.db, state.transport, state.jobs, worker_id="survivor")
    survivor.run_once()
    assert statuses(db) == [OutboxStatus.SENDING]  # the lease has not expired yet
    frozen_clock(minutes=3)
    survivor.run_once()
    assert statuses(db) == [OutboxStatus.ACCEPTED]
    answers = [r.status for r in fake_line.requests if r.path == MULTICAST]
    assert answers == [200, 409]
    assert reached(fake_line) == [island.uid("jiro")]
    assert len(multicasts(fake_line)) == 1
