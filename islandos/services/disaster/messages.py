"""What the safety check says in LINE: the emergency message with its two big buttons, the
follow-up question, the family's copy and the status pushed to family members."""

from __future__ import annotations

from typing import Any

from islandos.i18n import N_, gettext
from islandos.line import messages
from islandos.line.events import postback_data
from islandos.line.messages import Message
from islandos.models.disaster import DisasterKind, SafetyChoice

ANSWER_ACTION = "safety"  # postback: m=<mode id>, c=<choice>[, p=<islander id> for family]
FAMILY_ACTION = "safety.family"  # postback: a family member's view of their islanders
RED, GREEN, GREY = "#C0392B", "#1E7F4F", "#5D6D7E"

KIND_LABELS = {
    DisasterKind.TYPHOON: N_("台風"), DisasterKind.HEAVY_RAIN: N_("大雨"),
    DisasterKind.TSUNAMI: N_("津波警報"), DisasterKind.EARTHQUAKE: N_("地震"),
    DisasterKind.FERRY: N_("船の欠航"), DisasterKind.OTHER: N_("災害"),
}
CHOICE_LABELS = {
    SafetyChoice.SAFE: N_("無事です"), SafetyChoice.HELP: N_("助けが必要"),
    SafetyChoice.INJURY: N_("けが・体調"), SafetyChoice.HOUSE: N_("家が危ない"),
    SafetyChoice.STUCK: N_("動けない"), SafetyChoice.OTHER: N_("その他"),
}
HELP_REASONS = (SafetyChoice.INJURY, SafetyChoice.HOUSE, SafetyChoice.STUCK, SafetyChoice.OTHER)
FAMILY_SAFE = N_("家族が無事を確認しました")


def _action(language: str, label: str, **values: str | int) -> dict[str, Any]:
    text = gettext(language, label)
    return messages.postback_action(text, postback_data(ANSWER_ACTION, **values), text)


def _big_button(action: dict[str, Any], color: str) -> dict[str, Any]:
    return {"type": "button", "style": "primary", "height": "md", "color": color,
            "action": action}


def check_messages(mode_id: int, kind: str, language: str, family: bool) -> list[Message]:
    """The emergency message: 「無事です」/「助けが必要」 (the family's copy explains instead)."""
    what = gettext(language, KIND_LABELS.get(DisasterKind(kind), KIND_LABELS[DisasterKind.OTHER]))
    title = gettext(language, "【安否確認】%(kind)s", kind=what)
    if family:
        lines = [gettext(language, "島は災害時モードになり、安否確認を始めました。"),
                 gettext(language, "ご家族が答えると、すぐにLINEでお知らせします。")]
        button = messages.postback_action(
            gettext(language, "家族の安否を見る"), postback_data(FAMILY_ACTION, m=mode_id),
            gettext(language, "家族の安否を見る"))
        return [messages.flex(title, messages.bubble(title, lines, [button],
                                                     label=gettext(language, "緊急"),
                                                     accent=RED))]
    body = [
        {"type": "text", "text": gettext(language, "緊急"), "size": "sm", "weight": "bold",
         "color": RED, "scaling": True},
        {"type": "text", "text": title, "size": "xl", "weight": "bold", "wrap": True,
         "scaling": True},
        {"type": "text", "wrap": True, "size": "md", "scaling": True,
         "text": gettext(language,
                         "いまの様子を下のボタンで知らせてください。答えはあとから変えられます。")},
    ]
    footer = [
        _big_button(_action(language, CHOICE_LABELS[SafetyChoice.SAFE], m=mode_id,
                            c=SafetyChoice.SAFE.value), GREEN),
        _big_button(_action(language, CHOICE_LABELS[SafetyChoice.HELP], m=mode_id,
                            c=SafetyChoice.HELP.value), RED),
    ]
    card = {"type": "bubble",
            "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": body},
            "footer": {"type": "box", "layout": "vertical", "spacing": "md", "contents": footer}}
    return [messages.flex(title, card)]


def reminder_messages(mode_id: int, kind: str, language: str) -> list[Message]:
    return [messages.text(gettext(
                language, "まだ安否が届いていません。無事かどうか、教えてください。")),
            *check_messages(mode_id, kind, language, False)]


def help_question(mode_id: int, language: str) -> list[Message]:
    """After 「助けが必要」: what kind of help, and the location."""
    items = [_action(language, CHOICE_LABELS[reason], m=mode_id, c=reason.value)
             for reason in HELP_REASONS]
    items.append(messages.location_action(gettext(language, "位置情報を送る")))
    return [messages.text(gettext(
        language,
        "役場に伝えました。どのような助けが必要ですか？できれば位置情報も送ってください。"),
        items)]


def status_words(language: str, choice: str | None, by_family: bool = False) -> str:
    if choice is None:
        return gettext(language, "まだ答えていません")
    if choice == SafetyChoice.SAFE:
        return gettext(language, FAMILY_SAFE if by_family else "無事です")
    if choice == SafetyChoice.HELP:
        return gettext(language, "助けが必要")
    return gettext(language, "助けが必要（%(reason)s）",
                   reason=gettext(language, CHOICE_LABELS[SafetyChoice(choice)]))


def family_push(language: str, name: str, choice: str, by_family: bool) -> list[Message]:
    """What each linked family member gets at once when an islander's status changes."""
    return [messages.text(gettext(language, "【安否】%(name)sさん：%(status)s", name=name,
                                  status=status_words(language, choice, by_family)))]
