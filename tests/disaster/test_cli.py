"""`islandos disaster start --kind typhoon [--safety-check --yes]` and `islandos disaster end`
from a script on the server."""

from __future__ import annotations

from sqlalchemy import select

from islandos.cli import main
from islandos.models.audit import AuditEntry
from islandos.models.disaster import CheckStatus, DisasterMode
from islandos.models.outbox import OutboxMessage


def _modes(db) -> list[tuple[bool | None, str]]:
    with db.transaction() as session:
        return [(m.active, m.check_status) for m in session.scalars(
            select(DisasterMode).order_by(DisasterMode.id))]


def test_start_with_a_safety_check_needs_yes(app, db, island):
    runner = app.test_cli_runner()
    refused = runner.invoke(main, ["disaster", "start", "--kind", "typhoon", "--safety-check"])
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert _modes(db) == []
    done = runner.invoke(main, ["disaster", "start", "--kind", "typhoon", "--safety-check",
                                "--yes"])
    assert done.exit_code == 0, done.output
    assert "safety check queued" in done.output
    assert _modes(db) == [(True, CheckStatus.SENT)]
    with db.transaction() as session:
        assert session.scalars(select(OutboxMessage)).first() is not None
        actors = set(session.scalars(select(AuditEntry.actor).where(
            AuditEntry.action.like("disaster.%"))))
    assert actors == {"cli"}


def test_end_closes_the_check_and_ending_twice_is_harmless(app, db, island):
    runner = app.test_cli_runner()
    runner.invoke(main, ["disaster", "start", "--kind", "tsunami", "--safety-check", "--yes"])
    assert "ended" in runner.invoke(main, ["disaster", "end"]).output
    assert _modes(db) == [(None, CheckStatus.CLOSED)]
    again = runner.invoke(main, ["disaster", "end"])
    assert again.exit_code == 0 and "no disaster mode was on" in again.output


def test_an_unknown_kind_is_refused(app, db):
    result = app.test_cli_runner().invoke(main, ["disaster", "start", "--kind", "meteor"])
    assert result.exit_code != 0
    assert _modes(db) == []
