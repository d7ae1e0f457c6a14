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

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.i18n import N_, gettext
from islandos.line import messages
from islandos.line.outbox import enqueue_push, forget_recipient
from islandos.line.richmenus import schedule_menu_unlink
from islandos.models.outbox import Priority
from islandos.models.people import FamilyLink, Person, Status
from islandos.models.registration import CodeAttempt, FamilyCode, IslanderRequest
from islandos.registry import PersonalDataEraser
from islandos.services import audit
from islandos.services.registration_codes import PersonNotFound

DELETED_TEXT = N_("ご登録のデータを削除しました。ご利用ありがとうございました。")


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


def delete_personal_data(
    session: Session, person_id: int, actor: str, erasers: Iterable[PersonalDataEraser],
    *, notify: bool = True,
) -> None:
    """Erase a person's personal data; the row stays, anonymous, with status "deleted".

    Goes: name, phone, consent time, dialogue, family links (both ways) and family code,
    approval requests, wrong-code attempts, the LINE user id (so nothing is ever sent to
    them again) and whatever the features' `erasers` remove (answers, confirmations).
    Stays: the anonymous row with its role, district and language, so counts still add up.
    With `notify`, the user is told in LINE (a push, before the id is forgotten); the
    rich menu is unlinked by a worker job. Flushes, audits without personal data.
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
    line_user_id = person.line_user_id
    if line_user_id:
        # Nothing still waiting reaches someone who asked to be forgotten.
        forget_recipient(session, line_user_id, "the recipient deleted their data")
        if notify and person.can_receive:
            enqueue_push(session, line_user_id,
                         [messages.text(gettext(person.language, DELETED_TEXT))],
                         priority=Priority.IMPORTANT, source=f"privacy:deleted:{person.id}")
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
