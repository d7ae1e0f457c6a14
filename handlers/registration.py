"""Follow, unfollow and the welcome dialogue: language → islander / tourist / family → details.

Nothing is stored on the person until a path is complete: the steps collect into
`dialog_data`, and the last step applies them in one service call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from islandos.i18n import LANGUAGES, N_, gettext, join_words, sentences
from islandos.line import messages
from islandos.line.events import postback_data
from islandos.line.messages import Message
from islandos.line.richmenus import schedule_menu_link
from islandos.line.router import Context, Router
from islandos.models.people import Person, Role
from islandos.services import registration as reg
from islandos.services.family import link_family, shown_to_family
from islandos.services.family_reach import family_reach
from islandos.services.people import mark_followed, mark_unfollowed
from islandos.services.registration_codes import IslanderCannotBeFamily

INVITE_CODE, FAMILY_CODE, NAME, PHONE, DISTRICT = (
    "reg.invite_code", "reg.family_code", "reg.name", "reg.phone", "reg.district")
DISTRICTS_PER_BUBBLE = 6

WELCOME = N_("島OSへようこそ。")
WELCOME_OFFERS = N_("このLINEで、%(offers)sをご利用いただけます。")
CHOOSE_LANGUAGE = N_("ことばを選んでください。")


def _cancel_item(context: Context) -> dict[str, Any]:
    return context.button(N_("やめる"), "reg.cancel")


def _dialog(person: Person, state: str | None, **data: Any) -> None:
    person.dialog_state = state
    person.dialog_data = {**(person.dialog_data or {}), **data}


def waiting_for_approval(context: Context) -> bool:
    return reg.has_pending_request(context.session, context.require_person().id)


# Messages ---------------------------------------------------------------------------------


def offers_line(context: Context, msgid: str, role: str | None = None,
                language: str | None = None) -> str:
    """A sentence naming what this app offers (everyone, or one role), or "" if nothing."""
    registry = context.registry
    offers = registry.offers if role is None else registry.offered_to(role)
    language = language or context.language
    return gettext(language, msgid, offers=join_words(offers, language)) if offers else ""


def language_choice(context: Context) -> Message:
    """Both languages at once: we do not know yet which one the user reads."""
    lines = [sentences(lang, gettext(lang, WELCOME),
                       offers_line(context, WELCOME_OFFERS, language=lang))
             + "\n" + gettext(lang, CHOOSE_LANGUAGE) for lang in LANGUAGES]
    buttons = [messages.postback_action("日本語", postback_data("reg.lang", lang="ja"), "日本語"),
               messages.postback_action("English", postback_data("reg.lang", lang="en"),
                                        "English")]
    card = messages.bubble("ようこそ / Welcome", lines, buttons)
    return messages.flex("ようこそ / Welcome: 日本語 / English", card)


def role_question(context: Context) -> Message:
    _ = context._
    title = _("島民ですか？観光客ですか？家族ですか？")
    buttons = [context.button(N_("島民です"), "reg.role", role=Role.ISLANDER),
               context.button(N_("観光客です"), "reg.role", role=Role.TOURIST),
               context.button(N_("島の外の家族です"), "reg.role", role=Role.FAMILY)]
    card = messages.bubble(title, [_("あてはまるものを1つ押してください。")], buttons)
    return messages.flex(title, card)


def consent_card(context: Context) -> Message:
    _ = context._
    title = _("登録の前にお読みください")
    lines = [
        _("役場が保存するのは、お名前・電話番号（なくても大丈夫です）・集落です。"),
        _("大切なお知らせを確認していない方に役場から電話するため、電話番号は職員用の"
          "連絡リスト（印刷することがあります）に載せます。ほかの利用者には見せません。"),
        _("「設定」→「データを削除」で、いつでも消せます。"),
    ]
    buttons = [context.button(N_("同意して進む"), "reg.consent"), _cancel_item(context)]
    return messages.flex(title, messages.bubble(title, lines, buttons))


def district_choice(context: Context, action: str, title: str) -> Message:
    """Big buttons for every district of the island, six to a card."""
    found = reg.districts(context.session)
    bubbles = []
    for start in range(0, len(found), DISTRICTS_PER_BUBBLE):
        buttons = [messages.postback_action(
            messages.truncate(d.name(context.language), messages.MAX_ACTION_LABEL),
            postback_data(action, id=d.id), d.name(context.language))
            for d in found[start:start + DISTRICTS_PER_BUBBLE]]
        bubbles.append(messages.bubble(title, [], buttons))
    contents = bubbles[0] if len(bubbles) == 1 else messages.carousel(bubbles)
    return messages.flex(title, contents)


def _error(context: Context, error: reg.RegistrationError,
           extra: Sequence[dict[str, Any]] = ()) -> list[Message]:
    return [messages.text(error.text(context.language), [*extra, _cancel_item(context)])]


# Follow, unfollow -------------------------------------------------------------------------


def on_follow(context: Context) -> Sequence[Message]:
    person = context.require_person()
    mark_followed(context.session, person)
    if person.role != Role.UNKNOWN:
        schedule_menu_link(context.session, person)
        return [messages.text(context._("おかえりなさい。これまでの登録のまま使えます。"))]
    if waiting_for_approval(context):
        return [messages.text(context._(
            "おかえりなさい。島民登録の申請は、いま役場で確認中です。"))]
    person.dialog_state = person.dialog_data = None
    return [language_choice(context)]


def on_unfollow(context: Context) -> Sequence[Message]:
    if context.person is not None:
        mark_unfollowed(context.session, context.person)
    return []


# Language and role ------------------------------------------------------------------------


def on_language(context: Context) -> Sequence[Message]:
    person = context.require_person()
    language = context.event.postback.get("lang") if context.event.postback else None
    if language not in LANGUAGES:
        return [language_choice(context)]
    reg.change_language(context.session, person, language, context.actor)
    if person.role == Role.UNKNOWN and not waiting_for_approval(context):
        return [role_question(context)]
    return [messages.text(context._("表示することばを日本語にしました。"))]


def on_register(context: Context) -> Sequence[Message]:
    person = context.require_person()
    if person.role == Role.ISLANDER:
        return [messages.text(context._("すでに島民として登録されています。"))]
    if waiting_for_approval(context):
        return [messages.text(context._("島民登録の申請は、いま役場で確認中です。"))]
    return [role_question(context)]


def on_role(context: Context) -> Sequence[Message]:
    person = context.require_person()
    role = context.event.postback.get("role") if context.event.postback else None
    _ = context._
    if role == Role.TOURIST:
        if person.role not in (Role.UNKNOWN, Role.TOURIST):
            return [messages.text(_("すでに登録されています。変更は「設定」からどうぞ。"))]
        person.dialog_state = person.dialog_data = None
        reg.become_tourist(context.session, person, context.actor)
        return [messages.text(sentences(
            context.language, _("ようこそ！"), offers_line(context, WELCOME_OFFERS, Role.TOURIST),
            _("島のきまりを守って、お楽しみください。")))]
    if role == Role.ISLANDER:
        if person.role == Role.ISLANDER:
            return [messages.text(_("すでに島民として登録されています。"))]
        person.dialog_state, person.dialog_data = INVITE_CODE, {"path": "invite"}
        title = _("招待コードを送ってください")
        lines = [_("役場からお渡しした8文字のコードを、このトークに送ってください。"),
                 _("コードがない方は、下のボタンで役場に登録をお願いできます。")]
        buttons = [_approval_item(context)]
        card = messages.flex(title, messages.bubble(title, lines, buttons),
                             [_cancel_item(context)])
        return [card]
    if role == Role.FAMILY:
        if person.role == Role.ISLANDER:
            return [messages.text(IslanderCannotBeFamily().text(context.language))]
        person.dialog_state, person.dialog_data = FAMILY_CODE, {}
        return [messages.text(_("島にいるご家族から受け取った「家族コード」を送ってください。"),
                              [_cancel_item(context)])]
    return [role_question(context)]


def on_cancel(context: Context) -> Sequence[Message]:
    person = context.require_person()
    person.dialog_state = person.dialog_data = None
    return [messages.text(context._("登録をやめました。「登録」と送ると、いつでも始められます。"))]


# Codes ------------------------------------------------------------------------------------


def _approval_item(context: Context) -> dict[str, Any]:
    return context.button(N_("役場にお願いする"), "reg.approval")


def on_invite_code(context: Context) -> Sequence[Message]:
    person = context.require_person()
    try:
        code = reg.check_invite_code(context.session, person, context.event.text or "")
    except reg.RegistrationError as error:
        return _error(context, error, [_approval_item(context)])
    person.dialog_state = None
    person.dialog_data = {"path": "invite", "invite_code_id": code.id,
                          "district_id": code.district_id}
    return [messages.text(context._("コードを確認しました。")), consent_card(context)]


def on_family_code(context: Context) -> Sequence[Message]:
    person = context.require_person()
    try:
        islander = link_family(context.session, person, context.event.text or "", context.actor)
    except reg.RegistrationError as error:
        return _error(context, error)
    language = context.language
    return [messages.text(sentences(
        language,
        context._("ご家族（%(who)s）とつながりました。",
                  who=shown_to_family(context.session, islander, language)),
        family_reach(language),
        context._("ほかのご家族のコードも、「設定」から同じように追加できます。")))]


def on_approval(context: Context) -> Sequence[Message]:
    person = context.require_person()
    if person.role == Role.ISLANDER:
        return [messages.text(context._("すでに島民として登録されています。"))]
    if waiting_for_approval(context):
        return [messages.text(context._("島民登録の申請は、いま役場で確認中です。"))]
    person.dialog_state, person.dialog_data = None, {"path": "approval"}
    return [consent_card(context)]


# Consent, name, phone, district ---------------------------------------------------------


def _restart(context: Context) -> list[Message]:
    context.require_person().dialog_state = context.require_person().dialog_data = None
    return [messages.text(context._("途中で止まっていたので、はじめからお願いします。")),
            role_question(context)]


def on_consent(context: Context) -> Sequence[Message]:
    person = context.require_person()
    if (person.dialog_data or {}).get("path") not in ("invite", "approval"):
        return _restart(context)
    _dialog(person, NAME, consented=True)
    return [messages.text(context._("お名前（フルネーム）を送ってください。例：比嘉 花子"),
                          [_cancel_item(context)])]


def on_name(context: Context) -> Sequence[Message]:
    person = context.require_person()
    try:
        name = reg.clean_name(context.event.text or "")
    except reg.RegistrationError as error:
        return _error(context, error)
    _dialog(person, PHONE, name=name)
    return [messages.text(context._("電話番号を送ってください。なくても大丈夫です。"),
                          [_no_phone_item(context), _cancel_item(context)])]


def _no_phone_item(context: Context) -> dict[str, Any]:
    return context.button(N_("電話番号なしで進む"), "reg.no_phone")


def on_phone(context: Context) -> Sequence[Message]:
    try:
        phone = reg.clean_phone(context.event.text or "")
    except reg.RegistrationError as error:
        return _error(context, error, [_no_phone_item(context)])
    _dialog(context.require_person(), None, phone=phone)
    return _after_phone(context)


def on_no_phone(context: Context) -> Sequence[Message]:
    person = context.require_person()
    if person.dialog_state != PHONE:
        return _restart(context)
    _dialog(person, None, phone=None)
    return _after_phone(context)


def _after_phone(context: Context) -> list[Message]:
    person = context.require_person()
    data = person.dialog_data or {}
    if data.get("district_id") or not reg.districts(context.session):
        return _finish(context, data.get("district_id"))
    person.dialog_state = DISTRICT
    return [_district_question(context)]


def _district_question(context: Context) -> Message:
    return district_choice(context, "reg.district", context._("お住まいの集落を選んでください"))


def on_district(context: Context) -> Sequence[Message]:
    person = context.require_person()
    if person.dialog_state != DISTRICT or context.event.postback is None:
        return _restart(context)
    return _finish(context, context.event.postback.id("id"))


def on_district_text(context: Context) -> Sequence[Message]:
    return [messages.text(context._("集落は、下のボタンから選んでください。")),
            _district_question(context)]


def _finish(context: Context, district_id: int | None) -> list[Message]:
    person = context.require_person()
    data = dict(person.dialog_data or {})
    if not data.get("consented") or not data.get("name"):
        return _restart(context)
    try:
        if data.get("path") == "invite":
            reg.register_islander(
                context.session, person, invite_code_id=int(data["invite_code_id"]),
                full_name=data["name"], phone=data.get("phone"), district_id=district_id,
                actor=context.actor)
        else:
            reg.request_approval(context.session, person, full_name=data["name"],
                                 phone=data.get("phone"), district_id=district_id,
                                 actor=context.actor)
    except reg.UnknownDistrict as error:
        return [messages.text(error.text(context.language)),
                _district_question(context)]
    except (reg.CodeAlreadyUsed, reg.CodeRevoked) as error:
        person.dialog_state, person.dialog_data = INVITE_CODE, {"path": "invite"}
        return _error(context, error, [_approval_item(context)])
    except reg.RegistrationError as error:
        return [messages.text(error.text(context.language)), *_restart(context)]
    _ = context._
    if data.get("path") != "invite":
        return [messages.text(_("役場に登録をお願いしました。確認が終わったら、このトークで"
                                "お知らせします。"))]
    done = sentences(context.language, _("登録が終わりました。"), reg.menu_offers_line(
        context.registry.offered_to(Role.ISLANDER), context.language))
    return [messages.text(done),
            messages.text(_("島の外のご家族とつながるには、「家族コード」と送ってください。"))]


def register(router: Router) -> None:
    router.follow()(on_follow)
    router.unfollow()(on_unfollow)
    router.postback("reg.lang")(on_language)
    router.postback("reg.role")(on_role)
    router.postback("reg.cancel")(on_cancel)
    router.postback("reg.approval")(on_approval)
    router.postback("reg.consent")(on_consent)
    router.postback("reg.no_phone")(on_no_phone)
    router.postback("reg.district")(on_district)
    router.text("登録", "register", "島民登録")(on_register)
    router.dialog(INVITE_CODE)(on_invite_code)
    router.dialog(FAMILY_CODE)(on_family_code)
    router.dialog(NAME)(on_name)
    router.dialog(PHONE)(on_phone)
    router.dialog(DISTRICT)(on_district_text)
    router.help_item(N_("登録"), N_("登録"), [Role.UNKNOWN, Role.TOURIST], order=10)
