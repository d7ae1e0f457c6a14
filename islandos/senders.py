"""Who sent a LINE event: the person behind a LINE user id, found in one indexed lookup or
created on first contact. Below both the LINE side and the services, which both use it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from islandos.clock import now
from islandos.db_work import Work
from islandos.models.people import Person, Role, Status


@dataclass(frozen=True)
class Sender:
    """Who sent an event, as routing needs it: one indexed row of four columns, no ORM load."""

    person_id: int
    role: str
    language: str
    dialog_state: str | None

    @classmethod
    def of(cls, person: Person) -> Sender:
        return cls(person.id, person.role, person.language, person.dialog_state)


PEOPLE = cast(Table, Person.__table__)
# What routing reads of the sender (on PostgreSQL together with storing the event).
SENDER_COLUMNS = (PEOPLE.c.id, PEOPLE.c.role, PEOPLE.c.language, PEOPLE.c.dialog_state)
# Run on every webhook event: four columns by the indexed LINE user id, no ORM identity work.
_SENDER = select(*SENDER_COLUMNS).where(PEOPLE.c.line_user_id == bindparam("line_user_id"))

# Run on every webhook event: built once; the district loads only if a handler needs it.
_BY_LINE_USER = (select(Person).options(lazyload(Person.district))
                 .where(Person.line_user_id == bindparam("line_user_id")))


def sender_of_row(row: Sequence[Any]) -> Sender | None:
    """The sender from a row of SENDER_COLUMNS (None when the person's columns are empty)."""
    person_id, role, language, dialog_state = row
    return None if person_id is None else Sender(person_id, Role(role), language, dialog_state)


def sender_for_line_user(work: Work, line_user_id: str) -> tuple[Sender, Person | None]:
    """Who sent an event (the person is created, role unknown, on first contact).

    Returns the sender and, when it had to be created just now, the person itself.
    """
    row = work.connection.execute(_SENDER, {"line_user_id": line_user_id}).first()
    sender = None if row is None else sender_of_row(row)
    if sender is not None:
        return sender, None
    person = person_for_line_user(work.session, line_user_id)
    return Sender.of(person), person


def person_for_line_user(session: Session, line_user_id: str) -> Person:
    """The person behind a LINE user id, created (role unknown) on first contact (flushes)."""
    person = session.scalar(_BY_LINE_USER, {"line_user_id": line_user_id})
    if person is not None:
        return person
    person = Person(line_user_id=line_user_id, role=Role.UNKNOWN, status=Status.ACTIVE,
                    language="ja", created_at=now())
    try:
        with session.begin_nested():
            session.add(person)
    except IntegrityError:
        # Another process met this user at the same moment; theirs is the record.
        person = session.scalars(select(Person).where(Person.line_user_id == line_user_id)).one()
    return person


