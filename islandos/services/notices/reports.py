"""Reading notices: the archive a person may see, delivery reports, recipient counts, quota,
and the list page's figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.models.asking import Answer, Ask, AskRecipient, AudienceKind
from islandos.models.notices import Notice, NoticeStatus
from islandos.models.people import District, Person, Role
from islandos.services import audit
from islandos.services.asking import audience as aud
from islandos.services.asking import tally as tallies
from islandos.services.family_reach import reaches_family
from islandos.services.notices.sending import SUBJECT, next_occurrence, notice_ask

ARCHIVE_PAGE = 9  # bubbles per carousel page; one more says 「もっと見る」
NOT_YET_NAMES = 500
PERSON_NOTICES = 20  # on a person's page in the dashboard


def archive_condition(person: Person) -> ColumnElement[bool]:
    """Sent notices of this person's audiences (whenever they registered), or that reached them.

    Never a notice of an audience they are not in: a tourist never sees an islanders' notice.
    """
    kinds: list[ColumnElement[bool]] = [Notice.audience_kind == AudienceKind.EVERYONE]
    if person.role == Role.ISLANDER:
        kinds.append(Notice.audience_kind == AudienceKind.ISLANDERS)
        if person.district_id is not None:
            kinds.append(and_(Notice.audience_kind == AudienceKind.DISTRICTS,
                              _district_listed(person.district_id)))
    elif person.role == Role.TOURIST and person.registered_at is not None:
        kinds.append(and_(Notice.audience_kind == AudienceKind.TOURISTS,
                          Notice.audience_since <= person.registered_at))
    elif person.role == Role.FAMILY:
        kinds.append(Notice.audience_kind == AudienceKind.FAMILY)
    received = exists().where(Ask.subject_kind == SUBJECT, Ask.subject_id == Notice.id,
                              AskRecipient.ask_id == Ask.id,
                              AskRecipient.person_id == person.id)
    return and_(Notice.status == NoticeStatus.SENT, Notice.repeat_weekdays.is_(None),
                or_(*kinds, received))


def _district_listed(district_id: int) -> ColumnElement[bool]:
    # A JSON list of ids ("[1, 3]"), matched as text so SQLite and PostgreSQL agree.
    text = func.replace(cast(Notice.audience_district_ids, String), " ", "")
    return or_(text.like(f"[{district_id},%"), text.like(f"%,{district_id},%"),
               text.like(f"%,{district_id}]"), text == f"[{district_id}]")


def notice_list(session: Session, page: int, page_size: int
                ) -> tuple[list[Notice], dict[int, int]]:
    """One page of the dashboard's list (latest first by when it went, goes or was written)
    and how many confirmed each (one grouped query)."""
    rows = list(session.scalars(
        select(Notice).where(Notice.series_id.is_(None))  # a series' sends are on its page
        .order_by(func.coalesce(Notice.sent_at, Notice.send_at,
                                              Notice.created_at).desc(), Notice.id.desc())
        .offset((max(page, 1) - 1) * page_size).limit(page_size)))
    return rows, tallies.answered_counts(session, SUBJECT, [n.id for n in rows])


@dataclass(frozen=True)
class SeriesFigures:
    """A weekly series on the list: sends so far, people reached and confirmations in all,
    and its next send (None once it has ended)."""

    sends: int = 0
    reached: int = 0
    confirmed: int = 0
    next_at: datetime | None = None


def series_figures(session: Session, series: list[Notice]) -> dict[int, SeriesFigures]:
    """SeriesFigures of the weekly series among `series` (two grouped queries)."""
    ids = [n.id for n in series if n.is_series]
    if not ids:
        return {}
    sent = {sid: (int(count), int(people or 0)) for sid, count, people in session.execute(
        select(Notice.series_id, func.count(Notice.id), func.sum(Notice.recipient_count))
        .where(Notice.series_id.in_(ids), Notice.sent_at.is_not(None))
        .group_by(Notice.series_id))}
    answered = case((AskRecipient.answered.is_(True), 1), else_=0)
    confirmed = {sid: int(count or 0) for sid, count in session.execute(
        select(Notice.series_id, func.sum(answered))
        .join(Ask, and_(Ask.subject_kind == SUBJECT, Ask.subject_id == Notice.id))
        .join(AskRecipient, AskRecipient.ask_id == Ask.id)
        .where(Notice.series_id.in_(ids)).group_by(Notice.series_id))}
    moment = now()
    return {n.id: SeriesFigures(
        *sent.get(n.id, (0, 0)), confirmed.get(n.id, 0),
        next_occurrence(n, moment) if n.status == NoticeStatus.SCHEDULED else None)
        for n in series if n.is_series}


def archive_page(session: Session, person: Person, page: int) -> tuple[list[Notice], bool]:
    """Notices this person may read, latest first; returns the page and whether more follow."""
    rows = list(session.scalars(
        select(Notice).where(archive_condition(person))
        .order_by(Notice.sent_at.desc(), Notice.id.desc())
        .offset(max(page, 0) * ARCHIVE_PAGE).limit(ARCHIVE_PAGE + 1)))
    return rows[:ARCHIVE_PAGE], len(rows) > ARCHIVE_PAGE


def readable_notice(session: Session, person: Person, notice_id: int) -> Notice | None:
    """One notice, only when the archive rule lets this person read it."""
    return session.scalar(select(Notice).where(Notice.id == notice_id,
                                               archive_condition(person)))


def received_copy(session: Session, notice_id: int, person_id: int) -> bool | None:
    """Whether this notice reached this person: None if not, else whether as family."""
    found = session.execute(
        select(AskRecipient.is_family).join(Ask, Ask.id == AskRecipient.ask_id)
        .where(Ask.subject_kind == SUBJECT, Ask.subject_id == notice_id,
               AskRecipient.person_id == person_id).limit(1)).first()
    return None if found is None else bool(found[0])


@dataclass
class DistrictLine:
    """One row of the delivery report: the notice's tally line, named as the page reads it."""

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

    @classmethod
    def of(cls, line: tallies.TallyLine) -> DistrictLine:
        return cls(line.district_id, line.name, line.asked, line.accepted, line.failed,
                   line.waiting, line.not_sent, line.answered)


@dataclass
class DeliveryReport:
    lines: list[DistrictLine] = field(default_factory=list)
    not_yet_people: list[dict[str, Any]] = field(default_factory=list)
    total: DistrictLine = field(default_factory=lambda: DistrictLine(None, ""))


def delivery_report(session: Session, notice: Notice, language: str) -> DeliveryReport:
    """Accepted / failed / waiting / not sent / confirmed per district (the core's tally: one
    grouped query), and who has not confirmed yet (names for the office to phone or visit)."""
    ask = notice_ask(session, notice.id)
    if ask is None:
        return DeliveryReport()
    tally = tallies.tally(session, ask, language)
    people = (tallies.not_answered(session, ask, language, NOT_YET_NAMES)
              if notice.needs_confirmation else [])
    return DeliveryReport([DistrictLine.of(line) for line in tally.lines], people,
                          DistrictLine.of(tally.total))


CALL_LIST_MAX = 5000


@dataclass(frozen=True)
class CallList:
    """Who has not confirmed a notice, by district, with phone numbers (取扱注意)."""

    districts: list[tuple[str, list[dict[str, Any]]]]

    @property
    def people(self) -> int:
        return sum(len(people) for _name, people in self.districts)


def call_list(session: Session, notice: Notice, language: str, actor: str) -> CallList:
    """The printable call list of a notice's non-confirmers, by district (the districts'
    order, those without one last). Phone numbers are personal data: every list made is
    audited as notice.call_list_printed (who, when, which notice, how many people)."""
    ask = notice_ask(session, notice.id)
    people = (tallies.not_answered(session, ask, language, CALL_LIST_MAX)
              if ask is not None and notice.needs_confirmation else [])
    order = {d.id: d.sort_order for d in session.scalars(select(District))}
    people.sort(key=lambda p: (p["district_id"] is None, order.get(p["district_id"], 0)))
    grouped: dict[int | None, tuple[str, list[dict[str, Any]]]] = {}
    for person in people:
        grouped.setdefault(person["district_id"], (person["district"], []))[1].append(person)
    result = CallList(list(grouped.values()))
    audit.record(session, actor, "notice.call_list_printed", f"notice:{notice.id}",
                 after={"people": result.people})
    return result


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
    return aud.count_audience(session, audience, moment, with_family=reaches_family(priority))


@dataclass(frozen=True)
class Received:
    """A notice as one person got it: a family copy or not, when, and when they confirmed."""

    notice: Notice
    is_family: bool
    created_at: datetime
    confirmed_at: datetime | None


def received_by(session: Session, person_id: int, limit: int = PERSON_NOTICES
                ) -> tuple[list[Received], int]:
    """The notices that went to one person (latest first, at most `limit`), and how many
    there are in all."""
    reached = and_(Ask.subject_kind == SUBJECT, Ask.subject_id == Notice.id,
                   AskRecipient.ask_id == Ask.id, AskRecipient.person_id == person_id)
    rows = session.execute(
        select(Notice, AskRecipient.is_family, AskRecipient.created_at, Answer.answered_at)
        .select_from(AskRecipient).join(Ask, Ask.id == AskRecipient.ask_id)
        .join(Notice, Notice.id == Ask.subject_id)
        .outerjoin(Answer, Answer.recipient_id == AskRecipient.id)
        .where(reached)
        .order_by(AskRecipient.created_at.desc(), AskRecipient.id.desc()).limit(limit)).all()
    total = session.scalar(select(func.count()).select_from(AskRecipient)
                           .join(Ask, Ask.id == AskRecipient.ask_id)
                           .where(Ask.subject_kind == SUBJECT,
                                  AskRecipient.person_id == person_id)) or 0
    return [Received(notice, bool(family), created, confirmed)
            for notice, family, created, confirmed in rows], total
