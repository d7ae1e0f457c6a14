"""Polls in LINE: a tap answers (single choice) or toggles an option (multiple choice, then
「これで送る」); 「アンケート」「投票」 lists the open polls. Replies to an anonymous poll never
name an option, and its selection replies are never turned into pushes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from islandos.i18n import N_
from islandos.line import messages
from islandos.line.messages import Message
from islandos.line.router import Context, Router
from islandos.models.people import Role
from islandos.services.polls import answering
from islandos.services.polls.answering import Outcome, PollReply
from islandos.services.polls.messages import (
    ANSWER_ACTION,
    MORE_ACTION,
    PICK_ACTION,
    SEND_ACTION,
    chosen_labels,
    more_bubble,
    poll_bubble,
    selection_messages,
)

NOT_FOUND = N_("このアンケートは見つかりませんでした。")
CLOSED_WITH = N_("このアンケートは締め切りました。あなたの回答は「%(answer)s」です。")
CLOSED_ANSWERED = N_("このアンケートは締め切りました。回答は受け付け済みです。")
CLOSED = N_("このアンケートは締め切りました。")
FINAL = N_("このアンケートには、もう回答していただいています。匿名の回答は変えられません。")
INVALID = N_("その選択肢はありません。もう一度、アンケートから選んでください。")
EMPTY = N_("まだ何も選んでいません。選択肢を押してから「これで送る」を押してください。")
THANKS_ANONYMOUS = N_(
    "回答を受け付けました。ありがとうございます。匿名のため、だれが何を選んだかは記録していません。")
SAME = N_("すでに「%(answer)s」で受け付けています。")
THANKS = N_("「%(answer)s」で受け付けました。締め切りまでは、もう一度押すと変えられます。")
NONE_OPEN = N_("受付中のアンケートはありません。")
NO_MORE = N_("ほかに受付中のアンケートはありません。")


def _labels(reply: PollReply, context: Context) -> str:
    assert reply.poll is not None
    mask = sum(1 << i for i in reply.chosen)
    return "、".join(chosen_labels(reply.poll, context.language, mask))


def _say(context: Context, reply: PollReply) -> Sequence[Message]:
    _ = context._
    poll = reply.poll
    if reply.outcome == Outcome.NOT_FOUND or poll is None:
        return [messages.text(_(NOT_FOUND))]
    if reply.outcome == Outcome.SELECTING:
        assert reply.selection is not None
        if poll.anonymous:
            context.reply_only = True  # the selection goes in this reply, never in a push
        return selection_messages(poll, context.language, reply.selection)
    if reply.outcome == Outcome.CLOSED:
        if reply.chosen:
            return [messages.text(_(CLOSED_WITH, answer=_labels(reply, context)))]
        if reply.answered:
            return [messages.text(_(CLOSED_ANSWERED))]
        return [messages.text(_(CLOSED))]
    if reply.outcome == Outcome.FINAL:
        return [messages.text(_(FINAL))]
    if reply.outcome == Outcome.INVALID:
        return [messages.text(_(INVALID))]
    if reply.outcome == Outcome.EMPTY:
        return [messages.text(_(EMPTY))]
    if poll.anonymous:
        return [messages.text(_(THANKS_ANONYMOUS))]
    answer = _labels(reply, context)
    if reply.outcome == Outcome.SAME:
        return [messages.text(_(SAME, answer=answer))]
    return [messages.text(_(THANKS, answer=answer))]


def _tap(context: Context, tap: Callable[[int, int], PollReply]) -> Sequence[Message]:
    """Run a tap for the sender on the poll the button names (`tap(poll_id, person_id)`)."""
    postback = context.event.postback
    assert postback is not None
    poll_id = postback.id("poll")
    if context.sender is None:
        return [messages.text(context._(NOT_FOUND))]
    return _say(context, tap(poll_id, context.sender.person_id))


def on_answer(context: Context) -> Sequence[Message]:
    """Single choice: the tapped option is the answer."""
    assert context.event.postback is not None
    option = context.event.postback.id("o")
    mask = 1 << (option - 1) if 1 <= option <= 10 else -1
    return _tap(context, lambda poll_id, person_id: answering.answer(
        context.session, poll_id, person_id, mask, context.now))


def on_pick(context: Context) -> Sequence[Message]:
    """Multiple choice: toggle the tapped option in the selection the button carries."""
    assert context.event.postback is not None
    option, selection = context.event.postback.id("o"), context.event.postback.int("sel")
    return _tap(context, lambda poll_id, person_id: answering.toggle(
        context.session, poll_id, person_id, option, selection, context.now))


def on_send(context: Context) -> Sequence[Message]:
    """Multiple choice: 「これで送る」 sends the selection the button carries."""
    assert context.event.postback is not None
    selection = context.event.postback.id("sel")
    return _tap(context, lambda poll_id, person_id: answering.answer(
        context.session, poll_id, person_id, selection, context.now))


def _list(context: Context, page: int) -> Sequence[Message]:
    found, more = (answering.open_polls(context.session, context.sender.person_id,
                                        context.now, page)
                   if context.sender is not None else ([], False))
    if not found:
        return [messages.text(context._(NO_MORE if page else NONE_OPEN))]
    language = context.language
    bubbles = [poll_bubble(poll, language,
                           recorded=chosen_labels(poll, language, sum(1 << i for i in chosen)))
               for poll, chosen in found]
    if more:
        bubbles.append(more_bubble(page + 1, language))
    return [messages.flex(context._("受付中のアンケート"), messages.carousel(bubbles))]


def on_list(context: Context) -> Sequence[Message]:
    return _list(context, 0)


def on_more(context: Context) -> Sequence[Message]:
    postback = context.event.postback
    return _list(context, (postback.int("page") if postback else None) or 0)


def register(router: Router) -> None:
    router.postback(ANSWER_ACTION)(on_answer)
    router.postback(PICK_ACTION)(on_pick)
    router.postback(SEND_ACTION)(on_send)
    router.postback(MORE_ACTION)(on_more)
    router.text("アンケート", "投票", "polls", "poll")(on_list)
    router.help_item(N_("アンケート"), N_("アンケート"), (Role.ISLANDER, Role.FAMILY), order=25)
