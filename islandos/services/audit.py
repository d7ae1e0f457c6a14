"""Append to the audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.models.audit import AuditEntry


def record(
    session: Session,
    actor: str,
    action: str,
    target: str | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditEntry:
    """Add one audit entry (flushes). Never store message bodies or payment details here."""
    entry = AuditEntry(at=now(), actor=actor, action=action, target=target, before=before,
                       after=after, note=note)
    session.add(entry)
    session.flush()
    return entry


READ_ACTION = "personal_data.read"


def record_read(
    session: Session,
    actor: str,
    what: str,
    people_count: int,
    *,
    subject: str | None = None,
    note: str | None = None,
) -> AuditEntry:
    """Say that an office account was shown personal data (flushes).

    `what` names the page or export ("person.page", "people.search", "fees.csv",
    "notice.call_list"), `people_count` how many people's names or phones it showed, and
    `subject` the one thing it was about ("person:7", "notice:12"). Call it in the view's
    transaction, once per page or file: the audit log then tells who read whose data, when.
    Never put the data itself (names, phones, the search words) here.
    """
    return record(session, actor, READ_ACTION, subject,
                  after={"what": what, "people": int(people_count)}, note=note)
