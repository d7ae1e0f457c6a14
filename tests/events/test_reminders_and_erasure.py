"""Reminders run as jobs on the settable clock: the day before at 18:00 to those attending
(optionally to those who have not answered), moved with the event, none after a
cancellation. 「データを削除」 removes the person from their answers; counts stay."""

from __future__ import annotations

from datetime import datetime, timedelta

from islandos.clock import TOKYO
from islandos.extensions import islandos_state
from islandos.services.asking import tally as core_tally
from islandos.services.events.editing import cancel_event, event_ask
from islandos.services.privacy import delete_personal_data
from tests.events.conftest import Chat, answers, make_event, texts

START = datetime(2026, 12, 5, 9, 0, tzinfo=TOKYO)


def reminded(fake_line, worker, since: int) -> list[str]:
    worker.run_once()  # the due job enqueues...
    worker.run_once()  # ...and the outbox sends
    return [uid for call in fake_line.calls("/v2/bot/message/multicast")[since:]
            if "リマインド" in texts(call.json["messages"])
            or "回答をお願いします" in texts(call.json["messages"])
            or "reminder" in texts(call.json["messages"]).lower()
            or "tell us if you can come" in texts(call.json["messages"])
            for uid in call.json["to"]]


def sent_so_far(fake_line, worker) -> int:
    worker.run_once()
    return len(fake_line.calls("/v2/bot/message/multicast"))


def test_the_day_before_at_1800_those_attending_are_reminded_once(
        frozen_clock, db, island, line, fake_line, worker):
    event_id = make_event(db, starts_at=START, ends_at=START + timedelta(hours=2),
                          answer_deadline=START - timedelta(days=2))
    Chat(line, island.uid("taro")).tap("ev_answer", event=event_id, a="yes")
    Chat(line, island.uid("jiro")).tap("ev_answer", event=event_id, a="no")
    since = sent_so_far(fake_line, worker)
    frozen_clock(datetime(2026, 12, 4, 17, 59, tzinfo=TOKYO))
    assert reminded(fake_line, worker, since) == []
    frozen_clock(datetime(2026, 12, 4, 18, 0, tzinfo=TOKYO))
    assert reminded(fake_line, worker, since) == [island.uid("taro")]
    frozen_clock(hours=1)
    assert reminded(fake_line, worker, since) == [island.uid("taro")]  # once


def test_those_who_have_not_answered_are_reminded_when_chosen(
        frozen_clock, db, island, line, fake_line, worker):
    event_id = make_event(db, starts_at=START, ends_at=START + timedelta(hours=2),
                          answer_deadline=START - timedelta(hours=3),
                          remind_not_answered=True)
    Chat(line, island.uid("taro")).tap("ev_answer", event=event_id, a="yes")
    since = sent_so_far(fake_line, worker)
    frozen_clock(datetime(2026, 12, 4, 18, 0, tzinfo=TOKYO))
    got = reminded(fake_line, worker, since)
    assert sorted(got) == sorted(island.uid(n) for n in ("taro", "hanako", "jiro", "saburo"))


def test_a_cancelled_event_sends_no_reminder(frozen_clock, db, island, line, fake_line, worker):
    event_id = make_event(db, starts_at=START, ends_at=START + timedelta(hours=2),
                          answer_deadline=START - timedelta(days=2))
    Chat(line, island.uid("taro")).tap("ev_answer", event=event_id, a="yes")
    with db.transaction() as session:
        cancel_event(session, event_id, "admin:1")
    since = sent_so_far(fake_line, worker)
    frozen_clock(datetime(2026, 12, 4, 18, 0, tzinfo=TOKYO))
    assert reminded(fake_line, worker, since) == []


def test_deleting_ones_data_removes_the_link_to_the_answer_and_keeps_the_counts(
        app, db, island, line):
    event_id = make_event(db)
    Chat(line, island.uid("taro")).tap("ev_answer", event=event_id, a="yes")
    with db.transaction() as session:
        before = core_tally.tally(session, event_ask(session, event_id), "ja").total.answers
        delete_personal_data(session, island.ids["taro"], "test",
                             islandos_state(app).registry.erasers, notify=False)
    stored = answers(db, event_id)
    assert island.ids["taro"] not in stored and None in stored
    with db.transaction() as session:
        after = core_tally.tally(session, event_ask(session, event_id), "ja").total.answers
    assert after == before == {"yes": 1, "no": 0, "maybe": 0}
