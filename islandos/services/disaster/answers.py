"""Answers to a safety check: by the person, by a linked family member (「家族が無事を確認
しました」) or entered by staff after a call or visit; the history; locations; and the
status pushed at once to every linked family member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.i18n import N_
from islandos.line.outbox import enqueue_push, forget_messages_from
from islandos.models.asking import Answer, AskRecipient
from islandos.models.disaster import (
    AnsweredBy,
    CheckStatus,
    DisasterMode,
    SafetyChoice,
    SafetyEvent,
    SafetyLocation,
)
from islandos.models.outbox import Priority
from islandos.models.people import FamilyLink, Person, Role
from islandos.services.asking.answers import give_answer
from islandos.services.asking.asks import AskError
from islandos.services.asking.erasure import forget_person
from islandos.services.disaster.messages import family_push
from islandos.services.disaster.mode import DisasterError, active_mode


@dataclass(frozen=True)
class Answered:
    mode_id: int
    choice: str
    changed: bool  # False: the same answer again
    family_told: int  # family members the status was pushed to


def _open_check(session: Session, mode_id: int | None) -> DisasterMode:
    """The mode whose check is open; a closed or unknown one is refused (nothing changes)."""
    mode = session.get(DisasterMode, mode_id) if mode_id is not None else None
    if mode is None or mode.ask_id is None:
        raise DisasterError(N_("この安否確認は見つかりませんでした。"))
    if mode.active is not True or mode.check_status != CheckStatus.SENT:
        raise DisasterError(N_(
            "この安否確認は終わりました。いまの安否は「安否を知らせる」から送れます。"))
    return mode


def open_check(session: Session) -> DisasterMode | None:
    """The running mode, if its safety check has been sent."""
    mode = active_mode(session)
    return mode if mode is not None and mode.check_status == CheckStatus.SENT else None


def answer(session: Session, mode_id: int | None, person_id: int, choice: str, *,
           proxy_person_id: int | None = None, entered_by: str | None = None) -> Answered:
    """Record a safety answer (the latest counts; the history keeps every one) and push
    the status to the person's family. Raises DisasterError; nothing changes then."""
    mode = _open_check(session, mode_id)
    assert mode.ask_id is not None
    if choice not in SafetyChoice.__members__.values():
        raise DisasterError(N_("そのボタンは使えません。"))
    if proxy_person_id is not None and choice != SafetyChoice.SAFE:
        raise DisasterError(N_("ご家族が知らせられるのは「無事」だけです。"))
    person = session.get(Person, person_id)
    if person is None:
        raise DisasterError(N_("この安否確認は見つかりませんでした。"))
    if person.role == Role.FAMILY and entered_by is None:
        # A family member's copy has no buttons of their own: they answer for an islander.
        raise DisasterError(N_("ご家族は「家族の安否を見る」から、島民の方の分を答えられます。"))
    if proxy_person_id is not None:
        current = status_of(session, mode, person.id)
        if current.choice not in (None, SafetyChoice.SAFE) and not current.by_family:
            # Someone who asked for help is not marked safe from afar: the office decides.
            raise DisasterError(N_("ご本人が助けを求めています。役場に電話で知らせてください。"))
    # Islanders who were not asked (newcomers, residents without LINE) may answer too.
    latecomer = person.role == Role.ISLANDER or entered_by is not None
    try:
        result = give_answer(session, mode.ask_id, person.id, (choice,),
                             proxy_person_id=proxy_person_id, entered_by=entered_by,
                             add_if_missing=latecomer)
    except AskError as error:
        raise DisasterError(error.msgid) from error
    told = 0
    if result.changed:
        by = (AnsweredBy.STAFF if entered_by else
              AnsweredBy.FAMILY if proxy_person_id else AnsweredBy.SELF)
        session.add(SafetyEvent(mode_id=mode.id, person_id=person.id,
                                district_id=person.district_id, choice=choice, answered_by=by,
                                proxy_person_id=proxy_person_id, entered_by=entered_by,
                                at=now()))
        told = _tell_family(session, person, choice, by == AnsweredBy.FAMILY, proxy_person_id)
        session.flush()
    return Answered(mode.id, choice, result.changed, told)


def family_source(person_id: int) -> str:
    """The outbox source of the pushes telling an islander's family how they are."""
    return f"safety:family:{person_id}"


def _tell_family(session: Session, person: Person, choice: str, by_family: bool,
                 proxy_person_id: int | None) -> int:
    members = session.scalars(
        select(Person).join(FamilyLink, FamilyLink.family_person_id == Person.id)
        .where(FamilyLink.islander_person_id == person.id).order_by(Person.id))
    told = 0
    name = person.full_name or ""
    for member in members:
        if member.id == proxy_person_id or not member.can_receive or member.line_user_id is None:
            continue
        enqueue_push(session, member.line_user_id,
                     family_push(member.language, name, choice, by_family),
                     priority=Priority.EMERGENCY, source=family_source(person.id))
        told += 1
    return told


def record_location(session: Session, person_id: int, latitude: float, longitude: float
                    ) -> DisasterMode:
    """Keep the last location a person sent while the check is open (history too)."""
    mode = open_check(session)
    if mode is None:
        raise DisasterError(N_("いまは安否確認をしていません。"))
    person = session.get(Person, person_id)
    assert person is not None
    moment = now()
    row = session.scalar(select(SafetyLocation).where(SafetyLocation.mode_id == mode.id,
                                                      SafetyLocation.person_id == person_id))
    if row is None:
        session.add(SafetyLocation(mode_id=mode.id, person_id=person_id, latitude=latitude,
                                   longitude=longitude, sent_at=moment))
    else:
        row.latitude, row.longitude, row.sent_at = latitude, longitude, moment
    session.add(SafetyEvent(mode_id=mode.id, person_id=person_id,
                            district_id=person.district_id, choice=None,
                            answered_by=AnsweredBy.SELF, latitude=latitude,
                            longitude=longitude, at=moment))
    session.flush()
    return mode


@dataclass(frozen=True)
class Status:
    person_id: int
    name: str
    choice: str | None  # None: not answered yet
    by_family: bool
    at: datetime | None


def status_of(session: Session, mode: DisasterMode, person_id: int) -> Status:
    person = session.get(Person, person_id)
    assert person is not None
    row = None
    if mode.ask_id is not None:
        row = session.execute(
            select(Answer).join(AskRecipient, AskRecipient.id == Answer.recipient_id)
            .where(Answer.ask_id == mode.ask_id, AskRecipient.person_id == person_id)).first()
    if row is None:
        return Status(person.id, person.full_name or "", None, False, None)
    found: Answer = row[0]
    return Status(person.id, person.full_name or "", choice_of(found.choices),
                  found.proxy_person_id is not None, found.answered_at)


def choice_of(mask: int) -> str | None:
    """The one option a safety answer's bitmask stands for (the options never change)."""
    chosen = [option for position, option in enumerate(SafetyChoice) if mask >> position & 1]
    return chosen[0].value if chosen else None


def linked_islanders(session: Session, family_person_id: int) -> list[Person]:
    return list(session.scalars(
        select(Person).join(FamilyLink, FamilyLink.islander_person_id == Person.id)
        .where(FamilyLink.family_person_id == family_person_id).order_by(Person.id)))


def find_linked(session: Session, family_person_id: int, words: str) -> list[Person]:
    """The family's islanders whose name matches 「○○さん」 (spaces ignored)."""
    wanted = words.replace(" ", "").replace("\u3000", "").strip()
    found = []
    for islander in linked_islanders(session, family_person_id):
        name = (islander.full_name or "").replace(" ", "").replace("\u3000", "")
        if wanted and name and (wanted in name or name in wanted):
            found.append(islander)
    return found


def erase_safety_data(session: Session, person: Person) -> None:
    """A person's data is deleted: their locations go, their history rows keep only the
    district (counts stay). The ask's rows are handled by the asking core's eraser."""
    session.execute(delete(SafetyLocation).where(SafetyLocation.person_id == person.id))
    session.execute(update(SafetyEvent).where(SafetyEvent.person_id == person.id)
                    .values(person_id=None, latitude=None, longitude=None)
                    .execution_options(synchronize_session=False))
    session.execute(update(SafetyEvent).where(SafetyEvent.proxy_person_id == person.id)
                    .values(proxy_person_id=None).execution_options(synchronize_session=False))
    # What their family were told names them: those messages go too.
    forget_messages_from(session, family_source(person.id), reason="data deleted")
    forget_person(session, person.id)
    session.flush()
