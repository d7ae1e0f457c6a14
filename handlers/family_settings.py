"""「家族とのつながり」 in Settings: see and remove family links, renew the family code."""

from __future__ import annotations

from collections.abc import Sequence

from islandos.i18n import N_, format_day, sentences
from islandos.line import messages
from islandos.line.messages import MAX_CAROUSEL_BUBBLES, Message
from islandos.line.router import Context, Router
from islandos.models.people import FamilyLink, Person, Role
from islandos.models.registration import FamilyCode
from islandos.services.family import (
    FamilyLinkNotFound,
    choose_name_for_family,
    family_links,
    renew_family_code,
    shown_to_family,
    unlink_family,
)
from islandos.services.family_reach import family_reach
from islandos.services.registration import clean_name
from islandos.services.registration_codes import NotAnIslander, RegistrationError

FAMILY_ROLES = (Role.ISLANDER, Role.FAMILY)


NAME_TEXT = "fam.name_text"


def _who(context: Context, number: int, other: Person) -> str:
    """How the other side of a link is shown: to family, the islander as they agreed to be
    shown (or their district); to an islander, a number. Never a phone number."""
    if context.require_person().role == Role.ISLANDER:
        return context._("ご家族 %(number)s", number=number)
    return shown_to_family(context.session, other, context.language)


# The family code, and how the islander is shown to family -------------------------------


def code_messages(context: Context, code: FamilyCode) -> list[Message]:
    """The family code to pass on, with what linking does."""
    _ = context._
    return [
        messages.text(sentences(context.language, _(
            "あなたの家族コードです。島の外のご家族に伝えてください。ご家族がこのLINEを友だち"
            "追加して「島の外の家族です」を選び、このコードを送ると、つながります。"),
            family_reach(context.language))),
        messages.text(code.code, quick_replies=[
            context.button(N_("家族コードを新しくする"), "fam.renew"),
            context.button(N_("ご家族への表示"), "fam.name_menu")]),
    ]


def name_choice(context: Context) -> Message:
    """Ask the islander how linked family may see them (their consent to show a name)."""
    person = context.require_person()
    _ = context._
    title = _("ご家族に、あなたをどう表示しますか？")
    lines = [_("家族コードでつながったご家族のLINEに表示します。ほかの人には見せません。")]
    buttons = []
    if person.full_name:
        lines.append(_("登録したお名前：%(name)s", name=person.full_name))
        buttons.append(context.button(N_("登録したお名前"), "fam.name", c="registered"))
    buttons += [context.button(N_("呼び名を送る"), "fam.name", c="own"),
                context.button(N_("表示しない（集落だけ）"), "fam.name", c="none")]
    lines.append(_("あとから「設定」→「家族とのつながり」で変えられます。"))
    return messages.flex(title, messages.bubble(title, lines, buttons))


def on_name_menu(context: Context) -> Sequence[Message]:
    if context.require_person().role != Role.ISLANDER:
        return [messages.text(NotAnIslander().text(context.language))]
    return [name_choice(context)]


def _name_chosen(context: Context, name: str | None) -> list[Message]:
    person = context.require_person()
    try:
        code = choose_name_for_family(context.session, person, name, context.actor)
    except RegistrationError as error:
        return [messages.text(error.text(context.language))]
    shown = shown_to_family(context.session, person, context.language)
    return [messages.text(context._("ご家族には「%(shown)s」と表示します。", shown=shown)),
            *code_messages(context, code)]


def on_name(context: Context) -> Sequence[Message]:
    person = context.require_person()
    choice = context.event.postback.get("c") if context.event.postback else None
    if person.role != Role.ISLANDER:
        return [messages.text(NotAnIslander().text(context.language))]
    if choice == "own":
        person.dialog_state = NAME_TEXT
        return [messages.text(context._("ご家族に表示する呼び名を送ってください。例：比嘉のおばあ"),
                              [context.button(N_("やめる"), "fam.cancel")])]
    if choice == "registered" and person.full_name:
        return _name_chosen(context, person.full_name)
    return _name_chosen(context, None)


def on_name_text(context: Context) -> Sequence[Message]:
    person = context.require_person()
    try:
        name = clean_name(context.event.text or "")
    except RegistrationError as error:
        return [messages.text(error.text(context.language),
                              [context.button(N_("やめる"), "fam.cancel")])]
    person.dialog_state = None
    return _name_chosen(context, name)


def _since(context: Context, link: FamilyLink) -> str:
    return context._("%(day)sから", day=format_day(link.created_at, context.language))


def _find(context: Context) -> tuple[int, FamilyLink, Person] | None:
    """The link named by the postback, numbered as in the list, if it is this person's."""
    link_id = context.event.postback.int("link") if context.event.postback else None
    links = family_links(context.session, context.require_person())
    for number, (link, other) in enumerate(links, 1):
        if link.id == link_id:
            return number, link, other
    return None


def on_links(context: Context) -> Sequence[Message]:
    person = context.require_person()
    _ = context._
    if person.role not in FAMILY_ROLES:
        return [messages.text(_("この機能は、島民の方とそのご家族だけが使えます。"))]
    links = family_links(context.session, person)
    bubbles = [
        messages.bubble(_who(context, number, other), [_since(context, link)],
                        [messages.warning_button(
                            context.button(N_("解除する"), "fam.unlink", link=link.id))])
        for number, (link, other) in enumerate(links, 1)
    ]
    if person.role == Role.ISLANDER:
        bubbles = bubbles[:MAX_CAROUSEL_BUBBLES - 1]
        bubbles.append(messages.bubble(_("家族コード"), [
            _("ご家族への表示：%(shown)s",
              shown=shown_to_family(context.session, person, context.language)),
            _("家族コードを新しくすると、今のコードはすぐに使えなくなります。"
              "つながっているご家族は、そのままです。")], [
            messages.message_action(_("家族コードを見る"), _("家族コード")),
            context.button(N_("ご家族への表示"), "fam.name_menu"),
            context.button(N_("家族コードを新しくする"), "fam.renew")]))
    elif not bubbles:
        return [messages.text(_("つながっている島民の方はいません。"), quick_replies=[
            context.button(N_("家族を追加する"), "reg.role", role=Role.FAMILY)])]
    intro = (_("つながっているご家族はいません。") if not links
             else _("つながりを解除したいときは、「解除する」を押してください。"))
    return [messages.text(intro),
            messages.flex(_("家族とのつながり"), messages.carousel(bubbles[:MAX_CAROUSEL_BUBBLES]))]


def on_unlink(context: Context) -> Sequence[Message]:
    found = _find(context)
    if found is None:
        return [messages.text(FamilyLinkNotFound().text(context.language))]
    number, link, other = found
    _ = context._
    effect = _("解除すると、このつながりで届いていたお知らせは、届かなくなります。")
    title = _("つながりを解除しますか？")
    lines = [_who(context, number, other), _since(context, link), effect,
             _("相手の方には、つながりが1件解除されたことだけをお知らせします。")]
    # The safe choice is the primary button; removing the link is the warning-coloured one.
    buttons = [context.button(N_("やめる"), "fam.cancel"),
               messages.warning_button(
                   context.button(N_("解除する"), "fam.unlink_confirm", link=link.id))]
    return [messages.flex(title, messages.bubble(title, lines, buttons))]


def on_unlink_confirm(context: Context) -> Sequence[Message]:
    link_id = context.event.postback.int("link") if context.event.postback else None
    try:
        unlink_family(context.session, context.require_person(), link_id or 0, context.actor)
    except RegistrationError as error:
        return [messages.text(error.text(context.language))]
    return [messages.text(context._("つながりを解除しました。"))]


def on_renew(context: Context) -> Sequence[Message]:
    _ = context._
    if context.require_person().role != Role.ISLANDER:
        return [messages.text(NotAnIslander().text(context.language))]
    title = _("家族コードを新しくしますか？")
    lines = [_("今の家族コードは、すぐに使えなくなります。"),
             _("すでにつながっているご家族は、そのままです。")]
    buttons = [context.button(N_("新しくする"), "fam.renew_confirm"),
               context.button(N_("やめる"), "fam.cancel")]
    return [messages.flex(title, messages.bubble(title, lines, buttons))]


def on_renew_confirm(context: Context) -> Sequence[Message]:
    try:
        code = renew_family_code(context.session, context.require_person(), context.actor)
    except RegistrationError as error:
        return [messages.text(error.text(context.language))]
    return [messages.text(context._("家族コードを新しくしました。前のコードは、もう使えません。"
                                    "新しいコードを、ご家族に伝えてください。")),
            messages.text(code.code)]


def on_cancel(context: Context) -> Sequence[Message]:
    context.require_person().dialog_state = None
    return [messages.text(context._("やめました。何も変わっていません。"))]


def register(router: Router) -> None:
    router.text("家族とのつながり", "family links")(on_links)
    router.text("家族コードを新しくする", "new family code")(on_renew)
    router.postback("fam.links")(on_links)
    router.postback("fam.unlink")(on_unlink)
    router.postback("fam.unlink_confirm")(on_unlink_confirm)
    router.postback("fam.renew")(on_renew)
    router.postback("fam.renew_confirm")(on_renew_confirm)
    router.postback("fam.cancel")(on_cancel)
    router.postback("fam.name_menu")(on_name_menu)
    router.postback("fam.name")(on_name)
    router.dialog(NAME_TEXT)(on_name_text)
