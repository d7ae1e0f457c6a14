"""Help for words the bot does not know, stickers and images, and group chats."""

from __future__ import annotations

from collections.abc import Sequence

from islandos.line import messages
from islandos.line.messages import Message
from islandos.line.router import Context, Router


def help_shortcuts(context: Context) -> list[dict[str, object]]:
    """Quick replies for what this person may do, in their language (at most 13)."""
    items = [item for item in context.router.help_items if context.role in item.roles]
    return [messages.message_action(context._(item.label), context._(item.text))
            for item in items[: messages.MAX_QUICK_REPLY_ITEMS]]


def on_unknown_text(context: Context) -> Sequence[Message]:
    shortcuts = help_shortcuts(context)
    body = context._("すみません、よくわかりませんでした。下のボタンから選んでください。")
    return [messages.text(body, shortcuts or None)]


def on_help(context: Context) -> Sequence[Message]:
    shortcuts = help_shortcuts(context)
    body = context._("ご用件を下のボタンから選んでください。")
    return [messages.text(body, shortcuts or None)]


def on_sticker_or_media(context: Context) -> Sequence[Message]:
    body = context._("ありがとうございます。ご用件は下のボタンから選んでください。")
    return [messages.text(body, help_shortcuts(context) or None)]


def on_join(context: Context) -> Sequence[Message]:
    return [messages.text(context._(
        "招待ありがとうございます。この島OSは1対1のトークでご利用いただけます。"
        "友だち追加して、トークでお話しください。"))]


def on_group_message(context: Context) -> Sequence[Message]:
    if not context.event.mentions_bot:
        return []
    return on_join(context)


def on_leave(context: Context) -> Sequence[Message]:
    return []


def register(router: Router) -> None:
    router.fallback()(on_unknown_text)
    router.text("ヘルプ", "help", "メニュー", "menu", "?", "？")(on_help)
    router.message("sticker", "image", "video", "audio", "file")(on_sticker_or_media)
    router.join()(on_join)
    router.leave()(on_leave)
    router.group_message()(on_group_message)
