"""Events in LINE: 参加 / 不参加 / 未定 (with how many people), 「変更する」, and 「イベント」
listing upcoming events with the current answer; family members answer for their islander."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from islandos.i18n import N_
from islandos.line import messages
from islandos.line.messages import Message
from islandos.line.router import Context, Router
from islandos.models.people import Person, Role
from islandos.services.asking.answers import AskClosed, NotTheirFamily
from islandos.services.asking.asks import AnswerInvalid, AskError
from islandos.services.events import answering
from islandos.services.events.editing import spot_name
from islandos.services.events.messages import (
    ANSWER_ACTION,
    LIST_ACTION,
    MORE_PEOPLE_ACTION,
    OPTIONS,
    SHOW_ACTION,
    YES,
    answer_text,
    confirmation_messages,
    event_bubble,
    more_bubble,
    people_question,
)

PEOPLE_STATE = "event.people"  # waiting for a number after 「6人以上」
NOT_FOUND = N_("この行事は見つかりませんでした。")
UNREADABLE_NUMBER = N_("人数が分かりませんでした。もう一度「参加」を押して、人数を選んでください。")
PER_PAGE = 11  # bubbles, and a 12th: 「もっと見る」


def _text(context: Context, msgid: str, **values: object) -> list[Message]:
    return [messages.text(context._(msgid, **values))]


def _for_id(context: Context) -> int | None:
    postback = context.event.postback
    return postback.int("for") if postback else None


def _for_whom(context: Context, person: Person, for_id: int | None
              ) -> tuple[Person, int | None] | None:
    """The islander answered for (with the family member's id as the proxy) or the person
    themselves; None when `for_id` names someone this person is not linked to."""
    if for_id is None or for_id == person.id:
        return person, None
    for islander in answering.linked_islanders(context.session, person.id):
        if islander.id == for_id:
            return islander, person.id
    return None


def _closed_reply(context: Context, event_id: int, closed: AskClosed) -> list[Message]:
    _event, ask = answering.find_event(context.session, event_id)
    current = answering.describe(context.session, ask, closed.answer)
    recorded = answer_text(context.language, current.choice, current.people,
                           current.waitlist_place)
    return _text(context, N_("締め切りました。記録されている回答：%(answer)s"), answer=recorded)


def _answer(context: Context, event_id: int, choice: str, people: int,
            for_person: int | None) -> list[Message]:
    found = _for_whom(context, context.require_person(), for_person)
    if found is None:
        return _text(context, N_("ご家族として登録された方の分だけ答えられます。"))
    subject, proxy = found
    try:
        answered = answering.answer_event(context.session, event_id, subject.id, choice,
                                          people, proxy_person_id=proxy)
    except AskClosed as closed:
        return _closed_reply(context, event_id, closed)
    except (NotTheirFamily, AnswerInvalid, AskError) as error:
        return _text(context, error.msgid)
    result = answered.result
    label = answer_text(context.language, choice, answered.people,
                        result.waitlist_place if answered.waitlisted else None)
    return confirmation_messages(
        answered.event, context.language, label,
        for_name=subject.full_name or "" if proxy else None,
        for_person=subject.id if proxy else None,
        spot_name=spot_name(context.session, answered.event, context.language),
        waitlisted=answered.waitlisted)


def on_answer(context: Context) -> Sequence[Message]:
    postback = context.event.postback
    assert postback is not None
    event_id = postback.id("event")
    choice = postback.get("a") or ""
    people = postback.int("n")
    if context.person is None or choice not in OPTIONS:
        return _text(context, NOT_FOUND)
    if choice == YES and people is None:
        try:
            event, ask = answering.find_event(context.session, event_id)
        except AskError as error:
            return _text(context, error.msgid)
        if ask.max_guests > 0 and not answering.closed(event):
            found = _for_whom(context, context.require_person(), _for_id(context))
            if found is None:
                return _text(context, N_("ご家族として登録された方の分だけ答えられます。"))
            subject, proxy = found
            if not answering.may_see(context.session, event, ask, subject):
                return _text(context, NOT_FOUND)
            return [people_question(event, context.language, subject.id if proxy else None)]
    return _answer(context, event_id, choice, people or 1, _for_id(context))


def on_more_people(context: Context) -> Sequence[Message]:
    """「6人以上」: ask for the number (full-width digits are fine)."""
    postback = context.event.postback
    assert postback is not None
    event_id = postback.id("event")
    person = context.require_person()
    found = _for_whom(context, person, _for_id(context))
    if found is None:
        return _text(context, N_("ご家族として登録された方の分だけ答えられます。"))
    person.dialog_state = PEOPLE_STATE
    person.dialog_data = {"event": event_id, "for": found[0].id}
    return _text(context, N_("ご本人を含めた人数を、数字で送ってください（例：8）。"))


def on_people_number(context: Context) -> Sequence[Message]:
    person = context.require_person()
    data = person.dialog_data or {}
    words = unicodedata.normalize("NFKC", context.event.text or "").strip()
    words = words.removesuffix("人").removesuffix("名").strip()
    person.dialog_state = person.dialog_data = None  # one try: other words go their own way
    if not words.isdigit() or not 1 <= int(words) <= 999:
        return _text(context, UNREADABLE_NUMBER)
    return _answer(context, int(data.get("event", 0)), YES, int(words),
                   int(data.get("for", person.id)))  # the islander, when a proxy


def on_show(context: Context) -> Sequence[Message]:
    """One event's card with the current answer and the buttons (「変更する」)."""
    postback = context.event.postback
    assert postback is not None
    event_id = postback.id("event")
    person = context.person
    found = _for_whom(context, person, _for_id(context)) if person is not None else None
    if found is None:
        return _text(context, NOT_FOUND)
    subject, proxy = found
    try:
        event, ask = answering.find_event(context.session, event_id)
    except AskError as error:
        return _text(context, error.msgid)
    if not answering.may_see(context.session, event, ask, subject):
        return _text(context, NOT_FOUND)
    return [messages.flex(event.title_for(context.language),
                          _bubble(context, answering.Listed(
                              event, ask, answering.current_of(context.session, ask, subject.id),
                              answering.closed(event)), subject, proxy))]


def _bubble(context: Context, listed: answering.Listed, subject: Person,
            proxy: int | None) -> dict[str, object]:
    current = listed.current
    shown = answer_text(context.language, current.choice, current.people,
                        current.waitlist_place)
    if current.proxy:
        shown = context._("%(answer)s（ご家族が回答）", answer=shown)
    elif current.by_staff:
        shown = context._("%(answer)s（役場で受付）", answer=shown)
    return event_bubble(
        listed.event, context.language,
        current=shown,
        closed=listed.closed, for_name=(subject.full_name or "") if proxy else None,
        for_person=subject.id if proxy else None,
        spot_name=spot_name(context.session, listed.event, context.language))


def _list(context: Context, page: int) -> Sequence[Message]:
    person = context.person
    if person is None or person.role == Role.UNKNOWN:
        return _text(context, N_("行事の案内は、登録した島民とご家族にお届けしています。"))
    bubbles: list[dict[str, object]] = []
    more = False
    for subject in answering.answerable_people(context.session, person):
        listed, more_here = answering.upcoming_for(context.session, subject,
                                                   page * PER_PAGE, PER_PAGE)
        more = more or more_here
        proxy = person.id if subject.id != person.id else None
        bubbles.extend(_bubble(context, item, subject, proxy) for item in listed)
    if not bubbles:
        return _text(context, N_("これからの行事はありません。") if page == 0
                     else "ほかの行事はありません。")
    if len(bubbles) > PER_PAGE:
        bubbles, more = bubbles[:PER_PAGE], True
    if more:
        bubbles.append(more_bubble(page + 1, context.language))
    return [messages.flex(context._("これからの行事"), messages.carousel(bubbles))]


def on_list(context: Context) -> Sequence[Message]:
    return _list(context, 0)


def on_list_more(context: Context) -> Sequence[Message]:
    postback = context.event.postback
    return _list(context, (postback.int("page") if postback else None) or 0)


def register(router: Router) -> None:
    router.postback(ANSWER_ACTION)(on_answer)
    router.postback(MORE_PEOPLE_ACTION)(on_more_people)
    router.postback(SHOW_ACTION)(on_show)
    router.postback(LIST_ACTION)(on_list_more)
    router.dialog(PEOPLE_STATE)(on_people_number)
    router.text("イベント", "行事", "予定", "events", "event")(on_list)
    router.help_item("行事", "行事", (Role.ISLANDER, Role.FAMILY), order=25)
