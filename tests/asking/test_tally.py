"""The tally (one grouped query), the list of those who have not answered, a reminder to
them, and erasing a person (counts stay)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select

from islandos.clock import now
from islandos.line import messages
from islandos.models.asking import Answer, Ask, AskRecipient
from islandos.models.people import District, Person
from islandos.services.asking import delivery
from islandos.services.asking.answers import current_answer, give_answer
from islandos.services.asking.erasure import forget_person
from islandos.services.asking.tally import not_answered, tally
from tests.asking.conftest import ask_islanders


@contextmanager
def statements(db) -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside the block."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def answer_some(db, village, ask_id) -> None:
    with db.transaction() as session:
        give_answer(session, ask_id, village.ids["ume"], ("yes",))
        give_answer(session, ask_id, village.ids["tsuru"], ("no",))
        give_answer(session, ask_id, village.ids["sachi"], ("yes",))


def test_the_tally_per_district_is_one_query(db, village, worker, fake_line, frozen_clock):
    ask_id = ask_islanders(db)
    worker.run_once()  # LINE accepts both batches (ja and en)
    answer_some(db, village, ask_id)
    with db.transaction() as session:
        ask = session.get(Ask, ask_id)
        assert ask is not None
        districts = {d.id: d for d in session.scalars(select(District))}
        with statements(db) as sent:
            result = tally(session, ask, "ja", districts)
    assert len(sent) == 1 and "GROUP BY" in sent[0]
    north, south = result.lines
    assert (north.name, north.asked, north.answered, north.accepted) == ("北集落", 3, 2, 3)
    assert north.answers == {"yes": 1, "no": 1} and north.not_answered == 1
    assert (south.name, south.asked, south.answers, south.not_answered) == (
        "南集落", 2, {"yes": 1}, 1)
    assert result.total.answers == {"yes": 2, "no": 1, "maybe": 0}


def test_those_who_have_not_answered_are_listed_and_reminded_once(
        db, village, worker, fake_line, frozen_clock):
    ask_id = ask_islanders(db)
    worker.run_once()
    answer_some(db, village, ask_id)
    with db.transaction() as session:
        ask = session.get(Ask, ask_id)
        assert ask is not None
        names = [(p["name"], p["district"]) for p in not_answered(session, ask, "ja")]
        assert names == [("内間 カメ", "北集落"), ("外間 五郎", "南集落")]
        reminder = delivery.Dispatch(lambda _language, _family: [messages.text("お返事を")],
                                     source="test:1:remind")
        assert delivery.remind(session, ask, reminder, now()) == 2
    fake_line.reset()
    worker.run_once()
    sent = [call.json for call in fake_line.calls("/v2/bot/message/multicast")]
    assert len(sent) == 1
    assert sorted(sent[0]["to"]) == sorted(uid_of(db, village.ids[n]) for n in ("kame", "goro"))
    with db.transaction() as session:
        ask = session.get(Ask, ask_id)
        assert ask is not None
        assert delivery.remind(session, ask, reminder, now()) == 0  # once only


def uid_of(db, person_id: int) -> str:
    with db.transaction() as session:
        person = session.get(Person, person_id)
        assert person is not None and person.line_user_id
        return person.line_user_id


def test_erasing_a_person_unlinks_them_and_keeps_the_counts(db, village, frozen_clock):
    ask_id = ask_islanders(db, max_guests=2)
    with db.transaction() as session:
        give_answer(session, ask_id, village.ids["ume"], ("yes",), 2,
                    proxy_person_id=village.ids["ken"])
        ask = session.get(Ask, ask_id)
        assert ask is not None
        before = tally(session, ask, "ja")
    with db.transaction() as session:
        forget_person(session, village.ids["ume"])
        forget_person(session, village.ids["ken"])
    with db.transaction() as session:
        ask = session.get(Ask, ask_id)
        assert ask is not None
        assert current_answer(session, ask_id, village.ids["ume"]) is None
        assert session.scalar(select(AskRecipient.id).where(
            AskRecipient.person_id == village.ids["ume"])) is None
        assert session.scalar(select(Answer.proxy_person_id)) is None
        after = tally(session, ask, "ja")
    assert after.lines == before.lines  # the north still counts 1 answer, 3 people
    assert (after.lines[0].answers["yes"], after.lines[0].people["yes"]) == (1, 3)
