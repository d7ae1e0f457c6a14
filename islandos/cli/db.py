"""`islandos db`: the schema, through Alembic only; backups and restoring one."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import current_app
from flask.cli import with_appcontext

from islandos import backups
from islandos.extensions import islandos_state
from islandos.settings import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


@click.group("db")
def group() -> None:
    """The database schema."""


@group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    upgrade_database(islandos_state(current_app).settings.database_url, revision)
    click.echo(f"database upgraded to {revision}")


@group.command("downgrade")
@click.argument("revision")
@with_appcontext
def downgrade(revision: str) -> None:
    """Undo migrations down to REVISION."""
    command.downgrade(alembic_config(islandos_state(current_app).settings.database_url), revision)
    click.echo(f"database downgraded to {revision}")


@group.command("current")
@with_appcontext
def current() -> None:
    """Show the schema revision of the database."""
    command.current(alembic_config(islandos_state(current_app).settings.database_url))


@group.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@with_appcontext
def backup(path: Path, force: bool) -> None:
    """Copy the whole database to PATH while the app runs (one consistent moment).

    SQLite: SQLite's online backup, a single file. PostgreSQL: pg_dump's custom format.
    """
    db = islandos_state(current_app).db
    try:
        info = backups.backup(db, path, overwrite=force)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written: {info.path} ({info.kind}, {info.size:,} bytes, "
               f"schema {info.revision or 'unknown'})")


@group.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore(path: Path, yes: bool) -> None:
    """Replace everything in the database with the backup at PATH.

    Refused for a backup whose schema is newer than this IslandOS. A failed restore changes
    nothing.
    """
    db = islandos_state(current_app).db
    try:
        info = backups.inspect_backup(path)
        backups.check_restorable(info, db)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    where = db.engine.url.render_as_string(hide_password=True)
    if not yes:
        click.confirm(f"Replace everything in {where} with {path} (schema {info.revision})?",
                      abort=True)
    try:
        backups.restore(db, path)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {path} into {where}")
    if info.revision != backups.code_head():
        click.echo(f"the backup's schema is {info.revision}; run `islandos db upgrade` "
                   f"to bring it to {backups.code_head()}")
