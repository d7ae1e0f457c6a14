"""GET /healthz: can this process write to the database, is the outbox moving, is sending
paused. GET /healthz/worker: is the delivery worker alive (its own address, so a platform
check of the web process never takes /callback offline because the worker is down)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from islandos.clock import as_utc, now
from islandos.db import DATABASE_ERRORS
from islandos.extensions import islandos_state
from islandos.line.worker import active_pause
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.models.system import WorkerHeartbeat

bp = Blueprint("health", __name__)

# The worker beats at the start of every round; a round that sends a big notice or waits out
# LINE's Retry-After takes a while, so only this long a silence counts as a stopped worker.
WORKER_STALE_SECONDS = 300
_PROBE = "healthz-write-probe"  # a heartbeat row written and rolled back, never seen
# A platform's health check gives up after a few seconds: a locked database is waited for
# about as long as the webhook waits for it.
HEALTH_DATABASE_WAIT_SECONDS = 1.5


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 while this process can write to the database (a write rolled back at once), else
    503. The worker's state is reported but never makes this address fail."""
    state = islandos_state(current_app)
    report: dict[str, Any] = {"database": "ok"}
    try:
        with state.db.rolled_back(HEALTH_DATABASE_WAIT_SECONDS) as session:
            report.update(_figures(session))
            session.execute(insert(WorkerHeartbeat).values(worker_id=_PROBE, seen_at=now()))
    except DATABASE_ERRORS as exc:
        return jsonify({"database": "unwritable", "error": exc.__class__.__name__}), 503
    return jsonify(report), 200


@bp.get("/healthz/worker")
def worker_health() -> ResponseReturnValue:
    """200 while a worker's heartbeat is fresh; 503 when none beat for WORKER_STALE_SECONDS."""
    state = islandos_state(current_app)
    try:
        with state.db.transaction(HEALTH_DATABASE_WAIT_SECONDS) as session:
            age = _age(now(), session.scalar(select(func.max(WorkerHeartbeat.seen_at))))
    except DATABASE_ERRORS as exc:
        return jsonify({"worker": "unknown", "error": exc.__class__.__name__}), 503
    status = _worker_status(age)
    return jsonify({"worker": status, "worker_heartbeat_seconds_ago": age}), \
        200 if status == "ok" else 503


def _figures(session: Session) -> dict[str, Any]:
    waiting, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))
    ).one()
    heartbeat = session.scalar(select(func.max(WorkerHeartbeat.seen_at)))
    pause = active_pause(session)
    moment = now()
    age = _age(moment, heartbeat)
    return {
        "outbox_waiting": waiting,
        "oldest_waiting_seconds": _age(moment, oldest),
        "worker": _worker_status(age),
        "worker_heartbeat_seconds_ago": age,
        "sending_paused": pause is not None,
        "paused_reason": pause.reason if pause else None,
        "paused_detail": pause.detail if pause else None,
        "paused_until": pause.resume_at.isoformat() if pause and pause.resume_at else None,
    }


def _worker_status(age: int | None) -> str:
    if age is None:
        return "never seen"
    return "ok" if age <= WORKER_STALE_SECONDS else "stale"


def _age(moment: Any, then: Any) -> int | None:
    if then is None:
        return None
    return int((moment - as_utc(then)).total_seconds())

