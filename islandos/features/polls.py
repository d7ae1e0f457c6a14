"""Polls (意思表示): ask an audience a question with 2–10 options, named or anonymous; answer
with buttons in LINE; results, per district and as CSV, in the dashboard."""

from __future__ import annotations

from handlers import polls as poll_handlers
from islandos.demo.polls import seed_polls
from islandos.i18n import N_
from islandos.models.admin import AdminRole
from islandos.registry import Feature, NavItem
from islandos.services.polls.answering import erase_poll_answers
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
    offers=(N_("アンケート"),),
)
