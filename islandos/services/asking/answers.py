"""Answers: one current answer per person per ask, changeable until the deadline; choices,
a head-count with guests, a capacity with a waitlist, proxies, staff entries, and anonymous
answers that cannot be linked back to anyone.

Every change locks the ask's row first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
transaction already holds the database's write lock from BEGIN IMMEDIATE), so concurrent
taps on one ask take turns: the seat count and the waitlist are read and changed in one
transaction, and a promotion happens in the same transaction as the change that freed the
seats.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.i18n import N_
from islandos.models.asking import (
    AnonymousAnswer,
    Answer,
    AnswerStatus,
    Ask,
    AskMode,
    AskRecipient,
)
from islandos.models.people import FamilyLink, Person
from islandos.services import audit
from islandos.services.asking.asks import AnswerInvalid, AskError, option_bit

__all__ = ["AnswerInvalid"]  # raised here too


class AskNotFound(AskError):
    pass


class NotAsked(AskError):
    """The person was not asked (and the feature does not let latecomers answer)."""


class AskClosed(AskError):
    """The deadline has passed; `answer` is the one recorded (None: no answer)."""

    def __init__(self, answer: Answer | None) -> None:
        super().__init__(N_("締め切りました。"))
        self.answer = answer


class NotTheirFamily(AskError):
    """A proxy answer from someone not linked to that islander as family."""


class AnswerFinal(AskError):
    """An anonymous answer exists and cannot be changed: nothing links it to the person, so
    there is nothing to find and change (that is what makes it anonymous)."""


@dataclass(frozen=True)
class Promotion:
    """A party moved up from the waitlist (tell them)."""

    answer_id: int
    person_id: int | None


@dataclass(frozen=True)
class AnswerResult:
    answer: Answer | None  # None for an anonymous answer
    changed: bool  # False: the same answer again (a second tap, a redelivered postback)
    waitlist_place: int | None = None  # 1 = next in line
    promoted: list[Promotion] = field(default_factory=list)


def _locked_ask(session: Session, ask_id: int) -> Ask:
    ask = session.scalar(select(Ask).where(Ask.id == ask_id).with_for_update()
                         .execution_options(populate_existing=True))
    if ask is None:
        raise AskNotFound(N_("この質問は見つかりませんでした。"))
    return ask


def _mask(ask: Ask, choices: Sequence[str]) -> int:
    if not choices or len(set(choices)) != len(choices):
        raise AnswerInvalid(N_("選択肢を選んでください。"))
    if ask.mode == AskMode.SINGLE and len(choices) != 1:
        raise AnswerInvalid(N_("選択肢を一つだけ選んでください。"))
    mask = 0
    for choice in choices:
        mask |= option_bit(ask, choice)
    return mask


def _recipient(session: Session, ask: Ask, person_id: int, add_if_missing: bool
               ) -> AskRecipient:
    recipient = session.scalar(select(AskRecipient).where(
        AskRecipient.ask_id == ask.id, AskRecipient.person_id == person_id))
    if recipient is not None:
        return recipient
    person = session.get(Person, person_id)
    if person is None or not add_if_missing:
        raise NotAsked(N_("この質問は見つかりませんでした。"))
    # Asked without a message (joined later, or entered by staff): part of the snapshot now.
    recipient = AskRecipient(ask_id=ask.id, person_id=person.id, district_id=person.district_id,
                             language="en" if person.language == "en" else "ja",
                             is_family=False, answered=False, created_at=now())
    session.add(recipient)
    session.flush()
    return recipient


def _is_closed(ask: Ask) -> bool:
    return ask.closes_at is not None and now() >= ask.closes_at


def _takes_seats(ask: Ask) -> ColumnElement[bool]:
    bit = option_bit(ask, ask.capacity_option or "")
    return Answer.choices.op("&")(bit) != 0


def _seats_taken(session: Session, ask: Ask, besides: int | None) -> int:
    query = select(func.coalesce(func.sum(1 + Answer.guests), 0)).where(
        Answer.ask_id == ask.id, Answer.status == AnswerStatus.COUNTED, _takes_seats(ask))
    if besides is not None:
        query = query.where(Answer.id != besides)
    return int(session.scalar(query) or 0)


def _ahead(answer: Answer) -> ColumnElement[bool]:
    """Waitlisted answers before this one (all of them, if it is not waitlisted)."""
    waitlisted = and_(Answer.ask_id == answer.ask_id, Answer.status == AnswerStatus.WAITLISTED)
    if answer.id is not None:
        waitlisted = and_(waitlisted, Answer.id != answer.id)
    if answer.status == AnswerStatus.WAITLISTED and answer.waitlist_seq is not None:
        return and_(waitlisted, Answer.waitlist_seq < answer.waitlist_seq)
    return waitlisted


def _seats_held(ask: Ask, answer: Answer | None) -> int:
    """Seats an answer holds now: its party, when counted for the capacity option."""
    if (answer is None or ask.capacity is None or answer.status != AnswerStatus.COUNTED
            or not answer.choices & option_bit(ask, ask.capacity_option or "")):
        return 0
    return 1 + answer.guests


def _place(session: Session, ask: Ask, answer: Answer, held: int) -> None:
    """Counted, or waitlisted. The capacity option is counted when the party keeps within
    the seats it held, or when the whole party fits and nobody waits ahead of it (the
    waitlist is served in order); otherwise it joins the end of the waitlist (or keeps its
    place there)."""
    needs_seat = (ask.capacity is not None
                  and answer.choices & option_bit(ask, ask.capacity_option or ""))
    if not needs_seat or 1 + answer.guests <= held:
        answer.status, answer.waitlist_seq = AnswerStatus.COUNTED, None
        return
    assert ask.capacity is not None
    fits = _seats_taken(session, ask, answer.id) + 1 + answer.guests <= ask.capacity
    nobody_ahead = not session.scalar(select(func.count(Answer.id)).where(_ahead(answer)))
    if fits and nobody_ahead:
        answer.status, answer.waitlist_seq = AnswerStatus.COUNTED, None
    elif held or answer.status != AnswerStatus.WAITLISTED or answer.waitlist_seq is None:
        # the end of the line; the ask's lock makes the number unique
        last = session.scalar(select(func.max(Answer.waitlist_seq))
                              .where(Answer.ask_id == ask.id, Answer.id != answer.id))
        answer.status, answer.waitlist_seq = AnswerStatus.WAITLISTED, (last or 0) + 1


def waitlist_place(session: Session, answer: Answer) -> int | None:
    """1 for the next party in line; None when the answer is not waitlisted."""
    if answer.status != AnswerStatus.WAITLISTED:
        return None
    return 1 + int(session.scalar(select(func.count(Answer.id)).where(_ahead(answer))) or 0)


def promote(session: Session, ask: Ask) -> list[Promotion]:
    """Move waitlisted parties up, in order, while the next one fits whole (flushes).
    The caller holds the ask's lock (any answer change does)."""
    if ask.capacity is None:
        return []
    taken = _seats_taken(session, ask, None)
    promoted: list[Promotion] = []
    waiting = session.execute(
        select(Answer, AskRecipient.person_id)
        .join(AskRecipient, AskRecipient.id == Answer.recipient_id)
        .where(Answer.ask_id == ask.id, Answer.status == AnswerStatus.WAITLISTED)
        .order_by(Answer.waitlist_seq)).all()
    for answer, person_id in waiting:
        if taken + 1 + answer.guests > ask.capacity:
            break  # in order: nobody jumps the party that is next in line
        answer.status, answer.waitlist_seq = AnswerStatus.COUNTED, None
        taken += 1 + answer.guests
        promoted.append(Promotion(answer.id, person_id))
    session.flush()
    return promoted


def current_answer(session: Session, ask_id: int, person_id: int) -> Answer | None:
    """The person's named answer to an ask, if any."""
    return session.scalar(
        select(Answer).join(AskRecipient, AskRecipient.id == Answer.recipient_id)
        .where(Answer.ask_id == ask_id, AskRecipient.person_id == person_id))


def _check_proxy(session: Session, person_id: int, proxy_person_id: int | None) -> None:
    if proxy_person_id is None:
        return
    linked = session.scalar(select(FamilyLink.id).where(
        FamilyLink.family_person_id == proxy_person_id,
        FamilyLink.islander_person_id == person_id))
    if linked is None:
        raise NotTheirFamily(N_("ご家族として登録された方の分だけ答えられます。"))


def give_answer(
    session: Session,
    ask_id: int,
    person_id: int,
    choices: Sequence[str],
    guests: int = 0,
    *,
    proxy_person_id: int | None = None,
    entered_by: str | None = None,
    add_if_missing: bool = False,
) -> AnswerResult:
    """Record or change a person's answer (flushes; the caller commits).

    proxy_person_id: a linked family member answering for them; entered_by: an admin actor
    entering an answer taken by phone (both audited). add_if_missing lets someone answer who
    was not asked (a latecomer, a resident without LINE); otherwise they get NotAsked.
    The same answer again changes nothing (changed=False). Moving off the capacity option,
    or bringing fewer guests, promotes waitlisted parties in the same transaction.
    Raises AskNotFound, NotAsked, AskClosed, AnswerInvalid, NotTheirFamily, AnswerFinal.
    """
    ask = _locked_ask(session, ask_id)
    mask = _mask(ask, choices)
    if not 0 <= guests <= ask.max_guests:
        raise AnswerInvalid(N_("人数が多すぎます。"))
    if ask.anonymous:
        return _anonymous(session, ask, person_id, mask, proxy_person_id, entered_by,
                          add_if_missing)
    _check_proxy(session, person_id, proxy_person_id)
    recipient = _recipient(session, ask, person_id, add_if_missing)
    answer = session.scalar(select(Answer).where(Answer.recipient_id == recipient.id))
    if _is_closed(ask):
        raise AskClosed(answer)
    if answer is not None and answer.choices == mask and answer.guests == guests:
        return AnswerResult(answer, False, waitlist_place(session, answer))
    held = _seats_held(ask, answer)
    if answer is None:
        answer = Answer(ask_id=ask.id, recipient_id=recipient.id,
                        district_id=recipient.district_id, status=AnswerStatus.COUNTED)
        session.add(answer)
    answer.choices, answer.guests, answer.answered_at = mask, guests, now()
    answer.proxy_person_id, answer.entered_by = proxy_person_id, entered_by
    session.flush()  # it has an id now, so the seat count can leave it out
    _place(session, ask, answer, held)
    recipient.answered = True
    session.flush()
    promoted = promote(session, ask)
    _audit(session, ask, "ask.answered", person_id, proxy_person_id, entered_by)
    return AnswerResult(answer, True, waitlist_place(session, answer), promoted)


def _anonymous(session: Session, ask: Ask, person_id: int, mask: int,
               proxy_person_id: int | None, entered_by: str | None,
               add_if_missing: bool) -> AnswerResult:
    if proxy_person_id is not None or entered_by is not None:
        raise AnswerInvalid(N_("匿名の質問には、本人だけが答えられます。"))
    recipient = _recipient(session, ask, person_id, add_if_missing)
    if _is_closed(ask):
        raise AskClosed(None)
    marked = session.execute(
        update(AskRecipient).where(AskRecipient.id == recipient.id,
                                   AskRecipient.answered.is_(False))
        .values(answered=True).execution_options(synchronize_session=False))
    if getattr(marked, "rowcount", 0) != 1:
        raise AnswerFinal(N_("匿名の回答は、あとから変えられません。"))
    # A random id and no time: neither the order of ids nor a timestamp matches the mark.
    session.add(AnonymousAnswer(id=secrets.token_hex(16), ask_id=ask.id, choices=mask))
    session.flush()
    return AnswerResult(None, True)


def withdraw_answer(session: Session, ask_id: int, person_id: int, *,
                    proxy_person_id: int | None = None, entered_by: str | None = None
                    ) -> list[Promotion]:
    """Take back a named answer (flushes): the person counts as not answered again, and
    the seats it held go to the waitlist in order. Returns the promotions.
    Raises AskNotFound, NotAsked, AskClosed, AnswerFinal (anonymous), NotTheirFamily."""
    ask = _locked_ask(session, ask_id)
    if ask.anonymous:
        raise AnswerFinal(N_("匿名の回答は、あとから変えられません。"))
    _check_proxy(session, person_id, proxy_person_id)
    recipient = _recipient(session, ask, person_id, add_if_missing=False)
    answer = session.scalar(select(Answer).where(Answer.recipient_id == recipient.id))
    if _is_closed(ask):
        raise AskClosed(answer)
    if answer is None:
        return []
    session.delete(answer)
    recipient.answered = False
    session.flush()
    promoted = promote(session, ask)
    _audit(session, ask, "ask.answer_withdrawn", person_id, proxy_person_id, entered_by)
    return promoted


def _audit(session: Session, ask: Ask, action: str, person_id: int,
           proxy_person_id: int | None, entered_by: str | None) -> None:
    """Answers given for someone else are in the audit log (the person's own are not)."""
    if entered_by is not None:
        audit.record(session, entered_by, action, f"ask:{ask.id}",
                     after={"person": person_id, "by": "staff"})
    elif proxy_person_id is not None:
        audit.record(session, f"person:{proxy_person_id}", action, f"ask:{ask.id}",
                     after={"person": person_id, "by": "family"})
