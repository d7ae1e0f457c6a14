"""People as LINE users: follow and unfollow (first contact: islandos.senders)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.models.people import Person, Status


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
