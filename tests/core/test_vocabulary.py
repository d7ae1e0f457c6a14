"""Fixed vocabularies: a typo fails where it is written, rows read back as enum members."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError

from islandos.models import OutboxMessage, Person, Priority, Role, Status
from islandos.models.admin import AdminRole
from islandos.models.notices import Notice, NoticePriority


def test_a_typo_in_a_role_fails_when_it_is_set_and_nothing_is_stored(db):
    with pytest.raises(ValueError, match="'islandr' is not a valid Role"):
        Person(line_user_id="U" + "1" * 32, role="islandr")
    with db.transaction() as session:
        person = Person(line_user_id="U" + "2" * 32, role=Role.ISLANDER)
        session.add(person)
        session.flush()
        with pytest.raises(ValueError, match="'Tourist' is not a valid Role"):
            person.role = "Tourist"  # mypy refuses this line as well
        assert person.role is Role.ISLANDER
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 1


def test_a_query_with_a_value_outside_the_vocabulary_fails_rather_than_finding_nobody(db):
    with db.transaction() as session, pytest.raises(StatementError, match="'islandr' is not"):
        session.scalars(select(Person).where(Person.role == "islandr")).all()


def test_rows_read_back_as_members_and_plain_strings_become_members(db):
    with db.transaction() as session:
        session.add(Person(line_user_id="U" + "3" * 32, role="family", status="unfollowed"))
        session.add(OutboxMessage(kind="push", recipients=["U" + "3" * 32], recipient_count=1,
                                  messages=[], retry_key="k-1", priority=5))
    with db.transaction() as session:
        person = session.scalars(select(Person)).one()
        outbox = session.scalars(select(OutboxMessage)).one()
        assert (person.role, person.status) == (Role.FAMILY, Status.UNFOLLOWED)
        assert person.role is Role.FAMILY and person.role == "family"
        assert outbox.priority is Priority.IMPORTANT


def test_what_the_vocabularies_know_about_their_members():
    assert [role.rank for role in AdminRole] == [3, 2, 1]  # admin, editor, viewer
    assert [p for p in NoticePriority if p.needs_confirmation] == [
        NoticePriority.IMPORTANT, NoticePriority.EMERGENCY]
    assert Notice(priority="emergency").needs_confirmation
    assert not Notice(priority=NoticePriority.NORMAL).needs_confirmation
