"""The LINE messages of an event, per language: the invitation card with 参加 / 不参加 / 未定,
the confirmation with 「変更する」, the list carousel, reminders and changes."""

from __future__ import annotations

from typing import Any

from islandos.clock import to_tokyo
from islandos.i18n import N_, format_datetime, gettext
from islandos.line import messages
from islandos.line.events import postback_data
from islandos.line.messages import Message
from islandos.models.events import Event

YES, NO, MAYBE = "yes", "no", "maybe"
OPTIONS = (YES, NO, MAYBE)
ANSWER_LABELS = {YES: N_("参加"), NO: N_("不参加"), MAYBE: N_("未定")}
ANSWER_ACTION = "ev_answer"  # event=<id>&a=<yes|no|maybe>[&n=<people>][&for=<islander id>]
MORE_PEOPLE_ACTION = "ev_people"  # 「6人以上」: asks for a number
SHOW_ACTION = "ev_show"  # one event's card, to change the answer
LIST_ACTION = "ev_list"  # page=<n>
QUICK_PEOPLE = 5  # 1–5 as quick replies, then 「6人以上」
ACCENT = "#1E7F4F"
CANCELLED_COLOUR = "#C0392B"
WAITLISTED = N_("定員に達したため、キャンセル待ちになりました。空きが出たら順番にお知らせします。")


def when_text(event: Event, language: str) -> str:
    """2026年12月5日(土) 9:00〜12:00 (the end's date only when it differs)."""
    start, end = to_tokyo(event.starts_at), to_tokyo(event.ends_at)
    dash = "–" if language == "en" else "〜"
    if start.date() == end.date():
        return f"{format_datetime(event.starts_at, language)}{dash}{end.hour}:{end:%M}"
    return (f"{format_datetime(event.starts_at, language)}{dash}"
            f"{format_datetime(event.ends_at, language)}")


def place_text(event: Event, language: str, spot_name: str | None = None) -> str:
    return spot_name or event.place or gettext(language, "未定")


def event_lines(event: Event, language: str, spot_name: str | None = None) -> list[str]:
    return [gettext(language, "日時：%(when)s", when=when_text(event, language)),
            gettext(language, "場所：%(place)s", place=place_text(event, language, spot_name)),
            gettext(language, "回答の締め切り：%(when)s",
                    when=format_datetime(event.answer_deadline, language))]


def answer_text(language: str, choice: str | None, people: int = 1,
                waitlist_place: int | None = None) -> str:
    """「参加（3人）」, 「参加・キャンセル待ち2番目」, 「未回答」."""
    if choice is None:
        return gettext(language, "未回答")
    label = gettext(language, ANSWER_LABELS[choice])
    if choice == YES and people > 1:
        label = gettext(language, "%(answer)s（%(count)s人）", answer=label, count=people)
    if waitlist_place is not None:
        label = gettext(language, "%(answer)s・キャンセル待ち%(place)s番目", answer=label,
                        place=waitlist_place)
    return label


def _values(event: Event, for_person: int | None) -> dict[str, str | int]:
    values: dict[str, str | int] = {"event": event.id}
    if for_person is not None:
        values["for"] = for_person
    return values


def answer_buttons(event: Event, language: str, for_person: int | None = None
                   ) -> list[dict[str, Any]]:
    buttons = []
    for option in OPTIONS:
        label = gettext(language, ANSWER_LABELS[option])
        buttons.append(messages.postback_action(
            label, postback_data(ANSWER_ACTION, **_values(event, for_person), a=option),
            display_text=label))
    return buttons


def event_bubble(event: Event, language: str, *, current: str | None = None,
                 closed: bool = False, for_name: str | None = None,
                 for_person: int | None = None, spot_name: str | None = None
                 ) -> dict[str, Any]:
    """An event's card: date, place, deadline, the current answer, and the buttons (none
    after the deadline)."""
    lines = event_lines(event, language, spot_name)
    description = event.description_for(language)
    if description:
        lines.append(messages.truncate(description, 300))
    if current is not None:
        lines.append(gettext(language, "いまの回答：%(answer)s", answer=current))
    if closed:
        lines.append(gettext(language, "回答は締め切りました。"))
    label = gettext(language, "行事のご案内")
    if for_name:
        label = gettext(language, "%(name)sさんの分（ご家族として）", name=for_name)
    return messages.bubble(event.title_for(language), lines,
                           [] if closed else answer_buttons(event, language, for_person),
                           label=label, accent=ACCENT)


def invitation_messages(event: Event, language: str, spot_name: str | None = None
                        ) -> list[Message]:
    title = event.title_for(language)
    alt = gettext(language, "行事のご案内：%(title)s（%(when)s）", title=title,
                  when=when_text(event, language))
    return [messages.flex(alt, event_bubble(event, language, spot_name=spot_name))]


def people_question(event: Event, language: str, for_person: int | None) -> Message:
    """参加: how many people, yourself included (quick replies 1–5 and 「6人以上」)."""
    most = 1 + event.max_guests
    items = []
    for count in range(1, min(QUICK_PEOPLE, most) + 1):
        label = gettext(language, "%(count)s人", count=count)
        items.append(messages.postback_action(
            label, postback_data(ANSWER_ACTION, **_values(event, for_person), a=YES, n=count),
            display_text=label))
    if most > QUICK_PEOPLE:
        label = gettext(language, "%(count)s人以上", count=QUICK_PEOPLE + 1)
        items.append(messages.postback_action(
            label, postback_data(MORE_PEOPLE_ACTION, **_values(event, for_person)),
            display_text=label))
    return messages.text(gettext(language, "ご本人を含めて何人で参加しますか？"), items)


def confirmation_messages(event: Event, language: str, answer: str, *,
                          for_name: str | None = None, for_person: int | None = None,
                          spot_name: str | None = None, waitlisted: bool = False
                          ) -> list[Message]:
    """The reply to an answer: what was recorded, the date and place, and 「変更する」."""
    lines = [gettext(language, "回答：%(answer)s", answer=answer), *event_lines(
        event, language, spot_name)[:2]]
    if waitlisted:
        lines.insert(1, gettext(language, WAITLISTED))
    label = gettext(language, "回答を受け付けました")
    if for_name:
        label = gettext(language, "%(name)sさんの分として受け付けました", name=for_name)
    change = gettext(language, "変更する")
    card = messages.bubble(
        event.title_for(language), lines,
        [messages.postback_action(change, postback_data(SHOW_ACTION, **_values(event, for_person)),
                                  display_text=change)],
        label=label, accent=ACCENT)
    alt = gettext(language, "%(label)s：%(title)s（%(answer)s）", label=label,
                  title=event.title_for(language), answer=answer)
    return [messages.flex(alt, card)]


def more_bubble(page: int, language: str) -> dict[str, Any]:
    return messages.bubble(
        gettext(language, "ほかの行事"), [],
        [messages.postback_action(gettext(language, "もっと見る"),
                                  postback_data(LIST_ACTION, page=page))])


def notice_messages(event: Event, language: str, kind: str, spot_name: str | None = None
                    ) -> list[Message]:
    """What those attending, undecided or waiting are told: "cancelled", "changed",
    "postponed", "asked_again", "reminder", "promoted"."""
    title = event.title_for(language)
    headings = {
        "cancelled": N_("行事が中止になりました"),
        "changed": N_("行事の日時・場所が変わりました"),
        "postponed": N_("行事が延期になりました"),
        "asked_again": N_("行事が延期になりました。もう一度お答えください"),
        "reminder": N_("行事のリマインド"),
        "promoted": N_("キャンセル待ちから参加が決まりました"),
        "not_answered": N_("出欠のご回答をお願いします"),
    }
    heading = gettext(language, headings[kind])
    lines = event_lines(event, language, spot_name)[:2]
    buttons: list[dict[str, Any]] = []
    if kind in ("asked_again", "not_answered"):
        buttons = answer_buttons(event, language)
    elif kind != "cancelled":
        change = gettext(language, "回答を見る・変更する")
        buttons = [messages.postback_action(change, postback_data(SHOW_ACTION, event=event.id),
                                            display_text=change)]
    card = messages.bubble(title, lines, buttons, label=heading,
                           accent=CANCELLED_COLOUR if kind == "cancelled" else ACCENT)
    return [messages.flex(gettext(language, "%(heading)s：%(title)s", heading=heading,
                                  title=title), card)]
