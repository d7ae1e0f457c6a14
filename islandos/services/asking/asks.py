"""Opening an ask for a feature's subject, and finding it again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.i18n import N_
from islandos.models.asking import Ask, AskMode

MAX_OPTIONS = 10  # bits of an answer's bitmask; also LINE's practical limit for buttons


class AskError(ValueError):
    """Something about an ask or an answer is not allowed; `msgid` is the Japanese text."""

    def __init__(self, msgid: str) -> None:
        super().__init__(msgid)
        self.msgid = msgid


class AskInvalid(AskError):
    """The ask itself is malformed (a programming or form error); nothing was stored."""


class AnswerInvalid(AskError):
    """Choices or guests the ask does not take; nothing was stored."""


def open_ask(
    session: Session,
    subject_kind: str,
    subject_id: int,
    *,
    options: Sequence[str] = (),
    mode: AskMode = AskMode.SINGLE,
    anonymous: bool = False,
    capacity: int | None = None,
    capacity_option: str | None = None,
    max_guests: int = 0,
    closes_at: datetime | None = None,
) -> Ask:
    """Create the ask of one subject (flushes); raises AskInvalid.

    Anonymous asks take no capacity and no guests: a waitlist place would have to be told to
    someone, and that links the answer to them.
    """
    if len(options) > MAX_OPTIONS or len(set(options)) != len(options):
        raise AskInvalid(N_("選択肢は重ならないように10個までです。"))
    if capacity is not None and (capacity < 1 or capacity_option not in options):
        raise AskInvalid(N_("定員は1以上で、定員を数える選択肢が必要です。"))
    if max_guests < 0:
        raise AskInvalid(N_("同伴者の数は0以上です。"))
    if anonymous and (capacity is not None or max_guests):
        raise AskInvalid(N_("匿名の質問には定員も同伴者も付けられません。"))
    ask = Ask(subject_kind=subject_kind, subject_id=subject_id, options=list(options),
              mode=mode, anonymous=anonymous, capacity=capacity,
              capacity_option=capacity_option if capacity is not None else None,
              max_guests=max_guests, closes_at=closes_at)
    session.add(ask)
    session.flush()
    return ask


def ask_for(session: Session, subject_kind: str, subject_id: int) -> Ask | None:
    """The ask of one subject (notice 12), if it has one."""
    return session.scalar(select(Ask).where(Ask.subject_kind == subject_kind,
                                            Ask.subject_id == subject_id))


def option_bit(ask: Ask, option: str) -> int:
    """The bit of one option in an answer's bitmask; raises AnswerInvalid for an unknown one."""
    try:
        return 1 << list(ask.options).index(option)
    except ValueError:
        raise AnswerInvalid(N_("その選択肢はありません。")) from None


def options_in(ask: Ask, choices: int) -> list[str]:
    """The options a bitmask stands for, in the ask's order."""
    return [option for position, option in enumerate(ask.options) if choices >> position & 1]
