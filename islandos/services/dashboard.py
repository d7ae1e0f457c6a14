"""The office's overview on the dashboard home: people by role, requests, how sending goes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from islandos.clock import as_utc, now
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.models.system import WorkerHeartbeat
from islandos.services.registration import count_by_role, pending_request_count


@dataclass(frozen=True)
class Overview:
    by_role: dict[str, int]  # people who follow the account, per role
    requests_waiting: int  # islander requests the office has not decided
    waiting: int  # outbox messages not sent yet
    failed: int  # outbox messages that failed for good
    worker_age: int | None  # seconds since a worker last said it was alive; None: never


def overview(session: Session) -> Overview:
    """The dashboard's counts, as of now (reads only)."""
    waiting, failed = session.execute(select(
        func.count().filter(OutboxMessage.status.in_(
            (OutboxStatus.PENDING, OutboxStatus.SENDING))),
        func.count().filter(OutboxMessage.status == OutboxStatus.FAILED),
    )).one()
    heartbeat = session.scalar(select(func.max(WorkerHeartbeat.seen_at)))
    return Overview(
        by_role=count_by_role(session),
        requests_waiting=pending_request_count(session),
        waiting=int(waiting or 0), failed=int(failed or 0),
        worker_age=int((now() - as_utc(heartbeat)).total_seconds()) if heartbeat else None,
    )
