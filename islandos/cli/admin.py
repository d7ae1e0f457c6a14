"""`islandos admin`: dashboard accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from islandos.extensions import islandos_state
from islandos.models.admin import AdminRole
from islandos.services import admin_accounts
from islandos.services.admin_accounts import AdminAccountError


@click.group("admin")
def group() -> None:
    """Dashboard accounts."""


@group.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice([role.value for role in AdminRole]),
              default=AdminRole.ADMIN.value, show_default=True,
              help="admin: everything; editor: content; viewer: read only.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create(name: str, role: str, password_stdin: bool) -> None:
    """Create the account NAME (asks for its password)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with islandos_state(current_app).db.transaction() as session:
            admin = admin_accounts.create_admin(session, name, password, role, "cli")
    except AdminAccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {role} account {admin.username!r} (id {admin.id})")
    if role == AdminRole.ADMIN:
        click.echo("two-factor sign-in (TOTP) is set up at the first login")


@group.command("reset-totp")
@click.argument("name")
@with_appcontext
def reset_totp(name: str) -> None:
    """Forget NAME's two-factor secret (lost phone); it is set up again at the next login."""
    with islandos_state(current_app).db.transaction() as session:
        admin = admin_accounts.find_admin(session, name)
        if admin is None:
            raise click.ClickException(f"no account named {name!r}")
        admin_accounts.reset_totp(session, admin, "cli")
    click.echo(f"two-factor sign-in reset for {name!r}")
