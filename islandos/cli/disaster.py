"""`islandos disaster start|end|status`: disaster mode from a script, run by whoever
operates the server (`--yes` is their confirmation of a safety check of everyone)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from islandos.extensions import islandos_state
from islandos.i18n import gettext
from islandos.models.disaster import CheckStatus, DisasterKind
from islandos.services.disaster import mode as modes

ACTOR = "cli"


@click.group("disaster")
def group() -> None:
    """Disaster mode (災害時モード) and its safety check (安否確認)."""


@group.command("start")
@click.option("--kind", type=click.Choice([kind.value for kind in DisasterKind]), required=True)
@click.option("--safety-check", is_flag=True, help="also send a safety check to islanders")
@click.option("--tourists", is_flag=True, help="the check also goes to registered tourists")
@click.option("--yes", is_flag=True, help="confirm the safety check (sent at once)")
@with_appcontext
def start(kind: str, safety_check: bool, tourists: bool, yes: bool) -> None:
    """Switch every user's menu to the disaster menu (and send a safety check)."""
    if safety_check and not yes:
        raise click.UsageError("a safety check goes to everyone: add --yes to confirm it")
    state = islandos_state(current_app)
    try:
        with state.db.transaction() as session:
            mode = modes.start(session, kind, ACTOR, safety_check=safety_check,
                               tourists=tourists, confirmed=yes)
            mode_id, status = mode.id, mode.check_status
    except modes.DisasterError as error:
        raise click.ClickException(gettext("en", error.msgid)) from error
    click.echo(f"disaster mode {mode_id} is on; the worker switches every menu")
    if status == CheckStatus.SENT:
        click.echo("safety check queued (emergency priority)")


@group.command("end")
@with_appcontext
def end() -> None:
    """End disaster mode: the check closes, everyone gets their own menu back."""
    state = islandos_state(current_app)
    with state.db.transaction() as session:
        mode = modes.end(session, ACTOR)
        mode_id = mode.id if mode is not None else None
    click.echo(f"disaster mode {mode_id} ended; menus switch back" if mode_id
               else "no disaster mode was on; menus are checked anyway")
