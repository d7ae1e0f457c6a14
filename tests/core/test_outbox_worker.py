"""The outbox and its worker: retry keys, back-off, pauses, not-after, order, 24-hour keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from islandos.line import messages
from islandos.line.messages import MessageLimitError
from islandos.line.outbox import enqueue_multicast, enqueue_push
from islandos.line.worker import Worker, active_pause
from islandos.models import OutboxMessage, OutboxStatus, Priority, SendingPause, Status
from tests.fakes.line_api import MONTHLY_LIMIT_BODY, RATE_LIMIT_BODY
from tests.support.factories import make_person
from tests.support.webhook import line_user_id

HELLO = [messages.text("お知らせです")]


def users(n: int, start: int = 1) -> list[str]:
    return [line_user_id(i) for i in range(start, start + n)]


def rows(db) -> list[OutboxMessage]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_multicast_goes_out_in_batches_of_500_with_their_retry_keys(db, worker, fake_line):
    with db.transaction() as session:
        assert enqueue_multicast(session, iter(users(1201)), HELLO) == 3
    report = worker.run_once()
    calls = fake_line.calls("/v2/bot/message/multicast")
    assert report.sent == 3
    assert sorted(len(c.json["to"]) for c in calls) == [201, 500, 500]
    assert {c.headers["x-line-retry-key"] for c in calls} == {r.retry_key for r in rows(db)}
    assert all(r.status == OutboxStatus.ACCEPTED for r in rows(db))


def test_nothing_is_enqueued_that_line_would_refuse(db):
    with db.transaction() as session, pytest.raises(MessageLimitError):
        enqueue_push(session, line_user_id(1), HELLO * 6)
    with db.transaction() as session, pytest.raises(MessageLimitError):
        enqueue_push(session, line_user_id(1), [{"type": "text", "text": "😀" * 2501}])
    assert rows(db) == []


def test_rate_limit_and_server_errors_back_off_then_send_with_the_same_key(
        db, worker, fake_line, frozen_clock):
    with db.transaction() as session:
        enqueue_push(session, line_user_id(1), HELLO)
    fake_line.script("/v2/bot/message/push", 429, RATE_LIMIT_BODY)
    fake_line.script("/v2/bot/message/push", 500)
    assert worker.run_once().retried == 1
    assert rows(db)[0].status == OutboxStatus.PENDING
    assert worker.run_once().sent == 0  # not due yet: backing off
    frozen_clock(minutes=1)
    assert worker.run_once().retried == 1
    frozen_clock(minutes=1)
    assert worker.run_once().sent == 1
    keys = {r.headers["x-line-retry-key"] for r in fake_line.requests
            if r.path == "/v2/bot/message/push"}
    assert len(keys) == 1
    assert rows(db)[0].attempts == 3


def test_409_on_a_retry_means_line_had_accepted_it(db, worker, fake_line, frozen_clock):
    with db.transaction() as session:
        enqueue_push(session, line_user_id(1), HELLO)
    # LINE accepts the push but the answer is lost (a 500 after acceptance).
    fake_line.script("/v2/bot/message/push", 500, accept=True)
    worker.run_once()
    frozen_clock(minutes=1)
    worker.run_once()
    assert rows(db)[0].status == OutboxStatus.ACCEPTED
    assert len(fake_line.calls("/v2/bot/message/push")) == 0  # only the accepted 500 and a 409
    statuses = [r.status for r in fake_line.requests if r.path == "/v2/bot/message/push"]
    assert statuses == [500, 409]


def test_a_worker_killed_mid_send_is_taken_over_and_sends_once(db, state, fake_line, frozen_clock):
    with db.transaction() as session:
        enqueue_push(session, line_user_id(1), HELLO)
    first = Worker(state.db, state.transport, state.jobs, worker_id="first")
    claimed = first._claim_outbox()  # then "killed": the lease is never released
    assert claimed and rows(db)[0].status == OutboxStatus.SENDING
    second = Worker(state.db, state.transport, state.jobs, worker_id="second")
    assert second.run_once().sent == 0  # the lease still holds
    frozen_clock(minutes=3)
    assert second.run_once().sent == 1
    assert len(fake_line.calls("/v2/bot/message/push")) == 1


def test_monthly_limit_pauses_all_sending_without_failing_messages(db, worker, fake_line):
    with db.transaction() as session:
        enqueue_push(session, line_user_id(1), HELLO)
        enqueue_push(session, line_user_id(2), HELLO)
    fake_line.script("/v2/bot/message/push", 429, MONTHLY_LIMIT_BODY)
    report = worker.run_once()
    assert report.paused == "monthly_limit"
    assert [r.status for r in rows(db)] == [OutboxStatus.PENDING, OutboxStatus.PENDING]
    assert len(fake_line.requests) == 1  # the second was not tried while paused
    with db.transaction() as session:
        pause = active_pause(session)
        assert pause is not None and pause.resume_at is not None
        assert pause.resume_at.day == 30 and pause.resume_at.hour == 15  # 1st, 00:00 JST
    assert worker.run_once().sent == 0


def test_a_rejected_token_pauses_and_health_says_why(db, worker, fake_line, client):
    with db.transaction() as session:
        enqueue_push(session, line_user_id(1), HELLO)
    fake_line.script("/v2/bot/message/push", 401)
    assert worker.run_once().paused == "unauthorized"
    health = client.get("/healthz").get_json()
    assert health["sending_paused"] is True
    assert health["paused_reason"] == "unauthorized"
    assert health["outbox_waiting"] == 1


def test_other_client_errors_fail_the_batch_with_lines_reason(db, worker, fake_line):
    with db.transaction() as session:
        enqueue_push(session, line_user_id(1), HELLO)
    fake_line.script("/v2/bot/message/push", 400, {"message": "The request body has 1 error(s)"})
    assert worker.run_once().failed == 1
    row = rows(db)[0]
    assert row.status == OutboxStatus.FAILED
    assert "The request body has 1 error(s)" in (row.last_error or "")


def test_a_message_past_its_not_after_time_is_dropped(db, worker, fake_line, frozen_clock):
    moment = frozen_clock()
    with db.transaction() as session:
        enqueue_push(session, line_user_id(1), HELLO, not_after=moment + timedelta(hours=2))
    with db.transaction() as session:
        pause = SendingPause(reason="unauthorized", detail="test", resume_at=moment
                             + timedelta(hours=3))
        session.add(pause)
    worker.run_once()
    frozen_clock(hours=4)
    assert worker.run_once().dropped == 1
    assert rows(db)[0].status == OutboxStatus.DROPPED
    assert fake_line.requests == []


def test_unconfirmed_after_24_hours_is_unknown_and_never_resent(db, worker, fake_line,
                                                                 frozen_clock):
    with db.transaction() as session:
        enqueue_push(session, line_user_id(1), HELLO)
    fake_line.script("/v2/bot/message/push", 500, times=100)
    worker.run_once()
    frozen_clock(hours=25)
    report = worker.run_once()
    assert report.unknown == 1
    assert rows(db)[0].status == OutboxStatus.UNKNOWN
    sent_before = len(fake_line.requests)
    frozen_clock(hours=1)
    worker.run_once()
    assert len(fake_line.requests) == sent_before


def test_emergency_goes_first_and_each_users_pushes_keep_their_order(db, worker, fake_line):
    user = line_user_id(1)
    with db.transaction() as session:
        enqueue_push(session, user, [messages.text("1")])
        enqueue_push(session, user, [messages.text("2")])
        enqueue_push(session, line_user_id(2), [messages.text("急")], priority=Priority.EMERGENCY)
    worker.run_once()
    sent = [c.json["messages"][0]["text"] for c in fake_line.calls("/v2/bot/message/push")]
    assert sent == ["急", "1", "2"]


def test_people_who_unfollowed_before_the_first_attempt_are_left_out(db, worker, fake_line):
    with db.transaction() as session:
        gone = make_person(session, status=Status.UNFOLLOWED)
        staying = make_person(session)
        enqueue_multicast(session, [gone.line_user_id, staying.line_user_id], HELLO)
    worker.run_once()
    (call,) = fake_line.calls("/v2/bot/message/multicast")
    assert call.json["to"] == [staying.line_user_id]


def test_a_forgotten_recipient_leaves_every_untried_message(db, worker, fake_line):
    from islandos.line.outbox import forget_recipient
    leaving, staying = line_user_id(1), line_user_id(2)
    with db.transaction() as session:
        enqueue_push(session, leaving, HELLO)
        enqueue_multicast(session, [leaving, staying], HELLO)
        enqueue_multicast(session, [leaving], HELLO)
        assert forget_recipient(session, leaving, "deleted their data") == 3
    worker.run_once()
    assert fake_line.calls("/v2/bot/message/push") == []
    (call,) = fake_line.calls("/v2/bot/message/multicast")
    assert call.json["to"] == [staying]
    assert [r.status for r in rows(db)] == [OutboxStatus.DROPPED, OutboxStatus.ACCEPTED,
                                            OutboxStatus.DROPPED]
