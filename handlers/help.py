"""Help for words the bot does not know, stickers and images, and group chats."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from islandos.i18n import translator
from islandos.line import messages
from islandos.line.messages import Message
from islandos.line.router import Context, HelpItem, Router


def help_shortcuts(context: Context) -> list[dict[str, object]]:
    """Quick replies for what this person may do, in their language (at most 13)."""
    return list(_shortcuts(tuple(context.router.help_items), context.role, context.language))


@lru_cache(maxsize=128)
def _shortcuts(items: tuple[HelpItem, ...], role: str,
               language: str) -> tuple[dict[str, object], ...]:
    """The same for everyone of one role and language: built once, not on every help."""
    words = translator(language)
    allowed = [item for item in items if role in item.roles]
    return tuple(messages.message_action(words.gettext(item.label), words.gettext(item.text))
                 for item in allowed[: messages.MAX_QUICK_REPLY_ITEMS])


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
