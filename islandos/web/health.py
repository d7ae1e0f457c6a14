"""GET /healthz: is the database up, is the outbox moving, is sending paused."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from islandos.clock import as_utc, now
from islandos.extensions import islandos_state
from islandos.line.worker import active_pause
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.models.system import WorkerHeartbeat

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    state = islandos_state(current_app)
    report: dict[str, Any] = {"database": "ok"}
    try:
        with state.db.transaction() as session:
            waiting, oldest = session.execute(
                select(func.count(), func.min(OutboxMessage.created_at))
                .where(OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))
            ).one()
            heartbeat = session.scalar(select(func.max(WorkerHeartbeat.seen_at)))
            pause = active_pause(session)
            moment = now()
            report.update({
                "outbox_waiting": waiting,
                "oldest_waiting_seconds": _age(moment, oldest),
                "worker_heartbeat_seconds_ago": _age(moment, heartbeat),
                "sending_paused": pause is not None,
                "paused_reason": pause.reason if pause else None,
                "paused_detail": pause.detail if pause else None,
                "paused_until": pause.resume_at.isoformat() if pause and pause.resume_at else None,
            })
    except SQLAlchemyError as exc:
        return jsonify({"database": "unreachable", "error": exc.__class__.__name__}), 503
    return jsonify(report), 200


def _age(moment: Any, then: Any) -> int | None:
    if then is None:
        return None
    return int((moment - as_utc(then)).total_seconds())
