"""Sending notices: now, at a time or every week, through the outbox; reminders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from islandos import scheduler
from islandos.clock import TOKYO, now
from islandos.i18n import N_
from islandos.models.asking import Ask
from islandos.models.notices import AudienceKind, Notice, NoticePriority, NoticeStatus
from islandos.models.outbox import Priority
from islandos.scheduler import JobContext
from islandos.services import audit
from islandos.services.asking import audience as aud
from islandos.services.asking import delivery
from islandos.services.asking.asks import ask_for, open_ask
from islandos.services.family_reach import reaches_family
from islandos.services.notices.drafts import NoticeError, NoticeInput, NoticeInvalid, save_draft
from islandos.services.notices.images import picture_url
from islandos.services.notices.messages import notice_messages, reminder_messages

SUBJECT = "notice"  # a notice's ask is (SUBJECT, notice.id)
CONFIRM_OPTION = "confirmed"  # 「確認しました」: the one option of an important notice
OUTBOX_PRIORITY = {NoticePriority.NORMAL: Priority.NORMAL,
                   NoticePriority.IMPORTANT: Priority.IMPORTANT,
                   NoticePriority.EMERGENCY: Priority.EMERGENCY}
REMINDER_GRACE = timedelta(hours=12)  # a reminder later than this is dropped by the outbox
REMIND_AGAIN_AFTER = timedelta(hours=1)  # 「今すぐリマインド」: at most once an hour per notice
REMIND_TOO_SOON = N_("リマインドは1時間に1回までです。%(when)sから送れます。")
NOTHING_TO_REMIND = N_("リマインドする人はいません（全員が確認したか、送れる人がいません）。")


def submit(session: Session, notice: Notice, actor: str, base_url: str) -> Notice:
    """Send a draft now, or schedule it (its time, or its weekly series); audited, flushes."""
    if notice.status != NoticeStatus.DRAFT:
        raise NoticeError("このお知らせはすでに送信または予約されています。")
    moment = now()
    if notice.send_at is not None and notice.send_at < moment - timedelta(minutes=1):
        raise NoticeInvalid({"send_at": "送信日時が過去です。"})
    if notice.is_series:
        first = next_occurrence(notice, (notice.send_at or moment) - timedelta(microseconds=1))
        if first is None:
            raise NoticeInvalid({"repeat_until": "終わりの日までに選んだ曜日がありません。"})
        notice.status = NoticeStatus.SCHEDULED
        _schedule_occurrence(session, notice, first)
        audit.record(session, actor, "notice.scheduled", f"notice:{notice.id}",
                     after={"weekly": notice.repeat_weekdays, "first": first.isoformat(),
                            "until": str(notice.repeat_until)})
    elif notice.send_at is not None and notice.send_at > moment:
        notice.status = NoticeStatus.SCHEDULED
        scheduler.schedule(session, "notice.send", notice.send_at, {"notice_id": notice.id},
                           unique_key=f"notice.send:{notice.id}")
        audit.record(session, actor, "notice.scheduled", f"notice:{notice.id}",
                     after={"send_at": notice.send_at.isoformat()})
    else:
        send_notice(session, notice.id, actor, base_url)
    session.flush()
    return notice


def create_and_submit(session: Session, data: NoticeInput, actor: str, base_url: str) -> Notice:
    """Save and send (or schedule) in one go: the CLI and scripts. Raises NoticeInvalid."""
    return submit(session, save_draft(session, data, actor), actor, base_url)



# Sending --------------------------------------------------------------------------------


def send_notice(session: Session, notice_id: int, actor: str, base_url: str) -> int:
    """Resolve the audience and enqueue every batch, in the caller's transaction.

    Writes one delivery per recipient, multicasts of ≤500 per language, emergency copies to
    family, the reminder job and the audit entry; the status changes with them, so a crash
    loses nothing and a second call sends nothing. Returns the number of recipients; raises
    NoticeError when the notice is no longer waiting to be sent.
    """
    moment = now()
    if _expire_if_too_late(session, notice_id, actor, moment):
        return 0
    claimed = session.execute(
        update(Notice)
        .where(Notice.id == notice_id, Notice.repeat_weekdays.is_(None),
               Notice.status.in_((NoticeStatus.DRAFT, NoticeStatus.SCHEDULED)))
        .values(status=NoticeStatus.SENT, sent_at=moment)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise NoticeError("このお知らせはすでに送信されたか、取り消されています。")
    notice = session.get(Notice, notice_id, populate_existing=True)
    assert notice is not None
    if notice.audience_kind == AudienceKind.TOURISTS:
        days = notice.tourist_days or aud.DEFAULT_TOURIST_DAYS
        notice.audience_since = moment - timedelta(days=days)
    ask = open_ask(session, SUBJECT, notice.id,
                   options=(CONFIRM_OPTION,) if notice.needs_confirmation else ())
    dispatch = notice_dispatch(notice, picture_url(session, base_url, notice.image_id))
    direct = delivery.send(session, ask, _recipients(session, notice, moment), dispatch, moment)
    family = 0
    if reaches_family(notice.priority):
        family = delivery.send_family_copies(session, ask, dispatch, moment)
    if notice.needs_confirmation and notice.correction_of_id is None:
        # Residents without LINE: on the list of those to phone or visit (no message).
        delivery.add_residents_without_line(session, ask, aud.Audience(
            notice.audience_kind, tuple(notice.audience_district_ids or ()),
            notice.tourist_days), moment)
    notice.recipient_count = direct + family
    if notice.needs_confirmation and notice.reminder_hours > 0:
        remind_at = moment + timedelta(hours=notice.reminder_hours)
        scheduler.schedule(session, "notice.remind", remind_at, {"notice_id": notice.id},
                           unique_key=f"notice.remind:{notice.id}")
    audit.record(session, actor, "notice.sent", f"notice:{notice.id}",
                 after={"audience": notice.audience_kind, "priority": notice.priority,
                        "recipients": direct, "family": family})
    session.flush()
    return direct + family


def notice_ask(session: Session, notice_id: int) -> Ask | None:
    """The ask behind a sent notice: whom it reached, who confirmed."""
    return ask_for(session, SUBJECT, notice_id)


def notice_dispatch(notice: Notice, image_url: str | None) -> delivery.Dispatch:
    """How a notice goes out: its messages per language (family copies say so)."""
    return delivery.Dispatch(
        lambda language, family: notice_messages(notice, language, image_url=image_url,
                                                 family=family),
        priority=OUTBOX_PRIORITY[notice.priority], not_after=notice.not_after,
        source=f"notice:{notice.id}")


def _recipients(session: Session, notice: Notice, moment: datetime
                ) -> Callable[[str], Select]:
    """Its audience now; a correction goes to the people the corrected notice reached."""
    if notice.correction_of_id is not None:
        corrected = notice_ask(session, notice.correction_of_id)
        corrected_id = corrected.id if corrected is not None else 0
        return lambda language: aud.asked_before_query(corrected_id, language)
    audience = aud.Audience(notice.audience_kind, tuple(notice.audience_district_ids or ()),
                            notice.tourist_days)
    return lambda language: aud.recipients_query(audience, language, moment)


def _expire_if_too_late(session: Session, notice_id: int, actor: str, moment: datetime) -> bool:
    """A waiting notice whose not-after time has passed is never sent, nor archived as sent."""
    expired = session.execute(
        update(Notice)
        .where(Notice.id == notice_id, Notice.repeat_weekdays.is_(None),
               Notice.status.in_((NoticeStatus.DRAFT, NoticeStatus.SCHEDULED)),
               Notice.not_after.is_not(None), Notice.not_after <= moment)
        .values(status=NoticeStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    if getattr(expired, "rowcount", 0) != 1:
        return False
    audit.record(session, actor, "notice.expired", f"notice:{notice_id}",
                 note="not sent: its not-after time had passed")
    return True


def job_send(ctx: JobContext) -> None:
    """Job "notice.send": a scheduled notice falls due (a cancelled one is skipped)."""
    notice = ctx.session.get(Notice, int(ctx.payload["notice_id"]))
    if notice is None or notice.status != NoticeStatus.SCHEDULED:
        return
    send_notice(ctx.session, notice.id, "system", _base_url(ctx))


def _base_url(ctx: JobContext) -> str:
    """PUBLIC_BASE_URL as the settings say when the job runs; jobs scheduled before it was
    read at run time carry a copy in their payload, used only when there are no settings."""
    return ctx.public_base_url or str(ctx.payload.get("base_url", ""))


# Weekly series --------------------------------------------------------------------------


def sends_this_month(series: Notice) -> int:
    """How often a notice goes out in its first month (Japan time): 1, or each weekday of a
    weekly series until the month or the series ends (for the quota check)."""
    if not series.repeat_weekdays or series.repeat_until is None:
        return 1
    first = (series.send_at or now()).astimezone(TOKYO)
    count, moment = 0, first - timedelta(minutes=1)
    while (following := next_occurrence(series, moment)) is not None:
        if following.astimezone(TOKYO).month != first.month:
            break
        count, moment = count + 1, following
    return max(count, 1)


def next_occurrence(series: Notice, after: datetime) -> datetime | None:
    """The first chosen weekday after `after`, at the series' time of day (Japan time)."""
    if not series.repeat_weekdays or series.repeat_until is None:
        return None
    start = (series.send_at or after).astimezone(TOKYO)
    local_after = after.astimezone(TOKYO)
    for offset in range(8):
        day = local_after.date() + timedelta(days=offset)
        if day > series.repeat_until:
            return None
        candidate = datetime(day.year, day.month, day.day, start.hour, start.minute,
                             tzinfo=TOKYO)
        if str(day.weekday()) in series.repeat_weekdays and candidate > local_after:
            return candidate.astimezone(after.tzinfo)
    return None


def _schedule_occurrence(session: Session, series: Notice, at: datetime) -> None:
    scheduler.schedule(session, "notice.occurrence", at,
                       {"notice_id": series.id, "at": at.isoformat()},
                       unique_key=f"notice.occurrence:{series.id}:{at:%Y%m%dT%H%M}")


def run_occurrence(session: Session, series_id: int, at: datetime, base_url: str) -> Notice | None:
    """Send one occurrence of a weekly series as its own notice, then schedule the next."""
    series = session.get(Notice, series_id)
    if series is None or series.status != NoticeStatus.SCHEDULED:
        return None
    window = series.not_after - series.send_at if series.not_after and series.send_at else None
    child = Notice(
        title=series.title, body_ja=series.body_ja, title_en=series.title_en,
        body_en=series.body_en, image_id=series.image_id, audience_kind=series.audience_kind,
        audience_district_ids=series.audience_district_ids, tourist_days=series.tourist_days,
        priority=series.priority, status=NoticeStatus.SCHEDULED, send_at=at,
        not_after=at + window if window else None, reminder_hours=series.reminder_hours,
        series_id=series.id, created_by=series.created_by)
    try:
        with session.begin_nested():
            session.add(child)
    except IntegrityError:
        return None  # this occurrence exists already
    send_notice(session, child.id, "system", base_url)
    following = next_occurrence(series, max(at, now()))
    if following is not None:
        _schedule_occurrence(session, series, following)
    else:
        series.status, series.sent_at = NoticeStatus.SENT, now()
    return child


def job_occurrence(ctx: JobContext) -> None:
    """Job "notice.occurrence": one weekday of a weekly series."""
    run_occurrence(ctx.session, int(ctx.payload["notice_id"]),
                   datetime.fromisoformat(str(ctx.payload["at"])), _base_url(ctx))


# Reminders ------------------------------------------------------------------------------


def remind(session: Session, notice_id: int, actor: str = "system", again: bool = False) -> int:
    """Enqueue one reminder to every recipient LINE took the notice for who has not confirmed
    (and was not reminded yet, unless `again`); flushes, audited as notice.reminded; returns
    how many. Nothing after the notice's not-after time: a reminder is the notice again."""
    notice = session.get(Notice, notice_id)
    if notice is None or notice.status != NoticeStatus.SENT or not notice.needs_confirmation:
        return 0
    ask = notice_ask(session, notice.id)
    moment = now()
    if ask is None or (notice.not_after is not None and notice.not_after <= moment):
        return 0
    latest = moment + REMINDER_GRACE
    if notice.not_after is not None:
        latest = min(latest, notice.not_after)
    dispatch = delivery.Dispatch(
        lambda language, _family: reminder_messages(notice, language),
        priority=OUTBOX_PRIORITY[notice.priority], not_after=latest,
        source=f"notice:{notice.id}:remind")
    count = delivery.remind(session, ask, dispatch, moment, again=again)
    audit.record(session, actor, "notice.reminded", f"notice:{notice.id}",
                 after={"recipients": count, **({"by_hand": True} if again else {})})
    return count


class RemindTooSoon(NoticeError):
    """「今すぐリマインド」 again within the hour; `next_at` is when it may be pressed."""

    def __init__(self, next_at: datetime) -> None:
        super().__init__(REMIND_TOO_SOON)
        self.next_at = next_at


def remindable(session: Session, notice_id: int) -> tuple[int, datetime | None]:
    """How many 「今すぐリマインド」 would reach (one message each), and the last reminder."""
    ask = notice_ask(session, notice_id)
    return delivery.remindable(session, ask) if ask is not None else (0, None)


def remind_now(session: Session, notice_id: int, actor: str) -> int:
    """「今すぐリマインド」 from the dashboard: everyone who has not confirmed, reminded before or
    not; at most once an hour per notice (any reminder counts). Raises RemindTooSoon, or
    NoticeError when nobody is left to remind; audited, flushes."""
    count, last = remindable(session, notice_id)
    if last is not None and now() < last + REMIND_AGAIN_AFTER:
        raise RemindTooSoon(last + REMIND_AGAIN_AFTER)
    if count == 0 or remind(session, notice_id, actor, again=True) == 0:
        raise NoticeError(NOTHING_TO_REMIND)
    return count


def job_remind(ctx: JobContext) -> None:
    """Job "notice.remind": N hours after sending."""
    remind(ctx.session, int(ctx.payload["notice_id"]))

