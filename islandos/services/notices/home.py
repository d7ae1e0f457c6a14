"""Notices on the dashboard home: important ones many have not confirmed (with when the
reminder goes), and the latest notices with their confirmation rates."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from islandos.i18n import N_
from islandos.models.jobs import Job, JobStatus
from islandos.models.notices import Notice, NoticePriority, NoticeStatus
from islandos.registry import AttentionItem, HomePanel, HomeRow
from islandos.services.asking.tally import asked_and_answered
from islandos.services.notices.sending import SUBJECT

# An important or emergency notice is worth the office's attention for this long after it
# went, while at least this share of its recipients have not confirmed.
ATTENTION_WINDOW = timedelta(days=7)
UNCONFIRMED_SHARE = 0.2
RECENT_NOTICES = 5

_REMINDER_AT = N_("「%(title)s」をまだ%(count)s人が確認していません（確認 %(rate)s%%）。"
                  "リマインドは %(at)s に送ります。")
_REMINDED = N_("「%(title)s」をまだ%(count)s人が確認していません（確認 %(rate)s%%）。"
               "リマインドは送りました。")
_NO_REMINDER = N_("「%(title)s」をまだ%(count)s人が確認していません（確認 %(rate)s%%）。"
                  "リマインドは設定されていません。")


def _reminders(session: Session, notice_ids: list[int]) -> dict[int, Job]:
    keys = {f"notice.remind:{notice_id}": notice_id for notice_id in notice_ids}
    return {keys[job.unique_key]: job for job in session.scalars(
        select(Job).where(Job.unique_key.in_(list(keys)))) if job.unique_key}


def unconfirmed_notices(session: Session, moment: datetime) -> list[AttentionItem]:
    """Important and emergency notices sent within ATTENTION_WINDOW that at least
    UNCONFIRMED_SHARE of their recipients have not confirmed, emergencies first (reads only)."""
    notices = list(session.scalars(
        select(Notice).where(Notice.status == NoticeStatus.SENT,
                             Notice.priority != NoticePriority.NORMAL,
                             Notice.repeat_weekdays.is_(None),
                             Notice.sent_at >= moment - ATTENTION_WINDOW)
        .order_by(Notice.sent_at.desc()).limit(50)))
    counts = asked_and_answered(session, SUBJECT, [n.id for n in notices])
    reminders = _reminders(session, [n.id for n in notices])
    items = []
    for notice in notices:
        asked, answered = counts.get(notice.id, (0, 0))
        not_yet = asked - answered
        if not asked or not_yet < asked * UNCONFIRMED_SHARE:
            continue
        job = reminders.get(notice.id)
        at: datetime | None = None
        if job is not None and job.status in (JobStatus.PENDING, JobStatus.RUNNING):
            text, at = _REMINDER_AT, job.run_at
        else:
            text = _REMINDED if job is not None else _NO_REMINDER
        items.append(AttentionItem(
            text, not_yet, "notices.notice", args={"notice_id": notice.id},
            values={"title": notice.title, "count": not_yet,
                    "rate": round(100 * answered / asked), "at": at},
            level="danger" if notice.priority == NoticePriority.EMERGENCY else "warn"))
    items.sort(key=lambda item: item.level != "danger")
    return items


def recent_notices(session: Session, moment: datetime) -> HomePanel:
    """The latest sent notices with how many they reached and, for important ones, how many
    confirmed (reads only)."""
    notices = list(session.scalars(
        select(Notice).where(Notice.status == NoticeStatus.SENT, Notice.sent_at <= moment,
                             Notice.repeat_weekdays.is_(None))
        .order_by(func.coalesce(Notice.sent_at, Notice.created_at).desc(), Notice.id.desc())
        .limit(RECENT_NOTICES)))
    counts = asked_and_answered(session, SUBJECT, [n.id for n in notices])
    rows = []
    for notice in notices:
        asked, answered = counts.get(notice.id, (0, 0))
        values = {"at": notice.sent_at, "asked": asked, "answered": answered}
        if notice.needs_confirmation:
            rows.append(HomeRow(notice.title, "notices.notice", {"notice_id": notice.id},
                                N_("%(at)s ・ %(answered)s / %(asked)s人が確認"), values,
                                rate=answered / asked if asked else 0.0))
        else:
            rows.append(HomeRow(notice.title, "notices.notice", {"notice_id": notice.id},
                                N_("%(at)s ・ %(asked)s人に送信"), values))
    return HomePanel(N_("最近のお知らせ"), rows, N_("お知らせはまだありません。"),
                     more_endpoint="notices.notices")
