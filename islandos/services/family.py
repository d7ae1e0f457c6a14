"""Family off-island: an islander's family code, the links it makes, and who is family of whom."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.i18n import N_, gettext
from islandos.line import messages
from islandos.line.outbox import enqueue_push
from islandos.line.richmenus import schedule_menu_link
from islandos.models.people import FamilyLink, Person, Role, Status
from islandos.models.registration import FamilyCode, InviteCode
from islandos.services import audit
from islandos.services.registration_codes import (
    InvalidCode,
    IslanderCannotBeFamily,
    NotAnIslander,
    OwnFamilyCode,
    check_throttle,
    normalize_code,
    random_code,
    record_wrong_code,
)

FAMILY_CODE_LENGTH = 8
ID_CHUNK = 500
LINKED_TEXT = N_("ご家族の方が、あなたの家族コードで登録しました。"
                 "大切なお知らせは、ご家族にも届きます。")


def family_code_for(session: Session, islander: Person) -> FamilyCode:
    """The islander's family code, made on first use (flushes). Raises NotAnIslander."""
    if islander.role != Role.ISLANDER or islander.status != Status.ACTIVE:
        raise NotAnIslander()
    code = session.scalar(select(FamilyCode).where(FamilyCode.islander_person_id == islander.id))
    if code is not None:
        return code
    while True:
        value = random_code(FAMILY_CODE_LENGTH)
        taken = session.scalar(select(func.count()).select_from(FamilyCode).where(
            FamilyCode.code == value)) or session.scalar(select(func.count()).select_from(
                InviteCode).where(InviteCode.code == value))
        if not taken:
            break
    code = FamilyCode(islander_person_id=islander.id, code=value, created_at=now())
    session.add(code)
    session.flush()
    return code


def link_family(session: Session, person: Person, raw_code: str, actor: str) -> Person:
    """Link `person` as family of the islander whose family code they typed; they become
    a family member (flushes, audits, tells the islander, schedules the family menu).
    Returns the islander. Raises TooManyAttempts, InvalidCode, OwnFamilyCode,
    IslanderCannotBeFamily."""
    check_throttle(session, person)
    code = session.scalar(select(FamilyCode).where(FamilyCode.code == normalize_code(raw_code)))
    islander = session.get(Person, code.islander_person_id) if code else None
    if islander is None or islander.role != Role.ISLANDER or islander.status != Status.ACTIVE:
        record_wrong_code(session, person, "family")
        raise InvalidCode()
    if islander.id == person.id:
        raise OwnFamilyCode()
    if person.role == Role.ISLANDER:
        raise IslanderCannotBeFamily()
    existing = session.scalar(select(FamilyLink).where(
        FamilyLink.family_person_id == person.id, FamilyLink.islander_person_id == islander.id))
    if existing is None:
        session.add(FamilyLink(family_person_id=person.id, islander_person_id=islander.id,
                               created_at=now()))
        session.flush()
        audit.record(session, actor, "family.linked", f"person:{person.id}",
                     after={"islander_person_id": islander.id})
        if islander.can_receive and islander.line_user_id:
            enqueue_push(session, islander.line_user_id,
                         [messages.text(gettext(islander.language, LINKED_TEXT))],
                         source=f"family:linked:{person.id}")
    if person.role != Role.FAMILY:
        before = {"role": person.role}
        person.role = Role.FAMILY
        person.registered_at = person.registered_at or now()
        person.dialog_state = person.dialog_data = None
        session.flush()
        audit.record(session, actor, "person.role_changed", f"person:{person.id}",
                     before=before, after={"role": person.role})
        schedule_menu_link(session, person)
    return islander


def islanders_of(session: Session, family_person_id: int) -> list[Person]:
    """The active islanders a family member is linked to."""
    return list(session.scalars(
        select(Person).join(FamilyLink, FamilyLink.islander_person_id == Person.id)
        .where(FamilyLink.family_person_id == family_person_id, Person.status == Status.ACTIVE)
        .order_by(Person.id)))


def family_count(session: Session, islander_id: int) -> int:
    """How many active family members are linked to this islander."""
    return int(session.scalar(
        select(func.count()).select_from(FamilyLink)
        .join(Person, Person.id == FamilyLink.family_person_id)
        .where(FamilyLink.islander_person_id == islander_id, Person.status == Status.ACTIVE)
    ) or 0)


def family_of(session: Session, islander_ids: Iterable[int]) -> Iterator[Person]:
    """Active family members linked to any of these islanders, each once (streams the ids in
    chunks, so a whole island's worth of islanders is fine)."""
    seen: set[int] = set()
    ids = iter(islander_ids)
    while chunk := list(islice(ids, ID_CHUNK)):
        query = (
            select(Person).where(
                Person.id.in_(select(FamilyLink.family_person_id).where(
                    FamilyLink.islander_person_id.in_(chunk))),
                Person.role == Role.FAMILY, Person.status == Status.ACTIVE)
            .order_by(Person.id)
        )
        for person in session.scalars(query):
            if person.id not in seen:
                seen.add(person.id)
                yield person
