"""Disaster mode in LINE: the safety check's answers (by the person or their family), the
location of someone needing help, 避難所, 家族へ連絡 and 「○○さんの安否」."""

from __future__ import annotations

from collections.abc import Sequence

from islandos.i18n import N_
from islandos.line import messages
from islandos.line.events import postback_data
from islandos.line.messages import Message
from islandos.line.router import Context, Router
from islandos.models.disaster import SafetyChoice
from islandos.models.people import Person, Role
from islandos.services.disaster import answers, shelters
from islandos.services.disaster.messages import (
    ANSWER_ACTION,
    FAMILY_ACTION,
    FAMILY_SAFE,
    check_messages,
    help_question,
    status_words,
)
from islandos.services.disaster.mode import DisasterError

PROXY_ACTION = "safety.proxy"  # a family member: m=<mode id>, p=<islander id>
HELP_LOCATION = "safety.location"  # dialogue state: a location is where help is needed
SHELTER_LOCATION = "disaster.shelter"  # dialogue state: a location finds the nearest shelter
NO_CHECK = N_("いまは安否確認をしていません。")


def _text(context: Context, msgid: str, **values: str | int) -> list[Message]:
    return [messages.text(context._(msgid, **values))]


def on_answer(context: Context) -> Sequence[Message]:
    """「無事です」, 「助けが必要」 and the kind of help. Forged or stale: said so, nothing
    changes."""
    postback = context.event.postback
    person = context.person
    if postback is None or person is None:
        return _text(context, N_("この安否確認は見つかりませんでした。"))
    choice = postback.get("c") or ""
    try:
        done = answers.answer(context.session, postback.int("m"), person.id, choice)
    except DisasterError as error:
        return _text(context, error.msgid)
    if choice == SafetyChoice.SAFE:
        person.dialog_state = None
        reply = _text(context, N_("「無事」と役場に伝えました。ありがとうございます。"))
        if done.family_told:
            reply.append(messages.text(context._("ご家族にもLINEで知らせました。")))
        return reply
    person.dialog_state = HELP_LOCATION
    if choice == SafetyChoice.HELP:
        return help_question(done.mode_id, context.language)
    return [messages.text(
        context._("「%(status)s」と役場に伝えました。できれば位置情報を送ってください。",
                  status=status_words(context.language, choice)),
        [messages.location_action(context._("位置情報を送る"))])]


def on_help_location(context: Context) -> Sequence[Message]:
    event, person = context.event, context.require_person()
    person.dialog_state = None
    if event.latitude is None or event.longitude is None:
        return _text(context, N_("位置情報を読み取れませんでした。もう一度送ってください。"))
    try:
        answers.record_location(context.session, person.id, event.latitude, event.longitude)
    except DisasterError as error:
        return _text(context, error.msgid)
    return _text(context, N_("位置情報を役場に伝えました。安全な場所で待っていてください。"))


def _family_view(context: Context, islanders: list[Person]) -> list[Message]:
    """Each linked islander's status, with 「無事を確認しました」 for those not known safe."""
    mode = answers.open_check(context.session)
    if mode is None:
        return _text(context, NO_CHECK)
    if not islanders:
        return _text(context, N_("ご家族として登録された島民の方がいません。"))
    bubbles = []
    for islander in islanders[:messages.MAX_CAROUSEL_BUBBLES]:
        status = answers.status_of(context.session, mode, islander.id)
        lines = [status_words(context.language, status.choice, status.by_family)]
        buttons = []
        if status.choice is None:  # one who asked for help is left to the office
            label = context._(FAMILY_SAFE)
            buttons.append(messages.postback_action(
                context._("無事を確認した"), postback_data(PROXY_ACTION, m=mode.id, p=islander.id),
                label))
        name = context._("%(name)sさん", name=islander.full_name or "")
        bubbles.append(messages.bubble(name, lines, buttons, label=context._("安否"),
                                       accent="#C0392B"))
    return [messages.flex(context._("家族の安否"), messages.carousel(bubbles))]


def on_family(context: Context) -> Sequence[Message]:
    person = context.person
    if person is None:
        return _text(context, NO_CHECK)
    return _family_view(context, answers.linked_islanders(context.session, person.id))


def on_proxy(context: Context) -> Sequence[Message]:
    """A family member: 「家族が無事を確認しました」 for one linked islander."""
    postback, person = context.event.postback, context.person
    if postback is None or person is None:
        return _text(context, N_("この安否確認は見つかりませんでした。"))
    islander_id = postback.int("p")
    if islander_id is None:
        return _text(context, N_("この安否確認は見つかりませんでした。"))
    try:
        answers.answer(context.session, postback.int("m"), islander_id, SafetyChoice.SAFE,
                       proxy_person_id=person.id)
    except DisasterError as error:
        return _text(context, error.msgid)
    return _text(context, N_(
        "「家族が無事を確認しました」と役場に伝えました。ありがとうございます。"))


def _check_buttons(context: Context, intro: str | None) -> list[Message]:
    """Family members see their islanders; everyone else gets the two buttons again."""
    if context.role == Role.FAMILY:
        return list(on_family(context))
    mode = answers.open_check(context.session)
    if mode is None:
        return _text(context, NO_CHECK)
    reply = _text(context, intro) if intro else []
    return [*reply, *check_messages(mode.id, mode.kind, context.language, False)]


def on_tell(context: Context) -> Sequence[Message]:
    """「安否を知らせる」 (the disaster menu)."""
    return _check_buttons(context, None)


def on_contact_family(context: Context) -> Sequence[Message]:
    """「家族へ連絡」: an islander learns their answer reaches their family at once."""
    return _check_buttons(context, N_("安否を答えると、登録されたご家族にすぐLINEで届きます。"))


def on_ask_about(context: Context) -> Sequence[Message]:
    """「○○さんの安否」 from a family member during the mode."""
    person = context.person
    if person is None or context.role != Role.FAMILY:
        return _text(context, N_("ご家族として登録された方だけが、島民の安否を見られます。"))
    words = context.match.group(1) if context.match else ""
    found = answers.find_linked(context.session, person.id, words)
    if not found:
        return _text(context, N_("ご家族として登録された方の中に、その名前の方はいません。"))
    return _family_view(context, found)


def _shelter_bubble(context: Context, shelter: shelters.Shelter) -> dict[str, object]:
    spot = shelter.spot
    lines = []
    if shelter.metres is not None:
        lines.append(context._("徒歩 約%(minutes)s分（%(metres)s m）",
                               minutes=shelter.minutes or 1,
                               metres=int(round(shelter.metres, -1))))
    if spot.shelter_capacity:
        lines.append(context._("定員 %(capacity)s人", capacity=spot.shelter_capacity))
    button = messages.postback_action(context._("地図で見る"), postback_data("map.loc", s=spot.id),
                                      context._("地図で見る"))
    return messages.bubble(spot.text(context.language).name, lines, [button],
                           label=context._("開設中の避難所"), accent="#1E7F4F")


def _shelters(context: Context, latitude: float | None, longitude: float | None
              ) -> list[Message]:
    found = shelters.open_shelters(context.session, latitude, longitude)
    ask_location = [messages.location_action(context._("位置情報を送る"))]
    person = context.person
    if person is not None:
        person.dialog_state = SHELTER_LOCATION
    if not found:
        return [messages.text(context._(
            "いま開いている避難所はありません。役場の放送やお知らせを確かめてください。"))]
    intro = (context._("近くの開設中の避難所です。") if latitude is not None else
             context._("開設中の避難所です。位置情報を送ると、近い順に並べます。"))
    return [messages.text(intro),
            messages.flex(context._("避難所"), messages.carousel(
                [_shelter_bubble(context, shelter) for shelter in found]), ask_location)]


def on_shelters(context: Context) -> Sequence[Message]:
    return _shelters(context, None, None)


def on_shelter_location(context: Context) -> Sequence[Message]:
    event = context.event
    context.require_person().dialog_state = None
    if event.latitude is None or event.longitude is None:
        return _text(context, N_("位置情報を読み取れませんでした。もう一度送ってください。"))
    return _shelters(context, event.latitude, event.longitude)


def register(router: Router) -> None:
    router.postback(ANSWER_ACTION)(on_answer)
    router.postback(PROXY_ACTION)(on_proxy)
    router.postback(FAMILY_ACTION)(on_family)
    router.location_dialog(HELP_LOCATION)(on_help_location)
    router.location_dialog(SHELTER_LOCATION)(on_shelter_location)
    router.text("安否を知らせる", "安否確認", "report safety", "safety check")(on_tell)
    router.text("避難所", "shelters", "shelter", "evacuation shelters")(on_shelters)
    router.text("家族へ連絡", "contact family")(on_contact_family)
    router.pattern(r"(.+?)(?:さん|さま|様)?の安否")(on_ask_about)
    router.pattern(r"safety of (.+?)\??")(on_ask_about)
    router.help_item(N_("避難所"), N_("避難所"), list(Role), order=15)

