"""Back-off as LINE asks: a 429 with Retry-After is waited out on our clock; quota still pauses."""

from __future__ import annotations

import gc
import logging
from datetime import timedelta
from email.utils import format_datetime

from sqlalchemy import select

from islandos import create_app
from islandos.line import messages
from islandos.line.outbox import enqueue_push
from islandos.line.worker import active_pause
from islandos.models import OutboxMessage, OutboxStatus
from islandos.web.admin import THROTTLE_KEY
from tests.conftest import app_overrides
from tests.fakes.line_api import MONTHLY_LIMIT_BODY, RATE_LIMIT_BODY
from tests.support.webhook import line_user_id

PUSH = "/v2/bot/message/push"
HELLO = [messages.text("船は10時に出ます")]


def outbox(db) -> list[OutboxMessage]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def push_attempts(fake_line) -> list[int]:
    return [r.status for r in fake_line.requests if r.path == PUSH]


def test_a_push_is_not_tried_again_before_retry_after_has_passed(
        db, worker, fake_line, frozen_clock):
    with db.transaction() as session:
        enqueue_push(session, line_user_id(1), HELLO)
    fake_line.script(PUSH, 429, RATE_LIMIT_BODY, headers={"Retry-After": "20"})
    assert worker.run_once().retried == 1
    row = outbox(db)[0]
    assert row.status == OutboxStatus.PENDING
    assert row.next_attempt_at >= frozen_clock() + timedelta(seconds=20)
    assert "Retry-After 20" in (row.last_error or "")

    frozen_clock(seconds=19)
    assert worker.run_once().sent == 0
    assert push_attempts(fake_line) == [429]  # nothing asked of LINE before it said

    frozen_clock(seconds=1)
    assert worker.run_once().sent == 1
    assert push_attempts(fake_line) == [429, 200]
    keys = {r.headers["x-line-retry-key"] for r in fake_line.requests if r.path == PUSH}
    assert len(keys) == 1  # the same request, retried
    assert outbox(db)[0].status == OutboxStatus.ACCEPTED


def test_retry_after_as_a_date_is_read_on_the_settable_clock(db, worker, fake_line, frozen_clock):
    with db.transaction() as session:
        enqueue_push(session, line_user_id(1), HELLO)
    come_back = frozen_clock() + timedelta(minutes=2)
    fake_line.script(PUSH, 429, headers={"Retry-After": format_datetime(come_back, usegmt=True)})
    worker.run_once()
    assert outbox(db)[0].next_attempt_at >= come_back
    frozen_clock(seconds=119)
    assert worker.run_once().sent == 0
    frozen_clock(seconds=1)
    assert worker.run_once().sent == 1


def test_the_other_messages_wait_too_rather_than_hit_the_same_limit(
        db, worker, fake_line, frozen_clock):
    with db.transaction() as session:
        for n in (1, 2, 3):
            enqueue_push(session, line_user_id(n), HELLO)
    fake_line.script(PUSH, 429, headers={"Retry-After": "30"})
    report = worker.run_once()
    assert report.retried == 1 and report.sent == 0
    assert push_attempts(fake_line) == [429]
    assert [r.status for r in outbox(db)] == [OutboxStatus.PENDING] * 3

    frozen_clock(seconds=29)
    assert worker.run_once().sent == 0
    assert push_attempts(fake_line) == [429]

    frozen_clock(seconds=1)
    assert worker.run_once().sent == 3
    assert sorted(r.json["to"] for r in fake_line.calls(PUSH)) == [
        line_user_id(1), line_user_id(2), line_user_id(3)]


def test_a_429_without_retry_after_still_backs_off_on_its_own(db, worker, fake_line, frozen_clock):
    with db.transaction() as session:
        enqueue_push(session, line_user_id(1), HELLO)
        enqueue_push(session, line_user_id(2), HELLO)
    fake_line.script(PUSH, 429)
    report = worker.run_once()
    assert report.retried == 1 and report.sent == 1  # no hold: only that message backs off
    frozen_clock(seconds=2)
    assert worker.run_once().sent == 1


def test_the_monthly_quota_still_pauses_sending_even_with_retry_after(db, worker, fake_line):
    with db.transaction() as session:
        enqueue_push(session, line_user_id(1), HELLO)
    fake_line.script(PUSH, 429, MONTHLY_LIMIT_BODY, headers={"Retry-After": "20"})
    assert worker.run_once().paused == "monthly_limit"
    with db.transaction() as session:
        pause = active_pause(session)
        assert pause is not None and pause.reason == "monthly_limit"
    assert outbox(db)[0].attempts == 0  # not this message's fault


def production_app(database_url, fake_line, **extra):
    overrides = app_overrides(database_url, fake_line, env="production", **extra)
    try:
        return create_app(overrides)
    finally:
        gc.unfreeze()  # a production app freezes what exists; not in a test process


def test_production_with_several_web_processes_warns_that_the_sign_in_limit_is_per_process(
        database_url, fake_line, monkeypatch, caplog):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    with caplog.at_level(logging.WARNING, logger="islandos.web.admin.throttle"):
        app = production_app(database_url, fake_line)
    warnings = [r.getMessage() for r in caplog.records if r.name == "islandos.web.admin.throttle"]
    assert len(warnings) == 1
    assert "memory://" in warnings[0] and "once per process" in warnings[0]
    assert "redis://" in warnings[0]  # says what to do about it
    assert type(app.extensions[THROTTLE_KEY].storage).__name__ == "MemoryStorage"


def test_no_warning_with_a_shared_store_or_a_single_process(
        database_url, fake_line, monkeypatch, caplog):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    with caplog.at_level(logging.WARNING, logger="islandos.web.admin.throttle"):
        production_app(database_url, fake_line, ratelimit_storage_uri="redis://127.0.0.1:6379/15")
        monkeypatch.setenv("WEB_CONCURRENCY", "1")
        production_app(database_url, fake_line)
    assert [r for r in caplog.records if r.name == "islandos.web.admin.throttle"] == []
