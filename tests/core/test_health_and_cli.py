"""GET /healthz and the islandos command."""

from __future__ import annotations

from islandos.cli import main
from islandos.line import messages
from islandos.line.outbox import enqueue_push
from islandos.models import SendingPause
from tests.support.webhook import line_user_id


def test_health_reports_database_outbox_and_worker(client, db, worker, frozen_clock):
    with db.transaction() as session:
        enqueue_push(session, line_user_id(1), [messages.text("a")])
    frozen_clock(minutes=2)
    health = client.get("/healthz").get_json()
    assert health["database"] == "ok"
    assert health["outbox_waiting"] == 1
    assert health["oldest_waiting_seconds"] == 120
    assert health["worker_heartbeat_seconds_ago"] is None
    worker.run_once()
    health = client.get("/healthz").get_json()
    assert health["outbox_waiting"] == 0
    assert health["worker_heartbeat_seconds_ago"] == 0
    assert health["sending_paused"] is False


def test_line_quota_shows_lines_figures(app, fake_line):
    fake_line.quota_limit = 1000
    result = app.test_cli_runner().invoke(main, ["line", "quota"])
    assert result.exit_code == 0, result.output
    assert "1000" in result.output and "used 0" in result.output


def test_line_resume_lifts_a_pause(app, db):
    with db.transaction() as session:
        session.add(SendingPause(reason="unauthorized", detail="401"))
    runner = app.test_cli_runner()
    assert "resumed" in runner.invoke(main, ["line", "resume"]).output
    assert "not paused" in runner.invoke(main, ["line", "resume"]).output


def test_worker_once_sends_what_is_due(app, db, fake_line):
    with db.transaction() as session:
        enqueue_push(session, line_user_id(1), [messages.text("a")])
    result = app.test_cli_runner().invoke(main, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent=1" in result.output
    assert len(fake_line.calls("/v2/bot/message/push")) == 1
