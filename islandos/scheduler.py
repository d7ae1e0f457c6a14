"""Jobs that run at a time (send a notice later, remind), and the registry of their kinds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.models.jobs import Job, JobStatus

if TYPE_CHECKING:
    from islandos.db import Database
    from islandos.line.gateway import LineTransport
    from islandos.settings import Settings


@dataclass(frozen=True)
class JobContext:
    """What a job gets: its own transaction, its payload, the transport, and the app's
    settings as they are when the job runs (None only where a worker was made without)."""

    session: Session
    payload: dict[str, Any]
    transport: LineTransport
    settings: Settings | None = None
    # The app's personal-data erasers (islandos.registry.PersonalDataEraser), for a job that
    # deletes a person's data (the retention run).
    erasers: tuple[Callable[[Session, Any], None], ...] = ()

    @property
    def public_base_url(self) -> str:
        """PUBLIC_BASE_URL now (never a copy frozen into the payload when it was scheduled)."""
        return self.settings.public_base_url if self.settings is not None else ""


JobHandler = Callable[[JobContext], None]


@dataclass(frozen=True)
class LineJobContext:
    """For a job that calls LINE: it opens its own short transactions around the call, so
    no database transaction (on SQLite, the write lock) is held while LINE answers."""

    db: Database
    payload: dict[str, Any]
    transport: LineTransport


LineJobHandler = Callable[[LineJobContext], None]
# Housekeeping: given a session and the time, tidies up and says how many rows it touched.
Housekeeping = Callable[[Session, datetime], int]


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    interval: timedelta
    run: Housekeeping


class UnknownJobKind(LookupError):
    pass


class JobRegistry:
    """Maps a job kind ("notice.send") to the service function that runs it."""

    def __init__(self) -> None:
        self._handlers: dict[str, JobHandler] = {}
        self._line_handlers: dict[str, LineJobHandler] = {}
        self.periodic: list[PeriodicTask] = []
        self.erasers: tuple[Callable[[Session, Any], None], ...] = ()  # set by Registry.build

    def every(self, interval: timedelta, name: str, task: Housekeeping) -> None:
        """Housekeeping the worker runs in a transaction at most once per `interval` (and
        when it starts). Every worker process keeps its own time, so a task must not mind
        running twice."""
        if any(known.name == name for known in self.periodic):
            raise ValueError(f"periodic task {name!r} registered twice")
        self.periodic.append(PeriodicTask(name, interval, task))

    def add(self, kind: str, handler: JobHandler) -> None:
        """A job that runs inside the worker's transaction (it may enqueue, never call LINE)."""
        self._claim(kind, handler)
        self._handlers[kind] = handler

    def add_line_job(self, kind: str, handler: LineJobHandler) -> None:
        """A job that calls LINE directly (rich menus); it manages its own transactions."""
        self._claim(kind, handler)
        self._line_handlers[kind] = handler

    def _claim(self, kind: str, handler: object) -> None:
        known = self._handlers.get(kind) or self._line_handlers.get(kind)
        if known is not None and known is not handler:
            raise ValueError(f"job kind {kind!r} registered twice")

    def get(self, kind: str) -> JobHandler:
        try:
            return self._handlers[kind]
        except KeyError as exc:
            raise UnknownJobKind(kind) from exc

    def line_job(self, kind: str) -> LineJobHandler | None:
        return self._line_handlers.get(kind)

    def __contains__(self, kind: str) -> bool:
        return kind in self._handlers or kind in self._line_handlers


def schedule(
    session: Session,
    kind: str,
    run_at: datetime,
    payload: dict[str, Any] | None = None,
    *,
    unique_key: str | None = None,
) -> Job:
    """Schedule a job (flushes). With a unique key already pending, that job is moved instead."""
    if unique_key is not None:
        existing = session.scalar(select(Job).where(Job.unique_key == unique_key))
        if existing is not None:
            if existing.status == JobStatus.PENDING:
                existing.run_at = run_at
                existing.payload = payload or {}
            return existing
    job = Job(kind=kind, payload=payload or {}, unique_key=unique_key, run_at=run_at,
              status=JobStatus.PENDING)
    session.add(job)
    session.flush()
    return job


def cancel(session: Session, unique_key: str) -> bool:
    """Cancel a pending job by its key; True if one was cancelled."""
    result = session.execute(
        update(Job).where(Job.unique_key == unique_key, Job.status == JobStatus.PENDING)
        .values(status=JobStatus.CANCELLED, finished_at=now())
    )
    return bool(getattr(result, "rowcount", 0))
