"""「入島協力金」 in LINE: a signed link to /fee, opened in the phone's browser."""

from __future__ import annotations

from collections.abc import Sequence

from islandos.i18n import N_
from islandos.line import messages
from islandos.line.messages import Message
from islandos.line.router import Context, Router
from islandos.models.people import Role
from islandos.services.fees.links import fee_link


def on_fee(context: Context) -> Sequence[Message]:
    """A card with a button to /fee tied to this user, so the pass comes back to the chat."""
    if context.sender is None:
        return [messages.text(context._("入島協力金はこちらからお支払いいただけます。"))]
    url = fee_link(context.settings, context.sender.person_id, context.language)
    card = messages.bubble(
        context._("入島協力金"),
        [context._("島の道・トイレ・拝所を守るための協力金です。"),
         context._("ボタンからブラウザでお支払いください。お支払いのあと、パスがこのトークに届きます。")],
        [messages.uri_action(context._("支払いへ進む"), url)],
        label=context.settings.island(context.language), accent="#1E7F4F")
    return [messages.flex(context._("入島協力金のお支払い"), card)]


def register(router: Router) -> None:
    router.text("入島協力金", "協力金", "entry fee", "entry contribution")(on_fee)
    router.help_item(N_("入島協力金"), N_("入島協力金"), [Role.TOURIST, Role.UNKNOWN], order=40)
