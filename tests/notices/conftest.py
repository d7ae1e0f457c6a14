"""Helpers for the notice tests: an island with districts, islanders, tourists and family."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from islandos.models.asking import Answer, Ask, AskRecipient
from islandos.models.notices import Notice
from islandos.models.outbox import OutboxMessage
from islandos.models.people import District, FamilyLink, Person, Role
from islandos.services.notices.drafts import NoticeInput
from islandos.services.notices.sending import create_and_submit
from tests.support.admin import (
    admin_client,  # noqa: F401  (a fixture for the dashboard tests)
    )
from tests.support.browser import sign_in as browser_sign_in
from tests.support.factories import make_admin, make_district, make_person

BASE_URL = "https://island.example.jp"


@dataclass
class Island:
    north: int
    south: int
    ids: dict[str, int] = field(default_factory=dict)  # name -> person id
    line_ids: dict[str, str] = field(default_factory=dict)  # name -> LINE user id

    def uid(self, name: str) -> str:
        return self.line_ids[name]

    @classmethod
    def of(cls, north: District, south: District, made: dict[str, Person]) -> Island:
        """The island of these districts and people (their ids and LINE user ids by name)."""
        return cls(north.id, south.id, {name: person.id for name, person in made.items()},
                   {name: person.line_user_id or "" for name, person in made.items()})


@pytest.fixture
def island(db) -> Island:
    """North: taro (ja), hanako (en); South: jiro (ja); a tourist (en); family of taro and
    jiro (one person linked to both); an unfollowed islander; someone not registered."""
    with db.transaction() as session:
        north = make_district(session, "north", "北集落", "North", sort_order=1)
        south = make_district(session, "south", "南集落", "South", sort_order=2)
        made = {
            "taro": make_person(session, Role.ISLANDER, "ja", north, full_name="島 太郎"),
            "hanako": make_person(session, Role.ISLANDER, "en", north, full_name="島 花子"),
            "jiro": make_person(session, Role.ISLANDER, "ja", south, full_name="島 次郎"),
            "tourist": make_person(session, Role.TOURIST, "en"),
            "family": make_person(session, Role.FAMILY, "ja", full_name="本土 一郎"),
            "gone": make_person(session, Role.ISLANDER, "ja", north, status="unfollowed"),
            "stranger": make_person(session, Role.UNKNOWN, "ja"),
        }
        session.add_all([
            FamilyLink(family_person_id=made["family"].id, islander_person_id=made["taro"].id),
            FamilyLink(family_person_id=made["family"].id, islander_person_id=made["jiro"].id),
        ])
        return Island.of(north, south, made)


def send(db, **fields: Any) -> int:
    """Save and send (or schedule) a notice like the office does; returns its id."""
    defaults = {"title": "断水のお知らせ", "body_ja": "明日9時から断水します。"}
    data = NoticeInput(**{**defaults, **fields})
    with db.transaction() as session:
        return create_and_submit(session, data, "admin:1", BASE_URL).id


def multicasts(fake_line) -> list[dict[str, Any]]:
    return [call.json for call in fake_line.calls("/v2/bot/message/multicast")]


def reached(fake_line) -> list[str]:
    """Every LINE user id a multicast accepted by the fake went to (with repeats)."""
    return [uid for body in multicasts(fake_line) for uid in body["to"]]


@dataclass(frozen=True)
class Delivery:
    """One person a notice reached (a recipient of its ask) and when they confirmed."""

    person_id: int | None
    district_id: int | None
    is_family: bool
    outbox_id: int | None
    reminded_at: datetime | None
    confirmed_at: datetime | None


def deliveries(db, notice_id: int) -> list[Delivery]:
    with db.transaction() as session:
        rows = session.execute(
            select(AskRecipient, Answer.answered_at)
            .join(Ask, Ask.id == AskRecipient.ask_id)
            .outerjoin(Answer, Answer.recipient_id == AskRecipient.id)
            .where(Ask.subject_kind == "notice", Ask.subject_id == notice_id)
            .order_by(AskRecipient.id)).all()
        return [Delivery(r.person_id, r.district_id, r.is_family, r.outbox_id, r.reminded_at,
                         confirmed_at) for r, confirmed_at in rows]


def notice(db, notice_id: int) -> Notice:
    with db.transaction() as session:
        found = session.get(Notice, notice_id)
        assert found is not None
        return found


def outbox_count(db) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def person(db, person_id: int) -> Person:
    with db.transaction() as session:
        found = session.get(Person, person_id)
        assert found is not None
        return found


def sign_in(page: Any, db: Any, base: str, path: str, username: str = "henshu") -> None:
    """Sign in to the dashboard in a browser as a new editor, landing on `path`."""
    with db.transaction() as session:
        _admin, secret = make_admin(session, username=username, role="editor")
    browser_sign_in(page, base, username, secret, path)


def write_typhoon_notice(page: Any) -> None:
    """On the compose page: an emergency to islanders, on to the confirmation step."""
    page.get_by_label("タイトル", exact=True).fill("台風の接近")
    page.get_by_label("本文（日本語）").fill("今夜、台風が近づきます。外出を控えてください。")
    page.get_by_role("radio", name="島民全員").check()
    page.get_by_role("radio", name="緊急").check()
    page.get_by_role("button", name="確認へ進む").click()
