"""An admin links their own LINE account by typing the dashboard's one-time code."""

from __future__ import annotations

from collections.abc import Sequence

from islandos.line import messages
from islandos.line.messages import Message
from islandos.line.router import Context, Router
from islandos.services.admin_accounts import LinkCodeInvalid, link_line_account

# 「管理者 123456」 or "admin 123456" (full-width digits and spaces are normalized first).
LINK_PATTERN = r"(?:管理者|admin)\s*(\d{3})\s*(\d{3})"


def on_link_code(context: Context) -> Sequence[Message]:
    if context.person is None or context.match is None:
        return []
    code = context.match.group(1) + context.match.group(2)
    try:
        admin = link_line_account(context.session, context.person, code)
    except LinkCodeInvalid:
        return [messages.text(context._(
            "このコードは使えません。管理画面で新しいコードを発行して、10分以内に送ってください。"))]
    return [messages.text(context._(
        "管理画面のアカウント「%(username)s」とこのLINEを連携しました。", username=admin.username))]


def register(router: Router) -> None:
    router.pattern(LINK_PATTERN)(on_link_code)
