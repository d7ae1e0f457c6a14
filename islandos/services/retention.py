"""Retention: what is kept how long, and the daily run that removes what is older.

Each period is a setting (islandos/settings.py, the README's table) and the privacy page
lists them from the same `PERIODS`. The worker runs `prune` once a day (the `privacy.prune`
job, armed by a daily periodic task); `islandos privacy prune --dry-run` counts what would
go and changes nothing.

- LINE event records (dedupe of redeliveries; LINE redelivers within minutes) are deleted.
- Sent pushes and multicasts lose their recipient lists; the counts stay.
- Wrong invite or family codes typed (throttling) are deleted.
- Refused islander requests, and pending ones nobody decided, are deleted (with the name and
  phone an undecided applicant gave).
- Tourists (and people who never chose a role) with no activity are deleted as if they had
  asked, with a goodbye in LINE.
- Audit entries are deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from islandos.clock import TOKYO, now
from islandos.i18n import N_
from islandos.line.outbox import FINISHED
from islandos.line.richmenus import UNLINK_JOB
from islandos.models.audit import AuditEntry
from islandos.models.jobs import Job, JobStatus
from islandos.models.outbox import OutboxMessage
from islandos.models.people import Person, Role, Status
from islandos.models.registration import CodeAttempt, IslanderRequest, RequestStatus
from islandos.models.webhook_events import WebhookEvent
from islandos.registry import PersonalDataEraser
from islandos.scheduler import JobContext, schedule
from islandos.services import audit
from islandos.services.privacy import delete_personal_data
from islandos.settings import Settings

ACTOR = "retention"
PRUNE_HOUR = 3  # Tokyo time
IDLE_GOODBYE = N_("しばらくご利用がなかったため、ご登録のデータを削除しました。"
                  "また使うときは、「登録」と送ってください。")
IDLE_ROLES = (Role.TOURIST, Role.UNKNOWN)


@dataclass(frozen=True)
class Period:
    """One retention period, as the privacy page shows it."""

    setting: str  # the Settings field (days)
    what: str  # msgid
    why: str  # msgid


PERIODS = (
    Period("retain_webhook_events_days", N_("LINEから届いた操作の記録（ユーザーIDを含む）"),
           N_("同じ操作を二度処理しないため")),
    Period("retain_outbox_recipients_days", N_("お送りしたメッセージの宛先"),
           N_("届かなかったときに調べるため（件数だけは残ります）")),
    Period("retain_code_attempts_days", N_("まちがった招待コード・家族コードの入力"),
           N_("コードの当てずっぽうを防ぐため")),
    Period("retain_closed_requests_days",
           N_("お断りした島民登録の申請、決まらないままの申請"),
           N_("お問い合わせに答えるため")),
    Period("retain_idle_tourists_days", N_("観光の方のご利用の記録（最後のご利用から）"),
           N_("また島を訪れたときに使えるように。過ぎると削除し、LINEでお知らせします")),
    Period("retain_audit_days", N_("役場の職員がだれの情報を見たか・変えたかの記録"),
           N_("個人情報の扱いを後から確かめられるように")),
)


@dataclass
class PruneReport:
    """How many rows each rule removed (or, in a dry run, would remove)."""

    webhook_events: int = 0
    outbox_recipient_lists: int = 0
    code_attempts: int = 0
    closed_requests: int = 0
    idle_people: int = 0
    audit_entries: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def cutoff(settings: Settings, setting: str, moment: datetime) -> datetime:
    return moment - timedelta(days=int(getattr(settings, setting)))


def _idle_people(settings: Settings, moment: datetime) -> ColumnElement[bool]:
    """Tourists (or people who never chose) with nothing of theirs newer than the period."""
    before = cutoff(settings, "retain_idle_tourists_days", moment)
    recent_event = exists().where(WebhookEvent.line_user_id == Person.line_user_id,
                                  WebhookEvent.received_at >= before)
    quiet = [or_(column.is_(None), column < before) for column in (
        Person.last_seen_at, Person.followed_at, Person.registered_at, Person.unfollowed_at)]
    return and_(Person.role.in_(IDLE_ROLES), Person.status != Status.DELETED,
                Person.created_at < before, Person.updated_at < before, *quiet,
                ~recent_event)


def _closed_requests(settings: Settings, moment: datetime) -> ColumnElement[bool]:
    before = cutoff(settings, "retain_closed_requests_days", moment)
    return or_(and_(IslanderRequest.status == RequestStatus.REFUSED,
                    IslanderRequest.decided_at < before),
               and_(IslanderRequest.status == RequestStatus.PENDING,
                    IslanderRequest.created_at < before))


def _old_recipient_lists(settings: Settings, moment: datetime) -> ColumnElement[bool]:
    before = cutoff(settings, "retain_outbox_recipients_days", moment)
    return and_(OutboxMessage.status.in_(FINISHED), OutboxMessage.created_at < before,
                or_(cast(OutboxMessage.recipients, String) != "[]",
                    OutboxMessage.order_key.like("user:%")))


def _count(session: Session, model: Any, where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(where)) or 0)


def remember_last_seen(session: Session) -> int:
    """Copy each person's newest event time to `people.last_seen_at` (before events go)."""
    newest = (select(func.max(WebhookEvent.received_at))
              .where(WebhookEvent.line_user_id == Person.line_user_id).scalar_subquery())
    newer = exists().where(WebhookEvent.line_user_id == Person.line_user_id,
                           or_(Person.last_seen_at.is_(None),
                               WebhookEvent.received_at > Person.last_seen_at))
    result = session.execute(update(Person).where(Person.line_user_id.is_not(None), newer)
                             .values(last_seen_at=newest, updated_at=Person.updated_at)
                             .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def prune(
    session: Session, settings: Settings, erasers: Iterable[PersonalDataEraser],
    *, dry_run: bool = False, moment: datetime | None = None,
) -> PruneReport:
    """Remove what is older than its period (flushes); with dry_run, only count it."""
    moment = moment or now()
    idle = _idle_people(settings, moment)
    requests = _closed_requests(settings, moment)
    lists = _old_recipient_lists(settings, moment)
    events = WebhookEvent.received_at < cutoff(settings, "retain_webhook_events_days", moment)
    attempts = CodeAttempt.at < cutoff(settings, "retain_code_attempts_days", moment)
    entries = AuditEntry.at < cutoff(settings, "retain_audit_days", moment)
    report = PruneReport(
        webhook_events=_count(session, WebhookEvent, events),
        outbox_recipient_lists=_count(session, OutboxMessage, lists),
        code_attempts=_count(session, CodeAttempt, attempts),
        closed_requests=_count(session, IslanderRequest, requests),
        idle_people=_count(session, Person, idle),
        audit_entries=_count(session, AuditEntry, entries),
    )
    if dry_run or report.total == 0:
        return report
    # Audit entries first, so this run's own entries stay.
    session.execute(delete(AuditEntry).where(entries))
    for person_id in list(session.scalars(select(Person.id).where(idle).order_by(Person.id))):
        delete_personal_data(session, person_id, ACTOR, erasers, goodbye=IDLE_GOODBYE)
    for request in list(session.scalars(select(IslanderRequest).where(requests))):
        person = request.person
        if request.status == RequestStatus.PENDING and person.role != Role.ISLANDER:
            person.full_name = person.phone = person.consented_at = None  # never decided
        session.delete(request)
    remember_last_seen(session)
    session.execute(delete(WebhookEvent).where(events))
    session.execute(update(OutboxMessage).where(lists).values(recipients=[], order_key=None)
                    .execution_options(synchronize_session=False))
    session.execute(delete(CodeAttempt).where(attempts))
    # An unlink job forgets the LINE user id when it has run; one that gave up forgets it here.
    session.execute(update(Job).where(Job.kind == UNLINK_JOB,
                                      Job.status.in_((JobStatus.FAILED, JobStatus.CANCELLED)))
                    .values(payload={}).execution_options(synchronize_session=False))
    session.flush()
    audit.record(session, ACTOR, "privacy.pruned", after=report.as_dict())
    return report


def job_prune(ctx: JobContext) -> None:
    """The `privacy.prune` job: today's retention run."""
    prune(ctx.session, ctx.settings or Settings(), ctx.erasers)


def next_run(moment: datetime) -> datetime:
    """The next PRUNE_HOUR o'clock in Tokyo after `moment` (a quiet hour on the island)."""
    local = moment.astimezone(TOKYO)
    run = local.replace(hour=PRUNE_HOUR, minute=0, second=0, microsecond=0)
    return (run if run > local else run + timedelta(days=1)).astimezone(UTC)


def arm_daily_prune(session: Session, moment: datetime) -> int:
    """Periodic task (daily): arm the next `privacy.prune` job, once per day whichever worker
    arms it (the job is what sees the settings and the app's erasers)."""
    run_at = next_run(moment)
    schedule(session, "privacy.prune", run_at,
             unique_key=f"privacy.prune:{run_at.astimezone(TOKYO).date()}")
    return 0
