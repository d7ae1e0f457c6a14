"""Anonymous answers: counted, never linked to a person, final."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from islandos.models.asking import AnonymousAnswer, Answer, Ask, AskRecipient
from islandos.services.asking.answers import AnswerFinal, AnswerInvalid, give_answer
from islandos.services.asking.tally import tally
from tests.asking.conftest import ask_islanders


def test_an_anonymous_answer_keeps_the_choice_but_not_the_person(db, village, frozen_clock):
    ask_id = ask_islanders(db, options=("agree", "disagree"), anonymous=True)
    with db.transaction() as session:
        give_answer(session, ask_id, village.ids["ume"], ("agree",))
        give_answer(session, ask_id, village.ids["sachi"], ("disagree",))
        give_answer(session, ask_id, village.ids["goro"], ("agree",))
    with db.transaction() as session:
        assert session.scalars(select(Answer)).all() == []  # nothing named
        stored = session.scalars(select(AnonymousAnswer)).all()
        columns = {c.key for c in inspect(AnonymousAnswer).columns}
        assert columns == {"id", "ask_id", "choices"}  # no person, no recipient, no time
        assert sorted(a.choices for a in stored) == [1, 1, 2]
        assert all(len(a.id) == 32 and not a.id.isdigit() for a in stored)  # random ids
        marked = session.scalars(select(AskRecipient.person_id).where(
            AskRecipient.answered.is_(True))).all()
        assert sorted(marked) == sorted(village.ids[n] for n in ("ume", "sachi", "goro"))
        result = tally(session, session.get(Ask, ask_id), "ja")
    assert result.total.answers == {"agree": 2, "disagree": 1}
    assert all(line.answers == {} for line in result.lines)  # never per district
    assert [(line.asked, line.answered) for line in result.lines] == [(3, 1), (2, 2)]


def test_an_anonymous_answer_cannot_be_given_twice_or_for_someone_else(db, village,
                                                                       frozen_clock):
    ask_id = ask_islanders(db, options=("agree", "disagree"), anonymous=True)
    with db.transaction() as session:
        give_answer(session, ask_id, village.ids["ume"], ("agree",))
    with pytest.raises(AnswerFinal), db.transaction() as session:
        give_answer(session, ask_id, village.ids["ume"], ("disagree",))
    for others in ({"proxy_person_id": village.ids["ken"]}, {"entered_by": "admin:1"}):
        with pytest.raises(AnswerInvalid), db.transaction() as session:
            give_answer(session, ask_id, village.ids["kame"], ("agree",), **others)
    with db.transaction() as session:
        assert [a.choices for a in session.scalars(select(AnonymousAnswer))] == [1]
