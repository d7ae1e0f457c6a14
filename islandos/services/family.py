"""Family off-island: an islander's family code, the links it makes, and who is family of whom."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.i18n import N_, gettext, sentences
from islandos.line import messages
from islandos.line.outbox import enqueue_push
from islandos.line.richmenus import schedule_menu_link
from islandos.models.people import FamilyLink, Person, Role, Status
from islandos.models.registration import FamilyCode, InviteCode
from islandos.services import audit
from islandos.services.family_reach import family_reach
from islandos.services.registration_codes import (
    InvalidCode,
    IslanderCannotBeFamily,
    NotAnIslander,
    OwnFamilyCode,
    RegistrationError,
    check_throttle,
    normalize_code,
    random_code,
    record_wrong_code,
)

FAMILY_CODE_LENGTH = 8
ID_CHUNK = 500
LINKED_TEXT = N_("ご家族の方が、あなたの家族コードで登録しました。")
UNLINKED_BY_FAMILY_TEXT = N_("ご家族とのつながりが1件、解除されました。"
                             "その方には、島民あてのお知らせが届かなくなります。")
UNLINKED_BY_ISLANDER_TEXT = N_("島にいるご家族とのつながりが1件、解除されました。"
                               "その方についてのお知らせは、もう届きません。")


class FamilyLinkNotFound(RegistrationError):
    msgid = N_("そのつながりは見つかりません。すでに解除されているかもしれません。")


def _fresh_code(session: Session) -> str:
    """A family code not used by any family or invite code."""
    while True:
        value = random_code(FAMILY_CODE_LENGTH)
        taken = session.scalar(select(func.count()).select_from(FamilyCode).where(
            FamilyCode.code == value)) or session.scalar(select(func.count()).select_from(
                InviteCode).where(InviteCode.code == value))
        if not taken:
            return value


def family_code_for(session: Session, islander: Person) -> FamilyCode:
    """The islander's family code, made on first use (flushes). Raises NotAnIslander."""
    if islander.role != Role.ISLANDER or islander.status != Status.ACTIVE:
        raise NotAnIslander()
    code = session.scalar(select(FamilyCode).where(FamilyCode.islander_person_id == islander.id))
    if code is not None:
        return code
    code = FamilyCode(islander_person_id=islander.id, code=_fresh_code(session), created_at=now())
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
            language = islander.language
            words = sentences(language, gettext(language, LINKED_TEXT), family_reach(language))
            enqueue_push(session, islander.line_user_id, [messages.text(words)],
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


def choose_name_for_family(session: Session, islander: Person, name: str | None,
                           actor: str) -> FamilyCode:
    """Record how the islander agreed to be shown to family linked by their code: `name`
    (their registered name or one they typed), or None for their district only (flushes,
    audits without the name). Raises NotAnIslander."""
    code = family_code_for(session, islander)
    code.name_for_family = name.strip()[:60] if name and name.strip() else None
    code.name_chosen_at = now()
    session.flush()
    audit.record(session, actor, "family.name_chosen", f"person:{islander.id}",
                 after={"name_shown": code.name_for_family is not None})
    return code


def shown_to_family(session: Session, islander: Person, language: str) -> str:
    """The islander as their family sees them: the name they agreed to show, with their
    district; only the district (or 「島の方」) when they chose none or have not chosen."""
    name = session.scalar(select(FamilyCode.name_for_family).where(
        FamilyCode.islander_person_id == islander.id))
    district = islander.district.name(language) if islander.district else None
    if name and district:
        return gettext(language, "%(name)s（%(district)s）", name=name, district=district)
    if name:
        return name
    if district:
        return gettext(language, "%(district)sの方", district=district)
    return gettext(language, "島の方")


def renew_family_code(session: Session, islander: Person, actor: str) -> FamilyCode:
    """Give the islander a new family code: the old one stops working at once, existing
    family links stay (flushes, audits without the code itself). Raises NotAnIslander."""
    code = family_code_for(session, islander)
    code.code = _fresh_code(session)
    code.created_at = now()
    session.flush()
    audit.record(session, actor, "family.code_renewed", f"person:{islander.id}")
    return code


def family_links(session: Session, person: Person) -> list[tuple[FamilyLink, Person]]:
    """This person's family links, oldest first, each with the person on the other side:
    the islanders for a family member, the family members for an islander (deleted people
    have no links left). Empty for other roles."""
    if person.role == Role.FAMILY:
        mine, theirs = FamilyLink.family_person_id, FamilyLink.islander_person_id
    elif person.role == Role.ISLANDER:
        mine, theirs = FamilyLink.islander_person_id, FamilyLink.family_person_id
    else:
        return []
    rows = session.execute(
        select(FamilyLink, Person).join(Person, Person.id == theirs)
        .where(mine == person.id, Person.status != Status.DELETED)
        .order_by(FamilyLink.created_at, FamilyLink.id))
    return [(link, other) for link, other in rows]


def unlink_family(session: Session, person: Person, link_id: int, actor: str) -> None:
    """Remove one family link that `person` is part of (as family member or islander) and
    tell the person on the other side, in their language and without a name (flushes,
    audits with ids only, enqueues a push). The family member keeps their role, so they
    can add a code again. Raises FamilyLinkNotFound (also for someone else's link)."""
    link = session.get(FamilyLink, link_id)
    if link is None or person.id not in (link.family_person_id, link.islander_person_id):
        raise FamilyLinkNotFound()
    by_family = link.family_person_id == person.id
    other = session.get(Person, link.islander_person_id if by_family else link.family_person_id)
    before = {"link_id": link.id, "family_person_id": link.family_person_id,
              "islander_person_id": link.islander_person_id}
    session.delete(link)
    session.flush()
    audit.record(session, actor, "family.unlinked", f"person:{before['family_person_id']}",
                 before=before, note="by family" if by_family else "by islander")
    if other is not None and other.can_receive and other.line_user_id:
        text = UNLINKED_BY_FAMILY_TEXT if by_family else UNLINKED_BY_ISLANDER_TEXT
        enqueue_push(session, other.line_user_id, [messages.text(gettext(other.language, text))],
                     source=f"family:unlinked:{link_id}")


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
