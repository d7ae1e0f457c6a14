"""Reading notices: the archive a person may see, delivery reports, recipient counts, quota."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from islandos.models.notices import Notice, NoticeDelivery, NoticePriority
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.models.people import District, Person
from islandos.services.notices import audience as aud

ARCHIVE_PAGE = 9  # bubbles per carousel page; one more says 「もっと見る」
NOT_YET_NAMES = 500
PERSON_NOTICES = 20  # on a person's page in the dashboard


def archive_page(session: Session, person: Person, page: int) -> tuple[list[Notice], bool]:
    """Notices this person may read, latest first; returns the page and whether more follow."""
    rows = list(session.scalars(
        select(Notice).where(aud.archive_condition(person))
        .order_by(Notice.sent_at.desc(), Notice.id.desc())
        .offset(max(page, 0) * ARCHIVE_PAGE).limit(ARCHIVE_PAGE + 1)))
    return rows[:ARCHIVE_PAGE], len(rows) > ARCHIVE_PAGE


def readable_notice(session: Session, person: Person, notice_id: int) -> Notice | None:
    """One notice, only when the archive rule lets this person read it."""
    return session.scalar(select(Notice).where(Notice.id == notice_id,
                                               aud.archive_condition(person)))


@dataclass
class DistrictLine:
    district_id: int | None
    name: str
    recipients: int = 0
    accepted: int = 0
    failed: int = 0
    waiting: int = 0
    not_sent: int = 0  # dropped (too late, unfollowed) or unknown
    confirmed: int = 0

    @property
    def not_yet(self) -> int:
        return self.recipients - self.confirmed


@dataclass
class DeliveryReport:
    lines: list[DistrictLine] = field(default_factory=list)
    not_yet_people: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> DistrictLine:
        total = DistrictLine(None, "")
        for line in self.lines:
            for name in ("recipients", "accepted", "failed", "waiting", "not_sent", "confirmed"):
                setattr(total, name, getattr(total, name) + getattr(line, name))
        return total


def _bucket(status: str | None) -> str:
    if status == OutboxStatus.ACCEPTED:
        return "accepted"
    if status == OutboxStatus.FAILED:
        return "failed"
    if status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
        return "waiting"
    return "not_sent"


def delivery_report(session: Session, notice: Notice, language: str) -> DeliveryReport:
    """Accepted / failed / confirmed / not yet per district (one grouped query), and who
    has not confirmed yet (names for the office to phone or visit)."""
    confirmed = case((NoticeDelivery.confirmed_at.is_not(None), 1), else_=0)
    # The worker leaves out of a batch whoever unfollowed before its first attempt.
    left_out = and_(Person.unfollowed_at.is_not(None),
                    OutboxMessage.first_attempt_at.is_not(None),
                    Person.unfollowed_at <= OutboxMessage.first_attempt_at)
    status = case((left_out, OutboxStatus.DROPPED), else_=OutboxMessage.status)
    grouped = session.execute(
        select(NoticeDelivery.district_id, status, func.count(), func.sum(confirmed))
        .outerjoin(OutboxMessage, OutboxMessage.id == NoticeDelivery.outbox_id)
        .outerjoin(Person, Person.id == NoticeDelivery.person_id)
        .where(NoticeDelivery.notice_id == notice.id)
        .group_by(NoticeDelivery.district_id, status)).all()
    districts = {d.id: d for d in session.scalars(select(District))}
    lines: dict[int | None, DistrictLine] = {}
    for district_id, status, count, confirmed_count in grouped:
        district = districts.get(district_id) if district_id is not None else None
        line = lines.setdefault(district_id, DistrictLine(
            district_id, district.name(language) if district else ""))
        line.recipients += count
        line.confirmed += int(confirmed_count or 0)
        bucket = _bucket(status)
        setattr(line, bucket, getattr(line, bucket) + count)
    order = sorted(lines.values(), key=lambda x: (
        x.district_id is None, districts[x.district_id].sort_order if x.district_id in districts
        else 0, x.name))
    people = [
        {"person_id": pid, "name": name, "phone": phone, "is_family": family,
         "district": districts[did].name(language) if did in districts else ""}
        for pid, name, phone, family, did in session.execute(
            select(Person.id, Person.full_name, Person.phone, NoticeDelivery.is_family,
                   NoticeDelivery.district_id)
            .join(Person, Person.id == NoticeDelivery.person_id)
            .where(NoticeDelivery.notice_id == notice.id, NoticeDelivery.confirmed_at.is_(None))
            .order_by(NoticeDelivery.district_id, Person.full_name, Person.id)
            .limit(NOT_YET_NAMES))
    ] if notice.needs_confirmation else []
    return DeliveryReport(order, people)


@dataclass(frozen=True)
class QuotaCheck:
    needed: int
    limit: int | None
    used: int
    error: str | None = None
    reminders: int = 0  # at most: one reminder per send to everyone, if nobody confirms

    @property
    def left(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)

    @property
    def exceeds(self) -> bool:
        return self.left is not None and self.needed > self.left

    @property
    def may_exceed(self) -> bool:
        """Not certain: only if the reminders go to (nearly) everyone."""
        return (not self.exceeds and self.left is not None
                and self.needed + self.reminders > self.left)


def quota_check(figures: dict[str, Any] | None, needed: int, error: str | None = None,
                reminders: int = 0) -> QuotaCheck:
    """Compare LINE's monthly quota (transport.quota()) with what a notice will use, and
    with the reminders it may add (their number depends on who confirms).

    LINE counts one message per recipient per request, however many bubbles it holds.
    """
    figures = figures or {}
    limit = figures.get("limit") if figures.get("type") == "limited" else None
    return QuotaCheck(needed, int(limit) if limit is not None else None,
                      int(figures.get("used") or 0), error, reminders)


def recipient_count(session: Session, audience: aud.Audience, priority: str,
                    moment: datetime) -> aud.AudienceCount:
    """The exact number of people (and family, for an emergency) it would reach now."""
    return aud.count_audience(session, audience, moment,
                              with_family=priority == NoticePriority.EMERGENCY)


def received_by(session: Session, person_id: int, limit: int = PERSON_NOTICES
                ) -> tuple[list[tuple[Notice, NoticeDelivery]], int]:
    """The notices that went to one person (latest first, at most `limit`) with their delivery
    (confirmed_at, family copy), and how many there are in all."""
    rows = session.execute(
        select(Notice, NoticeDelivery).join(NoticeDelivery, NoticeDelivery.notice_id == Notice.id)
        .where(NoticeDelivery.person_id == person_id)
        .order_by(NoticeDelivery.created_at.desc(), NoticeDelivery.id.desc()).limit(limit)).all()
    total = session.scalar(select(func.count()).select_from(NoticeDelivery).where(
        NoticeDelivery.person_id == person_id)) or 0
    return [(notice, delivery) for notice, delivery in rows], total
