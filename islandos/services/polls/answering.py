"""Answering a poll in LINE: who may, one answer per person (the asking core's constraint and
row lock), toggling a multiple-choice selection, and the list of open polls.

A multiple-choice selection lives only in the buttons of the message that shows it (each
button carries the selection it would make), never in the database: nothing is stored until
「これで送る」, and an anonymous poll's selection is never stored with the person at all.
Outcomes of an anonymous poll carry no options, so nothing built from them can repeat the
choice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.models.asking import Answer, Ask, AskMode, AskRecipient
from islandos.models.people import Person
from islandos.models.polls import Poll
from islandos.services.asking import audience as aud
from islandos.services.asking.answers import AnswerFinal, AskClosed, current_answer, give_answer
from islandos.services.asking.asks import AskError, options_in
from islandos.services.polls.creating import SUBJECT, audience_of, option_keys, poll_ask

PAGE_SIZE = 11  # bubbles of polls in one carousel; the twelfth is 「もっと見る」


class Outcome(StrEnum):
    ANSWERED = "answered"  # stored (or changed)
    SAME = "same"  # the same named answer again: nothing changed
    SELECTING = "selecting"  # a multiple-choice selection changed (nothing stored)
    CLOSED = "closed"  # after the deadline or closed early: nothing changed
    FINAL = "final"  # an anonymous answer exists: it cannot change
    NOT_FOUND = "not_found"  # no such poll, or not one for this person
    INVALID = "invalid"  # an option or selection the poll does not have
    EMPTY = "empty"  # 「これで送る」 with nothing selected


@dataclass(frozen=True)
class PollReply:
    """What happened to a tap. `chosen` holds option indexes of a *named* answer only."""

    outcome: Outcome
    poll: Poll | None = None
    chosen: list[int] = field(default_factory=list)
    selection: int | None = None  # SELECTING: the new selection (a bitmask)
    answered: bool = False  # CLOSED: the person has an answer (named or anonymous)


def _in_audience(session: Session, poll: Poll, person_id: int, moment: datetime) -> bool:
    condition = aud.audience_condition(audience_of(poll), moment)
    return session.scalar(select(Person.id).where(
        Person.id == person_id, aud.receivable(), condition)) is not None


def recipient(session: Session, poll: Poll, person_id: int) -> AskRecipient | None:
    ask = poll_ask(session, poll.id)
    if ask is None:
        return None
    return session.scalar(select(AskRecipient).where(
        AskRecipient.ask_id == ask.id, AskRecipient.person_id == person_id))


def poll_for(session: Session, poll_id: int, person_id: int, moment: datetime) -> Poll | None:
    """The poll, when this person was asked it or is in its audience now (a latecomer);
    None for an unknown poll or one of another audience."""
    poll = session.get(Poll, poll_id)
    if poll is None:
        return None
    if recipient(session, poll, person_id) is None and not _in_audience(
            session, poll, person_id, moment):
        return None
    return poll


def recorded(session: Session, poll: Poll, person_id: int) -> list[int]:
    """The option indexes of the person's named answer (empty: none, or an anonymous poll)."""
    ask = poll_ask(session, poll.id)
    if poll.anonymous or ask is None:
        return []
    found = current_answer(session, ask.id, person_id)
    mask = found.choices if found is not None else 0
    return [i for i in range(len(poll.options_ja)) if mask >> i & 1]


def _closed(session: Session, poll: Poll, person_id: int) -> PollReply:
    found = recipient(session, poll, person_id)
    chosen = recorded(session, poll, person_id)
    return PollReply(Outcome.CLOSED, poll, chosen,
                     answered=bool(chosen) or bool(found is not None and found.answered))


def _valid_mask(poll: Poll, mask: int | None) -> bool:
    return mask is not None and 0 <= mask < 1 << len(poll.options_ja)


def answer(session: Session, poll_id: int, person_id: int, mask: int | None,
           moment: datetime) -> PollReply:
    """Record the person's answer (a bitmask of option indexes; exactly one bit for single
    choice). Flushes through the asking core, which locks the ask so concurrent taps take
    turns and keeps one answer per person. Never raises for what a tap can carry."""
    poll = poll_for(session, poll_id, person_id, moment)
    if poll is None:
        return PollReply(Outcome.NOT_FOUND)
    if not poll.is_open(moment):
        return _closed(session, poll, person_id)
    if not _valid_mask(poll, mask) or (poll.mode == AskMode.SINGLE and mask is not None
                                       and mask.bit_count() != 1):
        return PollReply(Outcome.INVALID, poll)
    assert mask is not None
    if mask == 0:
        return PollReply(Outcome.EMPTY, poll)
    ask = poll_ask(session, poll.id)
    assert ask is not None
    choices = [option_keys(len(poll.options_ja))[i]
               for i in range(len(poll.options_ja)) if mask >> i & 1]
    try:
        result = give_answer(session, ask.id, person_id, choices, add_if_missing=True)
    except AnswerFinal:
        return PollReply(Outcome.FINAL, poll)
    except AskClosed:
        return _closed(session, poll, person_id)
    except AskError:
        return PollReply(Outcome.INVALID, poll)
    if poll.anonymous:
        return PollReply(Outcome.ANSWERED, poll)
    chosen = [int(key) - 1 for key in options_in(ask, mask)]
    return PollReply(Outcome.ANSWERED if result.changed else Outcome.SAME, poll, chosen)


def toggle(session: Session, poll_id: int, person_id: int, option: int | None,
           selection: int | None, moment: datetime) -> PollReply:
    """A tap on an option of a multiple-choice poll: the selection with that option toggled.
    `selection` is None on the first card, which then starts from the person's named answer.
    Changes nothing in the database."""
    poll = poll_for(session, poll_id, person_id, moment)
    if poll is None:
        return PollReply(Outcome.NOT_FOUND)
    if not poll.is_open(moment):
        return _closed(session, poll, person_id)
    if poll.mode != AskMode.MULTIPLE or option is None or not 1 <= option <= len(poll.options_ja):
        return PollReply(Outcome.INVALID, poll)
    if poll.anonymous:
        found = recipient(session, poll, person_id)
        if found is not None and found.answered:
            return PollReply(Outcome.FINAL, poll)
    if selection is None:
        selection = sum(1 << i for i in recorded(session, poll, person_id))
    if not _valid_mask(poll, selection):
        return PollReply(Outcome.INVALID, poll)
    return PollReply(Outcome.SELECTING, poll, selection=selection ^ 1 << (option - 1))


def open_polls(session: Session, person_id: int, moment: datetime, page: int
               ) -> tuple[list[tuple[Poll, list[int]]], bool]:
    """Open polls this person may answer, the soonest deadline first, with their named
    answers; and whether there are more after this page."""
    candidates = session.scalars(
        select(Poll).where(Poll.closed_at.is_(None), Poll.closes_at > moment)
        .order_by(Poll.closes_at, Poll.id))
    mine = [poll for poll in candidates
            if poll_for(session, poll.id, person_id, moment) is not None]
    chosen = mine[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    return ([(poll, recorded(session, poll, person_id)) for poll in chosen],
            len(mine) > (page + 1) * PAGE_SIZE)


def erase_poll_answers(session: Session, person: Person) -> None:
    """The polls feature's eraser: the person's named poll answers go (their recipient rows
    count them as not answered); anonymous answers stay, since nothing links them to anyone.
    Runs before the asking core unlinks the person (see islandos.features)."""
    rows = session.execute(
        select(Answer, AskRecipient)
        .join(AskRecipient, AskRecipient.id == Answer.recipient_id)
        .join(Ask, Ask.id == Answer.ask_id)
        .where(Ask.subject_kind == SUBJECT, AskRecipient.person_id == person.id)).all()
    for found, asked in rows:
        session.delete(found)
        asked.answered = False
    session.flush()
