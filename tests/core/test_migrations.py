"""Alembic is the only way the schema changes: one head, up-down-up, models equal the schema."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

import islandos.models  # noqa: F401
from islandos.cli.db import alembic_config
from islandos.db import Base
from tests.support.databases import postgres_schema


def migrated_url_params() -> list[object]:
    return ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=migrated_url_params())
def empty_database(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "postgres":
        with postgres_schema() as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{Path(directory) / 'migrate.sqlite3'}"


def test_there_is_exactly_one_head():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"several heads: {heads}"


def test_upgrade_downgrade_upgrade_and_models_match(empty_database: str):
    config = alembic_config(empty_database)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == [], f"models and migrations differ: {differences}"
