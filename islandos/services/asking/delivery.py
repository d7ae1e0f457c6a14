"""Sending an ask through the outbox: multicasts of ≤500 per language, one recipient row per
person (the snapshot of who was asked), family copies, resending what LINE refused, and one
reminder to those who have not answered."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, exists, func, insert, select, true, update
from sqlalchemy.orm import Session

from islandos.clock import as_utc
from islandos.line.messages import MAX_MULTICAST_RECIPIENTS, Message, check_messages
from islandos.line.outbox import enqueue_multicast, enqueue_multicast_batch
from islandos.models.asking import Ask, AskRecipient
from islandos.models.outbox import OutboxMessage, OutboxStatus, Priority
from islandos.models.people import Person, Status
from islandos.services.asking import audience as aud
from islandos.services.family import family_of

LANGUAGES = ("ja", "en")
# What one language gets; family=True for the copy an islander's family receives.
MessagesFor = Callable[[str, bool], Sequence[Message]]


@dataclass
class Dispatch:
    """How an ask's messages go out: the messages per language (checked once each), the
    outbox priority, the time after which nothing goes, and the outbox source."""

    messages_for: MessagesFor
    priority: int = Priority.NORMAL
    not_after: datetime | None = None
    source: str | None = None
    _checked: dict[tuple[str, bool], list[Message]] = field(default_factory=dict)

    def checked(self, language: str, family: bool = False) -> list[Message]:
        key = (language, family)
        if key not in self._checked:
            self._checked[key] = check_messages(self.messages_for(language, family))
        return self._checked[key]


def send(session: Session, ask: Ask, query_for: Callable[[str], Select], dispatch: Dispatch,
         moment: datetime) -> int:
    """Stream each language's recipients (query_for(language), as audience.recipients_query)
    and enqueue them in batches of ≤500 with their recipient rows, in the caller's
    transaction. Returns how many were asked."""
    sent = 0
    for language in LANGUAGES:
        for chunk in aud.stream(session, query_for(language)):
            sent += _send_chunk(session, ask, chunk, language, dispatch, moment, family=False)
    return sent


def _send_chunk(session: Session, ask: Ask, chunk: list[aud.Recipient], language: str,
                dispatch: Dispatch, moment: datetime, *, family: bool) -> int:
    """One multicast (≤500, one language) and its recipient rows, written together."""
    batch = enqueue_multicast_batch(
        session, [r.line_user_id for r in chunk], dispatch.checked(language, family),
        checked=True, priority=dispatch.priority, not_after=dispatch.not_after,
        source=dispatch.source)
    session.execute(insert(AskRecipient), [
        {"ask_id": ask.id, "person_id": r.person_id, "district_id": r.district_id,
         "language": language, "is_family": family, "outbox_id": batch, "answered": False,
         "created_at": moment}
        for r in chunk])
    return len(chunk)


def send_family_copies(session: Session, ask: Ask, dispatch: Dispatch, moment: datetime) -> int:
    """Copies for the family of everyone asked directly: each family member once, unless
    they were asked themselves. Returns how many copies."""
    reached = session.scalars(
        select(AskRecipient.person_id)
        .where(AskRecipient.ask_id == ask.id, AskRecipient.is_family.is_(False))
        .order_by(AskRecipient.id).execution_options(yield_per=aud.STREAM_CHUNK))
    waiting: dict[str, list[aud.Recipient]] = {language: [] for language in LANGUAGES}
    sent = 0

    def flush(language: str) -> int:
        chunk, waiting[language] = waiting[language], []
        got_it = set(session.scalars(select(AskRecipient.person_id).where(
            AskRecipient.ask_id == ask.id,
            AskRecipient.person_id.in_([r.person_id for r in chunk]))))
        chunk = [r for r in chunk if r.person_id not in got_it]
        if not chunk:
            return 0
        return _send_chunk(session, ask, chunk, language, dispatch, moment, family=True)

    for member in family_of(session, (pid for pid in reached if pid is not None)):
        if member.line_user_id is None:
            continue
        language = "en" if member.language == "en" else "ja"
        waiting[language].append(
            aud.Recipient(member.id, member.line_user_id, member.language, member.district_id))
        if len(waiting[language]) >= MAX_MULTICAST_RECIPIENTS:
            sent += flush(language)
    for language in LANGUAGES:
        if waiting[language]:
            sent += flush(language)
    return sent


def resend_failed(session: Session, ask: Ask, dispatch: Dispatch) -> int:
    """Enqueue again, with new retry keys, the recipients whose batch LINE refused (and who
    still follow the account); their rows point at the new batch. Returns how many."""
    total, last_id = 0, 0
    while True:
        rows = session.execute(
            select(AskRecipient.id, AskRecipient.is_family, Person.language,
                   Person.line_user_id)
            .join(OutboxMessage, OutboxMessage.id == AskRecipient.outbox_id)
            .join(Person, Person.id == AskRecipient.person_id)
            .where(AskRecipient.ask_id == ask.id, AskRecipient.id > last_id,
                   OutboxMessage.status == OutboxStatus.FAILED, aud.receivable())
            .order_by(AskRecipient.id).limit(MAX_MULTICAST_RECIPIENTS)).all()
        if not rows:
            break
        last_id = rows[-1][0]
        groups: dict[tuple[str, bool], list[tuple[int, str]]] = {}
        for recipient_id, family, language, user_id in rows:
            key = ("en" if language == "en" else "ja", bool(family))
            groups.setdefault(key, []).append((recipient_id, user_id or ""))
        for (language, family), members in groups.items():
            batch = enqueue_multicast_batch(
                session, [user_id for _, user_id in members], dispatch.checked(language, family),
                checked=True, priority=dispatch.priority, not_after=dispatch.not_after,
                source=dispatch.source)
            session.execute(update(AskRecipient)
                            .where(AskRecipient.id.in_([r for r, _ in members]))
                            .values(outbox_id=batch)
                            .execution_options(synchronize_session=False))
            total += len(members)
    return total


def _not_answered_yet(ask: Ask, again: bool,
                      family_copies: bool = True) -> tuple[ColumnElement[bool], ...]:
    """Recipients LINE took the ask for who have not answered (and, unless `again`, were not
    reminded yet); family_copies=False leaves out family members who got a copy."""
    delivered = exists().where(OutboxMessage.id == AskRecipient.outbox_id,
                               OutboxMessage.status == OutboxStatus.ACCEPTED)
    waiting = (AskRecipient.ask_id == ask.id, AskRecipient.answered.is_(False), delivered,
               true() if family_copies else AskRecipient.is_family.is_(False))
    return waiting if again else (*waiting, AskRecipient.reminded_at.is_(None))


def remind(session: Session, ask: Ask, dispatch: Dispatch, moment: datetime,
           again: bool = False, *, family_copies: bool = True) -> int:
    """One reminder to each recipient LINE took the ask for, who has not answered, was not
    reminded yet (or, `again`, also those reminded before) and still follows the account;
    marks them reminded (flushes nothing else). family_copies=False leaves out family members
    who got a copy (they are not asked). Returns how many."""
    waiting = _not_answered_yet(ask, again, family_copies)
    for language in LANGUAGES:
        query = (select(Person.line_user_id)
                 .join(AskRecipient, AskRecipient.person_id == Person.id)
                 .where(*waiting, aud.receivable(), aud.language_condition(language))
                 .order_by(Person.id).execution_options(yield_per=aud.STREAM_CHUNK))
        user_ids = (uid for uid in session.scalars(query) if uid)
        enqueue_multicast(session, user_ids, dispatch.checked(language),
                          priority=dispatch.priority, not_after=dispatch.not_after,
                          source=dispatch.source)
    marked = session.execute(
        update(AskRecipient)
        .where(*waiting, AskRecipient.person_id.in_(select(Person.id).where(aud.receivable())))
        .values(reminded_at=moment).execution_options(synchronize_session=False))
    return int(getattr(marked, "rowcount", 0) or 0)


def remindable(session: Session, ask: Ask, again: bool = True) -> tuple[int, datetime | None]:
    """How many `remind(..., again)` would reach now (one message each), and when anyone of
    this ask was last reminded."""
    count = session.scalar(
        select(func.count(AskRecipient.id))
        .join(Person, Person.id == AskRecipient.person_id)
        .where(*_not_answered_yet(ask, again), aud.receivable())) or 0
    last = session.scalar(select(func.max(AskRecipient.reminded_at))
                          .where(AskRecipient.ask_id == ask.id))
    return int(count), as_utc(last) if last is not None else None


def add_residents_without_line(session: Session, ask: Ask, audience: aud.Audience,
                               moment: datetime) -> int:
    """Put the audience's residents without LINE (added by the office) into the ask's
    snapshot, without a message: they count in the tally and the call list."""
    rows = session.execute(
        select(Person.id, Person.district_id).where(
            Person.status == Status.ACTIVE, Person.line_user_id.is_(None),
            aud.audience_condition(audience, moment),
            Person.id.not_in(select(AskRecipient.person_id).where(
                AskRecipient.ask_id == ask.id, AskRecipient.person_id.is_not(None))))).all()
    if rows:
        session.execute(insert(AskRecipient), [
            {"ask_id": ask.id, "person_id": pid, "district_id": did, "language": "ja",
             "is_family": False, "outbox_id": None, "answered": False, "created_at": moment}
            for pid, did in rows])
    return len(rows)
