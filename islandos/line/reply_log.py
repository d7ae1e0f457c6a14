"""Confirmed replies, marked 'sent' in batches: one short transaction for many events."""

from __future__ import annotations

import atexit
import logging
import os
import threading
from typing import cast

from sqlalchemy import Connection, Integer, Table, any_, bindparam, update
from sqlalchemy.dialects import postgresql

from islandos.db import Database
from islandos.models.webhook_events import ReplyState, WebhookEvent

log = logging.getLogger("islandos.webhook")


class SentReplies:
    """Collects the ids of events whose reply LINE accepted and writes them together.

    Under load a webhook process would otherwise open a second write transaction per event
    just to say "sent". A batch waits at most `delay` seconds; with delay 0 every mark is
    written at once. A process that dies first leaves those events 'pending', which the
    worker later settles as 'unknown' (true: nobody can tell any more); never resent.
    """

    def __init__(self, db: Database, delay: float, max_batch: int = 500) -> None:
        self.db = db
        self.delay = delay
        self.max_batch = max_batch
        self._pending: list[int] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._wake = threading.Event()
        self._pid: int | None = None
        self._stopped = False
        db.on_dispose(self.close)

    def mark(self, event_row_id: int) -> None:
        if self.delay <= 0:
            self._write([event_row_id])
            return
        with self._lock:
            self._pending.append(event_row_id)
            if self._pid != os.getpid():  # first mark in this (possibly forked) process
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="islandos-sent-replies",
                                 daemon=True).start()
                atexit.register(self.flush)
            if len(self._pending) >= self.max_batch:
                self._wake.set()

    def flush(self) -> None:
        # One flush at a time: the last flush at exit waits for the background writer's batch
        # (a daemon thread, stopped mid-write when the process ends) instead of finding
        # nothing pending and leaving that batch unwritten.
        with self._flushing:
            with self._lock:
                batch, self._pending = self._pending, []
            if batch:
                self._write(batch)

    def close(self) -> None:
        """Write what is waiting and stop the background writer."""
        self._stopped = True
        self._wake.set()
        self.flush()

    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait(self.delay)
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                log.exception("could not mark replies as sent; the worker will settle them")

    def _write(self, row_ids: list[int]) -> None:
        with self.db.transaction() as session:
            mark_sent(session.connection(), row_ids)


_EVENTS = cast(Table, WebhookEvent.__table__)
_STILL_PENDING = _EVENTS.c.reply_state == ReplyState.PENDING
# PostgreSQL: the ids as one array parameter, so every batch is the same prepared statement
# (an IN list is new SQL for every batch size, parsed and planned again). SQLite: an IN list.
_MARK_SENT = {
    "postgresql": update(_EVENTS).where(
        _EVENTS.c.id == any_(bindparam("ids", type_=postgresql.ARRAY(Integer))), _STILL_PENDING),
    "sqlite": update(_EVENTS).where(
        _EVENTS.c.id.in_(bindparam("ids", expanding=True)), _STILL_PENDING),
}


def mark_sent(connection: Connection, row_ids: list[int]) -> None:
    """Say the replies of these events went out (those still pending)."""
    connection.execute(_MARK_SENT[connection.dialect.name].values(reply_state=ReplyState.SENT),
                       {"ids": row_ids})
