"""People: following and unfollowing (first contact: islandos.senders), and finding them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session, aliased

from islandos.clock import now
from islandos.i18n import N_
from islandos.models.people import District, FamilyLink, Person, Role, Status
from islandos.models.registration import IslanderRequest
from islandos.services import audit
from islandos.services.paging import Page, page_of

STATUSES = (Status.ACTIVE, Status.UNFOLLOWED, Status.DELETED)


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


@dataclass(frozen=True)
class PeopleSearch:
    """What the office looks people up by; an empty or unknown value does not filter."""

    text: str = ""  # part of a name, LINE user id or phone number, or a person's id
    role: str | None = None
    status: str | None = None
    district_id: int | None = None

    def query(self) -> Select[Person]:
        query = select(Person)
        text = self.text.strip()
        if text:
            like = f"%{text}%"
            conditions: list[ColumnElement[bool]] = [
                Person.full_name.ilike(like), Person.line_user_id.ilike(like),
                Person.phone.ilike(like)]
            if text.isdigit():
                conditions.append(Person.id == int(text))
            query = query.where(or_(*conditions))
        if self.role in tuple(Role):
            query = query.where(Person.role == self.role)
        if self.status in STATUSES:
            query = query.where(Person.status == self.status)
        if self.district_id:
            query = query.where(Person.district_id == self.district_id)
        return query


def search_people(session: Session, search: PeopleSearch,
                  page: int = 1) -> tuple[list[Person], Page]:
    """One page of the people `search` finds, newest first, and the page with the total."""
    return page_of(session, search.query().order_by(Person.id.desc()), page)


def family_links_of(session: Session,
                    person_id: int) -> list[tuple[FamilyLink, Person, Person]]:
    """The person's family links either way round: (link, islander, family member)."""
    islander, family = aliased(Person), aliased(Person)
    return [(link, one, other) for link, one, other in session.execute(
        select(FamilyLink, islander, family)
        .join(islander, islander.id == FamilyLink.islander_person_id)
        .join(family, family.id == FamilyLink.family_person_id)
        .where(or_(FamilyLink.islander_person_id == person_id,
                   FamilyLink.family_person_id == person_id))
        .order_by(FamilyLink.id)
    )]


def requests_of(session: Session, person_id: int) -> list[IslanderRequest]:
    """The person's requests to be an islander, newest first (decided ones too)."""
    return list(session.scalars(select(IslanderRequest).where(
        IslanderRequest.person_id == person_id).order_by(IslanderRequest.id.desc())))


class ResidentInvalid(ValueError):
    """Form errors by field; nothing was stored."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def add_resident_without_line(session: Session, full_name: str, district_id: int | None,
                              phone: str, actor: str) -> Person:
    """An islander the office keeps without a LINE account (name, district, phone): they are
    in audiences' tallies and call lists, and staff record their answers (flushes,
    audited). Raises ResidentInvalid."""
    errors: dict[str, str] = {}
    if not full_name.strip() or len(full_name) > 120:
        errors["full_name"] = N_("名前を入力してください（120文字まで）。")
    if len(phone) > 40:
        errors["phone"] = N_("電話番号は40文字までです。")
    if district_id is not None and session.get(District, district_id) is None:
        errors["district_id"] = N_("集落を選んでください。")
    if errors:
        raise ResidentInvalid(errors)
    moment = now()
    person = Person(line_user_id=None, role=Role.ISLANDER, status=Status.ACTIVE,
                    full_name=full_name.strip(), phone=phone.strip() or None,
                    district_id=district_id, registered_at=moment, created_at=moment)
    session.add(person)
    session.flush()
    audit.record(session, actor, "person.added_without_line", f"person:{person.id}",
                 after={"district": district_id})
    return person
