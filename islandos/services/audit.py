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
