"""Results come from grouped SQL (the same few statements for 4 or 200 answers), and
「データを削除」 removes a person's named poll answers while anonymous counts stay."""

from __future__ import annotations

from sqlalchemy import select

from islandos.clock import now
from islandos.models.people import Role
from islandos.models.polls import Poll
from islandos.services.polls import answering
from islandos.services.polls.results import results
from islandos.services.privacy import delete_personal_data
from tests.asking.test_tally import statements
from tests.polls.conftest import anonymous_choices, answers_of, chat_of, make_poll, tap_option
from tests.support.factories import make_person


def test_results_are_counted_by_grouped_sql_not_by_loading_answers(db, island, frozen_clock):
    with db.transaction() as session:
        crowd = [make_person(session, Role.ISLANDER, "ja").id for _ in range(200)]
    poll_id = make_poll(db, mode="multiple")
    with db.transaction() as session:
        for n, person_id in enumerate(crowd):
            answering.answer(session, poll_id, person_id, 1 + n % 7, now())
    with db.transaction() as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None
        with statements(db) as sent:
            found = results(session, poll, "ja")
    grouped = [s for s in sent if "GROUP BY" in s]
    assert len(grouped) == 1 and len(sent) <= 3  # the tally, the districts, the ask
    assert found.total.answered == 200 and found.total.asked == 204
    # Options 1..7 as bitmasks: 公民館 is in 1,3,5,7 -> 4 of every 7 answers.
    counts = [o.count for o in found.total.options]
    assert counts == [sum(1 for n in range(200) if (1 + n % 7) >> i & 1) for i in range(3)]
    assert found.total.options[0].percent == round(100 * counts[0] / 200, 1)


def test_deleting_ones_data_removes_named_answers_and_keeps_anonymous_counts(
        app, db, island, line, state, frozen_clock):
    named = make_poll(db)
    anonymous = make_poll(db, anonymous=True)
    for name, option in (("taro", 1), ("jiro", 2)):
        tap_option(chat_of(line, island, name), named, option)
        tap_option(chat_of(line, island, name), anonymous, option)
    with db.transaction() as session:
        delete_personal_data(session, island.ids["taro"], "admin:1", state.registry.erasers,
                             notify=False)
    assert answers_of(db, named) == {island.ids["jiro"]: 0b010}
    assert anonymous_choices(db, anonymous) == [0b001, 0b010]
    with db.transaction() as session:
        poll = session.get(Poll, named)
        assert poll is not None
        total = results(session, poll, "ja").total
        anon = session.scalars(select(Poll).where(Poll.id == anonymous)).one()
        anon_total = results(session, anon, "ja").total
    assert (total.asked, total.answered, [o.count for o in total.options]) == (4, 1, [0, 1, 0])
    assert anon_total.answered == 2 and [o.count for o in anon_total.options] == [1, 1, 0]
