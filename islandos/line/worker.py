"""The worker: sends the outbox to LINE with retry keys, backs off, pauses, runs due jobs."""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from islandos.clock import TOKYO, now
from islandos.db import Database
from islandos.line.gateway import LineTransport, Outcome, SendResult
from islandos.line.outbox import forget_once_sent
from islandos.models.jobs import Job, JobStatus
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.models.people import Person, Status
from islandos.models.system import SendingPause, WorkerHeartbeat
from islandos.models.webhook_events import ReplyState, WebhookEvent
from islandos.scheduler import JobContext, JobRegistry, LineJobContext
from islandos.settings import Settings

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
RETRY_KEY_LIFETIME = timedelta(hours=24)
MAX_BACKOFF = timedelta(minutes=15)
JOB_MAX_ATTEMPTS = 5
UNAUTHORIZED_RECHECK = timedelta(minutes=10)
STALE_REPLY = timedelta(minutes=5)
OPEN = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def backoff(attempts: int, base_seconds: float = 2.0) -> timedelta:
    """Exponential backoff with full jitter, capped."""
    ceiling = min(base_seconds * (2 ** max(attempts - 1, 0)), MAX_BACKOFF.total_seconds())
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def next_month_start_tokyo(moment: datetime) -> datetime:
    """LINE's monthly quota resets at the start of the month in Japan time."""
    local = moment.astimezone(TOKYO)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (first + timedelta(days=32)).replace(day=1)
    return following.astimezone(UTC)


def active_pause(session: Session) -> SendingPause | None:
    """The pause in force, if sending is paused (expired pauses are ignored)."""
    return session.scalar(
        select(SendingPause)
        .where(or_(SendingPause.resume_at.is_(None), SendingPause.resume_at > now()))
        .order_by(SendingPause.id.desc()).limit(1)
    )


def resume_sending(session: Session) -> int:
    """Lift every pause (flushes); returns how many there were."""
    result = session.execute(delete(SendingPause))
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass
class WorkReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    dropped: int = 0
    unknown: int = 0
    jobs_done: int = 0
    jobs_failed: int = 0
    paused: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def did_something(self) -> bool:
        return bool(self.sent or self.failed or self.retried or self.dropped or self.unknown
                    or self.jobs_done or self.jobs_failed)


class Worker:
    def __init__(
        self, db: Database, transport: LineTransport, jobs: JobRegistry,
        *, worker_id: str | None = None, batch: int = 20, settings: Settings | None = None,
    ) -> None:
        self.db = db
        self.settings = settings  # handed to jobs (PUBLIC_BASE_URL when they run)
        self.transport = transport
        self.jobs = jobs
        self.batch = batch
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._periodic_last_run: dict[str, datetime] = {}
        self._held_until: datetime | None = None

    # Loop --------------------------------------------------------------------

    def run_forever(self, stop: threading.Event, poll_seconds: float = 1.0) -> None:
        log.info("worker %s started", self.worker_id)
        while not stop.is_set():
            try:
                report = self.run_once()
            except Exception:
                log.exception("worker %s: round failed; trying again", self.worker_id)
                report = WorkReport()
            if not report.did_something:
                stop.wait(poll_seconds)
        log.info("worker %s stopped", self.worker_id)

    def run_once(self) -> WorkReport:
        """Do everything that is due now, then return what was done."""
        report = WorkReport()
        self._heartbeat()
        self._expire_old_retry_keys(report)
        self._settle_stale_replies()
        while self._run_due_jobs(report):
            pass
        self._run_periodic_tasks()
        while True:
            with self.db.transaction() as session:
                pause = active_pause(session)
                report.paused = pause.reason if pause else None
            if pause is not None:
                break
            if self._held_until is not None and now() < self._held_until:
                break  # LINE asked us to wait (Retry-After): nothing goes out before then
            claimed = self._claim_outbox()
            if not claimed:
                break
            for position, message_id in enumerate(claimed):
                result = self._send(message_id, report)
                if result is None:
                    continue
                if result.outcome in (Outcome.MONTHLY_LIMIT, Outcome.UNAUTHORIZED):
                    self._release(claimed[position + 1:])
                    break
                if result.outcome is Outcome.RETRY and result.retry_after is not None:
                    # LINE's rate limit is the channel's: the other messages would be refused too.
                    self._held_until = now() + timedelta(seconds=result.retry_after)
                    self._release(claimed[position + 1:])
                    break
        return report

    def _release(self, message_ids: list[int]) -> None:
        """Give back rows claimed but not tried (sending just paused)."""
        if not message_ids:
            return
        with self.db.transaction() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(message_ids),
                       OutboxMessage.status == OutboxStatus.SENDING)
                .values(status=OutboxStatus.PENDING, lease_until=None)
            )

    def _heartbeat(self) -> None:
        with self.db.transaction() as session:
            beat = session.get(WorkerHeartbeat, self.worker_id)
            if beat is None:
                session.add(WorkerHeartbeat(worker_id=self.worker_id, seen_at=now()))
            else:
                beat.seen_at = now()

    # Outbox ------------------------------------------------------------------

    def _claim_outbox(self) -> list[int]:
        """Take due rows with a lease; several workers never take the same row."""
        moment = now()
        earlier = aliased(OutboxMessage)
        waiting_behind_earlier = exists().where(
            earlier.order_key == OutboxMessage.order_key,
            earlier.id < OutboxMessage.id,
            earlier.status.in_(OPEN),
        )
        due = or_(
            and_(OutboxMessage.status == OutboxStatus.PENDING,
                 OutboxMessage.next_attempt_at <= moment),
            and_(OutboxMessage.status == OutboxStatus.SENDING,
                 OutboxMessage.lease_until < moment),
        )
        with self.db.transaction() as session:
            query = (
                select(OutboxMessage.id)
                .where(due, or_(OutboxMessage.order_key.is_(None), ~waiting_behind_earlier))
                .order_by(OutboxMessage.priority.desc(), OutboxMessage.id)
                .limit(self.batch)
            )
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True, of=OutboxMessage)
            candidates = list(session.scalars(query))
            claimed = []
            for message_id in candidates:
                result = session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message_id, due)
                    .values(status=OutboxStatus.SENDING, lease_until=moment + LEASE)
                )
                if getattr(result, "rowcount", 0) == 1:
                    claimed.append(message_id)
            return claimed

    def _prepare(self, session: Session, row: OutboxMessage, report: WorkReport) -> bool:
        """Before the first attempt: drop what is too late, leave out who unfollowed."""
        moment = now()
        if row.not_after is not None and row.not_after < moment:
            row.status = OutboxStatus.DROPPED if row.attempts == 0 else OutboxStatus.UNKNOWN
            row.last_error = "not sent: its not-after time had passed"
            report.dropped += 1
            return False
        if row.attempts == 0:
            unreachable = set(session.scalars(
                select(Person.line_user_id).where(
                    Person.line_user_id.in_(row.recipients), Person.status != Status.ACTIVE)
            ))
            if unreachable:
                row.recipients = [r for r in row.recipients if r not in unreachable]
                row.recipient_count = len(row.recipients)
            if not row.recipients:
                row.status = OutboxStatus.DROPPED
                row.last_error = "no recipient follows the account any more"
                report.dropped += 1
                return False
            row.first_attempt_at = moment
        return True

    def _send(self, message_id: int, report: WorkReport) -> SendResult | None:
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None or row.status != OutboxStatus.SENDING:
                return None
            if not self._prepare(session, row, report):
                return None
            row.attempts += 1
            kind, recipients = row.kind, list(row.recipients)
            messages, retry_key = list(row.messages), row.retry_key
        if kind == "push":
            result = self.transport.push(recipients[0], messages, retry_key)
        else:
            result = self.transport.multicast(recipients, messages, retry_key)
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, message_id)
            assert row is not None
            self._record_result(session, row, result, report)
        return result

    def _record_result(
        self, session: Session, row: OutboxMessage, result: SendResult, report: WorkReport
    ) -> None:
        moment = now()
        row.lease_until = None
        row.line_request_id = result.request_id or row.line_request_id
        outcome = result.outcome
        if outcome is Outcome.ACCEPTED:
            row.status, row.accepted_at, row.last_error = OutboxStatus.ACCEPTED, moment, None
            forget_once_sent(row)
            report.sent += 1
            return
        row.last_error = f"{result.status or '-'} {result.detail}".strip()[:1000]
        if outcome is Outcome.REFUSED:
            row.status = OutboxStatus.FAILED
            forget_once_sent(row)
            report.failed += 1
            log.warning("outbox %s refused by LINE: %s", row.id, row.last_error)
            return
        row.status = OutboxStatus.PENDING
        if outcome in (Outcome.MONTHLY_LIMIT, Outcome.UNAUTHORIZED):
            # Not this message's fault: it waits, unchanged, for sending to resume.
            row.attempts -= 1
            row.next_attempt_at = moment
            resume_at = (next_month_start_tokyo(moment) if outcome is Outcome.MONTHLY_LIMIT
                         else moment + UNAUTHORIZED_RECHECK)
            session.add(SendingPause(reason=outcome.value, detail=row.last_error,
                                     paused_at=moment, resume_at=resume_at))
            report.paused = outcome.value
            log.error("sending paused (%s): %s", outcome.value, row.last_error)
            return
        wait = backoff(row.attempts)
        if result.retry_after is not None:
            # LINE said how long to wait: at least that, whatever our own back-off says.
            wait = max(wait, timedelta(seconds=result.retry_after))
            row.last_error = f"{row.last_error} (Retry-After {result.retry_after:g} s)"[:1000]
        row.next_attempt_at = moment + wait
        report.retried += 1
        log.info("outbox %s will be retried (%s)", row.id, row.last_error)

    def _expire_old_retry_keys(self, report: WorkReport) -> None:
        """A request unconfirmed 24 h after its first attempt can no longer be proven; stop."""
        with self.db.transaction() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status.in_(OPEN),
                       OutboxMessage.first_attempt_at < now() - RETRY_KEY_LIFETIME)
                .values(status=OutboxStatus.UNKNOWN, lease_until=None,
                        last_error="retry key older than 24 hours; delivery unknown")
            )
            report.unknown += int(getattr(result, "rowcount", 0) or 0)

    def _settle_stale_replies(self) -> None:
        """A reply left pending by a crashed process may have gone out; it is never resent."""
        with self.db.transaction() as session:
            session.execute(
                update(WebhookEvent)
                .where(WebhookEvent.reply_state == ReplyState.PENDING,
                       WebhookEvent.received_at < now() - STALE_REPLY)
                .values(reply_state=ReplyState.UNKNOWN, reply_error="process stopped mid-reply")
            )

    def _run_periodic_tasks(self) -> None:
        for task in self.jobs.periodic:
            moment = now()
            last = self._periodic_last_run.get(task.name)
            if last is not None and moment - last < task.interval:
                continue
            self._periodic_last_run[task.name] = moment
            try:
                with self.db.transaction() as session:
                    touched = task.run(session, moment)
            except Exception:
                log.exception("periodic task %s failed; next try in %s", task.name, task.interval)
                continue
            if touched:
                log.info("periodic task %s touched %d rows", task.name, touched)

    # Jobs --------------------------------------------------------------------

    def _run_due_jobs(self, report: WorkReport) -> bool:
        moment = now()
        due = or_(
            and_(Job.status == JobStatus.PENDING, Job.run_at <= moment),
            and_(Job.status == JobStatus.RUNNING, Job.lease_until < moment),
        )
        with self.db.transaction() as session:
            query = select(Job.id).where(due).order_by(Job.run_at, Job.id).limit(1)
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            job_id = session.scalar(query)
            if job_id is None:
                return False
            result = session.execute(
                update(Job).where(Job.id == job_id, due)
                .values(status=JobStatus.RUNNING, lease_until=moment + LEASE,
                        attempts=Job.attempts + 1)
            )
            if getattr(result, "rowcount", 0) != 1:
                return True
        try:
            with self.db.transaction() as session:
                job = session.get(Job, job_id)
                assert job is not None
                kind, payload = job.kind, dict(job.payload)
            line_job = self.jobs.line_job(kind)
            if line_job is not None:
                line_job(LineJobContext(self.db, payload, self.transport))
            with self.db.transaction() as session:
                # The row lock makes a re-arm of this job (same unique key) wait for us and
                # then take effect, instead of being overwritten by "done".
                job = session.get(Job, job_id, with_for_update=True)
                if job is None or job.status != JobStatus.RUNNING:
                    return True  # re-armed since it was claimed: it runs again with its new payload
                if line_job is None:
                    self.jobs.get(job.kind)(JobContext(session, dict(job.payload), self.transport,
                                                     self.settings, self.jobs.erasers))
                if job.status == JobStatus.RUNNING:
                    job.status, job.finished_at, job.last_error = JobStatus.DONE, now(), None
            report.jobs_done += 1
        except Exception as exc:
            log.exception("job %s failed", job_id)
            with self.db.transaction() as session:
                job = session.get(Job, job_id)
                assert job is not None
                job.last_error = f"{exc.__class__.__name__}: {exc}"[:1000]
                if job.attempts >= JOB_MAX_ATTEMPTS:
                    job.status, job.finished_at = JobStatus.FAILED, now()
                    report.jobs_failed += 1
                else:
                    job.status, job.run_at = JobStatus.PENDING, now() + backoff(job.attempts, 30)
                job.lease_until = None
        return True
