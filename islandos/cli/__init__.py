"""The `islandos` command: one click group per area."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from islandos.app import create_app
from islandos.cli import admin as admin_cli
from islandos.cli import db, demo, line, serve
from islandos.cli import notices as notices_cli
from islandos.cli import registration as registration_cli


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=False,
             add_version_option=False, load_dotenv=False)
def main() -> None:
    """IslandOS: run the island's LINE account, web pages and worker."""


main.add_command(db.group)
main.add_command(admin_cli.group)
main.add_command(serve.serve)
main.add_command(serve.worker)
main.add_command(demo.demo)
main.add_command(line.group)
main.add_command(notices_cli.group)
main.add_command(registration_cli.invite)
