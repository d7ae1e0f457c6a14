"""The demo island's map, and a visitor talking to the bot."""

from __future__ import annotations

from typing import Any

import pytest

from islandos.demo.map import seed_map
from islandos.models.people import Role
from tests.registration.conftest import Chat
from tests.support.factories import make_person
from tests.support.webhook import line_user_id

PORT = (26.2010, 127.9790)  # where the ferry lands
UTAKI = (26.2140, 127.9895)  # the sacred grove nobody may enter
RITUAL_PATHS = (26.2075, 127.9903)  # inside the area closed today and tomorrow


@pytest.fixture
def island_map(db: Any, frozen_clock: Any) -> None:
    with db.transaction() as session:
        seed_map(session)


def visitor(db: Any, line: Any, n: int = 50, language: str = "ja") -> Chat:
    with db.transaction() as session:
        make_person(session, role=Role.TOURIST, language=language,
                    line_user_id=line_user_id(n))
    return Chat(line, line_user_id(n))
