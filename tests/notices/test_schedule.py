"""Sending later, every week, reminders to those who have not confirmed, cancelling."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from islandos.clock import TOKYO, now
from islandos.line.events import postback_data
from islandos.models.audit import AuditEntry
from islandos.models.notices import Notice, NoticeStatus
from islandos.models.outbox import OutboxMessage
from islandos.models.people import Person
from islandos.services.notices.changes import cancel
from tests.notices.conftest import deliveries, multicasts, notice, reached, send
from tests.support.webhook import postback_event


def tokyo(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


def test_a_scheduled_notice_goes_at_its_time_and_not_before(db, island, worker, fake_line,
                                                            frozen_clock):
    notice_id = send(db, audience_kind="islanders", send_at=tokyo(2026, 11, 25, 12, 0))
    assert notice(db, notice_id).status == "scheduled"
    worker.run_once()
    frozen_clock(hours=2, minutes=59)
    worker.run_once()
    assert multicasts(fake_line) == []
    frozen_clock(minutes=1)
    worker.run_once()
    assert len(reached(fake_line)) == 3
    assert notice(db, notice_id).status == "sent"
    assert notice(db, notice_id).sent_at == tokyo(2026, 11, 25, 12, 0)


def test_a_cancelled_notice_never_goes(db, island, worker, fake_line, frozen_clock):
    notice_id = send(db, audience_kind="islanders", send_at=tokyo(2026, 11, 25, 12, 0))
    with db.transaction() as session:
        cancel(session, notice_id, "admin:1")
    frozen_clock(days=1)
    worker.run_once()
    assert multicasts(fake_line) == []
    assert notice(db, notice_id).status == "cancelled"
    with db.transaction() as session:
        assert session.scalars(select(AuditEntry.action).where(
            AuditEntry.target == f"notice:{notice_id}")).all() == [
            "notice.drafted", "notice.scheduled", "notice.cancelled"]


def test_a_weekly_notice_goes_on_each_chosen_weekday_until_its_end(
        db, island, worker, fake_line, frozen_clock):
    # 2026-11-25 is a Wednesday; garbage day is Monday and Thursday at 7:00.
    series_id = send(db, audience_kind="districts", district_ids=(island.south,),
                     title="ごみの日", body_ja="今日は燃えるごみの日です。",
                     send_at=tokyo(2026, 11, 26, 7, 0), repeat_weekdays="30",
                     repeat_until=date(2026, 12, 3))
    moments = [tokyo(2026, 11, 26, 7, 0), tokyo(2026, 11, 30, 7, 0), tokyo(2026, 12, 3, 7, 0)]
    for moment in moments:
        frozen_clock(moment.replace(minute=0, hour=6))
        worker.run_once()
        frozen_clock(moment)
        worker.run_once()
    frozen_clock(days=14)
    worker.run_once()
    assert reached(fake_line) == [island.uid("jiro")] * 3
    with db.transaction() as session:
        children = list(session.scalars(select(Notice).where(Notice.series_id == series_id)
                                        .order_by(Notice.send_at)))
    assert [c.send_at for c in children] == moments
    assert all(c.status == "sent" for c in children)
    assert notice(db, series_id).status == "sent"  # the series is over


def test_a_late_weekly_occurrence_is_dropped_after_its_not_after_time(
        db, island, worker, fake_line, frozen_clock):
    send(db, audience_kind="islanders", title="ごみの日", body_ja="燃えるごみの日です。",
         send_at=tokyo(2026, 11, 26, 7, 0), not_after=tokyo(2026, 11, 26, 9, 0),
         repeat_weekdays="3", repeat_until=date(2026, 12, 10))
    frozen_clock(tokyo(2026, 11, 26, 10, 0))  # the worker was down at 7:00
    worker.run_once()
    assert multicasts(fake_line) == []
    with db.transaction() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
        late = session.scalars(select(Notice).where(Notice.series_id.is_not(None))).one()
        assert late.status == NoticeStatus.EXPIRED  # never archived as sent
    frozen_clock(tokyo(2026, 12, 3, 7, 0))
    worker.run_once()
    assert len(reached(fake_line)) == 3  # the next week goes on time


def test_those_who_have_not_confirmed_get_one_reminder_after_n_hours(
        db, island, worker, fake_line, line, frozen_clock):
    notice_id = send(db, audience_kind="islanders", priority="important", reminder_hours=6)
    worker.run_once()
    line.post(postback_event(island.uid("taro"), postback_data("notice_confirm", notice=notice_id),
                             line.reply_token()))
    with db.transaction() as session:
        gone = session.get(Person, island.ids["jiro"])
        assert gone is not None
        gone.status = "unfollowed"
    fake_line.reset()
    frozen_clock(hours=5, minutes=59)
    worker.run_once()
    assert multicasts(fake_line) == []
    frozen_clock(minutes=1)
    worker.run_once()
    assert reached(fake_line) == [island.uid("hanako")]
    reminder = multicasts(fake_line)[0]["messages"][0]
    assert reminder["altText"] == "【Important】断水のお知らせ\nPlease confirm"
    assert {d.person_id for d in deliveries(db, notice_id) if d.reminded_at} == {
        island.ids["hanako"]}
    frozen_clock(days=3)
    worker.run_once()
    assert len(multicasts(fake_line)) == 1  # one reminder, never two



def test_no_reminder_for_a_notice_line_never_took_and_the_reminder_is_audited(
        db, island, worker, fake_line, frozen_clock):
    notice_id = send(db, audience_kind="islanders", priority="important", reminder_hours=6)
    fake_line.script("/v2/bot/message/multicast", 400)  # the first batch (Japanese) refused
    worker.run_once()
    fake_line.reset()
    frozen_clock(hours=6)
    worker.run_once()
    assert reached(fake_line) == [island.uid("hanako")]  # only the batch LINE accepted
    with db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "notice.reminded")).one()
    assert (entry.actor, entry.target, entry.after) == (
        "system", f"notice:{notice_id}", {"recipients": 1})


def test_no_reminder_after_the_notices_not_after_time(db, island, worker, fake_line,
                                                      frozen_clock):
    send(db, audience_kind="islanders", priority="important", reminder_hours=6,
         not_after=tokyo(2026, 11, 25, 12, 0))
    worker.run_once()
    fake_line.reset()
    frozen_clock(hours=6)
    worker.run_once()
    assert multicasts(fake_line) == []

def test_normal_notices_get_no_reminder(db, island, worker, fake_line, frozen_clock):
    send(db, audience_kind="islanders")
    worker.run_once()
    frozen_clock(days=2)
    worker.run_once()
    assert len(multicasts(fake_line)) == 2  # the notice itself, ja + en


def test_a_scheduled_notice_uses_the_time_it_goes_for_tourists(
        db, island, worker, fake_line, frozen_clock):
    send(db, audience_kind="tourists", tourist_days=1, send_at=tokyo(2026, 11, 28, 9, 0))
    frozen_clock(tokyo(2026, 11, 28, 9, 0))
    worker.run_once()
    assert multicasts(fake_line) == []  # the tourist registered three days before
    assert now() == tokyo(2026, 11, 28, 9, 0)
