"""Demo notices for 南風島: a few sent ones with their deliveries and confirmations.

They are history: sent through the real service (audience, languages, batches, family
copies), then dated back, their outbox batches marked as accepted by LINE in the same
transaction and their reminder jobs cancelled, so running the demo sends nothing.
Idempotent: a notice is keyed by its title and the "demo" author.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from islandos import scheduler
from islandos.clock import TOKYO, now
from islandos.models.asking import Answer, AnswerStatus, AskRecipient
from islandos.models.notices import (
    AudienceKind,
    Notice,
    NoticePriority,
    NoticeStatus,
)
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.models.people import District
from islandos.services.notices.drafts import NoticeInput, save_draft
from islandos.services.notices.sending import notice_ask, send_notice

DEMO_ACTOR = "demo"
GARBAGE_TITLE = "ごみ収集日のお知らせ"
GARBAGE_WEEKDAY = 3  # Thursday
GARBAGE_WEEKS = 3


@dataclass(frozen=True)
class DemoNotice:
    title: str
    body: str
    days_ago: int
    hour: int  # Japan time
    priority: str = NoticePriority.NORMAL
    audience: str = AudienceKind.ISLANDERS
    district: str | None = None  # a district code, for audience "districts"
    title_en: str | None = None
    body_en: str | None = None
    confirm_every: int = 0  # of the recipients, all but every n-th confirmed (0: nobody)


ONE_OFF = (
    DemoNotice(
        "台風接近のお知らせ",
        "台風が近づいています。今夜から明日の朝まで、外出はひかえてください。"
        "公民館を避難所として開けています。困ったことがあれば役場に電話してください。",
        days_ago=10, hour=15, priority=NoticePriority.EMERGENCY,
        title_en="Typhoon approaching",
        body_en="A typhoon is approaching. Please stay indoors from tonight until tomorrow "
                "morning. The community hall is open as a shelter. If you need help, please "
                "call the village office.",
        confirm_every=6),
    DemoNotice(
        "港の清掃のお知らせ",
        "今度の日曜日の朝7時から、港の清掃をします。軍手とごみ袋は公民館で用意します。"
        "ご協力をお願いします。",
        days_ago=5, hour=9, audience=AudienceKind.DISTRICTS, district="minato"),
    DemoNotice(
        "断水のお知らせ",
        "水道管の工事のため、%(day)s 9時から12時まで、島全体で断水します。"
        "前の日までに、飲み水をくみ置きしてください。",
        days_ago=2, hour=17, priority=NoticePriority.IMPORTANT,
        title_en="Water outage",
        body_en="Because of work on the water pipes, the water will be off across the island "
                "on %(day_en)s from 9:00 to 12:00. Please keep drinking water ready the day "
                "before.",
        confirm_every=3),
)
GARBAGE_BODY = ("今日は燃えるごみの収集日です。朝8時までに、集落のごみ置き場に出してください。")
GARBAGE_BODY_EN = ("Today is collection day for burnable waste. Please put it out at your "
                   "district's collection point by 8:00.")


def _tokyo(moment: datetime, days_ago: int, hour: int) -> datetime:
    day = (moment.astimezone(TOKYO) - timedelta(days=days_ago)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO)


def _exists(session: Session, title: str) -> bool:
    return session.scalar(select(Notice.id).where(
        Notice.created_by == DEMO_ACTOR, Notice.title == title,
        Notice.series_id.is_(None)).limit(1)) is not None


def _as_history(session: Session, notice: Notice, sent_at: datetime, confirm_every: int) -> None:
    """Date a just-sent notice back to `sent_at`: batches accepted, some confirmations, no
    reminder left to send."""
    notice.sent_at, notice.created_at, notice.updated_at = sent_at, sent_at, sent_at
    if notice.audience_since is not None and notice.tourist_days:
        notice.audience_since = sent_at - timedelta(days=notice.tourist_days)
    accepted = sent_at + timedelta(seconds=3)
    session.execute(
        update(OutboxMessage).where(OutboxMessage.source == f"notice:{notice.id}")
        .values(status=OutboxStatus.ACCEPTED, attempts=1, created_at=sent_at,
                next_attempt_at=sent_at, first_attempt_at=accepted, accepted_at=accepted)
        .execution_options(synchronize_session=False))
    scheduler.cancel(session, f"notice.remind:{notice.id}")
    remind_at = sent_at + timedelta(hours=notice.reminder_hours)
    ask = notice_ask(session, notice.id)
    if ask is None:
        return
    ask.created_at = sent_at
    recipients = session.scalars(select(AskRecipient).where(
        AskRecipient.ask_id == ask.id).order_by(AskRecipient.id))
    for n, recipient in enumerate(recipients, start=1):
        recipient.created_at = sent_at
        if confirm_every and n % confirm_every:
            recipient.answered = True  # 「確認しました」, the ask's one option
            session.add(Answer(ask_id=ask.id, recipient_id=recipient.id,
                               district_id=recipient.district_id, choices=1,
                               status=AnswerStatus.COUNTED,
                               answered_at=sent_at + timedelta(minutes=4 + 7 * n)))
        elif notice.needs_confirmation and notice.reminder_hours and remind_at < now():
            recipient.reminded_at = remind_at


def _day(moment: datetime, language: str) -> str:
    local = moment.astimezone(TOKYO)
    if language == "en":
        return local.strftime("%a, %b ") + str(local.day)
    return f"{local.month}月{local.day}日（{'月火水木金土日'[local.weekday()]}）"


def _send_one_off(session: Session, demo: DemoNotice, moment: datetime) -> None:
    sent_at = _tokyo(moment, demo.days_ago, demo.hour)
    tomorrow = sent_at + timedelta(days=1)
    district_ids: tuple[int, ...] = ()
    if demo.district is not None:
        district = session.scalar(select(District).where(District.code == demo.district))
        if district is None:
            return
        district_ids = (district.id,)
    notice = save_draft(session, NoticeInput(
        title=demo.title, body_ja=demo.body % {"day": _day(tomorrow, "ja")},
        title_en=demo.title_en,
        body_en=demo.body_en % {"day_en": _day(tomorrow, "en")} if demo.body_en else None,
        audience_kind=demo.audience, district_ids=district_ids, priority=demo.priority),
        DEMO_ACTOR)
    send_notice(session, notice.id, DEMO_ACTOR, "")
    _as_history(session, notice, sent_at, demo.confirm_every)


def _send_garbage_series(session: Session, moment: datetime) -> None:
    """A weekly series (Thursdays 7:00) whose last weeks went out; it is over, so nothing
    is scheduled."""
    local = moment.astimezone(TOKYO)
    back = (local.weekday() - GARBAGE_WEEKDAY) % 7 or (7 if local.hour < 7 else 0)
    last = _tokyo(moment, back, 7)
    times = [last - timedelta(weeks=w) for w in reversed(range(GARBAGE_WEEKS))]
    series = Notice(
        title=GARBAGE_TITLE, body_ja=GARBAGE_BODY, title_en="Garbage collection day",
        body_en=GARBAGE_BODY_EN, audience_kind=AudienceKind.ISLANDERS,
        priority=NoticePriority.NORMAL, status=NoticeStatus.SENT, send_at=times[0],
        repeat_weekdays=str(GARBAGE_WEEKDAY), repeat_until=last.astimezone(TOKYO).date(),
        reminder_hours=24, created_by=DEMO_ACTOR, created_at=times[0] - timedelta(days=1),
        sent_at=last)
    session.add(series)
    session.flush()
    for at in times:
        child = Notice(
            title=series.title, body_ja=series.body_ja, title_en=series.title_en,
            body_en=series.body_en, audience_kind=series.audience_kind,
            priority=series.priority, status=NoticeStatus.SCHEDULED, send_at=at,
            reminder_hours=series.reminder_hours, series_id=series.id, created_by=DEMO_ACTOR)
        session.add(child)
        session.flush()
        send_notice(session, child.id, "system", "")
        _as_history(session, child, at, confirm_every=0)


def seed_notices(session: Session) -> list[str]:
    """Add the demo notices that are missing (flushes); returns a line to print."""
    moment = now()
    added = 0
    for demo in ONE_OFF:
        if not _exists(session, demo.title):
            _send_one_off(session, demo, moment)
            added += 1
    if not _exists(session, GARBAGE_TITLE):
        _send_garbage_series(session, moment)
        added += 1
    session.flush()
    total = len(ONE_OFF) + 1
    return [f"demo notices: {total} in place ({added} added now; nothing is sent to LINE)"]
