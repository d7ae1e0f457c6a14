"""The dashboard home: people by role, requests waiting, how sending is going."""

from __future__ import annotations

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from islandos.clock import as_utc, now
from islandos.extensions import islandos_state
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.models.people import Person, Status
from islandos.models.system import WorkerHeartbeat
from islandos.web.admin import bp, login_required
from islandos.web.admin.people import pending_count


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    with islandos_state(current_app).db.transaction() as session:
        by_role = {role: count for role, count in session.execute(
            select(Person.role, func.count()).where(Person.status == Status.ACTIVE)
            .group_by(Person.role))}
        waiting = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))) or 0
        failed = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.FAILED)) or 0
        heartbeat = session.scalar(select(func.max(WorkerHeartbeat.seen_at)))
        requests_waiting = pending_count(session)
    worker_age = int((now() - as_utc(heartbeat)).total_seconds()) if heartbeat else None
    return render_template("admin/home.html", by_role=by_role, waiting=waiting, failed=failed,
                           worker_age=worker_age, requests_waiting=requests_waiting)
