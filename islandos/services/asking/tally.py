"""Who was asked and who answered what, per district, in one grouped query; the list of
those who have not answered; answered counts for a list of subjects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, String, and_, case, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from islandos.models.asking import AnonymousAnswer, Answer, AnswerStatus, Ask, AskRecipient
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.models.people import District, Person
from islandos.services.asking.asks import options_in

NOT_ANSWERED_NAMES = 500
DELIVERY_BUCKETS = ("accepted", "failed", "waiting", "not_sent")


@dataclass
class TallyLine:
    """One district (None: no district, e.g. family off the island, tourists)."""

    district_id: int | None
    name: str
    asked: int = 0
    answered: int = 0
    # How the message that asked them went: LINE accepted it, refused it, it waits, or it
    # was not sent (dropped as too late, unfollowed before it went, or asked without one).
    accepted: int = 0
    failed: int = 0
    waiting: int = 0
    not_sent: int = 0
    answers: dict[str, int] = field(default_factory=dict)  # counted answers per option
    people: dict[str, int] = field(default_factory=dict)  # the same with guests
    waitlisted: int = 0
    waitlisted_people: int = 0

    @property
    def not_answered(self) -> int:
        return self.asked - self.answered

    def add(self, other: TallyLine) -> None:
        for name in ("asked", "answered", "accepted", "failed", "waiting", "not_sent",
                     "waitlisted", "waitlisted_people"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.answers, other.answers), (self.people, other.people)):
            for option, count in theirs.items():
                mine[option] = mine.get(option, 0) + count


@dataclass
class Tally:
    options: list[str]
    lines: list[TallyLine]  # per district, in the districts' order
    # Counts of anonymous answers (never per district: a small district would give people
    # away); named asks have none.
    anonymous: TallyLine

    @property
    def total(self) -> TallyLine:
        total = TallyLine(None, "", answers=dict.fromkeys(self.options, 0),
                          people=dict.fromkeys(self.options, 0))
        for line in self.lines:
            total.add(line)
        total.add(self.anonymous)
        return total


def delivery_bucket(status: str | None) -> str:
    if status == OutboxStatus.ACCEPTED:
        return "accepted"
    if status == OutboxStatus.FAILED:
        return "failed"
    if status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
        return "waiting"
    return "not_sent"


def tally_statement(ask_id: int) -> Any:
    """The one statement behind `tally`: recipients LEFT JOIN their answers (and the batch
    that asked them) grouped by district, delivery status, answer status and choices, then
    the anonymous answers grouped by choices."""
    # The worker leaves out of a batch whoever unfollowed before its first attempt.
    left_out = and_(Person.unfollowed_at.is_not(None),
                    OutboxMessage.first_attempt_at.is_not(None),
                    Person.unfollowed_at <= OutboxMessage.first_attempt_at)
    delivery = case((left_out, OutboxStatus.DROPPED), else_=OutboxMessage.status)
    answered = case((AskRecipient.answered.is_(True), 1), else_=0)
    named = (
        select(AskRecipient.district_id.label("district_id"), delivery.label("delivery"),
               Answer.status.label("status"), Answer.choices.label("choices"),
               func.count(AskRecipient.id).label("asked"),
               func.sum(answered).label("answered"),
               func.count(Answer.id).label("answers"),
               func.coalesce(func.sum(1 + Answer.guests), 0).label("people"))
        .select_from(AskRecipient)
        .outerjoin(Answer, Answer.recipient_id == AskRecipient.id)
        .outerjoin(OutboxMessage, OutboxMessage.id == AskRecipient.outbox_id)
        .outerjoin(Person, Person.id == AskRecipient.person_id)
        .where(AskRecipient.ask_id == ask_id)
        .group_by(AskRecipient.district_id, delivery, Answer.status, Answer.choices))
    anonymous = (
        select(null().cast(Integer), literal("anonymous", String), null().cast(String),
               AnonymousAnswer.choices, literal(0, Integer), literal(0, Integer),
               func.count(), func.count())
        .where(AnonymousAnswer.ask_id == ask_id)
        .group_by(AnonymousAnswer.choices))
    return union_all(named, anonymous)


def tally(session: Session, ask: Ask, language: str,
          districts: dict[int, District] | None = None) -> Tally:
    """Asked, answered, per option (with guests), waitlisted and the delivery of the asking
    message, per district: one SQL query (plus the districts' names unless given)."""
    if districts is None:
        districts = {d.id: d for d in session.scalars(select(District))}
    lines: dict[int | None, TallyLine] = {}
    anonymous = TallyLine(None, "")
    for district_id, status, answer_status, choices, asked, answered, answers, people in (
            session.execute(tally_statement(ask.id))):
        if status == "anonymous":
            line = anonymous
        else:
            district = districts.get(district_id) if district_id is not None else None
            line = lines.setdefault(district_id, TallyLine(
                district_id, district.name(language) if district else ""))
            line.asked += asked
            line.answered += int(answered or 0)
            bucket = delivery_bucket(status)
            setattr(line, bucket, getattr(line, bucket) + asked)
        if choices is None:
            continue
        if answer_status == AnswerStatus.WAITLISTED:
            line.waitlisted += answers
            line.waitlisted_people += int(people)
            continue
        for option in options_in(ask, choices):
            line.answers[option] = line.answers.get(option, 0) + answers
            line.people[option] = line.people.get(option, 0) + int(people)
    order = sorted(lines.values(), key=lambda x: (
        x.district_id is None,
        districts[x.district_id].sort_order if x.district_id in districts else 0, x.name))
    return Tally(list(ask.options), order, anonymous)


def not_answered(session: Session, ask: Ask, language: str,
                 limit: int = NOT_ANSWERED_NAMES) -> list[dict[str, Any]]:
    """Those asked who have not answered, by district and name (for the office to phone or
    visit): person id, name, phone, family copy or not, district."""
    districts = {d.id: d.name(language) for d in session.scalars(select(District))}
    return [
        {"person_id": pid, "name": name, "phone": phone, "is_family": family,
         "district": districts.get(did, "") if did is not None else ""}
        for pid, name, phone, family, did in session.execute(
            select(Person.id, Person.full_name, Person.phone, AskRecipient.is_family,
                   AskRecipient.district_id)
            .join(Person, Person.id == AskRecipient.person_id)
            .where(AskRecipient.ask_id == ask.id, AskRecipient.answered.is_(False))
            .order_by(AskRecipient.district_id, Person.full_name, Person.id)
            .limit(limit))]


def answered_counts(session: Session, subject_kind: str, subject_ids: Sequence[int]
                    ) -> dict[int, int]:
    """How many answered, per subject (one grouped query), for a list page."""
    if not subject_ids:
        return {}
    answered = case((AskRecipient.answered.is_(True), 1), else_=0)
    return {subject_id: int(count or 0) for subject_id, count in session.execute(
        select(Ask.subject_id, func.sum(answered))
        .join(AskRecipient, AskRecipient.ask_id == Ask.id)
        .where(Ask.subject_kind == subject_kind, Ask.subject_id.in_(list(subject_ids)))
        .group_by(Ask.subject_id))}
