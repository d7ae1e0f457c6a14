"""Switching every user's rich menu when disaster mode starts or ends, with LINE's bulk
link (≤500 users a call).

One job ("disaster.menus", one unique key) brings everyone to what the mode says *now*:
the disaster menu while a mode runs, else each person's own menu (role and language).
Starting or ending re-arms it; a run in progress notices the change at its next page and
stops, and the re-armed run walks everyone again. A lease keeps two workers from running
it at once, so ending while a switch runs still leaves every user on the right menu.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import select

from islandos.db import Database
from islandos.i18n import LANGUAGES
from islandos.leases import LeaseHeld, lease
from islandos.line.gateway import LineTransport, Outcome, RichMenuError
from islandos.line.richmenus import (
    BULK_LINK_CHUNK,
    DEFAULT,
    DISASTER,
    FAMILY,
    ISLANDER,
    roles_of,
)
from islandos.models.disaster import DisasterMode
from islandos.models.people import Person, Status
from islandos.models.registration import RichMenuDeployment
from islandos.scheduler import LineJobContext

log = logging.getLogger(__name__)

LEASE_NAME = "disaster menus"
LEASE_TTL = timedelta(minutes=15)


class SwitchInterrupted(RuntimeError):
    """The mode changed while switching; the re-armed job runs again."""


def _mode_running(db: Database) -> bool:
    with db.transaction() as session:
        return session.scalar(select(DisasterMode.id).where(
            DisasterMode.active.is_(True))) is not None


def _targets(running: bool) -> list[tuple[str, tuple[str, ...] | None, str]]:
    """(menu, roles it is for — None: everyone, language)."""
    if running:
        return [(DISASTER, None, language) for language in LANGUAGES]
    return [(name, roles_of(name), language)
            for name in (ISLANDER, FAMILY, DEFAULT) for language in LANGUAGES]


def _pages(db: Database, roles: tuple[str, ...] | None, language: str,
           running: bool) -> Iterator[list[str]]:
    """LINE user ids of followers for one (roles, language), ≤500 at a time, each page read
    in its own short transaction together with the mode (so a change is noticed)."""
    after = 0
    while True:
        with db.transaction() as session:
            now_running = session.scalar(select(DisasterMode.id).where(
                DisasterMode.active.is_(True))) is not None
            if now_running != running:
                raise SwitchInterrupted("the disaster mode changed during the switch")
            query = select(Person.id, Person.line_user_id).where(
                Person.id > after, Person.status == Status.ACTIVE,
                Person.line_user_id.is_not(None))
            if roles is not None:
                query = query.where(Person.role.in_(roles))
            # Menus exist in Japanese and English; any other language reads Japanese.
            query = query.where(Person.language == "en") if language == "en" else \
                query.where(Person.language != "en")
            rows = session.execute(query.order_by(Person.id).limit(BULK_LINK_CHUNK)).all()
        if not rows:
            return
        after = rows[-1][0]
        yield [user_id for _id, user_id in rows if user_id]


def switch_menus(db: Database, transport: LineTransport) -> int:
    """Link everyone to the menu the mode calls for; returns how many users were linked.
    Raises RichMenuError (retried by the job) when LINE refuses or a menu is missing."""
    running = _mode_running(db)
    with db.transaction() as session:
        menu_ids = {(row.name, row.language): row.line_rich_menu_id
                    for row in session.scalars(select(RichMenuDeployment))}
    linked = 0
    for name, roles, language in _targets(running):
        menu_id = menu_ids.get((name, language))
        if menu_id is None:
            raise RichMenuError(f"rich menu {name}/{language} is not deployed: "
                                "run `islandos line richmenu deploy`")
        for chunk in _pages(db, roles, language, running):
            result = transport.link_rich_menu_to_users(chunk, menu_id)
            if result.outcome is not Outcome.ACCEPTED:
                raise RichMenuError(f"bulk link: {result.outcome.value} {result.status} "
                                    f"{result.detail}")
            linked += len(chunk)
    log.info("disaster menus: %d users linked (mode running: %s)", linked, running)
    return linked


def run_switch_job(ctx: LineJobContext) -> None:
    """Job "disaster.menus". A run that another holds the lease for, or that the mode
    changed under, fails and is retried; a re-armed job runs again anyway."""
    try:
        with lease(ctx.db, LEASE_NAME, LEASE_TTL):
            switch_menus(ctx.db, ctx.transport)
    except LeaseHeld as held:
        raise RichMenuError(f"another menu switch runs: {held}") from held
    except SwitchInterrupted:
        log.info("disaster menus: the mode changed; the switch runs again")
