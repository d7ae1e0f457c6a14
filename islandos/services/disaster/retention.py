"""Keeping a safety check's personal data no longer than needed.

30 days after a mode ends, unless the office exported the record before then, locations
are deleted and health answers are reduced: the reason someone needed help (けが・体調,
家が危ない, 動けない, その他) becomes just 「助けが必要」, and how many chose each reason is
kept per district only (`DisasterMode.summary`). Whether someone was safe stays, as the
record. A daily job; it may run twice (it only touches modes not reduced yet).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from islandos.models.asking import Answer
from islandos.models.disaster import DisasterMode, SafetyChoice, SafetyEvent, SafetyLocation
from islandos.services.disaster.answers import choice_of

KEEP_FOR = timedelta(days=30)
REASONS = (SafetyChoice.INJURY, SafetyChoice.HOUSE, SafetyChoice.STUCK, SafetyChoice.OTHER)
HELP_BIT = 1 << list(SafetyChoice).index(SafetyChoice.HELP)


def reduce_after(mode: DisasterMode) -> datetime | None:
    return mode.ended_at + KEEP_FOR if mode.ended_at is not None else None


def reduce_old_checks(session: Session, moment: datetime) -> int:
    """Reduce every mode that ended 30 days ago or more (not exported). Returns rows
    touched."""
    due = session.scalars(select(DisasterMode).where(
        DisasterMode.active.is_(None), DisasterMode.ended_at.is_not(None),
        DisasterMode.ended_at <= moment - KEEP_FOR, DisasterMode.reduced_at.is_(None),
        DisasterMode.exported_at.is_(None))).all()
    touched = 0
    for mode in due:
        touched += reduce_mode(session, mode, moment)
    return touched


def reduce_mode(session: Session, mode: DisasterMode, moment: datetime) -> int:
    summary: dict[str, dict[str, int]] = {}
    touched = 0
    if mode.ask_id is not None:
        for district_id, choices, count in session.execute(
                select(Answer.district_id, Answer.choices, func.count(Answer.id))
                .where(Answer.ask_id == mode.ask_id)
                .group_by(Answer.district_id, Answer.choices)):
            choice = choice_of(choices) or ""
            by_district = summary.setdefault(str(district_id or ""), {})
            by_district[choice] = by_district.get(choice, 0) + int(count)
        reasons = [1 << list(SafetyChoice).index(reason) for reason in REASONS]
        changed = session.execute(
            update(Answer).where(Answer.ask_id == mode.ask_id, Answer.choices.in_(reasons))
            .values(choices=HELP_BIT).execution_options(synchronize_session=False))
        touched += int(getattr(changed, "rowcount", 0) or 0)
    for statement in (
            delete(SafetyLocation).where(SafetyLocation.mode_id == mode.id),
            delete(SafetyEvent).where(SafetyEvent.mode_id == mode.id,
                                      SafetyEvent.choice.is_(None)),
            update(SafetyEvent).where(SafetyEvent.mode_id == mode.id,
                                      SafetyEvent.choice.in_([r.value for r in REASONS]))
            .values(choice=SafetyChoice.HELP.value, latitude=None, longitude=None)):
        result = session.execute(statement.execution_options(synchronize_session=False))
        touched += int(getattr(result, "rowcount", 0) or 0)
    mode.summary, mode.reduced_at = summary, moment
    session.flush()
    return touched + 1
