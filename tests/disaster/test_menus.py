"""Every user's rich menu switches to the disaster menu in their language with LINE's bulk
link (≤500 users a call), and back to their own menu when the mode ends; starting twice,
or ending while a switch runs, leaves everyone on the right menu."""

from __future__ import annotations

import threading

import requests
from sqlalchemy import func, select

from islandos.line.richmenus import schedule_menu_link
from islandos.line.worker import Worker
from islandos.models.disaster import DisasterMode
from islandos.models.people import Person, Role
from tests.disaster.conftest import BULK_LINK, drain, end, start
from tests.support.factories import make_person


def linked(fake_line, island, *names: str) -> dict[str, str | None]:
    return {name: fake_line.user_richmenus.get(island.uid(name)) for name in names}


EVERYONE = ("taro", "hanako", "jiro", "family", "tourist", "stranger")


def test_starting_switches_everyone_to_the_disaster_menu_in_their_language(
        db, island, menus, worker, fake_line):
    before = len(fake_line.requests)
    start(db, check=False)
    drain(worker)
    assert linked(fake_line, island, *EVERYONE) == {
        "taro": menus[("disaster", "ja")], "hanako": menus[("disaster", "en")],
        "jiro": menus[("disaster", "ja")], "family": menus[("disaster", "ja")],
        "tourist": menus[("disaster", "en")], "stranger": menus[("disaster", "ja")]}
    paths = [r.path for r in fake_line.requests[before:]]
    assert paths.count(BULK_LINK) == 2  # one bulk call per language, not one per user
    assert not [p for p in paths if p.startswith("/v2/bot/user/")]  # no single-user links


def test_ending_restores_each_users_own_menu(db, island, menus, worker, fake_line):
    start(db, check=False)
    drain(worker)
    end(db)
    drain(worker)
    assert linked(fake_line, island, *EVERYONE) == {
        "taro": menus[("islander", "ja")], "hanako": menus[("islander", "en")],
        "jiro": menus[("islander", "ja")], "family": menus[("family", "ja")],
        "tourist": menus[("default", "en")], "stranger": menus[("default", "ja")]}


def test_starting_twice_keeps_one_mode_and_everyone_on_the_disaster_menu(
        db, island, menus, worker, fake_line):
    first = start(db, check=False)
    drain(worker)
    second = start(db, check=False)
    drain(worker)
    assert first == second
    with db.transaction() as session:
        assert session.scalar(select(func.count(DisasterMode.id))) == 1
    assert set(linked(fake_line, island, *EVERYONE).values()) == {
        menus[("disaster", "ja")], menus[("disaster", "en")]}


def test_ending_while_the_switch_runs_leaves_everyone_on_their_own_menu(
        db, island, menus, state, fake_line):
    start(db, check=False)
    fake_line.script(BULK_LINK, 202, body={}, delay=0.6, accept=True)  # LINE is slow
    worker = Worker(state.db, state.transport, state.jobs, worker_id="slow")
    running = threading.Thread(target=worker.run_once)
    running.start()
    threading.Event().wait(0.2)  # the first bulk call is on its way
    end(db)
    running.join()
    drain(Worker(state.db, state.transport, state.jobs, worker_id="next"))
    assert linked(fake_line, island, "taro", "hanako", "family", "tourist") == {
        "taro": menus[("islander", "ja")], "hanako": menus[("islander", "en")],
        "family": menus[("family", "ja")], "tourist": menus[("default", "en")]}


def test_a_switch_refused_by_line_is_retried_until_everyone_is_switched(
        db, island, menus, worker, fake_line, frozen_clock):
    start(db, check=False)
    fake_line.script(BULK_LINK, 429)
    worker.run_once()
    assert fake_line.user_richmenus.get(island.uid("taro")) != menus[("disaster", "ja")]
    frozen_clock(minutes=5)
    drain(worker)
    assert fake_line.user_richmenus[island.uid("taro")] == menus[("disaster", "ja")]


def test_someone_who_joins_during_the_mode_gets_the_disaster_menu(
        db, island, menus, worker, fake_line):
    start(db, check=False)
    drain(worker)
    with db.transaction() as session:
        newcomer = make_person(session, Role.ISLANDER, "en")
        schedule_menu_link(session, newcomer)
        user_id = newcomer.line_user_id
    drain(worker)
    assert fake_line.user_richmenus[user_id] == menus[("disaster", "en")]


def test_a_large_island_is_switched_in_calls_of_at_most_500_users(
        db, menus, worker, fake_line):
    with db.transaction() as session:
        session.execute(Person.__table__.insert(), [
            {"line_user_id": f"U{n:032x}", "role": "islander", "status": "active",
             "language": "ja"} for n in range(1, 1202)])
    before = len(fake_line.calls(BULK_LINK))
    start(db, check=False)
    drain(worker)
    sizes = [len(call.json["userIds"]) for call in fake_line.calls(BULK_LINK)[before:]]
    assert sorted(sizes) == [201, 500, 500]
    assert len(fake_line.user_richmenus) == 1201


def test_the_fake_line_api_refuses_a_bulk_link_of_more_than_500_users_as_line_does(
        fake_line, menus):
    users = [f"U{n:032x}" for n in range(501)]
    answer = requests.post(f"{fake_line.base_url}/v2/bot/richmenu/bulk/link",
                           json={"richMenuId": menus[("disaster", "ja")], "userIds": users},
                           headers={"Authorization": f"Bearer {fake_line.channel_access_token}"},
                           timeout=5)
    assert answer.status_code == 400
    assert not fake_line.user_richmenus.get(users[0])  # refused whole: nobody was linked
