"""What the island stores about a person, and 「データを削除」: erasing it for good.

Other features keep per-person data too (notice confirmations, event answers): each
declares its erasers in its `Feature` (islandos/features/), and the caller passes the app's
erasers (`registry.erasers`) to `delete_personal_data`. An eraser removes or anonymises what
links that person to their data; anonymous counts (e.g. a head-count per district) may stay.
Erasers flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.i18n import N_, format_datetime, gettext
from islandos.line import messages
from islandos.line.outbox import FORGET_ONCE_SENT, enqueue_push, forget_recipient, forget_sent_to
from islandos.line.richmenus import schedule_menu_unlink
from islandos.models.admin import AdminUser
from islandos.models.outbox import Priority
from islandos.models.people import FamilyLink, Person, Role, Status
from islandos.models.recordings import RecordedMessage
from islandos.models.registration import (
    CodeAttempt,
    FamilyCode,
    InviteCode,
    IslanderRequest,
    RequestStatus,
)
from islandos.models.webhook_events import WebhookEvent
from islandos.registry import Disclosure, PersonalDataEraser
from islandos.services import audit
from islandos.services.family import family_count, islanders_of
from islandos.services.registration_codes import PersonNotFound

DELETED_TEXT = N_("ご登録のデータを削除しました。ご利用ありがとうございました。")
ROLE_NAMES = {Role.UNKNOWN: N_("未登録"), Role.ISLANDER: N_("島民"), Role.TOURIST: N_("観光客"),
              Role.FAMILY: N_("島の外の家族")}
LANGUAGE_NAMES = {"ja": "日本語", "en": "English"}
REQUEST_NAMES = {RequestStatus.PENDING: N_("審査中"), RequestStatus.APPROVED: N_("承認"),
                 RequestStatus.REFUSED: N_("お断り")}


@dataclass(frozen=True)
class StoredData:
    """What the island keeps about one person, for 「登録内容を見る」 (shown to them only)."""

    role: str
    language: str
    district: str | None
    full_name: str | None
    phone: str | None
    family_links: int
    consented_at: str | None


def stored_data(session: Session, person: Person) -> StoredData:
    links = session.scalar(select(func.count()).select_from(FamilyLink).where(or_(
        FamilyLink.family_person_id == person.id, FamilyLink.islander_person_id == person.id)))
    return StoredData(
        role=person.role, language=person.language,
        district=person.district.name(person.language) if person.district else None,
        full_name=person.full_name, phone=person.phone, family_links=int(links or 0),
        consented_at=person.consented_at.isoformat() if person.consented_at else None,
    )


def registration_disclosure(session: Session, person: Person, language: str) -> Disclosure:
    """The registration's part of a person's record: who they are to the island."""
    def _(msgid: str, **values: object) -> str:
        return gettext(language, msgid, **values)

    none = _("なし")
    lines = [_("種類：%(value)s", value=_(ROLE_NAMES.get(person.role, ROLE_NAMES[Role.UNKNOWN]))),
             _("ことば：%(value)s", value=LANGUAGE_NAMES.get(person.language, person.language))]
    if person.role == Role.ISLANDER or person.full_name:
        lines += [
            _("集落：%(value)s", value=person.district.name(language) if person.district
              else none),
            _("お名前：%(value)s", value=person.full_name or none),
            _("電話番号：%(value)s", value=person.phone or none),
        ]
    if person.role == Role.ISLANDER:
        lines.append(_("つながっているご家族：%(count)s人",
                       count=family_count(session, person.id)))
    if person.role == Role.FAMILY:
        lines.append(_("つながっている島民：%(count)s人",
                       count=len(islanders_of(session, person.id))))
    if person.consented_at:
        lines.append(_("同意した日時：%(value)s",
                       value=format_datetime(person.consented_at, language)))
    for request in session.scalars(select(IslanderRequest).where(
            IslanderRequest.person_id == person.id).order_by(IslanderRequest.created_at)):
        lines.append(_("島民登録の申請：%(when)s（%(status)s）",
                       when=format_datetime(request.created_at, language),
                       status=_(REQUEST_NAMES[request.status])))
    lines.append(_("LINEで友だちになった日時：%(value)s", value=format_datetime(
        person.followed_at or person.created_at, language)))
    return Disclosure(_("登録"), lines)


def delete_personal_data(
    session: Session, person_id: int, actor: str, erasers: Iterable[PersonalDataEraser],
    *, notify: bool = True, goodbye: str = DELETED_TEXT,
) -> None:
    """Erase a person's personal data; the row stays, anonymous, with status "deleted".

    Goes: name, phone, consent time, dialogue, family links (both ways) and family code,
    approval requests, wrong-code attempts, the invite code's and an admin account's link to
    them, the LINE user id everywhere it was kept (the person, the webhook event records,
    sent and unsent outbox rows, development recordings; so nothing is ever sent to them
    again and nothing leads back) and whatever the features' `erasers` remove (answers,
    confirmations, payments' link). Stays: the anonymous row with its role, district and
    language, so counts still add up. With `notify`, the user is told in LINE (`goodbye`, a
    msgid; a push whose recipient list goes once it is sent); the rich menu is unlinked by a
    worker job that then forgets the id. Flushes, audits without personal data.
    Deleting an already deleted person does nothing. Raises PersonNotFound.
    """
    person = session.get(Person, person_id)
    if person is None:
        raise PersonNotFound()
    if person.status == Status.DELETED:
        return
    for eraser in erasers:
        eraser(session, person)
    session.execute(delete(FamilyLink).where(or_(
        FamilyLink.family_person_id == person.id, FamilyLink.islander_person_id == person.id)))
    session.execute(delete(FamilyCode).where(FamilyCode.islander_person_id == person.id))
    session.execute(delete(IslanderRequest).where(IslanderRequest.person_id == person.id))
    session.execute(delete(CodeAttempt).where(CodeAttempt.person_id == person.id))
    session.execute(update(InviteCode).where(InviteCode.used_by_person_id == person.id)
                    .values(used_by_person_id=None).execution_options(synchronize_session=False))
    session.execute(update(AdminUser).where(AdminUser.line_person_id == person.id)
                    .values(line_person_id=None).execution_options(synchronize_session=False))
    line_user_id = person.line_user_id
    if line_user_id:
        # Nothing still waiting reaches someone who asked to be forgotten.
        forget_recipient(session, line_user_id, "the recipient deleted their data")
        forget_sent_to(session, line_user_id)
        # Event records keep their webhook event id (dedupe of redeliveries), not the user.
        session.execute(update(WebhookEvent).where(WebhookEvent.line_user_id == line_user_id)
                        .values(line_user_id=None)
                        .execution_options(synchronize_session=False))
        session.execute(delete(RecordedMessage).where(
            RecordedMessage.line_user_id == line_user_id))
        if notify and person.can_receive:
            enqueue_push(session, line_user_id,
                         [messages.text(gettext(person.language, goodbye))],
                         priority=Priority.IMPORTANT,
                         source=f"{FORGET_ONCE_SENT}deleted:{person.id}")
        schedule_menu_unlink(session, person, line_user_id)
    person.full_name = person.phone = None
    person.consented_at = None
    person.dialog_state = person.dialog_data = None
    person.line_user_id = None
    person.status = Status.DELETED
    person.unfollowed_at = person.unfollowed_at or now()
    session.flush()
    audit.record(session, actor, "person.personal_data_deleted", f"person:{person.id}",
                 after={"role": person.role, "status": person.status,
                        "district_id": person.district_id})
