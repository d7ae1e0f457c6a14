"""Sending notices: now, at a time or every week, through the outbox; reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from islandos import scheduler
from islandos.clock import TOKYO, now
from islandos.line.messages import MAX_MULTICAST_RECIPIENTS, check_messages
from islandos.line.outbox import enqueue_multicast, enqueue_multicast_batch
from islandos.models.notices import (
    AudienceKind,
    Notice,
    NoticeDelivery,
    NoticeImage,
    NoticePriority,
    NoticeStatus,
)
from islandos.models.outbox import OutboxMessage, OutboxStatus, Priority
from islandos.models.people import Person
from islandos.scheduler import JobContext
from islandos.services import audit
from islandos.services.family import family_of
from islandos.services.notices import audience as aud
from islandos.services.notices.drafts import NoticeError, NoticeInput, NoticeInvalid, save_draft
from islandos.services.notices.images import image_url
from islandos.services.notices.messages import notice_messages, reminder_messages

LANGUAGES = ("ja", "en")
OUTBOX_PRIORITY = {NoticePriority.NORMAL: Priority.NORMAL,
                   NoticePriority.IMPORTANT: Priority.IMPORTANT,
                   NoticePriority.EMERGENCY: Priority.EMERGENCY}
REMINDER_GRACE = timedelta(hours=12)  # a reminder later than this is dropped by the outbox


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
        _schedule_occurrence(session, notice, first, base_url)
        audit.record(session, actor, "notice.scheduled", f"notice:{notice.id}",
                     after={"weekly": notice.repeat_weekdays, "first": first.isoformat(),
                            "until": str(notice.repeat_until)})
    elif notice.send_at is not None and notice.send_at > moment:
        notice.status = NoticeStatus.SCHEDULED
        scheduler.schedule(session, "notice.send", notice.send_at,
                           {"notice_id": notice.id, "base_url": base_url},
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
    picture = session.get(NoticeImage, notice.image_id) if notice.image_id else None
    url = image_url(base_url, picture) if picture else None
    direct = _enqueue(session, notice, moment, url, family=False)
    family = 0
    if notice.priority == NoticePriority.EMERGENCY:
        family = _enqueue(session, notice, moment, url, family=True)
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


def _enqueue(session: Session, notice: Notice, moment: datetime, url: str | None,
             *, family: bool) -> int:
    if family:
        return _enqueue_family(session, notice, url)
    sent = 0
    for language in LANGUAGES:
        query = aud.direct_recipients_query(notice, language, moment)
        for chunk in aud.stream(session, query):
            sent += _enqueue_chunk(session, notice, chunk, language, url, family=False)
    return sent


def _enqueue_chunk(session: Session, notice: Notice, chunk: list[aud.Recipient], language: str,
                   url: str | None, *, family: bool) -> int:
    """One multicast (≤500, one language) and its deliveries, written together."""
    checked = check_messages(notice_messages(notice, language, image_url=url, family=family))
    batch = enqueue_multicast_batch(
        session, [r.line_user_id for r in chunk], checked, checked=True,
        priority=OUTBOX_PRIORITY[notice.priority], not_after=notice.not_after,
        source=f"notice:{notice.id}")
    session.execute(insert(NoticeDelivery), [
        {"notice_id": notice.id, "person_id": r.person_id, "district_id": r.district_id,
         "language": language, "is_family": family, "outbox_id": batch,
         "created_at": notice.sent_at or now()}
        for r in chunk])
    return len(chunk)


def _enqueue_family(session: Session, notice: Notice, url: str | None) -> int:
    """Emergency copies: each family member of the recipients once, unless they got it."""
    reached = session.scalars(
        select(NoticeDelivery.person_id)
        .where(NoticeDelivery.notice_id == notice.id, NoticeDelivery.is_family.is_(False))
        .order_by(NoticeDelivery.id).execution_options(yield_per=aud.STREAM_CHUNK))
    waiting: dict[str, list[aud.Recipient]] = {language: [] for language in LANGUAGES}
    sent = 0

    def flush(language: str) -> int:
        chunk, waiting[language] = waiting[language], []
        got_it = set(session.scalars(select(NoticeDelivery.person_id).where(
            NoticeDelivery.notice_id == notice.id,
            NoticeDelivery.person_id.in_([r.person_id for r in chunk]))))
        chunk = [r for r in chunk if r.person_id not in got_it]
        return _enqueue_chunk(session, notice, chunk, language, url, family=True) if chunk else 0

    for member in family_of(session, (pid for pid in reached if pid is not None)):
        if member.line_user_id is None:
            continue
        language = "en" if member.language == "en" else "ja"
        waiting[language].append(
            aud.Recipient(member.id, member.line_user_id, member.language, member.district_id))
        if len(waiting[language]) >= MAX_MULTICAST_RECIPIENTS:
            sent += flush(language)
    for language in LANGUAGES:
        if waiting[language]:
            sent += flush(language)
    return sent


def job_send(ctx: JobContext) -> None:
    """Job "notice.send": a scheduled notice falls due (a cancelled one is skipped)."""
    notice = ctx.session.get(Notice, int(ctx.payload["notice_id"]))
    if notice is None or notice.status != NoticeStatus.SCHEDULED:
        return
    send_notice(ctx.session, notice.id, "system", str(ctx.payload.get("base_url", "")))


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


def _schedule_occurrence(session: Session, series: Notice, at: datetime, base_url: str) -> None:
    scheduler.schedule(session, "notice.occurrence", at,
                       {"notice_id": series.id, "at": at.isoformat(), "base_url": base_url},
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
        _schedule_occurrence(session, series, following, base_url)
    else:
        series.status, series.sent_at = NoticeStatus.SENT, now()
    return child


def job_occurrence(ctx: JobContext) -> None:
    """Job "notice.occurrence": one weekday of a weekly series."""
    run_occurrence(ctx.session, int(ctx.payload["notice_id"]),
                   datetime.fromisoformat(str(ctx.payload["at"])),
                   str(ctx.payload.get("base_url", "")))


# Reminders ------------------------------------------------------------------------------


def remind(session: Session, notice_id: int, actor: str = "system") -> int:
    """Enqueue one reminder to every recipient LINE took the notice for who has not confirmed
    (flushes, audited as notice.reminded); returns how many. Nothing after the notice's
    not-after time: a reminder is the notice again."""
    notice = session.get(Notice, notice_id)
    if notice is None or notice.status != NoticeStatus.SENT or not notice.needs_confirmation:
        return 0
    moment = now()
    if notice.not_after is not None and notice.not_after <= moment:
        return 0
    delivered = exists().where(OutboxMessage.id == NoticeDelivery.outbox_id,
                               OutboxMessage.status == OutboxStatus.ACCEPTED)
    waiting = (NoticeDelivery.notice_id == notice.id, NoticeDelivery.confirmed_at.is_(None),
               NoticeDelivery.reminded_at.is_(None), delivered)
    latest = moment + REMINDER_GRACE
    if notice.not_after is not None:
        latest = min(latest, notice.not_after)
    for language in LANGUAGES:
        query = (select(Person.line_user_id)
                 .join(NoticeDelivery, NoticeDelivery.person_id == Person.id)
                 .where(*waiting, aud.receivable(), aud.language_condition(language))
                 .order_by(Person.id).execution_options(yield_per=aud.STREAM_CHUNK))
        user_ids = (uid for uid in session.scalars(query) if uid)
        enqueue_multicast(session, user_ids, reminder_messages(notice, language),
                          priority=OUTBOX_PRIORITY[notice.priority],
                          not_after=latest, source=f"notice:{notice.id}:remind")
    marked = session.execute(
        update(NoticeDelivery)
        .where(*waiting, NoticeDelivery.person_id.in_(select(Person.id).where(aud.receivable())))
        .values(reminded_at=moment).execution_options(synchronize_session=False))
    count = int(getattr(marked, "rowcount", 0) or 0)
    audit.record(session, actor, "notice.reminded", f"notice:{notice.id}",
                 after={"recipients": count})
    return count


def job_remind(ctx: JobContext) -> None:
    """Job "notice.remind": N hours after sending."""
    remind(ctx.session, int(ctx.payload["notice_id"]))

