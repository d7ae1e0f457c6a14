"""Registration: invite codes, islander sign-up and approval, roles, districts and languages.

Every function takes a Session, flushes and never commits. Bad input raises a
`RegistrationError` whose `text(language)` is the answer to show the user. Family codes
live in `islandos.services.family`, data deletion in `islandos.services.privacy`; their
public names are re-exported here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.i18n import LANGUAGES, N_, gettext, join_words, sentences
from islandos.line import messages
from islandos.line.outbox import enqueue_push
from islandos.line.richmenus import schedule_menu_link
from islandos.models.outbox import Priority
from islandos.models.people import District, Person, Role, Status
from islandos.models.registration import InviteCode, IslanderRequest, RequestStatus
from islandos.services import audit
from islandos.services.family import family_of
from islandos.services.privacy import delete_personal_data
from islandos.services.registration_codes import (
    MAX_WRONG_CODES,
    THROTTLE_WINDOW,
    CodeAlreadyUsed,
    CodeExpired,
    CodeRevoked,
    InvalidCode,
    InvalidName,
    InvalidPhone,
    NotAnIslander,
    PersonNotFound,
    RegistrationError,
    RequestAlreadyDecided,
    RequestNotFound,
    TooManyAttempts,
    UnknownDistrict,
    UnknownRole,
    check_throttle,
    normalize_code,
    random_code,
    record_wrong_code,
    throttle_until,
)

MAX_NAME = 60
APPROVED_TEXT = N_("島民として登録されました。")
MENU_OFFERS_TEXT = N_("下のメニューから、%(offers)sを見られます。")
REFUSED_TEXT = N_("島民登録の申請は、承認されませんでした。"
                  "くわしくは役場にお問い合わせください。")

def create_invite_codes(
    session: Session, *, count: int, district_id: int | None, actor: str,
    expires_at: datetime | None = None,
) -> list[InviteCode]:
    """Make `count` fresh single-use invite codes (flushes, audits). Raises UnknownDistrict."""
    if not 1 <= count <= 500:
        raise RegistrationError(N_("一度に作れるコードは1〜500個です。"))
    if district_id is not None and session.get(District, district_id) is None:
        raise UnknownDistrict()
    existing = set(session.scalars(select(InviteCode.code)))
    codes: list[InviteCode] = []
    while len(codes) < count:
        code = random_code()
        if code in existing:
            continue
        existing.add(code)
        codes.append(InviteCode(code=code, district_id=district_id, created_by=actor,
                                created_at=now(), expires_at=expires_at))
    session.add_all(codes)
    session.flush()
    audit.record(session, actor, "invite_codes.created", None,
                 after={"count": count, "district_id": district_id,
                        "expires_at": expires_at.isoformat() if expires_at else None})
    return codes


def check_invite_code(session: Session, person: Person, raw: str) -> InviteCode:
    """The unused invite code the person typed. Wrong, used, revoked or expired codes are
    counted.

    Raises TooManyAttempts, InvalidCode, CodeAlreadyUsed, CodeRevoked or CodeExpired (after
    flushing the attempt, so the caller's transaction keeps the count).
    """
    check_throttle(session, person)
    code = session.scalar(select(InviteCode).where(InviteCode.code == normalize_code(raw)))
    error: RegistrationError | None = None
    if code is None:
        error = InvalidCode()
    elif code.used_at is not None:
        error = CodeAlreadyUsed()
    elif code.revoked_at is not None:
        error = CodeRevoked()
    elif code.expires_at is not None and code.expires_at <= now():
        error = CodeExpired()
    if error is not None:
        record_wrong_code(session, person, "invite")
        raise error
    assert code is not None
    return code


# Names, phones and districts ----------------------------------------------------------------


def clean_name(raw: str) -> str:
    """A full name as typed, tidied; raises InvalidName."""
    name = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not name or len(name) > MAX_NAME or not any(ch.isalpha() for ch in name):
        raise InvalidName()
    return name


def clean_phone(raw: str) -> str:
    """A Japanese or international phone number; raises InvalidPhone."""
    value = unicodedata.normalize("NFKC", raw).strip().replace("ー", "-").replace("−", "-")
    digits = "".join(ch for ch in value if ch.isdigit())
    allowed = set("0123456789+-() ")
    if not set(value) <= allowed or not 10 <= len(digits) <= 15:
        raise InvalidPhone()
    return value


def districts(session: Session) -> list[District]:
    return list(session.scalars(select(District).order_by(District.sort_order, District.id)))


def district_or_error(session: Session, district_id: int | None) -> District | None:
    if district_id is None:
        return None
    district = session.get(District, district_id)
    if district is None:
        raise UnknownDistrict()
    return district


# Becoming an islander, a tourist ---------------------------------------------------------


def _snapshot(person: Person) -> dict[str, Any]:
    """What the audit keeps about a person: never name or phone."""
    return {"role": person.role, "status": person.status, "district_id": person.district_id,
            "language": person.language}


def register_islander(
    session: Session, person: Person, *, invite_code_id: int, full_name: str,
    phone: str | None, district_id: int | None, actor: str,
) -> Person:
    """Finish an islander's sign-up with an invite code, all at once (flushes, audits,
    schedules the rich-menu link). Raises CodeAlreadyUsed if someone used it meanwhile, or
    CodeRevoked if the office revoked it meanwhile."""
    district = district_or_error(session, district_id)
    used = session.execute(
        update(InviteCode)
        .where(InviteCode.id == invite_code_id, InviteCode.used_at.is_(None),
               InviteCode.revoked_at.is_(None))
        .values(used_at=now(), used_by_person_id=person.id)
    )
    if getattr(used, "rowcount", 0) != 1:
        revoked = session.scalar(select(InviteCode.revoked_at).where(
            InviteCode.id == invite_code_id))
        raise CodeRevoked() if revoked is not None else CodeAlreadyUsed()
    before = _snapshot(person)
    person.full_name, person.phone = clean_name(full_name), phone
    person.district = district
    person.role = Role.ISLANDER
    person.consented_at = person.registered_at = now()
    person.dialog_state = person.dialog_data = None
    session.flush()
    audit.record(session, actor, "person.registered_islander", f"person:{person.id}",
                 before=before, after=_snapshot(person), note=f"invite_code:{invite_code_id}")
    schedule_menu_link(session, person)
    return person


def request_approval(
    session: Session, person: Person, *, full_name: str, phone: str | None,
    district_id: int | None, actor: str,
) -> IslanderRequest:
    """Ask the office to accept this person as an islander (flushes, audits). Their name,
    phone and district are kept (with consent) so the office can decide; a second request
    while one is pending updates it."""
    district = district_or_error(session, district_id)
    person.full_name, person.phone = clean_name(full_name), phone
    person.district = district
    person.consented_at = now()
    person.dialog_state = person.dialog_data = None
    request = session.scalar(select(IslanderRequest).where(
        IslanderRequest.person_id == person.id, IslanderRequest.status == RequestStatus.PENDING))
    if request is None:
        request = IslanderRequest(person_id=person.id, status=RequestStatus.PENDING,
                                  created_at=now())
        session.add(request)
    session.flush()
    audit.record(session, actor, "islander_request.created", f"person:{person.id}",
                 after={"request_id": request.id, "district_id": person.district_id})
    return request


def pending_requests(session: Session) -> list[IslanderRequest]:
    """Open approval requests, oldest first, each with its person loaded."""
    return list(session.scalars(
        select(IslanderRequest).where(IslanderRequest.status == RequestStatus.PENDING)
        .order_by(IslanderRequest.created_at, IslanderRequest.id)
    ))


def pending_request_count(session: Session) -> int:
    """How many approval requests wait for the office."""
    return session.scalar(select(func.count()).select_from(IslanderRequest).where(
        IslanderRequest.status == RequestStatus.PENDING)) or 0


def has_pending_request(session: Session, person_id: int) -> bool:
    """Whether this person is waiting for the office to approve them."""
    return session.scalar(select(IslanderRequest.id).where(
        IslanderRequest.person_id == person_id,
        IslanderRequest.status == RequestStatus.PENDING).limit(1)) is not None


def _open_request(session: Session, request_id: int) -> IslanderRequest:
    request = session.get(IslanderRequest, request_id)
    if request is None:
        raise RequestNotFound()
    if request.status != RequestStatus.PENDING:
        raise RequestAlreadyDecided()
    return request


def menu_offers_line(offers: Sequence[str], language: str) -> str:
    """「下のメニューから、お知らせや行事を見られます。」 for what the app offers (msgids), or
    nothing when it offers nothing: the bot never promises a feature the app lacks."""
    return gettext(language, MENU_OFFERS_TEXT, offers=join_words(offers, language)) \
        if offers else ""


def _tell(session: Session, person: Person, msgid: str, source: str,
          then: Sequence[str] = ()) -> None:
    if person.can_receive and person.line_user_id:
        words = sentences(person.language, gettext(person.language, msgid),
                          menu_offers_line(then, person.language))
        enqueue_push(session, person.line_user_id, [messages.text(words)],
                     priority=Priority.IMPORTANT, source=source)


def approve_islander(session: Session, request_id: int, actor: str,
                     offers: Sequence[str] = ()) -> Person:
    """Accept a request: the person becomes an islander, is told in LINE (with `offers`,
    the msgids of what the app offers islanders), gets the islander menu (flushes, enqueues,
    audits). Raises RequestNotFound or RequestAlreadyDecided."""
    request = _open_request(session, request_id)
    person = request.person
    before = _snapshot(person)
    request.status, request.decided_at, request.decided_by = RequestStatus.APPROVED, now(), actor
    person.role = Role.ISLANDER
    person.registered_at = person.registered_at or now()
    session.flush()
    audit.record(session, actor, "islander_request.approved", f"person:{person.id}",
                 before=before, after=_snapshot(person), note=f"request:{request.id}")
    _tell(session, person, APPROVED_TEXT, f"registration:approved:{request.id}", offers)
    schedule_menu_link(session, person)
    return person


def refuse_islander(
    session: Session, request_id: int, actor: str, reason: str | None = None
) -> Person:
    """Refuse a request: the person is told in LINE and the name and phone they gave are
    removed (flushes, enqueues, audits). Raises RequestNotFound or RequestAlreadyDecided."""
    request = _open_request(session, request_id)
    person = request.person
    request.status, request.decided_at, request.decided_by = RequestStatus.REFUSED, now(), actor
    request.reason = (reason or "").strip()[:300] or None
    if person.role != Role.ISLANDER:
        person.full_name = person.phone = person.consented_at = None
    session.flush()
    audit.record(session, actor, "islander_request.refused", f"person:{person.id}",
                 note=f"request:{request.id}" + (f" reason: {request.reason}" if request.reason
                                                  else ""))
    _tell(session, person, REFUSED_TEXT, f"registration:refused:{request.id}")
    return person


def become_tourist(session: Session, person: Person, actor: str) -> Person:
    """A visitor: nothing personal is asked; the tourist menu is linked (flushes, audits)."""
    if person.role == Role.TOURIST:
        return person
    return _set_role(session, person, Role.TOURIST, actor)


def _change(session: Session, person: Person, action: str, actor: str,
            **values: Any) -> Person:
    """Apply a change that decides the person's menu: audited before/after, menu relinked."""
    before = _snapshot(person)
    for name, value in values.items():
        setattr(person, name, value)
    session.flush()
    audit.record(session, actor, action, f"person:{person.id}",
                 before=before, after=_snapshot(person))
    schedule_menu_link(session, person)
    return person


def _set_role(session: Session, person: Person, role: Role, actor: str) -> Person:
    registered_at = person.registered_at or (now() if role != Role.UNKNOWN else None)
    return _change(session, person, "person.role_changed", actor, role=role,
                   registered_at=registered_at)


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.status == Status.DELETED:
        raise PersonNotFound()
    return person


def change_role(session: Session, person_id: int, role: str, actor: str) -> Person:
    """Change a person's role, keeping the same record (flushes, audits before/after,
    schedules the rich-menu link). Raises PersonNotFound or UnknownRole."""
    try:
        new_role = Role(role)
    except ValueError:
        raise UnknownRole() from None
    person = _person(session, person_id)
    if person.role == new_role:
        return person
    return _set_role(session, person, new_role, actor)


def change_district(
    session: Session, person_id: int, district_id: int | None, actor: str
) -> Person:
    """Move a person to a district (or none) (flushes, audits before/after, schedules the
    rich-menu link). Raises PersonNotFound or UnknownDistrict."""
    person = _person(session, person_id)
    district = district_or_error(session, district_id)
    return _change(session, person, "person.district_changed", actor, district=district)


def change_language(session: Session, person: Person, language: str, actor: str) -> Person:
    """Store the language every message to this person uses; relinks their rich menu."""
    if language not in LANGUAGES:
        raise RegistrationError()
    if person.language == language:
        return person
    return _change(session, person, "person.language_changed", actor, language=language)


def count_by_role(session: Session) -> dict[str, int]:
    """Active people per role (anonymous counts)."""
    rows = session.execute(select(Person.role, func.count()).where(
        Person.status == Status.ACTIVE).group_by(Person.role))
    return {role: int(n) for role, n in rows}


__all__ = [
    "MAX_WRONG_CODES", "THROTTLE_WINDOW", "CodeAlreadyUsed", "CodeExpired", "CodeRevoked",
    "InvalidCode",
    "InvalidName", "InvalidPhone", "NotAnIslander", "PersonNotFound", "RegistrationError",
    "RequestAlreadyDecided", "RequestNotFound", "TooManyAttempts", "UnknownDistrict",
    "UnknownRole", "approve_islander", "change_district", "change_language", "change_role",
    "check_throttle", "create_invite_codes", "delete_personal_data", "family_of",
    "normalize_code", "pending_request_count", "pending_requests", "record_wrong_code",
    "refuse_islander", "throttle_until",
]
