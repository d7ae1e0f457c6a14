"""A capacity counts people (guests included); beyond it answers wait in order, and places
freed by a change or a withdrawal move waitlisted parties up in the same transaction."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from islandos.models.asking import Answer, AnswerStatus
from islandos.services.asking.answers import give_answer, withdraw_answer
from tests.asking.conftest import ask_islanders
from tests.support.factories import make_district, make_person


def answer(db, ask_id, person_id, *choices, guests=0):
    with db.transaction() as session:
        result = give_answer(session, ask_id, person_id, choices, guests)
        return result.waitlist_place, [p.person_id for p in result.promoted]


def statuses(db, ask_id) -> dict[int, str]:
    from islandos.models.asking import AskRecipient
    with db.transaction() as session:
        return {person_id: status for person_id, status in session.execute(
            select(AskRecipient.person_id, Answer.status)
            .join(Answer, Answer.recipient_id == AskRecipient.id)
            .where(Answer.ask_id == ask_id))}


def test_answers_beyond_the_capacity_wait_and_move_up_in_order(db, village, frozen_clock):
    ask_id = ask_islanders(db, capacity=4, capacity_option="yes", max_guests=3)
    ids = village.ids
    assert answer(db, ask_id, ids["ume"], "yes", guests=2) == (None, [])  # 3 of 4
    assert answer(db, ask_id, ids["kame"], "yes", guests=1) == (1, [])  # 2 do not fit
    assert answer(db, ask_id, ids["sachi"], "yes") == (2, [])  # fits, but kame is first
    assert answer(db, ask_id, ids["goro"], "no") == (None, [])  # no seat needed
    # ume comes alone: 1 seat taken, kame's party of 2 moves up, then sachi (4 of 4)
    assert answer(db, ask_id, ids["ume"], "yes") == (None, [ids["kame"], ids["sachi"]])
    assert statuses(db, ask_id) == {ids["ume"]: "counted", ids["kame"]: "counted",
                                    ids["sachi"]: "counted", ids["goro"]: "counted"}
    assert answer(db, ask_id, ids["tsuru"], "yes") == (1, [])
    with db.transaction() as session:
        promoted = withdraw_answer(session, ask_id, ids["sachi"])
    assert [p.person_id for p in promoted] == [ids["tsuru"]]
    assert ids["sachi"] not in statuses(db, ask_id)


def test_a_larger_party_waits_for_room_for_all_of_its_people(db, village, frozen_clock):
    ask_id = ask_islanders(db, capacity=3, capacity_option="yes", max_guests=5)
    ids = village.ids
    answer(db, ask_id, ids["ume"], "yes", guests=1)
    answer(db, ask_id, ids["kame"], "yes")
    assert answer(db, ask_id, ids["sachi"], "yes", guests=2) == (1, [])
    assert answer(db, ask_id, ids["kame"], "no") == (None, [])  # 1 seat free, 3 needed
    assert statuses(db, ask_id)[ids["sachi"]] == AnswerStatus.WAITLISTED
    assert answer(db, ask_id, ids["ume"], "maybe") == (None, [ids["sachi"]])


def test_concurrent_answers_never_fill_more_than_the_capacity(db, frozen_clock):
    """Twelve people tap 参加 at once for eight places (three of them twice): eight counted,
    four waitlisted, one answer each, whatever the order (PostgreSQL: row lock on the ask;
    SQLite: one writer at a time)."""
    with db.transaction() as session:
        district = make_district(session)
        people = [make_person(session, district=district).id for _ in range(12)]
    ask_id = ask_islanders(db, capacity=8, capacity_option="yes")
    start = threading.Barrier(15)
    errors: list[BaseException] = []

    def tap(person_id: int) -> None:
        start.wait()
        try:
            with db.transaction() as session:
                give_answer(session, ask_id, person_id, ("yes",))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=tap, args=(p,)) for p in people + people[:3]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with db.transaction() as session:
        counts = dict(session.execute(select(Answer.status, func.count())
                                      .where(Answer.ask_id == ask_id)
                                      .group_by(Answer.status)).all())
    assert counts == {"counted": 8, "waitlisted": 4}


def test_a_party_that_grows_while_others_wait_goes_to_the_end(db, village, frozen_clock):
    ask_id = ask_islanders(db, capacity=3, capacity_option="yes", max_guests=3)
    ids = village.ids
    answer(db, ask_id, ids["ume"], "yes", guests=1)  # 2 of 3
    assert answer(db, ask_id, ids["kame"], "yes", guests=1) == (1, [])  # 2 do not fit
    assert answer(db, ask_id, ids["sachi"], "yes") == (2, [])  # 1 fits, but kame is first
    # ume now wants 3 seats while others wait: ume gives up the 2 held and waits last;
    # the freed seats go to kame's party, then to sachi
    assert answer(db, ask_id, ids["ume"], "yes", guests=2) == (1, [ids["kame"], ids["sachi"]])
    assert statuses(db, ask_id) == {ids["ume"]: "waitlisted", ids["kame"]: "counted",
                                    ids["sachi"]: "counted"}
