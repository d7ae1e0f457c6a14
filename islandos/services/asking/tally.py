"""Who was asked and who answered what, per district, in one grouped query; the list of
those who have not answered; answered counts for a list of subjects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, String, case, func, literal, null, select, type_coerce, union_all
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
    """The one statement behind `tally`, four grouped parts read with covering indexes:

    - "asked": recipients by district and the status of the batch that asked them, with how
      many of them answered (the `answered` mark, named or anonymous);
    - "answers": named answers by district (the recipient's, copied onto the answer), status
      and choices, with the people they bring (1 + guests);
    - "left_out": recipients who unfollowed before their batch was first tried (the worker
      left them out), by district and batch status: moved to "not sent";
    - "anonymous": anonymous answers by choices.

    Each part reads one covering index (left_out only the few people who unfollowed); the
    straightforward recipients LEFT JOIN answers needs an index lookup per recipient and took
    about three times as long (benchmarks/tally.py prints both).
    """
    answered = case((AskRecipient.answered.is_(True), 1), else_=0)
    asked = (
        select(AskRecipient.district_id.label("district_id"), literal("asked").label("part"),
               # Plain strings: the union mixes delivery and answer statuses in one column.
               type_coerce(OutboxMessage.status, String).label("status"),
               null().cast(Integer).label("choices"),
               func.count().label("count"), func.sum(answered).label("answered"),
               literal(0).label("people"))
        .select_from(AskRecipient)
        .outerjoin(OutboxMessage, OutboxMessage.id == AskRecipient.outbox_id)
        .where(AskRecipient.ask_id == ask_id)
        .group_by(AskRecipient.district_id, OutboxMessage.status))
    answers = (
        select(Answer.district_id, literal("answers"), type_coerce(Answer.status, String),
               Answer.choices,
               func.count(), literal(0), func.sum(1 + Answer.guests))
        .where(Answer.ask_id == ask_id)
        .group_by(Answer.district_id, Answer.status, Answer.choices))
    unfollowed = select(Person.id).where(Person.unfollowed_at.is_not(None))
    left_out = (
        select(AskRecipient.district_id, literal("left_out"),
               type_coerce(OutboxMessage.status, String),
               null().cast(Integer), func.count(), literal(0), literal(0))
        .select_from(AskRecipient)
        .join(OutboxMessage, OutboxMessage.id == AskRecipient.outbox_id)
        .join(Person, Person.id == AskRecipient.person_id)
        .where(AskRecipient.ask_id == ask_id, AskRecipient.person_id.in_(unfollowed),
               OutboxMessage.first_attempt_at.is_not(None),
               Person.unfollowed_at <= OutboxMessage.first_attempt_at)
        .group_by(AskRecipient.district_id, OutboxMessage.status))
    anonymous = (
        select(null().cast(Integer), literal("anonymous"), null().cast(String),
               AnonymousAnswer.choices, func.count(), literal(0), func.count())
        .where(AnonymousAnswer.ask_id == ask_id)
        .group_by(AnonymousAnswer.choices))
    return union_all(asked, answers, left_out, anonymous)


def tally(session: Session, ask: Ask, language: str,
          districts: dict[int, District] | None = None) -> Tally:
    """Asked, answered, per option (with guests), waitlisted and the delivery of the asking
    message, per district: one SQL query (plus the districts' names unless given)."""
    if districts is None:
        districts = {d.id: d for d in session.scalars(select(District))}
    lines: dict[int | None, TallyLine] = {}
    anonymous = TallyLine(None, "")

    def line_of(district_id: int | None) -> TallyLine:
        if district_id not in lines:
            district = districts.get(district_id) if district_id is not None else None
            lines[district_id] = TallyLine(district_id,
                                           district.name(language) if district else "")
        return lines[district_id]

    for district_id, part, status, choices, count, answered, people in session.execute(
            tally_statement(ask.id)):
        line = anonymous if part == "anonymous" else line_of(district_id)
        if part == "asked":
            line.asked += count
            line.answered += int(answered or 0)
            bucket = delivery_bucket(status)
            setattr(line, bucket, getattr(line, bucket) + count)
        elif part == "left_out":
            bucket = delivery_bucket(status)
            setattr(line, bucket, getattr(line, bucket) - count)
            line.not_sent += count
        elif status == AnswerStatus.WAITLISTED:
            line.waitlisted += count
            line.waitlisted_people += int(people or 0)
        else:
            for option in options_in(ask, choices):
                line.answers[option] = line.answers.get(option, 0) + count
                line.people[option] = line.people.get(option, 0) + int(people or 0)
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
         "district": districts.get(did, "") if did is not None else "", "district_id": did}
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


def asked_and_answered(session: Session, subject_kind: str, subject_ids: Sequence[int]
                       ) -> dict[int, tuple[int, int]]:
    """How many were asked and how many answered, per subject (one grouped query)."""
    if not subject_ids:
        return {}
    answered = case((AskRecipient.answered.is_(True), 1), else_=0)
    return {subject_id: (int(asked or 0), int(count or 0))
            for subject_id, asked, count in session.execute(
                select(Ask.subject_id, func.count(AskRecipient.id), func.sum(answered))
                .join(AskRecipient, AskRecipient.ask_id == Ask.id)
                .where(Ask.subject_kind == subject_kind, Ask.subject_id.in_(list(subject_ids)))
                .group_by(Ask.subject_id))}
