"""Polls (意思表示): ask an audience a question with 2–10 options, named or anonymous; answer
with buttons in LINE; results, per district and as CSV, in the dashboard."""

from __future__ import annotations

from handlers import polls as poll_handlers
from islandos.demo.polls import seed_polls
from islandos.i18n import N_
from islandos.models.admin import AdminRole
from islandos.registry import Feature, NavItem, Offer
from islandos.services.polls.answering import erase_poll_answers
from islandos.services.polls.disclosure import poll_disclosure
from islandos.web.admin import polls as poll_admin

FEATURE = Feature(
    name="polls",
    routes=poll_handlers.register,
    # Removes the person's named answers; it must run before the asking core's eraser (the
    # notices feature's) unlinks the person from whom was asked, so polls come first.
    erasers=(erase_poll_answers,),
    admin_blueprints=(poll_admin.bp,),
    nav=(NavItem(N_("アンケート"), "polls.polls", min_role=AdminRole.VIEWER, order=25),),
    demo=seed_polls,
    disclosures=(poll_disclosure,),
    # Polls arrive when the office sends one and are not in the menu: the bot's copy names
    # no standing offer, only what deletion removes.
    offers=(Offer(erases=N_("アンケートへの名前つきの回答")),),
    audit_labels={
        "poll.created": N_("アンケートを作成して送信"),
        "poll.edited": N_("アンケートを編集"),
        "poll.closed": N_("アンケートを締め切り"),
    },
)
