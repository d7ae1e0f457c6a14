"""Rich menus: the designs (default, islander, family × ja, en), linking one user, deploying.

A person's menu follows their role and language: islanders get the islander menu, family
members the family menu, everyone else (not yet registered, tourists) the default menu.
Linking never happens inside the webhook: `schedule_menu_link` leaves a "richmenu.link"
job that the worker runs with its transport. `deploy_rich_menus` (the CLI's
`islandos line richmenu deploy`) creates the menus whose design changed, uploads their
images, sets the default, moves linked users across in bulk and only then deletes the old
menus; with nothing changed it sends LINE no write at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.db import Database
from islandos.i18n import LANGUAGES, N_, gettext
from islandos.leases import LeaseHeld, lease
from islandos.line.gateway import LineTransport, Outcome, RichMenuError, SendResult
from islandos.models.disaster import DisasterMode
from islandos.models.jobs import Job, JobStatus
from islandos.models.people import Person, Role, Status
from islandos.models.registration import RichMenuDeployment
from islandos.scheduler import JobRegistry, LineJobContext, schedule
from islandos.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

IMAGE_DIR = PROJECT_ROOT / "static" / "richmenus"
NAME_PREFIX = "islandos-"
WIDTH, ROW_HEIGHT = 2500, 843
BULK_LINK_CHUNK = 500
DEPLOY_LEASE = "rich menu deploy"
DEPLOY_LEASE_TTL = timedelta(minutes=15)
LINK_JOB, UNLINK_JOB = "richmenu.link", "richmenu.unlink"

DEFAULT, ISLANDER, FAMILY = "default", "islander", "family"
DISASTER = "disaster"  # everyone's menu while disaster mode runs (islandos/services/disaster)


@dataclass(frozen=True)
class Tile:
    """One button of a menu: its label, the words a tap sends, an icon and a colour."""

    label: str  # msgid
    words: str  # msgid of the text sent (a route another handler claims, in both languages)
    icon: str  # drawn by richmenu_images: map, yen, rules, gear, bell, calendar, family, help
    color: str


@dataclass(frozen=True)
class Layout:
    name: str
    rows: int  # 1 → 2500×843, 2 → 2500×1686; three tiles per row
    tiles: tuple[Tile, ...]
    chat_bar: str = N_("メニュー")
    columns: int = 3


# Only what works today is on a menu: a feature adds its tile when it lands, and a deploy
# moves everyone to the new design without leaving anybody without a menu.
LAYOUTS: tuple[Layout, ...] = (
    Layout(DEFAULT, 2, (  # visitors, and whoever has not registered yet
        Tile(N_("マップ"), N_("マップ"), "map", "#1E6FA8"),
        Tile(N_("島のルール"), N_("島のルール"), "rules", "#C0392B"),
        # Visitors get notices pushed to them; paying at the port is what they come to do.
        Tile(N_("入島協力金"), N_("入島協力金"), "yen", "#1E7F4F"),
        Tile(N_("島民・家族の登録"), N_("登録"), "family", "#1E7F74"),
        Tile(N_("設定"), N_("設定"), "gear", "#3B5998"),
        Tile(N_("ヘルプ"), N_("ヘルプ"), "help", "#5D6D7E"),
    )),
    Layout(ISLANDER, 2, (
        Tile(N_("お知らせ"), N_("お知らせ"), "bell", "#C0392B"),
        Tile(N_("行事"), N_("行事"), "calendar", "#1E7F4F"),
        Tile(N_("マップ"), N_("マップ"), "map", "#1E6FA8"),
        Tile(N_("家族コード"), N_("家族コード"), "family", "#1E7F74"),
        Tile(N_("設定"), N_("設定"), "gear", "#3B5998"),
        Tile(N_("ヘルプ"), N_("ヘルプ"), "help", "#5D6D7E"),
    )),
    Layout(FAMILY, 2, (
        Tile(N_("お知らせ"), N_("お知らせ"), "bell", "#C0392B"),
        Tile(N_("行事"), N_("行事"), "calendar", "#1E7F4F"),
        Tile(N_("マップ"), N_("マップ"), "map", "#1E6FA8"),
        Tile(N_("家族とのつながり"), N_("家族とのつながり"), "family", "#1E7F74"),
        Tile(N_("設定"), N_("設定"), "gear", "#3B5998"),
        Tile(N_("ヘルプ"), N_("ヘルプ"), "help", "#5D6D7E"),
    )),
    # Disaster mode: four big tiles, the same for every role; nobody is linked to it by a
    # deploy (roles_of gives no role), only by the disaster mode's switch.
    Layout(DISASTER, 2, (
        Tile(N_("安否を知らせる"), N_("安否を知らせる"), "check", "#C0392B"),
        Tile(N_("避難所"), N_("避難所"), "house", "#1E7F4F"),
        Tile(N_("島からのお知らせ"), N_("お知らせ"), "bell", "#B9770E"),
        Tile(N_("家族へ連絡"), N_("家族へ連絡"), "family", "#1E6FA8"),
    ), chat_bar=N_("災害時メニュー"), columns=2),
)


def tile_bounds(layout: Layout) -> list[dict[str, int]]:
    """Three equal columns per row (833, 834, 833 px), or two (1250 px), rows of 843 px."""
    edges = [0, 833, 1667, WIDTH] if layout.columns == 3 else [0, WIDTH // 2, WIDTH]
    n = layout.columns
    return [
        {"x": edges[i % n], "y": (i // n) * ROW_HEIGHT, "width": edges[i % n + 1] - edges[i % n],
         "height": ROW_HEIGHT}
        for i in range(len(layout.tiles))
    ]


def image_path(name: str, language: str) -> Path:
    return IMAGE_DIR / f"{name}-{language}.png"


@dataclass(frozen=True)
class Design:
    """One deployable menu: a layout in one language, with its image and version hash."""

    name: str
    language: str
    body: dict[str, Any]  # the RichMenuRequest, without its name
    image: bytes = field(repr=False)
    version: str

    def request(self) -> dict[str, Any]:
        return {**self.body,
                "name": f"{NAME_PREFIX}{self.name}-{self.language}-{self.version[:12]}"}


def menu_body(layout: Layout, language: str) -> dict[str, Any]:
    areas = [
        {"bounds": bounds,
         "action": {"type": "message", "label": gettext(language, tile.label),
                    "text": gettext(language, tile.words)}}
        for tile, bounds in zip(layout.tiles, tile_bounds(layout), strict=True)
    ]
    return {"size": {"width": WIDTH, "height": ROW_HEIGHT * layout.rows}, "selected": True,
            "chatBarText": gettext(language, layout.chat_bar), "areas": areas}


def designs(image_dir: Path | None = None) -> list[Design]:
    """Every menu in every language, read with its shipped PNG. Raises RichMenuError if an
    image is missing (make them with `python -m islandos.line.richmenu_images`)."""
    found = []
    for layout in LAYOUTS:
        for language in LANGUAGES:
            path = (image_dir or IMAGE_DIR) / f"{layout.name}-{language}.png"
            if not path.exists():
                raise RichMenuError(f"missing rich menu image {path}")
            image = path.read_bytes()
            body = menu_body(layout, language)
            digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode())
            digest.update(image)
            found.append(Design(layout.name, language, body, image, digest.hexdigest()))
    return found


# One person's menu ------------------------------------------------------------------------


def menu_name_for(person: Person) -> str:
    if person.role == Role.ISLANDER:
        return ISLANDER
    if person.role == Role.FAMILY:
        return FAMILY
    return DEFAULT


def roles_of(name: str) -> tuple[str, ...]:
    return {ISLANDER: (Role.ISLANDER,), FAMILY: (Role.FAMILY,), DISASTER: ()}.get(
        name, (Role.UNKNOWN, Role.TOURIST))


def _arm(session: Session, kind: str, key: str, payload: dict[str, Any]) -> None:
    """Schedule a job now under `key`, re-arming a finished one (the key is unique)."""
    job = session.scalar(select(Job).where(Job.unique_key == key))
    if job is None:
        schedule(session, kind, now(), payload, unique_key=key)
        return
    job.kind, job.payload, job.run_at = kind, payload, now()
    if job.status != JobStatus.PENDING:
        job.status, job.attempts, job.last_error = JobStatus.PENDING, 0, None
        job.finished_at = job.lease_until = None
    session.flush()


def schedule_menu_link(session: Session, person: Person) -> None:
    """Have the worker link the menu that fits this person's role and language (flushes)."""
    if person.line_user_id is None or person.id is None:
        return
    _arm(session, LINK_JOB, f"richmenu.link:person:{person.id}", {"person_id": person.id})


def schedule_menu_unlink(session: Session, person: Person, line_user_id: str) -> None:
    """Have the worker remove any menu linked to a LINE user (after their data is deleted).
    The job forgets the LINE user id once it has run."""
    _arm(session, UNLINK_JOB, f"richmenu.unlink:person:{person.id}",
         {"line_user_id": line_user_id, "person_id": person.id})


def _raise_unless_done(what: str, result: SendResult) -> None:
    if result.outcome is not Outcome.ACCEPTED:
        raise RichMenuError(f"{what}: {result.outcome.value} {result.status or '-'} "
                            f"{result.detail}".strip())


def run_link_job(ctx: LineJobContext) -> None:
    with ctx.db.transaction() as session:
        person = session.get(Person, int(ctx.payload["person_id"]))
        if person is None or not person.can_receive or person.line_user_id is None:
            return
        user_id, name, language = person.line_user_id, menu_name_for(person), person.language
        if session.scalar(select(DisasterMode.id).where(DisasterMode.active.is_(True))):
            name = DISASTER  # a newcomer during disaster mode gets the disaster menu
        menu_id = session.scalar(select(RichMenuDeployment.line_rich_menu_id).where(
            RichMenuDeployment.name == name, RichMenuDeployment.language == language))
    if menu_id is None:
        log.info("no rich menu deployed yet for %s/%s", name, language)
        return
    result = ctx.transport.link_rich_menu(user_id, menu_id)
    if result.outcome is Outcome.REFUSED and result.status == 400:
        log.warning("LINE refused linking a menu for user=%s: %s", user_id, result.detail)
        return
    # 404 (menu replaced meanwhile), rate limits, LINE errors: retried, reading the id again.
    _raise_unless_done("link rich menu", result)


def run_unlink_job(ctx: LineJobContext) -> None:
    user_id = ctx.payload.get("line_user_id")
    if user_id:
        result = ctx.transport.unlink_rich_menu(str(user_id))
        if not (result.outcome is Outcome.REFUSED and result.status in (400, 404)):
            _raise_unless_done("unlink rich menu", result)
    key = f"richmenu.unlink:person:{ctx.payload.get('person_id')}"
    with ctx.db.transaction() as session:
        job = session.scalar(select(Job).where(Job.unique_key == key))
        if job is not None:
            job.payload = {}  # the LINE user id of a deleted person is not kept


def register_jobs(registry: JobRegistry) -> None:
    registry.add_line_job(LINK_JOB, run_link_job)
    registry.add_line_job(UNLINK_JOB, run_unlink_job)


# Deploying -------------------------------------------------------------------------------


class DeployAlreadyRunning(RichMenuError):
    """Another `richmenu deploy` holds the lease; nothing was sent to LINE."""


@dataclass
class DeployReport:
    created: list[str] = field(default_factory=list)  # "islander/ja"
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # LINE rich menu ids
    linked_users: int = 0
    default_menu_id: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.created or self.deleted)


def _user_ids(db: Database, name: str, language: str) -> Iterator[list[str]]:
    """LINE user ids of active people whose menu is (name, language), ≤500 at a time.

    Each page is read in its own short transaction: no transaction stays open while the
    caller waits for LINE."""
    after = 0
    while True:
        with db.transaction() as session:
            rows = session.execute(
                select(Person.id, Person.line_user_id).where(
                    Person.id > after, Person.status == Status.ACTIVE,
                    Person.line_user_id.is_not(None), Person.role.in_(roles_of(name)),
                    Person.language == language)
                .order_by(Person.id).limit(BULK_LINK_CHUNK)).all()
        if not rows:
            return
        after = rows[-1][0]
        yield [user_id for _id, user_id in rows if user_id]


def deploy_rich_menus(
    db: Database, transport: LineTransport, *, force: bool = False,
    image_dir: Path | None = None,
) -> DeployReport:
    """Make LINE's menus match the designs. New menus are created and filled before anyone
    is moved; old ones are deleted last, so nobody is left without a menu. Raises
    RichMenuError when LINE refuses a step (what was done so far stays consistent), and
    DeployAlreadyRunning, before touching anything, while another deploy runs: its clean-up
    would delete the menus this one is creating."""
    try:
        with lease(db, DEPLOY_LEASE, DEPLOY_LEASE_TTL):
            return _deploy(db, transport, force=force, image_dir=image_dir)
    except LeaseHeld as held:
        raise DeployAlreadyRunning(str(held)) from held


def _deploy(db: Database, transport: LineTransport, *, force: bool,
            image_dir: Path | None) -> DeployReport:
    report = DeployReport()
    wanted = designs(image_dir)
    with db.transaction() as session:
        current = {(row.name, row.language): row for row in session.scalars(
            select(RichMenuDeployment))}
        deployed = {key: (row.version, row.line_rich_menu_id) for key, row in current.items()}
    changed = [d for d in wanted
               if force or deployed.get((d.name, d.language), ("", ""))[0] != d.version]
    report.unchanged = [f"{d.name}/{d.language}" for d in wanted if d not in changed]

    new_ids: dict[tuple[str, str], str] = {}
    for design in changed:
        menu_id = transport.create_rich_menu(design.request())
        new_ids[(design.name, design.language)] = menu_id
        transport.upload_rich_menu_image(menu_id, design.image, "image/png")
        report.created.append(f"{design.name}/{design.language}")
    if new_ids:
        with db.transaction() as session:
            rows = {(r.name, r.language): r for r in session.scalars(select(RichMenuDeployment))}
            for design in changed:
                key = (design.name, design.language)
                row = rows.get(key)
                if row is None:
                    row = RichMenuDeployment(name=design.name, language=design.language)
                    session.add(row)
                row.version, row.line_rich_menu_id = design.version, new_ids[key]
                row.deployed_at = now()
    if (DEFAULT, "ja") in new_ids:
        transport.set_default_rich_menu(new_ids[(DEFAULT, "ja")])
        report.default_menu_id = new_ids[(DEFAULT, "ja")]
    for (name, language), menu_id in new_ids.items():
        for chunk in _user_ids(db, name, language):
            result = transport.link_rich_menu_to_users(chunk, menu_id)
            _raise_unless_done("bulk link rich menu", result)
            report.linked_users += len(chunk)
    old_ids = [deployed[key][1] for key in new_ids if key in deployed]
    keep = set(new_ids.values()) | {menu_id for _v, menu_id in deployed.values()}
    # Menus of ours that no row knows (a deploy that stopped half-way) go too.
    orphans = [m["richMenuId"] for m in transport.list_rich_menus()
               if str(m.get("name", "")).startswith(NAME_PREFIX) and m["richMenuId"] not in keep]
    for menu_id in [*old_ids, *orphans]:
        result = transport.delete_rich_menu(menu_id)
        if result.accepted or result.status == 404:
            report.deleted.append(menu_id)
        else:
            log.warning("could not delete old rich menu %s: %s", menu_id, result.detail)
    return report
