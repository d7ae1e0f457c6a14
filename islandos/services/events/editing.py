"""Creating an event (and inviting its audience), editing it, cancelling and postponing it,
and telling those it concerns; every change is audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.i18n import N_
from islandos.line.messages import Message
from islandos.line.outbox import enqueue_multicast
from islandos.models.asking import Answer, AnswerStatus, Ask, AskRecipient, AudienceKind
from islandos.models.events import Event, EventStatus
from islandos.models.map import Spot
from islandos.models.outbox import Priority
from islandos.models.people import Person
from islandos.services import audit
from islandos.services.asking import audience as aud
from islandos.services.asking import delivery
from islandos.services.asking.answers import promote
from islandos.services.asking.asks import ask_for, open_ask, option_bit
from islandos.services.events import reminders
from islandos.services.events.messages import MAYBE, OPTIONS, YES, invitation_messages
from islandos.services.events.messages import notice_messages as event_notice_messages

SUBJECT = "event"  # an event's ask is (SUBJECT, event.id)
MAX_TITLE = 100
MAX_GUESTS = 20


class EventError(Exception):
    """Not allowed now (e.g. the event is cancelled); `msgid` is the Japanese text."""

    def __init__(self, msgid: str) -> None:
        super().__init__(msgid)
        self.msgid = msgid


class EventInvalid(EventError):
    """Form errors by field; nothing was stored."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


@dataclass(frozen=True)
class EventInput:
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    answer_deadline: datetime | None
    description_ja: str = ""
    title_en: str | None = None
    description_en: str | None = None
    place: str = ""
    spot_id: int | None = None
    capacity: int | None = None
    max_guests: int = 0
    audience_kind: str = AudienceKind.ISLANDERS
    district_ids: tuple[int, ...] = field(default_factory=tuple)
    remind_days_before: int | None = 1
    remind_time: str = "18:00"
    remind_not_answered: bool = False


def validate(session: Session, data: EventInput, moment: datetime,
             existing: Event | None = None) -> dict[str, str]:
    """Form errors by field (empty: the input may be stored)."""
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = N_("題名を入力してください。")
    elif len(data.title) > MAX_TITLE or len(data.title_en or "") > MAX_TITLE:
        errors["title"] = N_("題名は100文字までです。")
    if data.starts_at is None:
        errors["starts_at"] = N_("開始日時を入力してください。")
    if data.ends_at is None:
        errors["ends_at"] = N_("終了日時を入力してください。")
    elif data.starts_at is not None and data.ends_at < data.starts_at:
        errors["ends_at"] = N_("終了は開始より後にしてください。")
    if data.answer_deadline is None:
        errors["answer_deadline"] = N_("回答の締め切りを入力してください。")
    elif data.starts_at is not None and data.answer_deadline > data.starts_at:
        errors["answer_deadline"] = N_("回答の締め切りは開始より前にしてください。")
    elif existing is None and data.answer_deadline <= moment:
        errors["answer_deadline"] = N_("回答の締め切りが過去です。")
    if data.capacity is not None and data.capacity < 1:
        errors["capacity"] = N_("定員は1人以上にしてください（定員なしは空欄）。")
    if not 0 <= data.max_guests <= MAX_GUESTS:
        errors["max_guests"] = N_("同伴者は0〜20人で入力してください。")
    if data.audience_kind not in set(AudienceKind):
        errors["audience_kind"] = N_("送り先を選んでください。")
    elif data.audience_kind == AudienceKind.DISTRICTS and (
            not data.district_ids or not aud.district_ids_known(session, data.district_ids)):
        errors["district_ids"] = N_("集落を選んでください。")
    if data.spot_id is not None and session.get(Spot, data.spot_id) is None:
        errors["spot_id"] = N_("その場所は地図にありません。")
    if data.remind_days_before is not None and not 0 <= data.remind_days_before <= 14:
        errors["remind_days_before"] = N_("リマインドは0〜14日前で入力してください。")
    if not reminders.TIME.match(data.remind_time or ""):
        errors["remind_time"] = N_("時刻を正しく入力してください（例：18:00）。")
    return errors


def event_ask(session: Session, event_id: int) -> Ask | None:
    return ask_for(session, SUBJECT, event_id)


def audience_of(event: Event) -> aud.Audience:
    return aud.Audience(event.audience_kind, tuple(event.audience_district_ids or ()))


def _apply(event: Event, data: EventInput) -> None:
    event.title, event.title_en = data.title.strip(), (data.title_en or "").strip() or None
    event.description_ja = data.description_ja.strip()
    event.description_en = (data.description_en or "").strip() or None
    assert data.starts_at and data.ends_at and data.answer_deadline
    event.starts_at, event.ends_at = data.starts_at, data.ends_at
    event.answer_deadline = data.answer_deadline
    event.place, event.spot_id = data.place.strip(), data.spot_id
    event.capacity, event.max_guests = data.capacity, data.max_guests
    event.audience_kind = AudienceKind(data.audience_kind)
    event.audience_district_ids = (list(data.district_ids)
                                   if data.audience_kind == AudienceKind.DISTRICTS else None)
    event.remind_days_before, event.remind_time = data.remind_days_before, data.remind_time
    event.remind_not_answered = data.remind_not_answered


def spot_name(session: Session, event: Event, language: str) -> str | None:
    if event.spot_id is None:
        return None
    spot = session.get(Spot, event.spot_id)
    if spot is None:
        return None
    return spot.text(language).name or None


def dispatch_for(session: Session, event: Event, kind: str | None = None,
                 not_after: datetime | None = None) -> delivery.Dispatch:
    """The invitation (kind None) or a notice about the event, per language."""
    names = {language: spot_name(session, event, language) for language in ("ja", "en")}
    if kind is None:
        def messages_for(language: str, _family: bool) -> list[Message]:
            return invitation_messages(event, language, names[language])
    else:
        def messages_for(language: str, _family: bool) -> list[Message]:
            return event_notice_messages(event, language, kind, names[language])
    return delivery.Dispatch(messages_for, priority=Priority.NORMAL,
                             not_after=not_after or event.starts_at,
                             source=f"event:{event.id}" + (f":{kind}" if kind else ""))


def create_event(session: Session, data: EventInput, actor: str) -> Event:
    """Store the event, open its ask, invite its audience through the outbox (residents
    without LINE join the snapshot without a message, so they are counted and called),
    schedule the reminder; audited, flushes. Raises EventInvalid."""
    moment = now()
    errors = validate(session, data, moment)
    if errors:
        raise EventInvalid(errors)
    event = Event(created_by=actor, status=EventStatus.OPEN, created_at=moment)
    _apply(event, data)
    session.add(event)
    session.flush()
    ask = open_ask(session, SUBJECT, event.id, options=OPTIONS, capacity=event.capacity,
                   capacity_option=YES, max_guests=event.max_guests,
                   closes_at=event.answer_deadline)
    audience = audience_of(event)
    sent = delivery.send(session, ask, lambda language: aud.recipients_query(
        audience, language, moment), dispatch_for(session, event), moment)
    offline = delivery.add_residents_without_line(session, ask, audience, moment)
    event.recipient_count = sent + offline
    reminders.schedule_reminder(session, event)
    audit.record(session, actor, "event.created", f"event:{event.id}",
                 after={"title": event.title, "starts_at": event.starts_at.isoformat(),
                        "audience": event.audience_kind, "capacity": event.capacity,
                        "invited": sent, "without_line": offline})
    session.flush()
    return event


# Who is told about a change -------------------------------------------------------------


def concerned_query(ask: Ask) -> Callable[[str], Select]:
    """Those who answered 参加 or 未定, or wait for a place, and can receive LINE."""
    bits = option_bit(ask, YES) | option_bit(ask, MAYBE)
    concerned = select(AskRecipient.person_id).join(
        Answer, Answer.recipient_id == AskRecipient.id).where(
        AskRecipient.ask_id == ask.id,
        or_(Answer.choices.op("&")(bits) != 0, Answer.status == AnswerStatus.WAITLISTED))

    def query(language: str) -> Select:
        return (aud.recipient_columns().where(aud.receivable(), aud.language_condition(language),
                                              Person.id.in_(concerned)).order_by(Person.id))
    return query


def count_concerned(session: Session, event_id: int) -> int:
    """How many would be told of a change (the quota it uses)."""
    ask = event_ask(session, event_id)
    if ask is None:
        return 0
    return sum(len(chunk) for language in ("ja", "en")
               for chunk in aud.stream(session, concerned_query(ask)(language)))


def tell(session: Session, event: Event, query_for: Callable[[str], Select], kind: str,
         not_after: datetime | None = None) -> int:
    """Multicast a notice about the event (≤500 a batch, per language); returns how many."""
    dispatch = dispatch_for(session, event, kind, not_after or now() + timedelta(days=1))
    told = 0
    for language in ("ja", "en"):
        user_ids = [r.line_user_id for chunk in aud.stream(session, query_for(language))
                    for r in chunk]
        told += len(user_ids)
        enqueue_multicast(session, user_ids, dispatch.checked(language),
                          priority=dispatch.priority, not_after=dispatch.not_after,
                          source=dispatch.source)
    return told


def push_promotions(session: Session, event: Event, person_ids: list[int | None]) -> int:
    """Tell each party moved up from the waitlist (a push each)."""
    ids = [pid for pid in person_ids if pid is not None]
    if not ids:
        return 0
    return tell(session, event, lambda language: aud.recipient_columns().where(
        aud.receivable(), aud.language_condition(language), Person.id.in_(ids)
    ).order_by(Person.id), "promoted")


# Changes ---------------------------------------------------------------------------------


def _open_event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise EventError(N_("この行事は見つかりませんでした。"))
    if event.status == EventStatus.CANCELLED:
        raise EventError(N_("この行事は中止になっています。"))
    return event


def _snapshot(event: Event) -> dict[str, object]:
    return {"title": event.title, "starts_at": event.starts_at.isoformat(),
            "ends_at": event.ends_at.isoformat(), "place": event.place, "spot": event.spot_id,
            "deadline": event.answer_deadline.isoformat(), "capacity": event.capacity,
            "max_guests": event.max_guests}


@dataclass(frozen=True)
class Change:
    told: int = 0
    promoted: int = 0


def update_event(session: Session, event_id: int, data: EventInput, actor: str,
                 tell_changes: bool = True) -> Change:
    """Edit an event (flushes, audited). A new time or place is told to those attending,
    undecided or waiting (when tell_changes); a larger capacity promotes waiting parties.
    The audience is the one invited: it is not changed here. Raises EventInvalid,
    EventError."""
    event = _open_event(session, event_id)
    errors = validate(session, data, now(), existing=event)
    if errors:
        raise EventInvalid(errors)
    data = EventInput(**{**data.__dict__, "audience_kind": event.audience_kind,
                         "district_ids": tuple(event.audience_district_ids or ())})
    before = _snapshot(event)
    moved = (event.starts_at, event.ends_at, event.place, event.spot_id) != (
        data.starts_at, data.ends_at, data.place.strip(), data.spot_id)
    _apply(event, data)
    ask = event_ask(session, event.id)
    assert ask is not None
    session.execute(select(Ask).where(Ask.id == ask.id).with_for_update())
    ask.closes_at, ask.capacity, ask.max_guests = (event.answer_deadline, event.capacity,
                                                    event.max_guests)
    ask.capacity_option = YES if event.capacity is not None else None
    session.flush()
    promoted = promote(session, ask)
    push_promotions(session, event, [p.person_id for p in promoted])
    told = tell(session, event, concerned_query(ask), "changed") if moved and tell_changes else 0
    reminders.schedule_reminder(session, event)
    audit.record(session, actor, "event.updated", f"event:{event.id}", before=before,
                 after={**_snapshot(event), "told": told, "promoted": len(promoted)})
    session.flush()
    return Change(told, len(promoted))


def cancel_event(session: Session, event_id: int, actor: str) -> Change:
    """Cancel (flushes, audited): those attending, undecided or waiting are told; the
    reminder is cancelled. Raises EventError."""
    event = _open_event(session, event_id)
    ask = event_ask(session, event.id)
    assert ask is not None
    event.status, event.cancelled_at = EventStatus.CANCELLED, now()
    told = tell(session, event, concerned_query(ask), "cancelled")
    reminders.cancel_reminder(session, event)
    audit.record(session, actor, "event.cancelled", f"event:{event.id}", after={"told": told})
    session.flush()
    return Change(told)


def postpone_event(session: Session, event_id: int, actor: str, starts_at: datetime | None,
                   ends_at: datetime | None, answer_deadline: datetime | None,
                   keep_answers: bool) -> Change:
    """延期 to a new time (flushes, audited). Keeping the answers tells those attending,
    undecided or waiting; otherwise every answer is cleared and everyone invited is asked
    again. Raises EventInvalid, EventError."""
    event = _open_event(session, event_id)
    data = EventInput(**{**_input_of(event).__dict__, "starts_at": starts_at,
                         "ends_at": ends_at, "answer_deadline": answer_deadline})
    errors = validate(session, data, now())
    if errors:
        raise EventInvalid(errors)
    before = _snapshot(event)
    ask = event_ask(session, event.id)
    assert ask is not None
    session.execute(select(Ask).where(Ask.id == ask.id).with_for_update())
    _apply(event, data)
    ask.closes_at = event.answer_deadline
    if keep_answers:
        told = tell(session, event, concerned_query(ask), "postponed")
    else:
        session.execute(delete(Answer).where(Answer.ask_id == ask.id))
        session.execute(update(AskRecipient).where(AskRecipient.ask_id == ask.id)
                        .values(answered=False, reminded_at=None)
                        .execution_options(synchronize_session=False))
        told = tell(session, event, lambda language: aud.asked_before_query(ask.id, language),
                    "asked_again", event.answer_deadline)
    reminders.schedule_reminder(session, event)
    audit.record(session, actor, "event.postponed", f"event:{event.id}", before=before,
                 after={**_snapshot(event), "keep_answers": keep_answers, "told": told})
    session.flush()
    return Change(told)


def _input_of(event: Event) -> EventInput:
    return EventInput(
        title=event.title, starts_at=event.starts_at, ends_at=event.ends_at,
        answer_deadline=event.answer_deadline, description_ja=event.description_ja,
        title_en=event.title_en, description_en=event.description_en, place=event.place,
        spot_id=event.spot_id, capacity=event.capacity, max_guests=event.max_guests,
        audience_kind=event.audience_kind, district_ids=tuple(event.audience_district_ids or ()),
        remind_days_before=event.remind_days_before, remind_time=event.remind_time,
        remind_not_answered=event.remind_not_answered)


input_of = _input_of
