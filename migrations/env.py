"""Alembic environment: the URL comes from `islandos db` (or the environment's settings).

On SQLite every migration runs with foreign keys off: batch mode rebuilds a table (copy,
DROP TABLE, rename), and with them on the DROP would fire ON DELETE CASCADE / SET NULL in
the tables that point at it and silently delete or unlink their rows. The pragma only takes
effect outside a transaction, so it is set here, before the first one; each migration's
transaction ends with PRAGMA foreign_key_check, and any row it reports fails the migration
(rolled back). The connection's foreign keys are on again afterwards.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import Connection, pool

import islandos.models  # noqa: F401  (every table on Base.metadata)
from islandos.db import Base, make_engine
from islandos.settings import Settings

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return url or Settings.from_env(overrides={"env": "development"}).database_url


def run_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """Straight to the driver: through SQLAlchemy the statement would begin a transaction
    (see db.py), inside which SQLite ignores this pragma."""
    if connection.in_transaction():
        raise RuntimeError("SQLite migrations must start outside a transaction "
                           "(foreign keys cannot be turned off inside one)")
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if driver.execute("PRAGMA foreign_keys").fetchone()[0] != int(on):
        raise RuntimeError(f"could not turn SQLite's foreign keys {'on' if on else 'off'}")


def _check_foreign_keys(ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any],
                        run_args: Mapping[str, Any]) -> None:
    """After each migration, inside its transaction: no row may point at a missing row."""
    assert ctx.connection is not None
    rows = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if rows:
        found = ", ".join(sorted({f"{table} -> {parent}" for table, _rowid, parent, _fk in rows}))
        direction = "up to" if step.is_upgrade else "down from"
        raise RuntimeError(f"after the migration {direction} {step.up_revision_id}, {len(rows)} "
                           f"rows point at missing rows ({found}); it was rolled back")


def run_migrations(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    _sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, compare_type=True,
                          on_version_apply=_check_foreign_keys)
        with context.begin_transaction():  # on SQLite: one transaction per migration
            context.run_migrations()
        if connection.in_transaction():  # Alembic's own reads when there was nothing to do
            connection.commit()
    finally:
        if connection.in_transaction():
            connection.rollback()
        _sqlite_foreign_keys(connection, on=True)


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = make_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        run_migrations(connection)
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
