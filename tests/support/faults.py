"""Faults for the reliability tests, made for real: a locked or unwritable SQLite file,
PostgreSQL's connections cut; and what LINE and webhook_events saw of them."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from islandos.db import Database
from islandos.models import WebhookEvent
from tests.fakes.line_api import FakeLineApi

NOBODY = 65534


# These faults belong to one kind of database (a read-only SQLite file; PostgreSQL's
# connections terminated). The suite runs once per database (.ci/run: SQLite, then
# PostgreSQL), so each test runs, and must pass, in the run of its own database; the skip is
# only the other run's.
@pytest.fixture
def only_sqlite(db: Database) -> None:
    if db.is_postgres:
        pytest.skip("a SQLite file's own faults (runs in the suite on SQLite)")


@pytest.fixture
def only_postgres(db: Database) -> None:
    if not db.is_postgres:
        pytest.skip("PostgreSQL's own faults (runs in the suite on PostgreSQL)")


def replies_per_token(fake_line: FakeLineApi) -> Counter[str]:
    """How many reply requests reached LINE for each reply token, accepted or not."""
    return Counter(call.json["replyToken"] for call in fake_line.requests
                   if call.path.endswith("/v2/bot/message/reply") and call.json)


def stored_events(db: Database) -> list[WebhookEvent]:
    with db.transaction() as session:
        return list(session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


def rejected_reasons(db: Database) -> list[str]:
    return [row.rejected_reason for row in stored_events(db) if row.rejected_reason]


class ExclusiveLock(threading.Thread):
    """Another program's connection that, once `rows` webhook events are stored, locks the
    SQLite file (BEGIN EXCLUSIVE) for `hold` seconds. To strike mid-body rather than starve
    behind the webhook's back-to-back transactions, it queues for IslandOS's own write lock
    (the flock beside the file) to start, and lets go of that at once."""

    def __init__(self, path: str, rows: int, hold: float) -> None:
        super().__init__(name="exclusive-lock", daemon=True)
        self.path, self.rows, self.hold = path, rows, hold
        self.locked = threading.Event()
        self.released_at = 0.0

    def run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        queue = os.open(self.path + ".writelock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and connection.execute(
                    "SELECT count(*) FROM webhook_events").fetchone()[0] < self.rows:
                time.sleep(0.001)
            fcntl.flock(queue, fcntl.LOCK_EX)
            connection.execute("BEGIN EXCLUSIVE")
            fcntl.flock(queue, fcntl.LOCK_UN)
            self.locked.set()
            time.sleep(self.hold)
            self.released_at = time.monotonic()
            connection.execute("COMMIT")
        finally:
            os.close(queue)
            connection.close()


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """The database file is read-only while inside: connections opened now can only read.

    Root writes to any file, so as root the process also acts as nobody meanwhile (the
    directory must be readable by all)."""
    path.chmod(0o444)
    as_root = os.geteuid() == 0
    if as_root:
        os.seteuid(NOBODY)
    try:
        yield
    finally:
        if as_root:
            os.seteuid(0)
        path.chmod(0o644)


def terminate_connections(url: str) -> int:
    """Cut every connection of `url`'s application_name, as a PostgreSQL restart does (only
    those: other test runs share the server)."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            return len(connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = current_setting('application_name') "
                "AND pid <> pg_backend_pid()")).all())
    finally:
        engine.dispose()
