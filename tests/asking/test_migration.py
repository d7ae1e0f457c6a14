"""0007_asking moves notice deliveries into the core and back, on the populated demo island:
every recipient, family copy, reminder and confirmation survives both ways."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from islandos import create_app
from islandos.cli import main
from islandos.cli.db import alembic_config
from islandos.extensions import islandos_state
from tests.conftest import app_overrides
from tests.support.databases import postgres_schema

BEFORE = "0005_leases"  # the revision 0007_asking follows on this branch


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "postgres":
        with postgres_schema() as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{Path(directory) / 'demo.sqlite3'}"


def seed_demo_island(url: str, fake_line) -> None:
    app = create_app(app_overrides(url, fake_line))
    result = app.test_cli_runner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    with islandos_state(app).db.transaction() as session:
        # one islander erased: their row stays, without them
        session.execute(text("UPDATE ask_recipients SET person_id = NULL WHERE id = "
                             "(SELECT MIN(id) FROM ask_recipients WHERE answered = :yes AND ask_id "
                             "IN (SELECT id FROM asks WHERE subject_kind = 'notice'))"),
                        {"yes": True})
    islandos_state(app).db.dispose()


NEW = """SELECT a.subject_id, r.id, r.person_id, r.district_id, r.is_family, r.outbox_id,
                r.reminded_at IS NOT NULL, ans.answered_at
         FROM ask_recipients r JOIN asks a ON a.id = r.ask_id
         LEFT JOIN answers ans ON ans.recipient_id = r.id
         WHERE a.subject_kind = 'notice' ORDER BY r.id"""
OLD = """SELECT notice_id, id, person_id, district_id, is_family, outbox_id,
                reminded_at IS NOT NULL, confirmed_at
         FROM notice_deliveries ORDER BY id"""


def rows(url: str, query: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(text(query))]
    engine.dispose()
    return found


def test_deliveries_and_confirmations_survive_down_and_up(empty_database, fake_line,
                                                          frozen_clock):
    config = alembic_config(empty_database)
    command.upgrade(config, "head")
    seed_demo_island(empty_database, fake_line)
    at_head = rows(empty_database, NEW)
    assert len(at_head) > 50
    assert sum(1 for row in at_head if row[7] is not None) >= 14  # the water outage's
    assert any(row[4] for row in at_head) and any(row[6] for row in at_head)
    assert any(row[2] is None for row in at_head)  # the erased islander still counts

    command.downgrade(config, BEFORE)
    assert rows(empty_database, OLD) == at_head

    command.upgrade(config, "head")
    assert rows(empty_database, NEW) == at_head
    engine = create_engine(empty_database)
    with engine.begin() as connection:
        # the ids continue after the moved rows (PostgreSQL's sequence was reset)
        connection.execute(text(
            "INSERT INTO ask_recipients (ask_id, language, is_family, answered, created_at) "
            "SELECT MIN(id), 'ja', false, false, CURRENT_TIMESTAMP FROM asks"))
        if empty_database.startswith("sqlite"):
            assert connection.execute(text("PRAGMA foreign_key_check")).fetchall() == []
    engine.dispose()
