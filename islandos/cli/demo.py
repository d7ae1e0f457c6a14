"""`islandos demo`: a believable demo island (idempotent)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from islandos.demo import seed_demo
from islandos.extensions import islandos_state


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Add the demo island's data; running it again adds nothing twice."""
    with islandos_state(current_app).db.transaction() as session:
        for line in seed_demo(session, islandos_state(current_app).registry.seeders):
            click.echo(line)
