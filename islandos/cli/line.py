"""`islandos line`: LINE's quota, and resuming a paused outbox."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from islandos.cli.registration import richmenu
from islandos.extensions import islandos_state
from islandos.line.worker import active_pause, resume_sending


@click.group("line")
def group() -> None:
    """The LINE channel."""


@group.command("quota")
@with_appcontext
def quota() -> None:
    """Show this month's message quota and how much of it is used."""
    state = islandos_state(current_app)
    figures = state.transport.quota()
    limit = figures.get("limit")
    used = figures.get("used") or 0
    if figures.get("type") == "limited" and limit is not None:
        left = int(limit) - int(used)
        click.echo(f"quota: {limit} messages this month; used {used}; left {left}")
    else:
        click.echo(f"quota: no monthly limit ({figures.get('type')}); used {used}")
    with state.db.transaction() as session:
        pause = active_pause(session)
        if pause is not None:
            click.echo(f"sending is PAUSED ({pause.reason}): {pause.detail}")


@group.command("resume")
@with_appcontext
def resume() -> None:
    """Lift a pause (after upgrading the plan or fixing the channel token)."""
    with islandos_state(current_app).db.transaction() as session:
        lifted = resume_sending(session)
    click.echo("sending resumed" if lifted else "sending was not paused")


group.add_command(richmenu)  # islandos line richmenu deploy
