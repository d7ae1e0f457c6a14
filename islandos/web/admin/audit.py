"""The audit log: searchable, exportable as CSV, never editable (there is no form to change it)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Response, current_app, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, or_, select

from islandos.clock import TOKYO
from islandos.extensions import islandos_state
from islandos.models.audit import AuditEntry
from islandos.services import audit as audit_service
from islandos.services.paging import page_of
from islandos.web.admin import admin_actor, bp, login_required


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _filters() -> dict[str, Any]:
    args = request.args
    return {"q": (args.get("q") or "").strip(), "actor": (args.get("actor") or "").strip(),
            "action": (args.get("action") or "").strip(),
            "since": _day(args.get("since")), "until": _day(args.get("until"))}


def _query(filters: dict[str, Any]) -> Select[AuditEntry]:
    query = select(AuditEntry)
    if filters["q"]:
        like = f"%{filters['q']}%"
        query = query.where(or_(AuditEntry.action.ilike(like), AuditEntry.target.ilike(like),
                                AuditEntry.actor.ilike(like), AuditEntry.note.ilike(like)))
    if filters["actor"]:
        query = query.where(AuditEntry.actor == filters["actor"])
    if filters["action"]:
        query = query.where(AuditEntry.action.startswith(filters["action"]))
    if filters["since"]:
        start = datetime.combine(filters["since"], time(), TOKYO)
        query = query.where(AuditEntry.at >= start)
    if filters["until"]:
        end = datetime.combine(filters["until"] + timedelta(days=1), time(), TOKYO)
        query = query.where(AuditEntry.at < end)
    return query


def _plain(value: dict[str, Any] | None) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


@bp.get("/audit")
@login_required
def audit_log() -> ResponseReturnValue:
    filters = _filters()
    with islandos_state(current_app).db.transaction() as session:
        entries, page = page_of(session, _query(filters).order_by(AuditEntry.id.desc()),
                                request.args.get("page", 1, type=int) or 1)
    return render_template("admin/audit/list.html", entries=entries, filters=filters,
                           page=page, plain=_plain)


@bp.get("/audit.csv")
@login_required
def audit_csv() -> ResponseReturnValue:
    """Every matching entry, oldest first, streamed (the export itself is audited)."""
    filters = _filters()
    state = islandos_state(current_app)
    with state.db.transaction() as session:
        audit_service.record(session, admin_actor(), "audit.exported", None,
                             after={k: str(v) for k, v in filters.items() if v})

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        buffer.write("\ufeff")  # so spreadsheet programs read the Japanese as UTF-8
        writer = csv.writer(buffer)
        writer.writerow(["id", "at_utc", "actor", "action", "target", "before", "after", "note"])
        with state.db.transaction() as session:
            result = session.scalars(_query(filters).order_by(AuditEntry.id)
                                     .execution_options(yield_per=500))
            for entry in result:
                writer.writerow([entry.id, entry.at.isoformat(), entry.actor, entry.action,
                                 entry.target or "", _plain(entry.before), _plain(entry.after),
                                 entry.note or ""])
                if buffer.tell() > 32_000:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(rows()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})
