"""`islandos privacy prune`: the retention run by hand (the worker runs it every day)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from islandos.extensions import islandos_state
from islandos.services.retention import prune

LABELS = {
    "webhook_events": "LINE event records",
    "outbox_recipient_lists": "recipient lists of sent messages",
    "code_attempts": "wrong-code attempts",
    "closed_requests": "refused or abandoned islander requests",
    "idle_people": "idle tourists (data deleted, goodbye sent)",
    "audit_entries": "audit entries",
}


@click.group("privacy")
def group() -> None:
    """Privacy: retention of personal data."""


@group.command("prune")
@click.option("--dry-run", is_flag=True, help="count what would go; change nothing")
@with_appcontext
def prune_command(dry_run: bool) -> None:
    """Remove what is older than its retention period (see the README's settings)."""
    state = islandos_state(current_app)
    with state.db.transaction() as session:
        report = prune(session, state.settings, state.registry.erasers, dry_run=dry_run)
        if dry_run:
            session.rollback()
    verb = "would go" if dry_run else "removed"
    for field, count in report.as_dict().items():
        click.echo(f"{LABELS[field]}: {count} {verb}")
