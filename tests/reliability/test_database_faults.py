"""Database faults lose no reply already committed, and the app recovers without a restart:
a SQLite file locked by another program mid-body, a read-only file, PostgreSQL's connections
cut; /healthz tells whether this process can write, /healthz/worker whether the worker runs."""

from __future__ import annotations

import select
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import make_url

from islandos import create_app
from islandos.db import Base, Database
from islandos.extensions import islandos_state
from islandos.models import WorkerHeartbeat
from islandos.sqlite_lock import sqlite_file
from islandos.web.health import WORKER_STALE_SECONDS
from tests.conftest import WebhookPoster, app_overrides
from tests.support.databases import sqlite_url
from tests.support.faults import (
    ExclusiveLock,
    replies_per_token,
    stored_events,
    terminate_connections,
    unwritable,
)
from tests.support.webhook import follow_event, line_user_id, text_event

A, B = line_user_id(1), line_user_id(2)


def redelivered(*events: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**event, "deliveryContext": {"isRedelivery": True}} for event in events]


def test_a_database_locked_mid_body_answers_every_user_exactly_once(
        line, db, fake_line, only_sqlite, caplog):
    follows = [follow_event(line_user_id(100 + n), line.reply_token()) for n in range(150)]
    path = sqlite_file(db.url)
    assert path is not None
    other_program = ExclusiveLock(path, rows=20, hold=3.0)
    other_program.start()

    first = line.post(*follows)
    other_program.join()

    assert other_program.locked.is_set()
    # LINE got its 500 while the lock was still held: the webhook gave up waiting in time.
    assert first.status_code == 500 and line.answered_at < other_program.released_at
    committed = replies_per_token(fake_line)
    assert 20 <= len(committed) < 150
    assert set(committed.values()) == {1}  # every event committed before the lock answered
    fault = [r.getMessage() for r in caplog.records if r.name == "islandos.webhook"
             and r.levelname == "ERROR"]
    assert fault == [fault[0]] and "database is locked" in fault[0]
    assert "INSERT" not in fault[0] and not any(r.exc_info for r in caplog.records)

    assert line.post(*redelivered(*follows)).status_code == 200
    assert replies_per_token(fake_line) == {event["replyToken"]: 1 for event in follows}
    assert len(stored_events(db)) == 150


@pytest.fixture
def own_sqlite(fake_line) -> Iterator[tuple[Flask, Path]]:
    """An app on a SQLite file of its own, in a directory everyone may read (see unwritable),
    with another connection open as a second process would keep one."""
    directory = Path(tempfile.mkdtemp(prefix="islandos-readonly-"))
    directory.chmod(0o755)
    url = sqlite_url(directory)
    other_process = Database(url)
    Base.metadata.create_all(other_process.engine)
    app = create_app(app_overrides(url, fake_line))
    try:
        with other_process.engine.connect():
            yield app, Path(sqlite_file(url) or "")
    finally:
        islandos_state(app).db.dispose()
        other_process.dispose()
        shutil.rmtree(directory)


def test_a_read_only_database_fixed_without_a_restart(own_sqlite, fake_line, only_sqlite):
    app, path = own_sqlite
    client = app.test_client()
    line = WebhookPoster(client, fake_line)
    a, b = follow_event(A, line.reply_token()), follow_event(B, line.reply_token())
    assert line.post(a).status_code == 200
    islandos_state(app).db.engine.dispose()  # connections opened from now on meet the fault

    with unwritable(path):
        assert line.post(b).status_code == 500
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json()["database"] == "unwritable"

    # The file is writable again: the next requests succeed, with no restart in between.
    assert client.get("/healthz").status_code == 200
    assert line.post(*redelivered(b)).status_code == 200
    assert replies_per_token(fake_line) == {a["replyToken"]: 1, b["replyToken"]: 1}


@pytest.fixture
def own_postgres(database_url, fake_line, only_postgres) -> Iterator[tuple[Flask, str]]:
    """An app whose connections carry a name of their own, so only they are cut."""
    url = make_url(database_url).update_query_dict(
        {"application_name": f"islandos-faults-{time.monotonic_ns()}"})
    rendered = url.render_as_string(hide_password=False)
    app = create_app(app_overrides(rendered, fake_line))
    yield app, rendered
    islandos_state(app).db.dispose()


def test_postgresql_connections_cut_between_two_requests(own_postgres, fake_line, db):
    app, url = own_postgres
    client = app.test_client()
    line = WebhookPoster(client, fake_line)
    a, b = text_event(A, "ヘルプ", line.reply_token()), text_event(B, "ヘルプ", line.reply_token())
    assert line.post(a).status_code == 200
    assert client.get("/healthz").status_code == 200

    assert terminate_connections(url) >= 1  # as a PostgreSQL restart does

    assert line.post(b).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert replies_per_token(fake_line) == {a["replyToken"]: 1, b["replyToken"]: 1}


def test_postgresql_connection_lost_mid_request_is_replaced_for_the_next(
        own_postgres, fake_line, db):
    """No pre-ping: a connection that dies after it was checked out fails its request (LINE
    gets 500 and redelivers); the pool is then replaced, so the next request succeeds."""
    app, url = own_postgres
    client = app.test_client()
    line = WebhookPoster(client, fake_line)
    a, b = text_event(A, "ヘルプ", line.reply_token()), text_event(B, "ヘルプ", line.reply_token())
    assert line.post(a).status_code == 200
    engine = islandos_state(app).db.engine
    cut = []

    def cut_before_the_first_statement(conn: Any, *_: Any) -> None:
        if not cut:  # the server goes away between the checkout and the first statement
            cut.append(terminate_connections(url))
            _wait_until_closed(conn.connection.driver_connection)

    event.listen(engine, "before_cursor_execute", cut_before_the_first_statement)
    try:
        assert line.post(b).status_code == 500
    finally:
        event.remove(engine, "before_cursor_execute", cut_before_the_first_statement)
    assert cut and cut[0] >= 1

    assert line.post(*redelivered(b)).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert replies_per_token(fake_line) == {a["replyToken"]: 1, b["replyToken"]: 1}


def _wait_until_closed(connection: Any) -> None:
    """Until the server's goodbye has reached the socket (the terminate is asynchronous)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if select.select([connection.pgconn.socket], [], [], 0.05)[0]:
            return
    raise AssertionError("the server did not close the connection")


def test_a_stale_worker_is_reported_at_its_own_address_and_keeps_healthz_up(
        client, db, worker, frozen_clock):
    assert client.get("/healthz/worker").status_code == 503  # no worker has ever run
    worker.run_once()
    assert client.get("/healthz/worker").get_json() == {
        "worker": "ok", "worker_heartbeat_seconds_ago": 0}

    frozen_clock(seconds=WORKER_STALE_SECONDS + 1)
    stale = client.get("/healthz/worker")
    assert stale.status_code == 503 and stale.get_json()["worker"] == "stale"
    health = client.get("/healthz")
    assert health.status_code == 200  # the webhook's process is fine: LINE keeps reaching it
    assert health.get_json()["worker"] == "stale"


def test_healthz_writes_nothing(client, db):
    assert client.get("/healthz").status_code == 200
    with db.transaction() as session:
        assert session.query(WorkerHeartbeat).count() == 0
