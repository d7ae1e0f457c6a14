"""One current answer per person per ask: single and multiple choice, changes until the
deadline, head-counts with guests, proxies and staff entries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from islandos.clock import now
from islandos.models.asking import Answer, Ask, AskRecipient
from islandos.models.audit import AuditEntry
from islandos.services.asking.answers import (
    AnswerInvalid,
    AskClosed,
    NotAsked,
    NotTheirFamily,
    current_answer,
    give_answer,
    withdraw_answer,
)
from islandos.services.asking.asks import AskInvalid, open_ask, options_in
from islandos.services.asking.tally import Tally, tally
from tests.asking.conftest import MULTIPLE, ask_islanders


def answer(db, ask_id, person_id, *choices, **options):
    with db.transaction() as session:
        result = give_answer(session, ask_id, person_id, choices, **options)
        return result.changed, result.waitlist_place, [p.person_id for p in result.promoted]


def chosen(db, ask_id, person_id) -> list[str] | None:
    """What the person's current answer says, as option keys (None: no answer)."""
    with db.transaction() as session:
        found = current_answer(session, ask_id, person_id)
        ask = session.get(Ask, ask_id)
        return options_in(ask, found.choices) if found is not None and ask else None


def tally_of(db, ask_id) -> Tally:
    with db.transaction() as session:
        ask = session.get(Ask, ask_id)
        assert ask is not None
        return tally(session, ask, "ja")


def test_a_single_choice_answer_is_recorded_once_and_can_be_changed(db, village,
                                                                    frozen_clock):
    ask_id = ask_islanders(db)
    ume = village.ids["ume"]
    assert answer(db, ask_id, ume, "yes")[0] is True
    assert answer(db, ask_id, ume, "yes")[0] is False  # a second tap changes nothing
    assert answer(db, ask_id, ume, "maybe")[0] is True
    assert chosen(db, ask_id, ume) == ["maybe"]  # the latest counts
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Answer)) == 1
    with pytest.raises(AnswerInvalid):
        answer(db, ask_id, ume, "yes", "no")  # one option only
    with pytest.raises(AnswerInvalid):
        answer(db, ask_id, ume, "perhaps")
    assert chosen(db, ask_id, ume) == ["maybe"]  # bad input lost nothing


def test_multiple_choice_keeps_every_option_chosen(db, village, frozen_clock):
    ask_id = ask_islanders(db, options=("beach", "school", "port"), mode=MULTIPLE)
    answer(db, ask_id, village.ids["ume"], "beach", "port")
    answer(db, ask_id, village.ids["kame"], "port")
    assert chosen(db, ask_id, village.ids["ume"]) == ["beach", "port"]
    total = tally_of(db, ask_id).total
    assert total.answers == {"beach": 1, "school": 0, "port": 2}
    with pytest.raises(AnswerInvalid):
        answer(db, ask_id, village.ids["ume"])  # nothing chosen


def test_answers_change_until_the_deadline_and_then_say_closed(db, village, frozen_clock):
    ask_id = ask_islanders(db, closes_at=now() + timedelta(hours=2))
    sachi = village.ids["sachi"]
    answer(db, ask_id, sachi, "no")
    frozen_clock(hours=1, minutes=59)
    answer(db, ask_id, sachi, "yes")
    frozen_clock(minutes=1)
    with pytest.raises(AskClosed) as closed:
        answer(db, ask_id, sachi, "no")
    assert closed.value.answer is not None  # the reply can show what is recorded
    assert chosen(db, ask_id, sachi) == ["yes"]
    with pytest.raises(AskClosed), db.transaction() as session:
        withdraw_answer(session, ask_id, sachi)


def test_a_head_count_counts_guests_up_to_the_limit(db, village, frozen_clock):
    ask_id = ask_islanders(db, max_guests=3)
    answer(db, ask_id, village.ids["ume"], "yes", guests=2)
    answer(db, ask_id, village.ids["sachi"], "yes")
    answer(db, ask_id, village.ids["goro"], "no")
    with pytest.raises(AnswerInvalid):
        answer(db, ask_id, village.ids["kame"], "yes", guests=4)
    result = tally_of(db, ask_id)
    north, south = result.lines[0], result.lines[1]
    assert (north.answers["yes"], north.people["yes"]) == (1, 3)
    assert (south.answers["yes"], south.people["yes"], south.answers["no"]) == (1, 1, 1)
    assert result.total.people["yes"] == 4


def test_a_family_member_answers_for_their_islander_and_is_recorded(db, village,
                                                                    frozen_clock):
    ask_id = ask_islanders(db)
    answer(db, ask_id, village.ids["ume"], "yes", proxy_person_id=village.ids["ken"])
    with db.transaction() as session:
        found = current_answer(session, ask_id, village.ids["ume"])
        assert found is not None and found.proxy_person_id == village.ids["ken"]
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "ask.answered")).one()
        assert entry.actor == f"person:{village.ids['ken']}"
        assert entry.after == {"person": village.ids["ume"], "by": "family"}
    with pytest.raises(NotTheirFamily):
        answer(db, ask_id, village.ids["kame"], "no", proxy_person_id=village.ids["ken"])
    assert chosen(db, ask_id, village.ids["kame"]) is None


def test_staff_enter_an_answer_taken_by_phone_for_someone_without_line(db, village,
                                                                       frozen_clock):
    ask_id = ask_islanders(db)
    nobu = village.ids["nobu"]
    with pytest.raises(NotAsked):
        answer(db, ask_id, nobu, "yes")  # not asked (no LINE) unless the feature allows it
    answer(db, ask_id, nobu, "yes", entered_by="admin:7", add_if_missing=True)
    with db.transaction() as session:
        found = current_answer(session, ask_id, nobu)
        assert found is not None and found.entered_by == "admin:7"
        recipient = session.get(AskRecipient, found.recipient_id)
        assert recipient is not None and recipient.outbox_id is None
        assert recipient.district_id == village.south  # counted in their district
        assert session.scalars(select(AuditEntry.actor).where(
            AuditEntry.action == "ask.answered")).all() == ["admin:7"]


def test_an_ask_refuses_settings_that_make_no_sense(db, village):
    with db.transaction() as session:
        for settings in ({"capacity": 0, "capacity_option": "yes"},
                         {"capacity": 10, "capacity_option": "later"},
                         {"anonymous": True, "max_guests": 2},
                         {"options": ("a", "a")},
                         {"options": tuple(str(n) for n in range(11))}):
            settings = {"options": ("yes", "no"), **settings}
            with pytest.raises(AskInvalid):
                open_ask(session, "test", 99, **settings)
