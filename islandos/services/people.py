"""People as LINE users: found or created on their first event; follow and unfollow."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from islandos.clock import now
from islandos.models.people import Person, Role, Status

# Run on every webhook event: built once; the district loads only if a handler needs it.
_BY_LINE_USER = (select(Person).options(lazyload(Person.district))
                 .where(Person.line_user_id == bindparam("line_user_id")))


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


def mark_followed(session: Session, person: Person) -> None:
    """The user added (or unblocked) the account: sends reach them again (flushes)."""
    if person.status == Status.DELETED:
        return
    person.status = Status.ACTIVE
    person.followed_at = now()
    person.unfollowed_at = None
    session.flush()


def mark_unfollowed(session: Session, person: Person) -> None:
    """The user blocked the account: nothing is sent to them from now on (flushes)."""
    if person.status == Status.ACTIVE:
        person.status = Status.UNFOLLOWED
    person.unfollowed_at = now()
    person.dialog_state = None
    person.dialog_data = None
    session.flush()
