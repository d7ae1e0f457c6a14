"""Demo events for 南風島: an 敬老会 with a capacity and guests allowed, and a beach
clean-up whose answer deadline is near; a resident without LINE; a few answers.

Invited through the real service, then their outbox batches marked as accepted by LINE and
their reminder jobs cancelled in the same transaction, so running the demo sends nothing.
Idempotent: keyed by title.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from islandos import scheduler
from islandos.clock import TOKYO, now
from islandos.models.events import Event
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.models.people import District, Person, Role
from islandos.services.events.answering import answer_event
from islandos.services.events.editing import EventInput, create_event
from islandos.services.events.reminders import REMIND_JOB
from islandos.services.people import add_resident_without_line

DEMO_ACTOR = "demo"
OFFLINE_NAME = "岬 ウシ"


def _at(moment: datetime, days: int, hour: int) -> datetime:
    day = moment.astimezone(TOKYO).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO)


def _offline_resident(session: Session) -> None:
    if session.scalar(select(Person.id).where(Person.full_name == OFFLINE_NAME)) is not None:
        return
    district = session.scalars(select(District).order_by(District.sort_order)).first()
    add_resident_without_line(session, OFFLINE_NAME, district.id if district else None,
                              "098-000-0000", DEMO_ACTOR)


def seed_events(session: Session) -> list[str]:
    moment = now()
    _offline_resident(session)
    demos = (
        EventInput(
            title="敬老会", title_en="Respect for the Aged gathering",
            description_ja="公民館で敬老会を開きます。ご家族もどうぞ。",
            description_en="A gathering at the community hall. Family are welcome.",
            starts_at=_at(moment, 10, 11), ends_at=_at(moment, 10, 14),
            answer_deadline=_at(moment, 7, 18), place="公民館", capacity=40, max_guests=3),
        EventInput(
            title="海岸清掃", title_en="Beach clean-up",
            description_ja="軍手と飲み物をお持ちください。",
            description_en="Please bring gloves and something to drink.",
            starts_at=_at(moment, 3, 8), ends_at=_at(moment, 3, 10),
            answer_deadline=moment + timedelta(hours=20), place="東の浜"),
    )
    made: list[str] = []
    for data in demos:
        if session.scalar(select(Event.id).where(Event.title == data.title,
                                                 Event.created_by == DEMO_ACTOR)):
            continue
        event = create_event(session, data, DEMO_ACTOR)
        session.execute(
            update(OutboxMessage).where(OutboxMessage.source == f"event:{event.id}")
            .values(status=OutboxStatus.ACCEPTED, attempts=1, first_attempt_at=moment,
                    accepted_at=moment)
            .execution_options(synchronize_session=False))
        # Running the demo sends nothing, later either: no reminder is left to go.
        scheduler.cancel(session, f"{REMIND_JOB}:{event.id}")
        islanders = list(session.scalars(select(Person.id).where(
            Person.role == Role.ISLANDER, Person.line_user_id.is_not(None)).order_by(Person.id)
            .limit(6)))
        for n, person_id in enumerate(islanders):
            choice = ("yes", "yes", "no", "maybe")[n % 4] if n < 4 else None
            if choice:
                answer_event(session, event.id, person_id, choice, 2 if n == 0 and
                             data.max_guests else 1)
        made.append(f"event: {event.title} ({event.recipient_count} invited)")
    return made
