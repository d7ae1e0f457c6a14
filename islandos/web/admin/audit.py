"""The audit log: in words, searchable, exportable as CSV, never editable (there is no form
to change it). The words (who, which action, what changed) come from audit_labels."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Response, current_app, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from islandos.clock import TOKYO
from islandos.extensions import islandos_state
from islandos.i18n import N_, format_datetime
from islandos.models.admin import AdminUser
from islandos.models.audit import AuditEntry
from islandos.models.people import Person
from islandos.services import audit as audit_service
from islandos.services.paging import page_of
from islandos.web.admin import admin_actor, bp, login_required
from islandos.web.admin.audit_labels import (
    SHELL_LABELS,
    action_label,
    change_text,
    changes,
    names_for,
    person_of,
    who,
)
from islandos.web.locale import _, current_language

PERSON_MATCHES = 50  # people a name in the person filter may stand for


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _filters() -> dict[str, Any]:
    args = request.args
    return {"q": (args.get("q") or "").strip(), "actor": (args.get("actor") or "").strip(),
            "person": (args.get("person") or "").strip(),
            "action": (args.get("action") or "").strip(),
            "since": _day(args.get("since")), "until": _day(args.get("until"))}


def labels() -> dict[str, str]:
    """Every action's words: the shell's and those of this app's features."""
    return {**SHELL_LABELS, **islandos_state(current_app).registry.audit_labels}


def _person_refs(session: Session, raw: str) -> list[str]:
    """The actor/target references of the person a filter names: a number, or part of a
    name (those are never in the log itself, which keeps no names)."""
    raw = raw.lstrip("#")
    if raw.isdigit():
        ids = [int(raw)]
    else:
        ids = list(session.scalars(select(Person.id).where(Person.full_name.ilike(f"%{raw}%"))
                                   .order_by(Person.id).limit(PERSON_MATCHES)))
    return [ref for pid in ids for ref in (f"person:{pid}", f"line:person:{pid}")]


def _query(session: Session, filters: dict[str, Any]) -> Select[AuditEntry]:
    query = select(AuditEntry)
    if filters["q"]:
        like = f"%{filters['q']}%"
        query = query.where(or_(AuditEntry.action.ilike(like), AuditEntry.target.ilike(like),
                                AuditEntry.actor.ilike(like), AuditEntry.note.ilike(like)))
    if filters["actor"]:
        query = query.where(AuditEntry.actor == filters["actor"])
    if filters["person"]:
        refs = _person_refs(session, filters["person"])
        query = query.where(or_(AuditEntry.actor.in_(refs), AuditEntry.target.in_(refs))
                            if refs else false())
    if filters["action"]:
        query = query.where(AuditEntry.action.startswith(filters["action"]))
    if filters["since"]:
        start = datetime.combine(filters["since"], time(), TOKYO)
        query = query.where(AuditEntry.at >= start)
    if filters["until"]:
        end = datetime.combine(filters["until"] + timedelta(days=1), time(), TOKYO)
        query = query.where(AuditEntry.at < end)
    return query


@bp.get("/audit")
@login_required
def audit_log() -> ResponseReturnValue:
    filters = _filters()
    language = current_language()
    words = labels()
    with islandos_state(current_app).db.transaction() as session:
        entries, page = page_of(session, _query(session, filters)
                                .order_by(AuditEntry.id.desc()),
                                request.args.get("page", 1, type=int) or 1)
        names = names_for(session, entries, language)
        accounts = list(session.execute(select(AdminUser.id, AdminUser.username)
                                        .order_by(AdminUser.username)))
        rows = [{"entry": e, "actor": who(e.actor, names, language),
                 "actor_person": person_of(e.actor), "target": who(e.target, names, language),
                 "target_person": person_of(e.target),
                 "action": _(action_label(words, e.action)),
                 "changes": changes(e, names, language)} for e in entries]
    actions = sorted(((action, _(label)) for action, label in words.items()),
                     key=lambda pair: pair[0])
    return render_template("admin/audit/list.html", rows=rows, filters=filters, page=page,
                           accounts=accounts, actions=actions)


# Columns in words (translated), then the entry as stored (for scripts).
CSV_HEADER = (N_("番号"), N_("日時（日本時間）"), N_("操作した人"), N_("操作"), N_("対象"),
              N_("変更内容"), N_("メモ"))
CSV_STORED = ("actor", "action", "target", "at_utc", "before", "after")


def _plain(value: dict[str, Any] | None) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


@bp.get("/audit.csv")
@login_required
def audit_csv() -> ResponseReturnValue:
    """Every matching entry, oldest first, streamed in words and as stored, UTF-8 with a BOM
    so spreadsheet programs read the Japanese (the export itself is audited)."""
    filters = _filters()
    state = islandos_state(current_app)
    language = current_language()
    words = {action: _(label) for action, label in labels().items()}
    header = [_(column) for column in CSV_HEADER]
    with state.db.transaction() as session:
        audit_service.record(session, admin_actor(), "audit.exported", None,
                             after={k: str(v) for k, v in filters.items() if v})

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow([*header, *CSV_STORED])
        with state.db.transaction() as session:
            result = session.scalars(_query(session, filters).order_by(AuditEntry.id)
                                     .execution_options(yield_per=500))
            for batch in result.partitions():
                names = names_for(session, batch, language)
                for e in batch:
                    writer.writerow([
                        e.id, format_datetime(e.at, language), who(e.actor, names, language),
                        words.get(e.action, e.action), who(e.target, names, language),
                        change_text(changes(e, names, language)), e.note or "",
                        e.actor, e.action, e.target or "", e.at.isoformat(),
                        _plain(e.before), _plain(e.after)])
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(rows()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})
