"""Scheduled jobs: run when due, once, retried on failure, kept unique by key."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from islandos.line import messages
from islandos.line.outbox import enqueue_push
from islandos.line.worker import Worker
from islandos.models import Job, JobStatus, OutboxMessage
from islandos.scheduler import JobContext, JobRegistry, cancel, schedule
from tests.support.webhook import line_user_id


def remind(ctx: JobContext) -> None:
    enqueue_push(ctx.session, ctx.payload["to"], [messages.text("明日は清掃の日です")])


def explode(ctx: JobContext) -> None:
    raise RuntimeError("boom")


def worker_with(state, **kinds) -> Worker:
    registry = JobRegistry()
    for kind, handler in kinds.items():
        registry.add(kind, handler)
    return Worker(state.db, state.transport, registry, worker_id="jobs")


def test_a_job_runs_when_due_and_its_push_goes_out(state, db, fake_line, frozen_clock):
    worker = worker_with(state, remind=remind)
    with db.transaction() as session:
        schedule(session, "remind", frozen_clock() + timedelta(hours=1),
                 {"to": line_user_id(5)}, unique_key="remind:5")
    assert worker.run_once().jobs_done == 0
    frozen_clock(hours=1)
    report = worker.run_once()
    assert report.jobs_done == 1 and report.sent == 1
    assert fake_line.calls("/v2/bot/message/push")[0].json["to"] == line_user_id(5)
    assert worker.run_once().jobs_done == 0


def test_the_same_key_keeps_one_job_and_moves_it(db, frozen_clock):
    with db.transaction() as session:
        first = schedule(session, "remind", frozen_clock() + timedelta(hours=1), {},
                         unique_key="k")
        second = schedule(session, "remind", frozen_clock() + timedelta(hours=2), {},
                          unique_key="k")
        assert first.id == second.id
        assert second.run_at == frozen_clock() + timedelta(hours=2)


def test_a_cancelled_job_never_runs(state, db, frozen_clock):
    worker = worker_with(state, remind=remind)
    with db.transaction() as session:
        schedule(session, "remind", frozen_clock(), {"to": line_user_id(5)}, unique_key="k")
        assert cancel(session, "k")
    assert worker.run_once().jobs_done == 0


def test_a_failing_job_changes_nothing_is_retried_then_marked_failed(state, db, frozen_clock):
    worker = worker_with(state, explode=explode)
    with db.transaction() as session:
        schedule(session, "explode", frozen_clock(), {})
    for _ in range(5):
        worker.run_once()
        frozen_clock(hours=1)
    with db.transaction() as session:
        job = session.scalars(select(Job)).one()
        assert job.status == JobStatus.FAILED
        assert job.attempts == 5
        assert "boom" in (job.last_error or "")
        assert session.scalars(select(OutboxMessage)).all() == []


def test_a_job_re_armed_while_it_runs_runs_again(state, db, frozen_clock):
    from islandos.models import Job

    rounds: list[int] = []

    def rearm_self(ctx: JobContext) -> None:
        # e.g. a person's language changes while their rich-menu link job is running
        rounds.append(ctx.payload["round"])
        if ctx.payload.get("round") == 1:
            job = ctx.session.scalars(select(Job).where(Job.unique_key == "again")).one()
            job.status, job.payload = JobStatus.PENDING, {"round": 2}

    worker = worker_with(state, again=rearm_self)
    with db.transaction() as session:
        schedule(session, "again", frozen_clock(), {"round": 1}, unique_key="again")
    worker.run_once()
    with db.transaction() as session:
        job = session.scalars(select(Job)).one()
        assert job.status == JobStatus.DONE
        assert job.payload == {"round": 2}
    assert rounds == [1, 2]
