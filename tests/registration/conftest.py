"""A conversation helper for the registration tests: follow, say, tap, and what came back."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import select

from islandos.line.events import postback_data
from islandos.models import District, Person
from tests.support.admin import admin_client  # noqa: F401  (dashboard side of a flow)
from tests.support.factories import make_district
from tests.support.webhook import (
    follow_event,
    line_user_id,
    postback_event,
    text_event,
    unfollow_event,
)


def texts(reply: list[dict[str, Any]]) -> str:
    """Every text a user would read in a reply (text messages, Flex texts and labels)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "label", "altText"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(reply)
    return "\n".join(found)


def actions(reply: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Buttons and quick replies of a reply, by label."""
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            action = node.get("action")
            if isinstance(action, dict) and "label" in action:
                found[action["label"]] = action
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(reply)
    return found


class Chat:
    """One LINE user talking to the bot through the signed webhook."""

    def __init__(self, line: Any, user_id: str) -> None:
        self.line = line
        self.user_id = user_id

    def _post(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(self.line.replies())
        assert self.line.post(event).status_code == 200
        replies = self.line.replies()
        return replies[-1] if len(replies) > before else []

    def follow(self, unblocked: bool = False) -> list[dict[str, Any]]:
        return self._post(follow_event(self.user_id, self.line.reply_token(), unblocked))

    def unfollow(self) -> None:
        self.line.post(unfollow_event(self.user_id))

    def say(self, words: str) -> list[dict[str, Any]]:
        return self._post(text_event(self.user_id, words, self.line.reply_token()))

    def tap(self, action: str, **values: str | int) -> list[dict[str, Any]]:
        return self._post(postback_event(self.user_id, postback_data(action, **values),
                                         self.line.reply_token()))

    def press(self, reply: list[dict[str, Any]], label: str) -> list[dict[str, Any]]:
        """Tap the button or quick reply with this label in a reply."""
        found = actions(reply)
        assert label in found, f"no button {label!r} in {sorted(found)}"
        action = found[label]
        if action["type"] == "postback":
            values = dict(parse_qsl(action["data"]))
            return self.tap(values.pop("action"), **values)
        return self.say(action["text"])


@pytest.fixture
def chat(line: Any) -> Chat:
    return Chat(line, line_user_id(1))


@pytest.fixture
def other_chat(line: Any) -> Chat:
    return Chat(line, line_user_id(2))


@pytest.fixture
def districts(db: Any) -> dict[str, int]:
    with db.transaction() as session:
        made = [make_district(session, "minato", "港集落", "Minato", sort_order=1),
                make_district(session, "nishi", "西集落", "Nishi", sort_order=2),
                make_district(session, "higashi", "東集落", "Higashi", sort_order=3)]
        return {d.code: d.id for d in made}


def person_of(db: Any, user_id: str) -> Person:
    with db.transaction() as session:
        person = session.scalars(select(Person).where(Person.line_user_id == user_id)).one()
        session.expunge(person)
        return person


def district_name(db: Any, district_id: int) -> str:
    with db.transaction() as session:
        district = session.get(District, district_id)
        assert district is not None
        return district.name_ja


def family_code(chat: Chat, language: str = "ja", shown: str | None = None) -> str:
    """An islander asks for their family code; the first time they choose how family sees
    them (`shown`: a label such as 「登録したお名前」; by default no name, the district only)."""
    reply = chat.say("family code" if language == "en" else "家族コード")
    if "text" not in reply[-1]:
        reply = chat.press(reply, shown or ("No name (district)" if language == "en"
                                            else "表示しない（集落だけ）"))
    return str(reply[-1]["text"])
