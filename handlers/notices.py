"""Notices in LINE: 「確認しました」, and 「過去のお知らせ」 with paging."""

from __future__ import annotations

from collections.abc import Sequence

from islandos.i18n import join_words, sentences
from islandos.line import messages
from islandos.line.messages import Message
from islandos.line.router import Context, Router
from islandos.models.people import Role
from islandos.services.notices import reports as notice_reports
from islandos.services.notices.changes import Confirmation, confirm
from islandos.services.notices.images import picture_url
from islandos.services.notices.messages import (
    CONFIRM_ACTION,
    archive_bubble,
    more_bubble,
    notice_messages,
)
from islandos.services.registration import has_pending_request


def on_confirm(context: Context) -> Sequence[Message]:
    postback = context.event.postback
    notice_id = postback.int("notice") if postback else None
    if context.person is None or notice_id is None:
        return [messages.text(context._("このお知らせは見つかりませんでした。"))]
    outcome = confirm(context.session, notice_id, context.person.id)
    answers = {
        Confirmation.CONFIRMED: "確認ありがとうございます。",
        Confirmation.ALREADY: "すでに確認済みです。ありがとうございます。",
        Confirmation.WITHDRAWN: "このお知らせは取り消されました。確認は必要ありません。",
        Confirmation.NOT_RECIPIENT: "このお知らせは見つかりませんでした。",
    }
    return [messages.text(context._(answers[outcome]))]


def _still_checking(context: Context) -> list[Message]:
    """While the office checks an islander request: say so, and what approval will bring."""
    person = context.person
    if person is None or person.role != Role.UNKNOWN \
            or not has_pending_request(context.session, person.id):
        return []
    offers = context.registry.offered_to(Role.ISLANDER)
    after = (context._("承認されると、島民向けの%(offers)sがこのトークに届きます。",
                       offers=join_words(offers, context.language)) if offers else "")
    return [messages.text(sentences(context.language,
                                    context._("島民登録の申請は、いま役場で確認中です。"), after))]


def _archive(context: Context, page: int) -> Sequence[Message]:
    if context.person is None:
        return [messages.text(context._("お知らせはまだありません。"))]
    notices, more = notice_reports.archive_page(context.session, context.person, page)
    checking = _still_checking(context) if not page else []
    if not notices:
        key = "これより前のお知らせはありません。" if page else "お知らせはまだありません。"
        return checking or [messages.text(context._(key))]
    language = context.language
    base_url = context.settings.public_base_url
    bubbles = [archive_bubble(notice, language,
                              picture_url(context.session, base_url, notice.image_id))
               for notice in notices]
    if more:
        bubbles.append(more_bubble(page + 1, language))
    return [*checking, messages.flex(context._("過去のお知らせ"), messages.carousel(bubbles))]


def on_archive(context: Context) -> Sequence[Message]:
    return _archive(context, 0)


def on_more(context: Context) -> Sequence[Message]:
    postback = context.event.postback
    return _archive(context, (postback.int("page") if postback else None) or 0)


def on_show(context: Context) -> Sequence[Message]:
    """The whole of one notice, only when the archive rule lets this person read it."""
    postback = context.event.postback
    notice_id = postback.int("notice") if postback else None
    person = context.person
    notice = (notice_reports.readable_notice(context.session, person, notice_id)
              if person is not None and notice_id is not None else None)
    if person is None or notice is None:
        return [messages.text(context._("このお知らせは見つかりませんでした。"))]
    url = picture_url(context.session, context.settings.public_base_url, notice.image_id)
    # 「確認しました」 only on a notice that reached this person (not one sent before they
    # registered, read from the archive): there is nothing for them to confirm.
    copy = notice_reports.received_copy(context.session, notice.id, person.id)
    return notice_messages(notice, context.language, image_url=url, family=bool(copy),
                           confirmable=copy is not None)


def register(router: Router) -> None:
    router.postback(CONFIRM_ACTION)(on_confirm)
    router.postback("notice_more")(on_more)
    router.postback("notice_show")(on_show)
    router.text("過去のお知らせ", "お知らせ", "past notices", "notices")(on_archive)
    router.help_item("過去のお知らせ", "過去のお知らせ",
                     (Role.ISLANDER, Role.FAMILY, Role.TOURIST), order=20)
