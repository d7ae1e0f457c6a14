"""Migration 0006 (vocabulary CHECK constraints) on a populated island, SQLite and PostgreSQL.

On SQLite it rebuilds the tables people, notices, outbox_messages...: with foreign keys on,
the rebuild's DROP TABLE would delete every family link and notice delivery. Every row of
every table must come through the upgrade, the downgrade and the upgrade again.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import Enum as PyEnum
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, Enum, create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

import islandos.models  # noqa: F401
from islandos.cli.db import alembic_config
from islandos.clock import now
from islandos.db import Base, Database, IntVocabulary
from islandos.demo import seed_demo
from islandos.features import default_features
from islandos.models import (
    AdminLineLinkCode,
    AdminUser,
    CodeAttempt,
    IslanderRequest,
    Lease,
    Notice,
    NoticeImage,
    Person,
    RecordedMessage,
    RequestStatus,
    RichMenuDeployment,
    Role,
    SendingPause,
    WebhookEvent,
    WorkerHeartbeat,
)
from islandos.models.admin import AdminSession, AdminSessionStage
from islandos.models.disaster import DisasterMode, SafetyEvent, SafetyLocation
from islandos.registry import Registry
from islandos.services.family import family_code_for
from tests.support.databases import postgres_schema

BEFORE = "0005_leases"
THIS = "0006_vocabulary"


def _add_what_the_demo_lacks(database: Database) -> None:
    """A row in every table the demo island leaves empty, with the links that cascade."""
    with database.transaction() as session:
        islander, newcomer = session.scalars(
            select(Person).where(Person.role == Role.ISLANDER).order_by(Person.id).limit(2))
        family_code_for(session, islander)
        session.add(IslanderRequest(person_id=newcomer.id, status=RequestStatus.REFUSED,
                                    decided_by="admin:1", decided_at=now()))
        session.add(CodeAttempt(person_id=newcomer.id, kind="invite"))
        admin = session.scalars(select(AdminUser)).one()
        admin.line_person_id = islander.id
        session.add(AdminLineLinkCode(admin_id=admin.id, code_hash="0" * 64,
                                      expires_at=now() + timedelta(minutes=10)))
        session.add(AdminSession(admin_id=admin.id, token_hash="1" * 64,
                                 stage=AdminSessionStage.FULL))
        image = NoticeImage(token="t" * 32, content_type="image/jpeg", data=b"\xff\xd8\xff",
                            width=1, height=1)
        session.add(image)
        session.flush()
        session.scalars(select(Notice).order_by(Notice.id)).first().image_id = image.id
        session.add(WebhookEvent(webhook_event_id="01HZZZZZZZZZZZZZZZZZZZZZZZ",
                                 event_type="message", line_user_id=islander.line_user_id,
                                 occurred_at=now()))
        session.add(RecordedMessage(line_user_id=islander.line_user_id, via="push",
                                    payload={"messages": []}))
        session.add(RichMenuDeployment(name="default", language="ja", version="v1",
                                       line_rich_menu_id="richmenu-demo"))
        session.add(SendingPause(reason="monthly_limit"))
        session.add(WorkerHeartbeat(worker_id="worker-1"))
        session.add(Lease(name="richmenu.deploy", holder="worker-1", acquired_at=now(),
                          expires_at=now() + timedelta(minutes=5)))
        disaster = DisasterMode(kind="typhoon", active=None, started_by="admin:1",
                                ended_at=now(), ended_by="admin:1", check_status="closed")
        session.add(disaster)
        session.flush()
        session.add(SafetyEvent(mode_id=disaster.id, person_id=islander.id, choice="safe",
                                answered_by="self"))
        session.add(SafetyLocation(mode_id=disaster.id, person_id=islander.id, latitude=26.2,
                                   longitude=127.9))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def populated_island(request: pytest.FixtureRequest,
                     frozen_clock: Callable[..., datetime]) -> Iterator[str]:
    """A database migrated to the newest revision, holding the demo island and more."""
    with (postgres_schema() if request.param == "postgres" else _sqlite_file()) as url:
        command.upgrade(alembic_config(url), "head")
        database = Database(url)
        try:
            with database.transaction() as session:
                seed_demo(session, Registry.build(default_features()).seeders)
            _add_what_the_demo_lacks(database)
        finally:
            database.dispose()
        yield url


@contextmanager
def _sqlite_file() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{Path(directory) / 'island.sqlite3'}"


def _rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    with engine.connect() as connection:
        inspector = inspect(connection)
        rows = {}
        for name in inspector.get_table_names():
            if name == "alembic_version":
                continue
            key = ", ".join(inspector.get_pk_constraint(name)["constrained_columns"])
            rows[name] = [tuple(row) for row in connection.execute(
                text(f'SELECT * FROM "{name}" ORDER BY {key}'))]
        return rows


def _counts(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, int]:
    return {name: len(table_rows) for name, table_rows in rows.items()}


def test_every_row_comes_through_upgrade_downgrade_and_upgrade(populated_island: str):
    config = alembic_config(populated_island)
    engine = create_engine(populated_island)
    command.downgrade(config, BEFORE)
    before = _rows(engine)
    assert [name for name, count in _counts(before).items() if count == 0] == []
    assert len(before["family_links"]) >= 5 and len(before["notice_deliveries"]) >= 100

    for step in (lambda: command.upgrade(config, THIS), lambda: command.downgrade(config, BEFORE),
                 lambda: command.upgrade(config, THIS)):
        step()
        after = _rows(engine)
        assert _counts(after) == _counts(before)
        assert after == before
    command.upgrade(config, "head")
    engine.dispose()


def _vocabulary_columns() -> list[tuple[str, str, list[Any], Any]]:
    """(table, column, allowed values, a value outside them) of every vocabulary column."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            values: type[PyEnum] | None = (
                column.type.enum_class if isinstance(column.type, Enum)
                else column.type.values if isinstance(column.type, IntVocabulary) else None)
            if values is not None:
                allowed = [member.value for member in values]
                found.append((table.name, column.name, allowed,
                              -1 if isinstance(allowed[0], int) else "islandr"))
    return found


def test_after_the_upgrade_the_database_takes_each_vocabulary_and_nothing_else(
        populated_island: str):
    columns = _vocabulary_columns()
    assert {(t, c) for t, c, _, _ in columns} >= {
        ("people", "role"), ("people", "status"), ("admin_users", "role"),
        ("islander_requests", "status"), ("jobs", "status"), ("webhook_events", "reply_state"),
        ("outbox_messages", "priority"), ("outbox_messages", "status"),
        ("notices", "audience_kind"), ("notices", "priority"), ("notices", "status")}
    engine = create_engine(populated_island)
    with engine.connect() as connection:
        inspector = inspect(connection)
        for table, column, _, _ in columns:
            names = {check["name"] for check in inspector.get_check_constraints(table)}
            assert f"ck_{table}_{column}" in names
    for table, column, allowed, wrong in columns:
        change = text(f'UPDATE "{table}" SET "{column}" = :value')
        for value in allowed:  # every member is taken (the change is then undone)
            with engine.connect() as connection:
                assert connection.execute(change, {"value": value}).rowcount > 0
                connection.rollback()
        with engine.connect() as connection:
            before = connection.execute(text(f'SELECT "{column}" FROM "{table}"')).all()
        with pytest.raises(IntegrityError, match=f"ck_{table}_{column}"), engine.begin() as c:
            c.execute(change, {"value": wrong})
        with engine.connect() as connection:
            assert connection.execute(text(f'SELECT "{column}" FROM "{table}"')).all() == before
    engine.dispose()


def test_a_value_outside_its_vocabulary_stops_the_upgrade_and_is_named(populated_island: str):
    config = alembic_config(populated_island)
    command.downgrade(config, BEFORE)
    engine = create_engine(populated_island)
    with engine.begin() as connection:
        connection.execute(text("UPDATE people SET role = 'islandr' WHERE id IN "
                                "(SELECT id FROM people ORDER BY id LIMIT 2)"))
        connection.execute(text("UPDATE jobs SET status = 'Done'"))
    before = _rows(engine)

    with pytest.raises(RuntimeError) as refused:
        command.upgrade(config, THIS)

    assert "people.role = 'islandr' (2 rows)" in str(refused.value)
    assert "jobs.status = 'Done'" in str(refused.value)
    assert _rows(engine) == before
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == BEFORE
    engine.dispose()


@pytest.mark.parametrize("populated_island", ["sqlite"], indirect=True)
def test_on_sqlite_a_row_pointing_at_a_missing_row_fails_the_migration(populated_island: str):
    config = alembic_config(populated_island)
    command.downgrade(config, BEFORE)
    engine = create_engine(populated_island)  # a plain engine: SQLite's foreign keys are off
    with engine.begin() as connection:
        connection.execute(text("UPDATE family_links SET islander_person_id = 9999 "
                                "WHERE id = (SELECT min(id) FROM family_links)"))
    before = _rows(engine)

    with pytest.raises(RuntimeError, match=r"up to 0006_vocabulary, 1 rows point at missing "
                                           r"rows \(family_links -> people\)"):
        command.upgrade(config, THIS)

    assert _rows(engine) == before
    engine.dispose()
