"""`islandos db`: the schema, through Alembic only."""

from __future__ import annotations

import click
from alembic import command
from alembic.config import Config
from flask import current_app
from flask.cli import with_appcontext

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
