"""`islandos fees`: the entry contribution from scripts and cron."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from islandos.clock import TOKYO, now
from islandos.extensions import islandos_state
from islandos.services.fees.poster import SOURCES as POSTER_SOURCES
from islandos.services.fees.poster import poster_png, poster_svg, poster_url
from islandos.services.fees.reconcile import reconcile as run_reconcile
from islandos.services.fees.stripe_api import PaymentsNotSetUp, PaymentsUnavailable, gateway_for


@click.group("fees")
def group() -> None:
    """The entry contribution (入島協力金)."""


@group.command("reconcile")
@click.option("--since", "since_day", default=None,
              help="Look at Stripe sessions and refunds created since this day (JST, "
                   "YYYY-MM-DD); default: the last three days.")
@with_appcontext
def reconcile(since_day: str | None) -> None:
    """Fulfil paid Checkout sessions whose webhook never came; record missed refunds."""
    state = islandos_state(current_app)
    if since_day:
        try:
            day = date.fromisoformat(since_day)
        except ValueError as exc:
            raise click.BadParameter(f"not a date: {since_day!r} (e.g. 2026-11-01)") from exc
        since = datetime.combine(day, time(0), tzinfo=TOKYO)
    else:
        since = now() - timedelta(days=3)
    try:
        gateway = gateway_for(state.settings)
        result = run_reconcile(state.db, state.settings, gateway, since, report=click.echo)
    except PaymentsNotSetUp as exc:
        raise click.ClickException("payments are not set up (STRIPE_SECRET_KEY, "
                                   "STRIPE_WEBHOOK_SECRET)") from exc
    except PaymentsUnavailable as exc:
        raise click.ClickException(f"Stripe did not answer: {exc}") from exc
    click.echo(f"checked {result.sessions_seen} sessions and {result.refunds_seen} refunds; "
               f"fixed {len(result.fixed)}")


@group.command("poster")
@click.option("--source", type=click.Choice(POSTER_SOURCES), default=None,
              help="One source's poster (default: one each for port, ferry and inn).")
@click.option("--out", "out_dir", default=".", type=click.Path(file_okay=False),
              help="The folder to write fee-poster-<source>.png and .svg into.")
@with_appcontext
def poster(source: str | None, out_dir: str) -> None:
    """Printable port posters: a QR code to PUBLIC_BASE_URL/fee?src=<source>, ja and en."""
    settings = islandos_state(current_app).settings
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for each in [source] if source else list(POSTER_SOURCES):
            png, svg = folder / f"fee-poster-{each}.png", folder / f"fee-poster-{each}.svg"
            png.write_bytes(poster_png(settings, each))
            svg.write_text(poster_svg(settings, each), encoding="utf-8")
            click.echo(f"{each}: {png} {svg} → {poster_url(settings, each)}")
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
