"""An event's reminder: scheduled N days before the start at a set time (Japan time), sent to
those attending and, if the office chose, to those who have not answered."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos import scheduler
from islandos.clock import TOKYO, now, to_tokyo
from islandos.models.asking import Answer, AnswerStatus, AskRecipient
from islandos.models.events import Event, EventStatus
from islandos.models.people import Person
from islandos.services import audit
from islandos.services.asking import audience as aud
from islandos.services.asking import delivery
from islandos.services.asking.asks import option_bit
from islandos.services.events import editing  # (editing schedules; this module sends)
from islandos.services.events.messages import YES

REMIND_JOB = "event.remind"
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _reminder_key(event: Event) -> str:
    return f"{REMIND_JOB}:{event.id}"


def reminder_time(event: Event) -> datetime | None:
    """The day N days before the start, at the set time (Japan time)."""
    if event.remind_days_before is None:
        return None
    found = TIME.match(event.remind_time or "")
    if found is None:
        return None
    day = to_tokyo(event.starts_at).date() - timedelta(days=event.remind_days_before)
    return datetime(day.year, day.month, day.day, int(found.group(1)), int(found.group(2)),
                    tzinfo=TOKYO)


def cancel_reminder(session: Session, event: Event) -> None:
    scheduler.cancel(session, _reminder_key(event))


def schedule_reminder(session: Session, event: Event) -> None:
    """(Re)schedule the reminder job, or cancel it when none is due any more."""
    at = reminder_time(event)
    if at is None or at <= now() or at >= event.starts_at:
        scheduler.cancel(session, _reminder_key(event))
        return
    scheduler.schedule(session, REMIND_JOB, at, {"event_id": event.id,
                                                 "starts_at": event.starts_at.isoformat()},
                       unique_key=_reminder_key(event))


def remind(session: Session, event_id: int, starts_at: str | None = None) -> int:
    """The reminder: those attending (counted 参加), and, if set, those who have not
    answered (one reminder each); audited. Returns how many. Nothing for a cancelled event
    or one whose time moved since the job was scheduled."""
    event = session.get(Event, event_id)
    if event is None or event.status != EventStatus.OPEN or event.starts_at <= now():
        return 0
    if starts_at is not None and datetime.fromisoformat(starts_at) != event.starts_at:
        return 0  # the event moved: its new reminder job is the one that counts
    ask = editing.event_ask(session, event.id)
    assert ask is not None
    attending = select(AskRecipient.person_id).join(
        Answer, Answer.recipient_id == AskRecipient.id).where(
        AskRecipient.ask_id == ask.id, Answer.status == AnswerStatus.COUNTED,
        Answer.choices.op("&")(option_bit(ask, YES)) != 0)
    count = editing.tell(session, event, lambda language: aud.recipient_columns().where(
        aud.receivable(), aud.language_condition(language), Person.id.in_(attending)
    ).order_by(Person.id), "reminder", event.starts_at)
    if event.remind_not_answered and event.answer_deadline > now():
        count += delivery.remind(session, ask, editing.dispatch_for(
            session, event, "not_answered", event.answer_deadline), now())
    audit.record(session, "system", "event.reminded", f"event:{event.id}",
                 after={"recipients": count})
    return count


def job_remind(ctx: scheduler.JobContext) -> None:
    """Job "event.remind"."""
    remind(ctx.session, int(ctx.payload["event_id"]), ctx.payload.get("starts_at"))

