"""「設定」: language, district, what is stored about me, the family code, deleting my data."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.registration import district_choice, language_choice
from islandos.i18n import N_
from islandos.line import messages
from islandos.line.messages import Message
from islandos.line.router import Context, Router
from islandos.models.people import Role
from islandos.services import registration as reg
from islandos.services.family import family_code_for
from islandos.services.privacy import DELETED_TEXT, delete_personal_data


def on_settings(context: Context) -> Sequence[Message]:
    person = context.require_person()
    _ = context._
    buttons = [context.button(N_("ことば / Language"), "set.language")]
    if person.role == Role.ISLANDER:
        buttons.append(context.button(N_("集落を変える"), "set.district"))
        buttons.append(messages.message_action(_("家族コード"), _("家族コード")))
        buttons.append(context.button(N_("家族とのつながり"), "fam.links"))
    elif person.role == Role.FAMILY:
        buttons.append(context.button(N_("家族を追加する"), "reg.role", role=Role.FAMILY))
        buttons.append(context.button(N_("家族とのつながり"), "fam.links"))
    else:
        buttons.append(messages.message_action(_("島民・家族の登録"), _("登録")))
    buttons.append(context.button(N_("登録内容を見る"), "set.show"))
    buttons.append(context.button(N_("データを削除"), "set.delete"))
    title = _("設定")
    return [messages.flex(title, messages.bubble(title, [_("変えたいものを押してください。")],
                                                 buttons))]


def on_language_menu(context: Context) -> Sequence[Message]:
    return [language_choice()]


def on_district_menu(context: Context) -> Sequence[Message]:
    if context.require_person().role != Role.ISLANDER:
        return [messages.text(reg.NotAnIslander().text(context.language))]
    if not reg.districts(context.session):
        return [messages.text(context._("集落の一覧がまだありません。"))]
    return [district_choice(context, "set.district_pick", context._("新しい集落を選んでください"))]


def on_district_pick(context: Context) -> Sequence[Message]:
    person = context.require_person()
    if person.role != Role.ISLANDER or context.event.postback is None:
        return [messages.text(reg.NotAnIslander().text(context.language))]
    try:
        reg.change_district(context.session, person.id, context.event.postback.id("id"),
                            context.actor)
    except reg.RegistrationError as error:
        return [messages.text(error.text(context.language))]
    district = person.district.name(context.language) if person.district else ""
    return [messages.text(context._("集落を「%(district)s」に変えました。", district=district))]


def on_show(context: Context) -> Sequence[Message]:
    """What the island stores about me, from every feature: shown only to the person."""
    person = context.require_person()
    _ = context._
    lines: list[str] = []
    for part in context.registry.disclosures(context.session, person, context.language):
        lines += ([f"【{part.title}】"] if lines else []) + part.lines
    lines.append(_("お名前と電話番号は役場だけが見られます。ほかの利用者には見せません。"))
    title = _("登録内容")
    buttons = [context.button(N_("データを削除"), "set.delete")]
    return [messages.flex(title, messages.bubble(title, lines, buttons))]


def on_family_code(context: Context) -> Sequence[Message]:
    person = context.require_person()
    try:
        code = family_code_for(context.session, person)
    except reg.RegistrationError as error:
        return [messages.text(error.text(context.language))]
    return [
        messages.text(context._(
            "あなたの家族コードです。島の外のご家族に伝えてください。ご家族がこのLINEを友だち"
            "追加して「島の外の家族です」を選び、このコードを送ると、大切なお知らせがご家族にも"
            "届きます。")),
        messages.text(code.code, quick_replies=[
            context.button(N_("家族コードを新しくする"), "fam.renew")]),
    ]


def on_delete(context: Context) -> Sequence[Message]:
    _ = context._
    title = _("データを削除しますか？")
    lines = [_("お名前・電話番号・ご家族とのつながり・行事への回答などが消えます。"),
             _("人数の集計（だれのものか分からない数）だけは残ります。"),
             _("削除すると元に戻せません。")]
    buttons = [context.button(N_("削除する"), "set.delete_confirm"),
               context.button(N_("やめる"), "set.delete_cancel")]
    return [messages.flex(title, messages.bubble(title, lines, buttons))]


def on_delete_confirm(context: Context) -> Sequence[Message]:
    delete_personal_data(context.session, context.require_person().id, context.actor,
                         context.registry.erasers, notify=False)
    return [messages.text(context._(DELETED_TEXT)),
            messages.text(context._("また使うときは、「登録」と送ってください。"))]


def on_delete_cancel(context: Context) -> Sequence[Message]:
    return [messages.text(context._("削除をやめました。データはそのままです。"))]


def register(router: Router) -> None:
    router.text("設定", "settings", "せってい")(on_settings)
    router.text("家族コード", "family code")(on_family_code)
    router.text("データを削除", "delete my data")(on_delete)
    router.text("ことば", "言語", "language")(on_language_menu)
    router.postback("set.language")(on_language_menu)
    router.postback("set.district")(on_district_menu)
    router.postback("set.district_pick")(on_district_pick)
    router.postback("set.show")(on_show)
    router.postback("set.delete")(on_delete)
    router.postback("set.delete_confirm")(on_delete_confirm)
    router.postback("set.delete_cancel")(on_delete_cancel)
    router.help_item(N_("設定"), N_("設定"), list(Role), order=90)
    router.help_item(N_("家族コード"), N_("家族コード"), [Role.ISLANDER], order=80)
