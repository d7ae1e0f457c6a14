"""An island for the disaster tests: two districts, islanders (one English, one without
LINE), a family member linked to two islanders, a tourist; the rich menus deployed to the
fake LINE API; helpers to chat as someone and to run the worker."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from islandos.line.richmenus import deploy_rich_menus
from islandos.models.disaster import DisasterMode
from islandos.models.people import FamilyLink, Role
from islandos.models.registration import RichMenuDeployment
from islandos.services.disaster import mode as modes
from tests.notices.conftest import Island
from tests.registration.conftest import Chat, actions, texts  # noqa: F401
from tests.support.admin import admin_client  # noqa: F401  (a fixture for the dashboard tests)
from tests.support.factories import make_district, make_person
from tests.support.webhook import location_event

BULK_LINK = "/v2/bot/richmenu/bulk/link"
MULTICAST = "/v2/bot/message/multicast"
PUSH = "/v2/bot/message/push"


@pytest.fixture
def island(db) -> Island:
    """North: taro (ja), hanako (en), ume (no LINE, entered by the office); South: jiro;
    ichiro, family of taro and jiro; a tourist; someone not registered."""
    with db.transaction() as session:
        north = make_district(session, "north", "北集落", "North", sort_order=1)
        south = make_district(session, "south", "南集落", "South", sort_order=2)
        made = {
            "taro": make_person(session, Role.ISLANDER, "ja", north, full_name="島 太郎",
                                phone="090-1111-2222"),
            "hanako": make_person(session, Role.ISLANDER, "en", north, full_name="島 花子"),
            "ume": make_person(session, Role.ISLANDER, "ja", north, full_name="浜 ウメ",
                               phone="0980-00-0000", line_user_id=None),
            "jiro": make_person(session, Role.ISLANDER, "ja", south, full_name="島 次郎"),
            "family": make_person(session, Role.FAMILY, "ja", full_name="本土 一郎"),
            "tourist": make_person(session, Role.TOURIST, "en"),
            "stranger": make_person(session, Role.UNKNOWN, "ja"),
        }
        session.add_all([
            FamilyLink(family_person_id=made["family"].id, islander_person_id=made["taro"].id),
            FamilyLink(family_person_id=made["family"].id, islander_person_id=made["jiro"].id),
        ])
        return Island.of(north, south, made)


@pytest.fixture
def menus(db, state) -> dict[tuple[str, str], str]:
    """Every rich menu deployed to the fake LINE API: (name, language) -> rich menu id."""
    deploy_rich_menus(db, state.transport)
    with db.transaction() as session:
        return {(row.name, row.language): row.line_rich_menu_id
                for row in session.scalars(select(RichMenuDeployment))}


def start(db, *, check: bool = True, tourists: bool = False, actor: str = "cli") -> int:
    """Start the mode with a confirmed safety check (as `islandos disaster start --yes`)."""
    with db.transaction() as session:
        return modes.start(session, "typhoon", actor, safety_check=check, tourists=tourists,
                           confirmed=True).id


def end(db, actor: str = "cli") -> None:
    with db.transaction() as session:
        modes.end(session, actor)


def mode_row(db, mode_id: int) -> DisasterMode:
    with db.transaction() as session:
        found = session.get(DisasterMode, mode_id)
        assert found is not None
        session.expunge(found)
        return found


def drain(worker, rounds: int = 5) -> None:
    for _ in range(rounds):
        worker.run_once()


def chat(line, island: Island, name: str) -> Chat:
    return Chat(line, island.uid(name))


def send_location(line, user_id: str, latitude: float, longitude: float) -> list[dict[str, Any]]:
    before = len(line.replies())
    assert line.post(location_event(user_id, latitude, longitude,
                                    line.reply_token())).status_code == 200
    replies = line.replies()
    return replies[-1] if len(replies) > before else []


def pushed_to(fake_line, user_id: str) -> list[str]:
    """The texts pushed to one user."""
    return [texts(call.json["messages"]) for call in fake_line.calls(PUSH)
            if call.json and call.json["to"] == user_id and call.accepted]
