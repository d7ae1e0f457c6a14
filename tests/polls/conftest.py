"""Helpers for the poll tests: a small island, polls sent as the office sends them, and
conversations in LINE through the signed webhook."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from islandos.clock import now
from islandos.models.asking import AnonymousAnswer, Answer, Ask, AskRecipient
from islandos.models.people import FamilyLink, Role
from islandos.models.polls import Poll
from islandos.services.polls.creating import PollInput, create_and_send
from tests.notices.conftest import Island
from tests.registration.conftest import Chat, actions, texts  # noqa: F401
from tests.support.admin import admin_client  # noqa: F401  (a fixture for the dashboard tests)
from tests.support.factories import make_district, make_person


@pytest.fixture
def island(db) -> Island:
    """North: taro (ja), hanako (en), kame (ja); South: jiro (ja); a tourist (en); family of
    taro."""
    with db.transaction() as session:
        north = make_district(session, "north", "北集落", "North", sort_order=1)
        south = make_district(session, "south", "南集落", "South", sort_order=2)
        made = {
            "taro": make_person(session, Role.ISLANDER, "ja", north, full_name="島 太郎"),
            "hanako": make_person(session, Role.ISLANDER, "en", north, full_name="島 花子"),
            "kame": make_person(session, Role.ISLANDER, "ja", north, full_name="内間 カメ"),
            "jiro": make_person(session, Role.ISLANDER, "ja", south, full_name="島 次郎"),
            "tourist": make_person(session, Role.TOURIST, "en"),
            "family": make_person(session, Role.FAMILY, "ja", full_name="本土 一郎"),
        }
        session.add(FamilyLink(family_person_id=made["family"].id,
                               islander_person_id=made["taro"].id))
        return Island.of(north, south, made)


QUESTION = "敬老会の会場はどこがよいですか。"
OPTIONS = ("公民館", "体育館", "港の広場")


def make_poll(db, **fields: Any) -> int:
    """Create and send a poll as the office does; returns its id."""
    defaults: dict[str, Any] = {"question_ja": QUESTION, "options_ja": OPTIONS,
                                "closes_at": now() + timedelta(days=3)}
    with db.transaction() as session:
        return create_and_send(session, PollInput(**{**defaults, **fields}), "admin:1").id


def chat_of(line, island: Island, name: str) -> Chat:
    return Chat(line, island.uid(name))


def tap_option(chat: Chat, poll_id: int, option: int) -> list[dict[str, Any]]:
    """Tap option n (1-based) on the poll's card, as the invitation carries it."""
    return chat.tap("poll_answer", poll=poll_id, o=option)


def answers_of(db, poll_id: int) -> dict[int | None, int]:
    """Named answers: person id -> the choices bitmask."""
    with db.transaction() as session:
        return dict(session.execute(
            select(AskRecipient.person_id, Answer.choices)
            .join(Answer, Answer.recipient_id == AskRecipient.id)
            .join(Ask, Ask.id == Answer.ask_id)
            .where(Ask.subject_kind == "poll", Ask.subject_id == poll_id)).all())


def anonymous_choices(db, poll_id: int) -> list[int]:
    with db.transaction() as session:
        return sorted(session.scalars(
            select(AnonymousAnswer.choices).join(Ask, Ask.id == AnonymousAnswer.ask_id)
            .where(Ask.subject_kind == "poll", Ask.subject_id == poll_id)))


def poll_count(db) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count(Poll.id))) or 0


def poll_of(db, poll_id: int) -> Poll:
    with db.transaction() as session:
        found = session.get(Poll, poll_id)
        assert found is not None
        return found


def tokyo_input(moment: datetime) -> str:
    """A datetime-local form value in Japan time."""
    from islandos.clock import TOKYO
    return moment.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")
