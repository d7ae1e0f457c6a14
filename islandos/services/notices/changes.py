"""After a notice is out: confirmations, withdrawing (with a correction), cancelling a
scheduled one, resending what LINE refused, and erasing a person's link to deliveries."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from islandos import scheduler
from islandos.clock import now
from islandos.line.outbox import enqueue_multicast_batch
from islandos.models.jobs import Job, JobStatus
from islandos.models.notices import Notice, NoticeDelivery, NoticeImage, NoticeStatus
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.models.people import Person
from islandos.services import audit
from islandos.services.notices import audience as aud
from islandos.services.notices.drafts import NoticeError, NoticeInput, save_draft
from islandos.services.notices.images import image_url
from islandos.services.notices.messages import notice_messages
from islandos.services.notices.sending import OUTBOX_PRIORITY, submit


class Confirmation:
    CONFIRMED = "confirmed"
    ALREADY = "already"
    WITHDRAWN = "withdrawn"
    NOT_RECIPIENT = "not_recipient"


def confirm(session: Session, notice_id: int, person_id: int) -> str:
    """Record a 「確認しました」 tap once (flushes); a second tap changes nothing."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        return Confirmation.NOT_RECIPIENT
    if notice.status == NoticeStatus.WITHDRAWN:
        return Confirmation.WITHDRAWN
    result = session.execute(
        update(NoticeDelivery)
        .where(NoticeDelivery.notice_id == notice_id, NoticeDelivery.person_id == person_id,
               NoticeDelivery.confirmed_at.is_(None))
        .values(confirmed_at=now()).execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) == 1:
        return Confirmation.CONFIRMED
    found = session.scalar(select(NoticeDelivery.id).where(
        NoticeDelivery.notice_id == notice_id, NoticeDelivery.person_id == person_id))
    return Confirmation.ALREADY if found else Confirmation.NOT_RECIPIENT


def withdraw(session: Session, notice_id: int, actor: str, base_url: str,
             correction: NoticeInput | None = None) -> Notice | None:
    """Withdraw a sent notice: out of the archive, unsent batches dropped, no reminder.

    With a correction, a new notice goes to the same people now. Audited; flushes; returns
    the correction. Raises NoticeError (not sent) or NoticeInvalid (bad correction).
    """
    notice = session.get(Notice, notice_id)
    if notice is None or notice.status != NoticeStatus.SENT:
        raise NoticeError("送信済みのお知らせだけが取り消せます。")
    fixed = None
    if correction is not None:
        correction = replace(correction, audience_kind=notice.audience_kind,
                             district_ids=tuple(notice.audience_district_ids or ()),
                             tourist_days=notice.tourist_days, priority=notice.priority,
                             reminder_hours=notice.reminder_hours, send_at=None,
                             repeat_weekdays=None, repeat_until=None)
        fixed = save_draft(session, correction, actor)
        fixed.correction_of_id = notice.id
    notice.status, notice.withdrawn_at = NoticeStatus.WITHDRAWN, now()
    scheduler.cancel(session, f"notice.remind:{notice.id}")
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.source == f"notice:{notice.id}",
               OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.attempts == 0)
        .values(status=OutboxStatus.DROPPED, last_error="notice withdrawn")
        .execution_options(synchronize_session=False))
    audit.record(session, actor, "notice.withdrawn", f"notice:{notice.id}",
                 after={"correction": fixed.id if fixed else None})
    if fixed is not None:
        submit(session, fixed, actor, base_url)
    session.flush()
    return fixed


def cancel(session: Session, notice_id: int, actor: str) -> None:
    """Cancel a scheduled notice or weekly series before (the rest of) it goes (flushes)."""
    notice = session.get(Notice, notice_id)
    if notice is None or notice.status != NoticeStatus.SCHEDULED:
        raise NoticeError("予約中のお知らせだけが中止できます。")
    notice.status, notice.cancelled_at = NoticeStatus.CANCELLED, now()
    scheduler.cancel(session, f"notice.send:{notice.id}")
    for key in session.scalars(select(Job.unique_key).where(
            Job.unique_key.like(f"notice.occurrence:{notice.id}:%"),
            Job.status == JobStatus.PENDING)):
        if key:
            scheduler.cancel(session, key)
    audit.record(session, actor, "notice.cancelled", f"notice:{notice.id}")
    session.flush()


def resend_failed(session: Session, notice_id: int, actor: str, base_url: str) -> int:
    """Enqueue again the deliveries whose batch LINE refused, with new retry keys (audited).

    Raises NoticeError when the notice is not sent, or its not-after time has passed.
    """
    notice = session.get(Notice, notice_id)
    if notice is None or notice.status != NoticeStatus.SENT:
        raise NoticeError("送信済みのお知らせだけが再送できます。")
    if notice.not_after is not None and notice.not_after <= now():
        raise NoticeError("「この時刻を過ぎたら送らない」の時刻を過ぎたので、再送できません。")
    picture = session.get(NoticeImage, notice.image_id) if notice.image_id else None
    url = image_url(base_url, picture) if picture else None
    total, last_id = 0, 0
    while True:
        rows = session.execute(
            select(NoticeDelivery.id, NoticeDelivery.is_family, Person.language,
                   Person.line_user_id)
            .join(OutboxMessage, OutboxMessage.id == NoticeDelivery.outbox_id)
            .join(Person, Person.id == NoticeDelivery.person_id)
            .where(NoticeDelivery.notice_id == notice.id, NoticeDelivery.id > last_id,
                   OutboxMessage.status == OutboxStatus.FAILED, aud.receivable())
            .order_by(NoticeDelivery.id).limit(500)).all()
        if not rows:
            break
        last_id = rows[-1][0]
        groups: dict[tuple[str, bool], list[tuple[int, str]]] = {}
        for delivery_id, family, language, user_id in rows:
            key = ("en" if language == "en" else "ja", bool(family))
            groups.setdefault(key, []).append((delivery_id, user_id or ""))
        for (language, family), members in groups.items():
            batch = enqueue_multicast_batch(
                session, [user_id for _, user_id in members],
                notice_messages(notice, language, image_url=url, family=family),
                priority=OUTBOX_PRIORITY[notice.priority], not_after=notice.not_after,
                source=f"notice:{notice.id}")
            session.execute(update(NoticeDelivery)
                            .where(NoticeDelivery.id.in_([d for d, _ in members]))
                            .values(outbox_id=batch)
                            .execution_options(synchronize_session=False))
            total += len(members)
    audit.record(session, actor, "notice.resent", f"notice:{notice.id}",
                 after={"recipients": total})
    session.flush()
    return total


def erase_notice_data(session: Session, person: Person) -> None:
    """The eraser registered with islandos.services.privacy (「データを削除」)."""
    forget_person(session, person.id)


def forget_person(session: Session, person_id: int) -> None:
    """「データを削除」: keep the anonymous counts of a person's deliveries, drop the link."""
    session.execute(update(NoticeDelivery).where(NoticeDelivery.person_id == person_id)
                    .values(person_id=None).execution_options(synchronize_session=False))
