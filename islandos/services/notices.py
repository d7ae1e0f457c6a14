"""Notices: write, check, schedule, send through the outbox, confirm, remind, withdraw."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from islandos import scheduler
from islandos.clock import TOKYO, now
from islandos.line.messages import MAX_MULTICAST_RECIPIENTS, check_messages, utf16_len
from islandos.line.outbox import enqueue_multicast, enqueue_multicast_batch
from islandos.models.jobs import Job, JobStatus
from islandos.models.notices import (
    AudienceKind,
    Notice,
    NoticeDelivery,
    NoticeImage,
    NoticePriority,
    NoticeStatus,
)
from islandos.models.outbox import OutboxMessage, OutboxStatus, Priority
from islandos.models.people import District, Person
from islandos.scheduler import JobContext
from islandos.services import audit
from islandos.services import notice_audience as aud
from islandos.services.family import family_of
from islandos.services.notice_images import image_url
from islandos.services.notice_messages import (
    MAX_TITLE,
    body_limit,
    notice_messages,
    reminder_messages,
)

LANGUAGES = ("ja", "en")
OUTBOX_PRIORITY = {NoticePriority.NORMAL: Priority.NORMAL,
                   NoticePriority.IMPORTANT: Priority.IMPORTANT,
                   NoticePriority.EMERGENCY: Priority.EMERGENCY}
REMINDER_GRACE = timedelta(hours=12)  # a reminder later than this is dropped by the outbox
MAX_REMINDER_HOURS = 24 * 14


class NoticeError(ValueError):
    """A notice cannot be saved or changed; `msgid` is the Japanese text to show."""

    def __init__(self, msgid: str, field: str | None = None) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.field = field


class NoticeInvalid(NoticeError):
    """Bad input; `errors` maps form fields to messages. Nothing was stored."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())), next(iter(errors)))
        self.errors = errors


@dataclass(frozen=True)
class NoticeInput:
    """What an admin (or a script) writes."""

    title: str
    body_ja: str
    title_en: str | None = None
    body_en: str | None = None
    audience_kind: str = AudienceKind.ISLANDERS
    district_ids: tuple[int, ...] = ()
    tourist_days: int | None = None
    priority: str = NoticePriority.NORMAL
    send_at: datetime | None = None  # None: now
    repeat_weekdays: str | None = None  # "024": Monday, Wednesday, Friday (Japan time)
    repeat_until: date | None = None
    not_after: datetime | None = None
    reminder_hours: int = 24
    image_id: int | None = None


def _clean(data: NoticeInput) -> NoticeInput:
    def strip(value: str | None) -> str | None:
        return value.strip().replace("\r\n", "\n") if value and value.strip() else None
    return replace(data, title=strip(data.title) or "", body_ja=strip(data.body_ja) or "",
                   title_en=strip(data.title_en), body_en=strip(data.body_en),
                   repeat_weekdays="".join(sorted(set(data.repeat_weekdays or ""))) or None)


def validate(session: Session, data: NoticeInput, moment: datetime) -> dict[str, str]:
    """Everything wrong with `data`, by form field (empty when it can be saved)."""
    errors: dict[str, str] = {}
    for field, title, body in (("title", data.title, data.body_ja),
                               ("title_en", data.title_en, data.body_en)):
        body_field = "body_ja" if field == "title" else "body_en"
        if field == "title" and not title:
            errors[field] = "タイトルを入力してください。"
        if field == "title" and not body:
            errors[body_field] = "本文を入力してください。"
        if field == "title_en" and bool(title) != bool(body):
            errors[field] = "英語はタイトルと本文の両方を入力してください。"
        if title and utf16_len(title) > MAX_TITLE:
            errors[field] = "タイトルは100文字までです。"
        if title and body and utf16_len(body) > body_limit(title):
            errors[body_field] = "本文が長すぎます。LINEの上限（5,000文字）を超えています。"
    if data.audience_kind not in AudienceKind.ALL:
        errors["audience"] = "送り先を選んでください。"
    elif data.audience_kind == AudienceKind.DISTRICTS and (
            not data.district_ids or not aud.district_ids_known(session, data.district_ids)):
        errors["audience"] = "集落を選んでください（登録されていない集落があります）。"
    if data.tourist_days is not None and not 1 <= data.tourist_days <= 365:
        errors["tourist_days"] = "日数は1〜365で入力してください。"
    if data.priority not in NoticePriority.ALL:
        errors["priority"] = "重要度を選んでください。"
    if data.send_at is not None and data.send_at < moment - timedelta(minutes=1):
        errors["send_at"] = "送信日時が過去です。"
    if data.repeat_weekdays:
        if any(c not in "0123456" for c in data.repeat_weekdays):
            errors["repeat_weekdays"] = "曜日を選んでください。"
        if data.repeat_until is None or data.repeat_until < moment.astimezone(TOKYO).date():
            errors["repeat_until"] = "くり返しの終わりの日を今日以降で入力してください。"
    start = data.send_at or moment
    if data.not_after is not None and data.not_after <= start:
        errors["not_after"] = "「この時刻を過ぎたら送らない」は送信日時より後にしてください。"
    if not 0 <= data.reminder_hours <= MAX_REMINDER_HOURS:
        errors["reminder_hours"] = "リマインドは0〜336時間で入力してください。"
    if data.image_id is not None and session.get(NoticeImage, data.image_id) is None:
        errors["image"] = "画像が見つかりません。もう一度選んでください。"
    return errors


def resolve_districts(session: Session, names: list[str]) -> tuple[int, ...]:
    """District ids for codes or names (Japanese or English); raises NoticeInvalid."""
    ids = []
    for name in names:
        district = session.scalar(select(District).where(
            (District.code == name) | (District.name_ja == name) | (District.name_en == name)))
        if district is None:
            raise NoticeInvalid({"audience": "その集落は登録されていません。"})
        ids.append(district.id)
    return tuple(ids)


def save_draft(session: Session, data: NoticeInput, actor: str,
               notice: Notice | None = None) -> Notice:
    """Create a draft, or change one (flushes); raises NoticeInvalid or NoticeError."""
    data = _clean(data)
    errors = validate(session, data, now())
    if errors:
        raise NoticeInvalid(errors)
    if notice is None:
        notice = Notice(created_by=actor, status=NoticeStatus.DRAFT)
        session.add(notice)
    elif notice.status != NoticeStatus.DRAFT:
        raise NoticeError("下書きだけが編集できます。")
    notice.title, notice.body_ja = data.title, data.body_ja
    notice.title_en, notice.body_en = data.title_en, data.body_en
    notice.audience_kind = data.audience_kind
    notice.audience_district_ids = (sorted(data.district_ids)
                                    if data.audience_kind == AudienceKind.DISTRICTS else None)
    notice.tourist_days = (data.tourist_days or aud.DEFAULT_TOURIST_DAYS
                           if data.audience_kind == AudienceKind.TOURISTS else None)
    notice.priority, notice.send_at, notice.not_after = data.priority, data.send_at, data.not_after
    notice.repeat_weekdays, notice.repeat_until = data.repeat_weekdays, data.repeat_until
    notice.reminder_hours, notice.image_id = data.reminder_hours, data.image_id
    session.flush()
    return notice


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


def remind(session: Session, notice_id: int) -> int:
    """Enqueue one reminder to every recipient who has not confirmed (flushes); returns them."""
    notice = session.get(Notice, notice_id)
    if notice is None or notice.status != NoticeStatus.SENT or not notice.needs_confirmation:
        return 0
    moment = now()
    waiting = (NoticeDelivery.notice_id == notice.id, NoticeDelivery.confirmed_at.is_(None),
               NoticeDelivery.reminded_at.is_(None))
    for language in LANGUAGES:
        query = (select(Person.line_user_id)
                 .join(NoticeDelivery, NoticeDelivery.person_id == Person.id)
                 .where(*waiting, aud.receivable(), aud.language_condition(language))
                 .order_by(Person.id).execution_options(yield_per=aud.STREAM_CHUNK))
        user_ids = (uid for uid in session.scalars(query) if uid)
        enqueue_multicast(session, user_ids, reminder_messages(notice, language),
                          priority=OUTBOX_PRIORITY[notice.priority],
                          not_after=moment + REMINDER_GRACE, source=f"notice:{notice.id}:remind")
    marked = session.execute(
        update(NoticeDelivery)
        .where(*waiting, NoticeDelivery.person_id.in_(select(Person.id).where(aud.receivable())))
        .values(reminded_at=moment).execution_options(synchronize_session=False))
    session.flush()
    return int(getattr(marked, "rowcount", 0) or 0)


def job_remind(ctx: JobContext) -> None:
    """Job "notice.remind": N hours after sending."""
    remind(ctx.session, int(ctx.payload["notice_id"]))


# Confirmations, withdrawal, cancellation, resending --------------------------------------


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
    """Enqueue again the deliveries whose batch LINE refused, with new retry keys (audited)."""
    notice = session.get(Notice, notice_id)
    if notice is None or notice.status != NoticeStatus.SENT:
        raise NoticeError("送信済みのお知らせだけが再送できます。")
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
                priority=OUTBOX_PRIORITY[notice.priority], source=f"notice:{notice.id}")
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
