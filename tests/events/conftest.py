"""Helpers for the event tests: an island with two districts, islanders, family and a
resident without LINE; an event made like the office makes it; a Chat per person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from islandos.clock import now
from islandos.models.asking import Answer, AnswerStatus, AskRecipient
from islandos.models.people import FamilyLink, Role
from islandos.services.asking.asks import options_in
from islandos.services.events.editing import EventInput, create_event, event_ask
from islandos.services.people import add_resident_without_line
from tests.notices.conftest import Island
from tests.registration.conftest import Chat, actions, texts  # noqa: F401
from tests.support.admin import admin_client  # noqa: F401  (a fixture for the dashboard tests)
from tests.support.factories import make_district, make_person


@pytest.fixture
def island(db) -> Island:
    """North: taro (ja), hanako (en), ume (no LINE); South: jiro, saburo; family of taro;
    a tourist."""
    with db.transaction() as session:
        north = make_district(session, "north", "北集落", "North", sort_order=1)
        south = make_district(session, "south", "南集落", "South", sort_order=2)
        made = {
            "taro": make_person(session, Role.ISLANDER, "ja", north, full_name="島 太郎"),
            "hanako": make_person(session, Role.ISLANDER, "en", north, full_name="島 花子"),
            "jiro": make_person(session, Role.ISLANDER, "ja", south, full_name="島 次郎"),
            "saburo": make_person(session, Role.ISLANDER, "ja", south, full_name="島 三郎"),
            "family": make_person(session, Role.FAMILY, "ja", full_name="本土 一郎"),
            "tourist": make_person(session, Role.TOURIST, "en"),
        }
        made["ume"] = add_resident_without_line(session, "岬 ウメ", north.id, "098-111-2222",
                                                "admin:1")
        session.add(FamilyLink(family_person_id=made["family"].id,
                               islander_person_id=made["taro"].id))
        return Island.of(north, south, made)


def event_input(**fields: Any) -> EventInput:
    start = now() + timedelta(days=5)
    defaults: dict[str, Any] = {
        "title": "海岸清掃", "description_ja": "軍手をお持ちください。", "starts_at": start,
        "ends_at": start + timedelta(hours=2), "answer_deadline": start - timedelta(days=2),
        "place": "東の浜"}
    return EventInput(**{**defaults, **fields})


def make_event(db, **fields: Any) -> int:
    with db.transaction() as session:
        return create_event(session, event_input(**fields), "admin:1").id


@dataclass(frozen=True)
class Stored:
    person_id: int | None
    choice: str | None
    people: int
    status: str
    waitlist_seq: int | None
    proxy_person_id: int | None
    entered_by: str | None


def answers(db, event_id: int) -> dict[int | None, Stored]:
    """Every stored answer of an event, by person."""
    with db.transaction() as session:
        ask = event_ask(session, event_id)
        assert ask is not None
        rows = session.execute(
            select(AskRecipient.person_id, Answer)
            .join(Answer, Answer.recipient_id == AskRecipient.id)
            .where(AskRecipient.ask_id == ask.id)).all()
        found = {}
        for person_id, answer in rows:
            chosen = options_in(ask, answer.choices)
            found[person_id] = Stored(person_id, chosen[0] if chosen else None,
                                      1 + answer.guests, answer.status, answer.waitlist_seq,
                                      answer.proxy_person_id, answer.entered_by)
        return found


def attending(db, event_id: int) -> int:
    return sum(a.people for a in answers(db, event_id).values()
               if a.choice == "yes" and a.status == AnswerStatus.COUNTED)


def chat_of(line, island: Island, name: str) -> Chat:
    return Chat(line, island.uid(name))


def start_of(db, event_id: int) -> datetime:
    from islandos.models.events import Event
    with db.transaction() as session:
        event = session.get(Event, event_id)
        assert event is not None
        return event.starts_at
