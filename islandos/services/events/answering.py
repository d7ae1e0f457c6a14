"""Answering an event: who may answer (the audience, a linked family member, staff), the
answer itself (the asking core: one per person, capacity, waitlist, deadline), telling
promoted parties, and the events a person sees in LINE."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.i18n import N_
from islandos.models.asking import Answer, AnswerStatus, Ask, AskRecipient, AudienceKind
from islandos.models.events import Event, EventStatus
from islandos.models.people import FamilyLink, Person, Role
from islandos.services.asking.answers import (
    AnswerResult,
    current_answer,
    give_answer,
    waitlist_place,
)
from islandos.services.asking.asks import AskError, options_in
from islandos.services.events.editing import SUBJECT, event_ask, push_promotions
from islandos.services.events.messages import OPTIONS, YES


class EventNotFound(AskError):
    """Unknown event, or one this person was not invited to (an old or forged button)."""


class EventCancelled(AskError):
    pass


def in_audience(event: Event, person: Person) -> bool:
    """The event's audience rule, for one person (latecomers, residents without LINE)."""
    kind = event.audience_kind
    if kind == AudienceKind.EVERYONE:
        return person.role != Role.UNKNOWN
    if kind == AudienceKind.ISLANDERS:
        return person.role == Role.ISLANDER
    if kind == AudienceKind.DISTRICTS:
        return (person.role == Role.ISLANDER
                and person.district_id in (event.audience_district_ids or ()))
    if kind == AudienceKind.TOURISTS:
        return person.role == Role.TOURIST
    return kind == AudienceKind.FAMILY and person.role == Role.FAMILY


def was_asked(session: Session, ask: Ask, person_id: int) -> bool:
    return session.scalar(select(AskRecipient.id).where(
        AskRecipient.ask_id == ask.id, AskRecipient.person_id == person_id)) is not None


def may_see(session: Session, event: Event, ask: Ask, person: Person) -> bool:
    return was_asked(session, ask, person.id) or in_audience(event, person)


def linked_islanders(session: Session, family_person_id: int) -> list[Person]:
    return list(session.scalars(
        select(Person).join(FamilyLink, FamilyLink.islander_person_id == Person.id)
        .where(FamilyLink.family_person_id == family_person_id).order_by(Person.id)))


@dataclass(frozen=True)
class Answered:
    event: Event
    result: AnswerResult
    choice: str
    people: int

    @property
    def waitlisted(self) -> bool:
        answer = self.result.answer
        return answer is not None and answer.status == AnswerStatus.WAITLISTED


def find_event(session: Session, event_id: int) -> tuple[Event, Ask]:
    """The event and its ask; raises EventNotFound, EventCancelled."""
    event = session.get(Event, event_id)
    ask = event_ask(session, event_id) if event is not None else None
    if event is None or ask is None:
        raise EventNotFound(N_("この行事は見つかりませんでした。"))
    if event.status == EventStatus.CANCELLED:
        raise EventCancelled(N_("この行事は中止になりました。"))
    return event, ask


def answer_event(session: Session, event_id: int, person_id: int, choice: str,
                 people: int = 1, *, proxy_person_id: int | None = None,
                 entered_by: str | None = None) -> Answered:
    """Record or change `person_id`'s answer (flushes): 参加 with `people` in the party
    (guests = people - 1), 不参加 or 未定. The person must have been invited or belong to
    the audience now (a latecomer, a resident without LINE); a proxy must be linked family.
    Parties moved up from the waitlist are told by push. Raises EventNotFound,
    EventCancelled and the core's AskError subclasses (AskClosed carries the recorded
    answer; AnswerInvalid for too many people or an unknown choice)."""
    event, ask = find_event(session, event_id)
    person = session.get(Person, person_id)
    if person is None or not may_see(session, event, ask, person):
        raise EventNotFound(N_("この行事は見つかりませんでした。"))
    if choice not in OPTIONS:
        raise EventNotFound(N_("この行事は見つかりませんでした。"))
    guests = people - 1 if choice == YES else 0
    if guests < 0:
        raise EventNotFound(N_("この行事は見つかりませんでした。"))
    result = give_answer(session, ask.id, person_id, (choice,), guests,
                         proxy_person_id=proxy_person_id, entered_by=entered_by,
                         add_if_missing=True)
    if result.promoted:
        push_promotions(session, event, [p.person_id for p in result.promoted])
    return Answered(event, result, choice, guests + 1)


@dataclass(frozen=True)
class Current:
    """A person's answer to an event as the bot shows it."""

    choice: str | None
    people: int = 1
    waitlist_place: int | None = None
    proxy: bool = False
    by_staff: bool = False


def describe(session: Session, ask: Ask, answer: Answer | None) -> Current:
    if answer is None:
        return Current(None)
    chosen = options_in(ask, answer.choices)
    return Current(chosen[0] if chosen else None, 1 + answer.guests,
                   waitlist_place(session, answer), answer.proxy_person_id is not None,
                   answer.entered_by is not None)


def current_of(session: Session, ask: Ask, person_id: int) -> Current:
    return describe(session, ask, current_answer(session, ask.id, person_id))


@dataclass(frozen=True)
class Listed:
    event: Event
    ask: Ask
    current: Current
    closed: bool


def upcoming_for(session: Session, person: Person, offset: int = 0, limit: int = 11
                 ) -> tuple[list[Listed], bool]:
    """Open events not yet over that this person was invited to or belongs to the audience
    of (so islanders who registered later find them), soonest first, with their current
    answers; and whether there are more."""
    moment = now()
    events = list(session.scalars(select(Event).where(
        Event.status == EventStatus.OPEN, Event.ends_at > moment).order_by(
        Event.starts_at, Event.id)))
    asks = {ask.subject_id: ask for ask in session.scalars(select(Ask).where(
        Ask.subject_kind == SUBJECT, Ask.subject_id.in_([e.id for e in events])))}
    asked = set(session.scalars(select(AskRecipient.ask_id).where(
        AskRecipient.person_id == person.id,
        AskRecipient.ask_id.in_([a.id for a in asks.values()]))))
    visible = [e for e in events if e.id in asks
               and (asks[e.id].id in asked or in_audience(e, person))]
    page = visible[offset:offset + limit]
    answers = {a.ask_id: a for a in session.scalars(
        select(Answer).join(AskRecipient, AskRecipient.id == Answer.recipient_id).where(
            AskRecipient.person_id == person.id,
            Answer.ask_id.in_([asks[e.id].id for e in page])))}
    listed = [Listed(e, asks[e.id], describe(session, asks[e.id], answers.get(asks[e.id].id)),
                     moment >= e.answer_deadline) for e in page]
    return listed, len(visible) > offset + limit


def answerable_people(session: Session, person: Person) -> Sequence[Person]:
    """Whom this person may answer for: themselves (islanders), or, for family, each linked
    islander."""
    if person.role == Role.FAMILY:
        return linked_islanders(session, person.id)
    return [person]


def closed(event: Event) -> bool:
    return now() >= event.answer_deadline
