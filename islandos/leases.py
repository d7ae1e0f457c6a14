"""Leases: one process at a time for work that must not run twice at once."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from islandos.clock import now
from islandos.db import Database
from islandos.i18n import format_datetime
from islandos.models.system import Lease

_LEASES = cast(Table, Lease.__table__)


class LeaseHeld(RuntimeError):
    """Someone else holds the lease; says who and until when."""

    def __init__(self, name: str, holder: str, expires_at: datetime) -> None:
        super().__init__(f"{name} is already running ({holder}); its lease ends "
                         f"{format_datetime(expires_at, 'en')} (Tokyo) at the latest")
        self.holder = holder
        self.expires_at = expires_at


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@contextmanager
def lease(db: Database, name: str, ttl: timedelta, holder: str | None = None) -> Iterator[None]:
    """Hold the lease `name` for the block, or raise LeaseHeld at once.

    One INSERT … ON CONFLICT DO UPDATE that takes the row only when it has expired, so two
    processes starting together cannot both win, on SQLite or PostgreSQL.
    """
    holder = holder or this_process()
    taken_at = now()
    with db.transaction() as session:
        connection = session.connection()
        statement: sqlite.Insert | postgresql.Insert = (
            postgresql.insert(_LEASES) if connection.dialect.name == "postgresql"
            else sqlite.insert(_LEASES)
        ).values(name=name, holder=holder, acquired_at=taken_at, expires_at=taken_at + ttl)
        upsert = statement.on_conflict_do_update(
            index_elements=[_LEASES.c.name],
            set_={"holder": statement.excluded.holder,
                  "acquired_at": statement.excluded.acquired_at,
                  "expires_at": statement.excluded.expires_at},
            where=_LEASES.c.expires_at <= taken_at,
        ).returning(_LEASES.c.holder)
        won = connection.execute(upsert).first() is not None
        if not won:
            current = connection.execute(
                select(_LEASES.c.holder, _LEASES.c.expires_at).where(_LEASES.c.name == name)
            ).one()
    if not won:
        raise LeaseHeld(name, current.holder, current.expires_at)
    try:
        yield
    finally:
        with db.transaction() as session:
            session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))
