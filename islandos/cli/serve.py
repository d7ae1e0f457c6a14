"""`islandos serve` (web and worker in one process) and `islandos worker`."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from islandos.cli.db import upgrade_database
from islandos.demo import seed_demo
from islandos.extensions import islandos_state
from islandos.line.richmenus import deploy_rich_menus
from islandos.line.worker import Worker
from islandos.warmup import warm_up


def make_worker() -> Worker:
    state = islandos_state(current_app)
    return Worker(state.db, state.transport, state.jobs, settings=state.settings)


@click.command("worker")
@click.option("--once", is_flag=True, help="Do what is due now, then exit.")
@with_appcontext
def worker(once: bool) -> None:
    """Send the outbox to LINE and run scheduled jobs."""
    runner = make_worker()
    if once:
        report = runner.run_once()
        click.echo(
            f"sent={report.sent} failed={report.failed} retried={report.retried} "
            f"dropped={report.dropped} unknown={report.unknown} jobs={report.jobs_done} "
            f"paused={report.paused or 'no'}"
        )
        return
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    runner.run_forever(stop, islandos_state(current_app).settings.worker_poll_seconds)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo/--no-demo", default=False, help="Migrate and load the demo island first.")
@with_appcontext
def serve(host: str, port: int, demo: bool) -> None:
    """Run the web app and the worker in one process (the embedded default)."""
    state = islandos_state(current_app)
    if demo:
        upgrade_database(state.settings.database_url)
        with state.db.transaction() as session:
            for line in seed_demo(session, state.registry.seeders):
                click.echo(line)
        if state.settings.is_development:
            # The recorder stands in for LINE, so the simulator shows menus being linked too.
            report = deploy_rich_menus(state.db, state.transport)
            click.echo(f"rich menus: {len(report.created)} created, "
                       f"{len(report.unchanged)} unchanged")
    if not state.settings.is_testing:
        warm_up(current_app._get_current_object())  # type: ignore[attr-defined]
    stop = threading.Event()
    thread = threading.Thread(
        target=make_worker().run_forever, args=(stop, state.settings.worker_poll_seconds),
        name="islandos-worker", daemon=True,
    )
    thread.start()
    where = f"http://{host}:{port}"
    click.echo(f"IslandOS on {where}  (admin: {where}/admin"
               + (f", simulator: {where}/dev/simulator)" if state.settings.is_development else ")"))
    try:
        run_simple(host, port, current_app._get_current_object(),  # type: ignore[attr-defined]
                   threaded=True, use_reloader=False)
    finally:
        stop.set()
        thread.join(timeout=5)
