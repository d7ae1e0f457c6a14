"""Writing a poll: the input, its checks (as form errors), sending it through the asking
core, editing its wording or deadline, closing it early. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.line.messages import MAX_ACTION_LABEL, utf16_len
from islandos.models.asking import Ask, AskMode, AudienceKind
from islandos.models.outbox import Priority
from islandos.models.polls import Poll
from islandos.services import audit
from islandos.services.asking import audience as aud
from islandos.services.asking import delivery
from islandos.services.asking.asks import ask_for, open_ask
from islandos.services.polls.messages import poll_messages

SUBJECT = "poll"  # a poll's ask is (SUBJECT, poll.id)
MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_QUESTION = 200  # UTF-16 units: short enough for a card and its alt text
MAX_OPTION = MAX_ACTION_LABEL  # an option is a button label, as LINE counts it
LONGEST_RUN = timedelta(days=366)


class PollError(ValueError):
    """A poll cannot be saved or changed; `msgid` is the Japanese text to show."""

    def __init__(self, msgid: str) -> None:
        super().__init__(msgid)
        self.msgid = msgid


class PollInvalid(PollError):
    """Bad input; `errors` maps form fields to messages (msgids). Nothing was stored."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


@dataclass(frozen=True)
class PollInput:
    """What the office writes. `options_en` is empty, or one English text per option."""

    question_ja: str
    options_ja: tuple[str, ...]
    closes_at: datetime | None
    question_en: str | None = None
    options_en: tuple[str, ...] = ()
    mode: str = AskMode.SINGLE
    anonymous: bool = False
    audience_kind: str = AudienceKind.ISLANDERS
    district_ids: tuple[int, ...] = ()
    tourist_days: int | None = None
    extra: dict[str, str] = field(default_factory=dict)  # errors found while reading a form


def clean(data: PollInput) -> PollInput:
    """Trimmed texts; empty option rows dropped (an English row follows its Japanese one)."""
    def strip(value: str | None) -> str:
        return " ".join((value or "").split())
    pairs = [(strip(ja), strip(data.options_en[i]) if i < len(data.options_en) else "")
             for i, ja in enumerate(data.options_ja)]
    pairs = [(ja, en) for ja, en in pairs if ja or en]
    english = tuple(en for _, en in pairs)
    return replace(data, question_ja=strip(data.question_ja),
                   question_en=strip(data.question_en) or None,
                   options_ja=tuple(ja for ja, _ in pairs),
                   options_en=english if any(english) else ())


def validate(session: Session, data: PollInput, moment: datetime) -> dict[str, str]:
    """Everything wrong with `data` once cleaned, by form field (empty when it can be sent)."""
    data = clean(data)
    errors: dict[str, str] = dict(data.extra)
    if not data.question_ja:
        errors["question_ja"] = "質問を入力してください。"
    elif utf16_len(data.question_ja) > MAX_QUESTION:
        errors["question_ja"] = "質問は200文字までです。"
    if data.question_en and utf16_len(data.question_en) > MAX_QUESTION:
        errors["question_en"] = "質問は200文字までです。"
    if not MIN_OPTIONS <= len(data.options_ja) <= MAX_OPTIONS:
        errors["options"] = "選択肢は2〜10個にしてください。"
    elif not all(data.options_ja):
        errors["options"] = "日本語の選択肢を入力してください。"
    elif any(utf16_len(o) > MAX_OPTION for o in data.options_ja + data.options_en):
        errors["options"] = "選択肢はそれぞれ20文字まで（LINEのボタンに入る長さ）です。"
    elif len(set(data.options_ja)) != len(data.options_ja):
        errors["options"] = "同じ選択肢が二つあります。"
    elif data.options_en and (not all(data.options_en)
                              or len(set(data.options_en)) != len(data.options_en)):
        errors["options_en"] = "英語の選択肢は、すべての選択肢に重ならないように入力してください。"
    if data.options_en and not data.question_en:
        errors["question_en"] = "英語の選択肢があるときは、英語の質問も入力してください。"
    if data.question_en and not data.options_en and "options" not in errors:
        errors["options_en"] = "英語の質問があるときは、英語の選択肢も入力してください。"
    if data.mode not in tuple(AskMode):
        errors["mode"] = "答え方を選んでください。"
    errors.update(aud.audience_errors(session, data.audience_kind, data.district_ids,
                                      data.tourist_days))
    if data.closes_at is None:
        errors.setdefault("closes_at", "締め切りを入力してください。")
    elif data.closes_at <= moment:
        errors["closes_at"] = "締め切りが過去です。"
    elif data.closes_at > moment + LONGEST_RUN:
        errors["closes_at"] = "締め切りは1年以内にしてください。"
    return errors


def poll_ask(session: Session, poll_id: int) -> Ask | None:
    """The ask behind a poll: whom it reached, what they answered."""
    return ask_for(session, SUBJECT, poll_id)


def option_keys(count: int) -> tuple[str, ...]:
    """The ask's keys for a poll's options: "1".."n"."""
    return tuple(str(i + 1) for i in range(count))


def create_and_send(session: Session, data: PollInput, actor: str) -> Poll:
    """Store the poll, open its ask and send it to its audience now, in the caller's
    transaction (flushes; audited as poll.created). Raises PollInvalid."""
    moment = now()
    data = clean(data)
    errors = validate(session, data, moment)
    if errors:
        raise PollInvalid(errors)
    assert data.closes_at is not None
    districts = sorted(data.district_ids) if data.audience_kind == AudienceKind.DISTRICTS else None
    tourist_days = (data.tourist_days or aud.DEFAULT_TOURIST_DAYS
                    if data.audience_kind == AudienceKind.TOURISTS else None)
    poll = Poll(question_ja=data.question_ja, question_en=data.question_en,
                options_ja=list(data.options_ja), options_en=list(data.options_en) or None,
                mode=AskMode(data.mode), anonymous=data.anonymous,
                audience_kind=AudienceKind(data.audience_kind), audience_district_ids=districts,
                tourist_days=tourist_days, closes_at=data.closes_at, created_by=actor,
                created_at=moment)
    session.add(poll)
    session.flush()
    ask = open_ask(session, SUBJECT, poll.id, options=option_keys(len(poll.options_ja)),
                   mode=poll.mode, anonymous=poll.anonymous, closes_at=poll.closes_at)
    dispatch = delivery.Dispatch(lambda language, _family: poll_messages(poll, language),
                                 priority=Priority.NORMAL, not_after=poll.closes_at,
                                 source=f"poll:{poll.id}")
    audience = audience_of(poll)
    poll.recipient_count = delivery.send(
        session, ask, lambda language: aud.recipients_query(audience, language, moment),
        dispatch, moment)
    audit.record(session, actor, "poll.created", f"poll:{poll.id}", after={
        "audience": poll.audience_kind, "districts": districts, "mode": poll.mode,
        "anonymous": poll.anonymous, "options": len(poll.options_ja),
        "closes_at": poll.closes_at.isoformat(), "recipients": poll.recipient_count})
    session.flush()
    return poll


def audience_of_input(data: PollInput) -> aud.Audience:
    """Who a poll not yet stored would go to (as audience_of will say once it is)."""
    districts = tuple(sorted(data.district_ids)) \
        if data.audience_kind == AudienceKind.DISTRICTS else ()
    tourist_days = (data.tourist_days or aud.DEFAULT_TOURIST_DAYS
                    if data.audience_kind == AudienceKind.TOURISTS else None)
    return aud.Audience(AudienceKind(data.audience_kind), districts, tourist_days)


def audience_of(poll: Poll) -> aud.Audience:
    return aud.Audience(poll.audience_kind, tuple(poll.audience_district_ids or ()),
                        poll.tourist_days)


def edit(session: Session, poll_id: int, actor: str, *, question_ja: str,
         question_en: str | None, closes_at: datetime | None) -> Poll:
    """Change an open poll's wording or deadline (the options stay: answers point at them).
    Flushes; audited as poll.edited with before and after. Raises PollInvalid, PollError."""
    poll = _open_poll(session, poll_id)
    moment = now()
    errors = validate(session, PollInput(
        question_ja=question_ja, question_en=question_en, options_ja=tuple(poll.options_ja),
        options_en=tuple(poll.options_en or ()), closes_at=closes_at, mode=poll.mode,
        audience_kind=poll.audience_kind, district_ids=tuple(poll.audience_district_ids or ()),
        tourist_days=poll.tourist_days), moment)
    if errors:
        raise PollInvalid(errors)
    assert closes_at is not None
    before = {"question_ja": poll.question_ja, "question_en": poll.question_en,
              "closes_at": poll.closes_at.isoformat()}
    poll.question_ja = " ".join(question_ja.split())
    poll.question_en = " ".join((question_en or "").split()) or None
    poll.closes_at = closes_at
    ask = poll_ask(session, poll.id)
    if ask is not None:
        ask.closes_at = closes_at
    audit.record(session, actor, "poll.edited", f"poll:{poll.id}", before=before, after={
        "question_ja": poll.question_ja, "question_en": poll.question_en,
        "closes_at": poll.closes_at.isoformat()})
    session.flush()
    return poll


def close(session: Session, poll_id: int, actor: str) -> Poll:
    """Close an open poll now (flushes; audited as poll.closed): answers stop at once,
    because the ask's deadline becomes now. Raises PollError when it is already closed."""
    poll = _open_poll(session, poll_id)
    moment = now()
    poll.closed_at = moment
    ask = poll_ask(session, poll.id)
    if ask is not None:
        ask.closes_at = moment
    audit.record(session, actor, "poll.closed", f"poll:{poll.id}",
                 before={"closes_at": poll.closes_at.isoformat()},
                 after={"closed_at": moment.isoformat()})
    session.flush()
    return poll


def _open_poll(session: Session, poll_id: int) -> Poll:
    poll = session.get(Poll, poll_id, with_for_update=True)
    if poll is None:
        raise PollError("このアンケートは見つかりませんでした。")
    if not poll.is_open(now()):
        raise PollError("このアンケートはもう締め切られています。")
    return poll
