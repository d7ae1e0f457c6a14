"""`islandos invite create` and `islandos line richmenu deploy`."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.line.gateway import RichMenuError
from islandos.line.richmenus import deploy_rich_menus
from islandos.models.people import District
from islandos.services.registration import RegistrationError, create_invite_codes


@click.group("invite")
def invite() -> None:
    """Invite codes for islanders."""


@invite.command("create")
@click.option("--district", "district_code", default=None,
              help="District code (e.g. minato); the code then fixes the islander's district.")
@click.option("--count", default=1, show_default=True, type=click.IntRange(1, 500))
@click.option("--days", default=None, type=click.IntRange(1, 3650),
              help="Expire after this many days (default: never).")
@with_appcontext
def create(district_code: str | None, count: int, days: int | None) -> None:
    """Print COUNT fresh single-use invite codes, one a line."""
    with islandos_state(current_app).db.transaction() as session:
        district_id = None
        if district_code:
            district = session.scalar(select(District).where(District.code == district_code))
            if district is None:
                known = ", ".join(session.scalars(select(District.code).order_by(
                    District.sort_order))) or "none yet"
                raise click.BadParameter(f"unknown district {district_code!r} (known: {known})",
                                         param_hint="--district")
            district_id = district.id
        expires_at = now() + timedelta(days=days) if days else None
        try:
            codes = create_invite_codes(session, count=count, district_id=district_id,
                                        actor="cli", expires_at=expires_at)
        except RegistrationError as error:
            raise click.ClickException(error.text("en")) from error
        for code in codes:
            click.echo(code.code)


@click.group("richmenu")
def richmenu() -> None:
    """The rich menus (default, islander, family; Japanese and English)."""


@richmenu.command("deploy")
@click.option("--force", is_flag=True, help="Recreate every menu even if unchanged.")
@with_appcontext
def deploy(force: bool) -> None:
    """Create changed menus, upload their images, set the default, move users, delete old."""
    state = islandos_state(current_app)
    try:
        report = deploy_rich_menus(state.db, state.transport, force=force)
    except RichMenuError as error:
        raise click.ClickException(f"rich menu deploy stopped: {error}") from error
    if not report.changed:
        click.echo("rich menus are up to date; nothing changed")
        return
    for name in report.created:
        click.echo(f"created {name}")
    if report.default_menu_id:
        click.echo(f"default menu: {report.default_menu_id}")
    click.echo(f"linked users: {report.linked_users}")
    for menu_id in report.deleted:
        click.echo(f"deleted {menu_id}")
