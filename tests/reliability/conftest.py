"""Fixtures of the reliability tests: faults that belong to one kind of database."""

from __future__ import annotations

import pytest

from islandos.db import Database


@pytest.fixture
def only_sqlite(db: Database) -> None:
    if db.is_postgres:
        pytest.skip("a SQLite file's own faults (runs in the suite on SQLite)")


@pytest.fixture
def only_postgres(db: Database) -> None:
    if not db.is_postgres:
        pytest.skip("PostgreSQL's own faults (runs in the suite on PostgreSQL)")
