"""After a notice is out: confirmations, withdrawing (with a correction), cancelling a
scheduled one, resending what LINE refused, and erasing a person's link to deliveries."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from islandos import scheduler
from islandos.clock import now
from islandos.models.jobs import Job, JobStatus
from islandos.models.notices import Notice, NoticeStatus
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.models.people import Person
from islandos.services import audit
from islandos.services.asking import delivery
from islandos.services.asking.answers import NotAsked, give_answer
from islandos.services.asking.erasure import forget_person
from islandos.services.notices.drafts import NoticeError, NoticeInput, save_draft
from islandos.services.notices.images import picture_url
from islandos.services.notices.sending import (
    CONFIRM_OPTION,
    notice_ask,
    notice_dispatch,
    submit,
)


class Confirmation:
    CONFIRMED = "confirmed"
    ALREADY = "already"
    WITHDRAWN = "withdrawn"
    NOT_RECIPIENT = "not_recipient"


def confirm(session: Session, notice_id: int, person_id: int) -> str:
    """Record a 「確認しました」 tap once, as the notice's ask's one option (flushes); a
    second tap changes nothing."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        return Confirmation.NOT_RECIPIENT
    if notice.status == NoticeStatus.WITHDRAWN:
        return Confirmation.WITHDRAWN
    ask = notice_ask(session, notice_id)
    if ask is None or CONFIRM_OPTION not in ask.options:
        return Confirmation.NOT_RECIPIENT
    try:
        result = give_answer(session, ask.id, person_id, (CONFIRM_OPTION,))
    except NotAsked:
        return Confirmation.NOT_RECIPIENT
    return Confirmation.CONFIRMED if result.changed else Confirmation.ALREADY


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
    ask = notice_ask(session, notice.id)
    total = 0
    if ask is not None:
        dispatch = notice_dispatch(notice, picture_url(session, base_url, notice.image_id))
        total = delivery.resend_failed(session, ask, dispatch)
    audit.record(session, actor, "notice.resent", f"notice:{notice.id}",
                 after={"recipients": total})
    session.flush()
    return total


def erase_notice_data(session: Session, person: Person) -> None:
    """The notices feature's eraser: whom a notice reached and who confirmed live in the
    shared core, which keeps the counts and drops the link to the person."""
    forget_person(session, person.id)
