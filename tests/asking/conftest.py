"""A small island asked something through the core: two districts, five islanders, a tourist,
a family member linked to one islander, and someone without LINE."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from islandos.clock import now
from islandos.line import messages
from islandos.models.asking import AskMode
from islandos.models.people import FamilyLink, Role
from islandos.services.asking import audience as aud
from islandos.services.asking import delivery
from islandos.services.asking.asks import open_ask
from tests.support.factories import make_district, make_person


@dataclass
class Village:
    north: int
    south: int
    ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def village(db) -> Village:
    """North: ume, kame, tsuru (en); South: sachi, goro; a tourist; ken (family of ume);
    nobu (south, no LINE account)."""
    with db.transaction() as session:
        north = make_district(session, "north", "北集落", "North", sort_order=1)
        south = make_district(session, "south", "南集落", "South", sort_order=2)
        made = {
            "ume": make_person(session, Role.ISLANDER, "ja", north, full_name="比嘉 ウメ"),
            "kame": make_person(session, Role.ISLANDER, "ja", north, full_name="内間 カメ"),
            "tsuru": make_person(session, Role.ISLANDER, "en", north, full_name="Tsuru"),
            "sachi": make_person(session, Role.ISLANDER, "ja", south, full_name="西銘 サチ"),
            "goro": make_person(session, Role.ISLANDER, "ja", south, full_name="外間 五郎"),
            "tourist": make_person(session, Role.TOURIST, "en"),
            "ken": make_person(session, Role.FAMILY, "ja", full_name="比嘉 健"),
            "nobu": make_person(session, Role.ISLANDER, "ja", south, full_name="新垣 ノブ",
                                line_user_id=None),
        }
        session.add(FamilyLink(family_person_id=made["ken"].id,
                               islander_person_id=made["ume"].id))
        village = Village(north.id, south.id)
        village.ids = {name: person.id for name, person in made.items()}
        return village


def ask_islanders(db, *, options: tuple[str, ...] = ("yes", "no", "maybe"),
                  closes_at: datetime | None = None, subject_id: int = 1,
                  **settings: Any) -> int:
    """Open an ask and send it to the islanders (one text per language); returns its id."""
    with db.transaction() as session:
        ask = open_ask(session, "test", subject_id, options=options, closes_at=closes_at,
                       **settings)
        dispatch = delivery.Dispatch(
            lambda language, _family: [messages.text("来られますか？" if language == "ja"
                                                     else "Can you come?")],
            source=f"test:{subject_id}")
        audience = aud.Audience("islanders")
        moment = now()
        delivery.send(session, ask, lambda language: aud.recipients_query(
            audience, language, moment), dispatch, moment)
        return ask.id


MULTIPLE = AskMode.MULTIPLE
