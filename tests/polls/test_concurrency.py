"""Concurrent taps never make two answers: many signed webhook requests at once (run this
file with ISLANDOS_TEST_DATABASE=postgres for PostgreSQL's row locks; on SQLite one writer
at a time). The database keeps one answer per person per poll (a unique constraint), and
the asking core takes the ask's row lock before it reads the answer."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from islandos.line.events import postback_data
from islandos.models.asking import AnonymousAnswer, Answer, Ask, AskRecipient
from tests.conftest import WebhookPoster
from tests.polls.conftest import anonymous_choices, answers_of, make_poll
from tests.support.factories import make_person
from tests.support.webhook import postback_event

TAPS = 8


def tap_at_once(app, fake_line, taps: list[tuple[str, str]]) -> list[int]:
    """Post every (user, postback data) in its own request, all released together."""
    start = threading.Barrier(len(taps))
    statuses: list[int] = []

    def post(user_id: str, data: str) -> None:
        poster = WebhookPoster(app.test_client(), fake_line)
        event = postback_event(user_id, data, poster.reply_token())
        start.wait()
        statuses.append(poster.post(event).status_code)

    threads = [threading.Thread(target=post, args=tap) for tap in taps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_concurrent_taps_of_one_person_leave_one_named_answer(app, db, island, fake_line,
                                                              frozen_clock):
    poll_id = make_poll(db)
    with db.transaction() as session:
        latecomer = make_person(session, "islander", "ja")  # not asked: joins on first tap
    taps = [(island.uid("jiro"), postback_data("poll_answer", poll=poll_id, o=1 + n % 2))
            for n in range(TAPS)]
    taps += [(latecomer.line_user_id or "", postback_data("poll_answer", poll=poll_id, o=3))
             for _ in range(TAPS)]
    statuses = tap_at_once(app, fake_line, taps)
    assert statuses == [200] * len(taps)
    answers = answers_of(db, poll_id)
    assert set(answers) == {island.ids["jiro"], latecomer.id}
    assert answers[island.ids["jiro"]] in (0b01, 0b10) and answers[latecomer.id] == 0b100
    with db.transaction() as session:
        ask_id = session.scalars(select(Ask.id).where(Ask.subject_id == poll_id,
                                                      Ask.subject_kind == "poll")).one()
        assert session.scalar(select(func.count(Answer.id))
                              .where(Answer.ask_id == ask_id)) == 2
        assert session.scalar(select(func.count(AskRecipient.id)).where(
            AskRecipient.ask_id == ask_id, AskRecipient.person_id == latecomer.id)) == 1


def test_concurrent_taps_on_an_anonymous_poll_leave_one_anonymous_answer(
        app, db, island, fake_line, frozen_clock):
    poll_id = make_poll(db, anonymous=True)
    taps = [(island.uid("taro"), postback_data("poll_answer", poll=poll_id, o=1 + n % 3))
            for n in range(TAPS)]
    assert tap_at_once(app, fake_line, taps) == [200] * TAPS
    assert len(anonymous_choices(db, poll_id)) == 1
    with db.transaction() as session:
        assert session.scalar(select(func.count(AnonymousAnswer.id))) == 1
    replies = [call.json["messages"][0]["text"]
               for call in fake_line.calls("/v2/bot/message/reply") if call.json]
    assert sum(r.startswith("回答を受け付けました") for r in replies) == 1
    assert sum(r.startswith("このアンケートには、もう回答") for r in replies) == TAPS - 1


def test_the_database_itself_refuses_a_second_answer_of_one_person(db, island, line,
                                                                   frozen_clock):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from tests.polls.conftest import chat_of, tap_option
    poll_id = make_poll(db)
    tap_option(chat_of(line, island, "taro"), poll_id, 1)
    with pytest.raises(IntegrityError), db.transaction() as session:
        first = session.scalars(select(Answer).join(Ask, Ask.id == Answer.ask_id)
                                .where(Ask.subject_id == poll_id)).one()
        session.add(Answer(ask_id=first.ask_id, recipient_id=first.recipient_id,
                           district_id=first.district_id, choices=2))
        session.flush()
    assert answers_of(db, poll_id) == {island.ids["taro"]: 0b001}
