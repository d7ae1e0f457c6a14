"""What a feature declares, and the registries one app builds from the features it is given.

A feature (notices, events, the map, ...) hands the app one `Feature`: its LINE routes, job
kinds and periodic tasks, personal-data erasers, admin pages, navigation and person-page
panels, CLI group and demo data. `create_app(features=...)` builds a `Registry` from them;
each app owns its registry, so two apps in one process share nothing. Nothing registers
itself at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from islandos.line.router import Router
from islandos.models.admin import AdminRole
from islandos.models.people import Person
from islandos.scheduler import JobRegistry

if TYPE_CHECKING:
    import click
    from flask import Blueprint

# Removes or anonymises what links a person to a feature's data (flushes, never commits).
PersonalDataEraser = Callable[[Session, Person], None]
# Adds demo data (idempotent, flushes) and returns lines worth printing.
Seeder = Callable[[Session], list[str]]


@dataclass(frozen=True)
class NavItem:
    """A dashboard menu entry, shown to accounts of at least `min_role`."""

    label: str  # msgid, translated when shown
    endpoint: str
    min_role: AdminRole = AdminRole.VIEWER
    order: int = 50


@dataclass(frozen=True)
class PersonPanel:
    """A section of a person's page in the dashboard (e.g. the notices they confirmed)."""

    title: str  # msgid
    rows: list[tuple[str, str]]  # (left, right), already formatted
    empty: str = "まだありません。"  # msgid


PanelLoader = Callable[[Session, Person], PersonPanel | None]


@dataclass(frozen=True)
class Disclosure:
    """What one feature holds about a person, for 「登録内容を見る」 and a 開示請求."""

    title: str  # already translated
    lines: list[str]  # already translated and formatted


# A feature's part of a person's record, in a language (None: it holds nothing about them).
DisclosureSource = Callable[[Session, Person, str], Disclosure | None]
# Lines for the banner of the public pages today (e.g. a ritual closure), in a language.
BannerSource = Callable[[Session, datetime, str], list[str]]


@dataclass(frozen=True)
class AttentionItem:
    """Something on the dashboard home that the office should look at first.

    `text` is a msgid with %(name)s placeholders filled from `values` when shown; the link
    is an endpoint and its arguments (services know no Flask, so no URL is built here).
    """

    text: str  # msgid
    count: int
    endpoint: str
    values: Mapping[str, Any] = field(default_factory=dict)
    args: Mapping[str, Any] = field(default_factory=dict)
    level: str = "warn"  # warn | danger


# What needs the office's attention now, from one feature (reads only).
AttentionSource = Callable[[Session, datetime], list[AttentionItem]]


@dataclass(frozen=True)
class HomeRow:
    """One line of a home panel: a text linking somewhere, a detail, and an optional rate."""

    text: str  # already in the page's language (e.g. a notice's title)
    endpoint: str
    args: Mapping[str, Any] = field(default_factory=dict)
    detail: str = ""  # msgid with %(name)s placeholders filled from `values`
    values: Mapping[str, Any] = field(default_factory=dict)
    rate: float | None = None  # 0..1, drawn as a bar (e.g. how many confirmed)


@dataclass(frozen=True)
class HomePanel:
    """A section of the dashboard home below what needs attention (e.g. recent notices)."""

    title: str  # msgid
    rows: list[HomeRow]
    empty: str = "まだありません。"  # msgid
    more_endpoint: str | None = None


HomePanelLoader = Callable[[Session, datetime], HomePanel | None]


@dataclass(frozen=True)
class HomeLink:
    """A link on the public home page for visitors."""

    label: str  # msgid
    endpoint: str
    description: str  # msgid
    order: int = 50


@dataclass(frozen=True)
class Offer:
    """Something a feature offers users, in words for the bot's copy (e.g. 「お知らせ」).

    `roles`: whom the bot tells about it (empty: everyone). `erases`: what 「データを削除」
    removes of this feature's data, in words (e.g. 「行事への回答」), if anything. An Offer
    without words offers nothing day to day (the safety check comes only in a disaster) but
    still says what deletion removes.
    """

    words: str | None = None  # msgid
    roles: frozenset[str] = frozenset()
    erases: str | None = None  # msgid
    order: int = 50  # where its words come in a list (the bot names notices first)

    def for_role(self, role: str) -> bool:
        return not self.roles or role in self.roles


@dataclass(frozen=True)
class Feature:
    """Everything one feature adds to the app, declared in one place."""

    name: str
    routes: Callable[[Router], None] | None = None
    jobs: Callable[[JobRegistry], None] | None = None
    erasers: Sequence[PersonalDataEraser] = ()
    blueprints: Sequence[Blueprint] = ()  # public pages
    admin_blueprints: Sequence[Blueprint] = ()
    nav: Sequence[NavItem] = ()
    person_panels: Sequence[PanelLoader] = ()
    cli: click.Command | None = None
    demo: Seeder | None = None
    home_links: Sequence[HomeLink] = ()
    banners: Sequence[BannerSource] = ()
    # What a registered user can do with it, as words for the bot's copy (e.g. 「お知らせ」):
    # the bot never promises a feature that this app does not have. A plain msgid is an
    # Offer for everyone that erases nothing.
    offers: Sequence[str | Offer] = ()
    # The dashboard home: what needs attention first, then panels (e.g. recent notices).
    attention: Sequence[AttentionSource] = ()
    home_panels: Sequence[HomePanelLoader] = ()
    # The audit log's words for the actions this feature records ("notice.sent": msgid).
    audit_labels: Mapping[str, str] = field(default_factory=dict)
    # What it holds about one person, shown to them (「登録内容を見る」) and, on a disclosure
    # request (開示請求), printed by the office.
    disclosures: Sequence[DisclosureSource] = ()


class FeatureConflict(ValueError):
    """Two features with one name, or two claiming the same route, job kind or menu entry."""


@dataclass
class Registry:
    """The registries of one app, filled from its features in the order given."""

    features: tuple[Feature, ...]
    router: Router = field(default_factory=Router)
    jobs: JobRegistry = field(default_factory=JobRegistry)

    @classmethod
    def build(cls, features: Iterable[Feature]) -> Registry:
        chosen = tuple(features)
        names = [feature.name for feature in chosen]
        if len(set(names)) != len(names):
            raise FeatureConflict(f"a feature is given twice: {names}")
        registry = cls(chosen)
        endpoints: set[str] = set()
        for feature in chosen:
            if feature.routes is not None:
                feature.routes(registry.router)
            if feature.jobs is not None:
                feature.jobs(registry.jobs)
            for item in feature.nav:
                if item.endpoint in endpoints:
                    raise FeatureConflict(f"menu entry {item.endpoint!r} declared twice")
                endpoints.add(item.endpoint)
        registry.jobs.erasers = registry.erasers  # for jobs that delete a person's data
        return registry

    def has(self, name: str) -> bool:
        return any(feature.name == name for feature in self.features)

    @property
    def erasers(self) -> tuple[PersonalDataEraser, ...]:
        return tuple(eraser for feature in self.features for eraser in feature.erasers)

    @property
    def nav(self) -> list[NavItem]:
        items = [item for feature in self.features for item in feature.nav]
        return sorted(items, key=lambda item: (item.order, item.label))

    @property
    def person_panels(self) -> tuple[PanelLoader, ...]:
        return tuple(loader for feature in self.features for loader in feature.person_panels)

    @property
    def seeders(self) -> tuple[Seeder, ...]:
        return tuple(feature.demo for feature in self.features if feature.demo is not None)

    @property
    def home_links(self) -> list[HomeLink]:
        links = [link for feature in self.features for link in feature.home_links]
        return sorted(links, key=lambda link: (link.order, link.label))

    def banner_lines(self, session: Session, moment: datetime, language: str) -> list[str]:
        return [line for feature in self.features for source in feature.banners
                for line in source(session, moment, language)]

    def attention(self, session: Session, moment: datetime) -> list[AttentionItem]:
        return [item for feature in self.features for source in feature.attention
                for item in source(session, moment)]

    def home_panels(self, session: Session, moment: datetime) -> list[HomePanel]:
        return [panel for feature in self.features for loader in feature.home_panels
                if (panel := loader(session, moment)) is not None]

    @property
    def audit_labels(self) -> dict[str, str]:
        return {action: label for feature in self.features
                for action, label in feature.audit_labels.items()}
    def disclosures(self, session: Session, person: Person, language: str) -> list[Disclosure]:
        return [part for feature in self.features for source in feature.disclosures
                if (part := source(session, person, language)) is not None]

    @property
    def offer_list(self) -> tuple[Offer, ...]:
        offers = (offer if isinstance(offer, Offer) else Offer(offer)
                  for feature in self.features for offer in feature.offers)
        return tuple(sorted(offers, key=lambda offer: offer.order))

    @property
    def offers(self) -> tuple[str, ...]:
        """The words (msgids) of everything this app offers."""
        return tuple(offer.words for offer in self.offer_list if offer.words)

    def offered_to(self, role: str) -> tuple[str, ...]:
        """The words (msgids) of what the bot may tell a person of this role about."""
        return tuple(offer.words for offer in self.offer_list
                     if offer.words and offer.for_role(role))

    @property
    def erased_words(self) -> tuple[str, ...]:
        """What 「データを削除」 removes of the features' data, in words (msgids)."""
        return tuple(offer.erases for offer in self.offer_list if offer.erases)
