"""What LINE shows of a poll: the card with one button per option, the current selection
of a multiple-choice poll with 「これで送る」, and the list of open polls.

Anonymous polls never carry an option in a displayText: what a tapped button shows in the
chat is the same whichever option was tapped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from islandos.i18n import N_, format_datetime, gettext
from islandos.line import messages
from islandos.line.events import postback_data
from islandos.line.messages import Message
from islandos.models.asking import AskMode
from islandos.models.polls import Poll

ANSWER_ACTION = "poll_answer"  # single choice: poll, o (1..n)
PICK_ACTION = "poll_pick"  # multiple choice: toggle o on the selection sel (a bitmask)
SEND_ACTION = "poll_send"  # multiple choice: send the selection sel
MORE_ACTION = "poll_more"  # the list of open polls, from page
ACCENT = "#1E6FA8"
SEND_COLOUR = "#2E7D32"
MULTIPLE_HINT = N_("いくつでも選べます。選んだら「これで送る」を押してください。")
# Said on the card, before anyone answers: an anonymous answer is final.
ANONYMOUS_HINT = N_(
    "匿名です。だれが何を選んだかは役場にも分かりません。そのため、送った回答はあとから変えられません。")


def _text(value: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": messages.truncate(value, 2000), "wrap": True,
            "scaling": True, **style}


def _button(action: dict[str, Any], style: str, colour: str | None = None) -> dict[str, Any]:
    button = {"type": "button", "style": style, "height": "md", "scaling": True,
              "action": action}
    if colour:
        button["color"] = colour
    return button


def option_label(poll: Poll, language: str, index: int) -> str:
    return poll.options_for(language)[index]


def chosen_labels(poll: Poll, language: str, mask: int) -> list[str]:
    return [label for i, label in enumerate(poll.options_for(language)) if mask >> i & 1]


def _display(poll: Poll, language: str, index: int) -> str:
    if poll.anonymous:
        return gettext(language, "匿名で選びました")
    return option_label(poll, language, index)


def _option_action(poll: Poll, language: str, index: int, selection: int | None) -> dict[str, Any]:
    label = option_label(poll, language, index)
    if poll.mode == AskMode.SINGLE:
        data = postback_data(ANSWER_ACTION, poll=poll.id, o=index + 1)
    elif selection is None:
        data = postback_data(PICK_ACTION, poll=poll.id, o=index + 1)
    else:
        data = postback_data(PICK_ACTION, poll=poll.id, o=index + 1, sel=selection)
    return messages.postback_action(label, data, _display(poll, language, index))


def notes(poll: Poll, language: str) -> list[str]:
    """The lines under the question: the deadline, how to answer, what anonymous means."""
    lines = [gettext(language, "締め切り：%(when)s",
                     when=format_datetime(poll.closes_at, language))]
    if poll.mode == AskMode.MULTIPLE:
        lines.append(gettext(language, MULTIPLE_HINT))
    if poll.anonymous:
        lines.append(gettext(language, ANONYMOUS_HINT))
    else:
        lines.append(gettext(language, "締め切りまでは、もう一度押すと回答を変えられます。"))
    return lines


def poll_bubble(poll: Poll, language: str, *, selection: int | None = None,
                recorded: Sequence[str] = ()) -> dict[str, Any]:
    """The card of a poll: label, question, notes, one button per option. `selection` (a
    multiple-choice poll being answered) shows what is chosen and adds 「これで送る」;
    `recorded` is the person's named answer, shown in the list."""
    label = (gettext(language, "匿名アンケート") if poll.anonymous
             else gettext(language, "アンケート"))
    body: list[dict[str, Any]] = [
        _text(label, size="sm", color=ACCENT, weight="bold"),
        _text(poll.question_for(language), size="lg", weight="bold"),
        *(_text(line, size="sm", color="#555555") for line in notes(poll, language)),
    ]
    if recorded:
        body.append(_text(gettext(language, "あなたの回答：%(answer)s",
                                  answer="、".join(recorded)), weight="bold"))
    if selection is not None:
        chosen = chosen_labels(poll, language, selection)
        body.append(_text(gettext(language, "選択中：%(chosen)s", chosen="、".join(chosen))
                          if chosen else gettext(language, "まだ選んでいません。"),
                          weight="bold"))
    buttons = [
        _button(_option_action(poll, language, i, selection),
                "primary" if selection is not None and selection >> i & 1 else "secondary")
        for i in range(len(poll.options_ja))]
    if selection is not None:
        send = gettext(language, "これで送る")
        buttons.append(_button(messages.postback_action(
            send, postback_data(SEND_ACTION, poll=poll.id, sel=selection), send),
            "primary", SEND_COLOUR))
    return {"type": "bubble",
            "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": body},
            "footer": {"type": "box", "layout": "vertical", "spacing": "sm",
                       "contents": buttons}}


def alt_text(poll: Poll, language: str) -> str:
    options = " / ".join(poll.options_for(language))
    label = gettext(language, "アンケート")
    return f"【{label}】{poll.question_for(language)}\n{options}"


def poll_messages(poll: Poll, language: str) -> list[Message]:
    """What a person asked in `language` receives (English falls back to Japanese)."""
    return [messages.flex(alt_text(poll, language), poll_bubble(poll, language))]


def selection_messages(poll: Poll, language: str, selection: int) -> list[Message]:
    """A multiple-choice poll after a tap: the current selection and 「これで送る」."""
    return [messages.flex(gettext(language, "選択中のアンケート"),
                          poll_bubble(poll, language, selection=selection))]


def more_bubble(page: int, language: str) -> dict[str, Any]:
    more = gettext(language, "もっと見る")
    return {"type": "bubble",
            "body": {"type": "box", "layout": "vertical", "contents": [
                _text(gettext(language, "ほかのアンケート"), size="lg", weight="bold")]},
            "footer": {"type": "box", "layout": "vertical", "contents": [
                _button(messages.postback_action(more, postback_data(MORE_ACTION, page=page),
                                                 more), "primary")]}}
