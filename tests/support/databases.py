"""Test databases: a SQLite file, or a PostgreSQL schema of its own per run.

Under pytest-xdist each worker is a run of its own: its own temporary SQLite file, its own
PostgreSQL schema (named after the worker, e.g. islandos_test_gw1_…), so workers never meet."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def postgres_base_url() -> str:
    return os.environ.get("ISLANDOS_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def wants_postgres_suite() -> bool:
    """The whole suite on PostgreSQL (the second run of .ci/run)."""
    return os.environ.get("ISLANDOS_TEST_DATABASE", "sqlite") == "postgres"


def xdist_worker() -> str:
    """'gw0_' … under pytest-xdist (PYTEST_XDIST_WORKER), '' in a plain run."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"{worker}_" if worker.isalnum() else ""


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'islandos-test.sqlite3'}"


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema on the test server; the URL's search_path points at it. Dropped after."""
    base = postgres_base_url()
    engine = create_engine(base)
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        engine.dispose()
        if in_ci():
            pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {exc}")
        pytest.skip("PostgreSQL is not reachable here (it is required in CI)")
    schema = f"islandos_test_{xdist_worker()}{uuid.uuid4().hex[:12]}"
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
