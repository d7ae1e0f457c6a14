"""Who a notice reaches: audience rules as SQL, streamed recipients, family, the archive rule."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from islandos.models.notices import AudienceKind, Notice, NoticeDelivery, NoticeStatus
from islandos.models.people import District, FamilyLink, Person, Role, Status

STREAM_CHUNK = 1000  # rows fetched from the database at a time (yield_per)
DEFAULT_TOURIST_DAYS = 7


@dataclass(frozen=True)
class Audience:
    """An audience as plain values: kind, districts (for "districts") and N days (tourists)."""

    kind: str
    district_ids: tuple[int, ...] = ()
    tourist_days: int | None = None

    @classmethod
    def of(cls, notice: Notice) -> Audience:
        return cls(notice.audience_kind, tuple(notice.audience_district_ids or ()),
                   notice.tourist_days)


@dataclass(frozen=True)
class Recipient:
    person_id: int
    line_user_id: str
    language: str
    district_id: int | None


def receivable() -> ColumnElement[bool]:
    """People who follow the account and have a LINE id."""
    return and_(Person.status == Status.ACTIVE, Person.line_user_id.is_not(None))


def audience_condition(audience: Audience, moment: datetime) -> ColumnElement[bool]:
    """The audience as a condition on Person, at `moment` (tourists: registered in N days)."""
    kind = audience.kind
    if kind == AudienceKind.EVERYONE:
        return true()
    if kind == AudienceKind.ISLANDERS:
        return Person.role == Role.ISLANDER
    if kind == AudienceKind.DISTRICTS:
        if not audience.district_ids:
            return false()
        return and_(Person.role == Role.ISLANDER, Person.district_id.in_(audience.district_ids))
    if kind == AudienceKind.TOURISTS:
        days = audience.tourist_days or DEFAULT_TOURIST_DAYS
        return and_(Person.role == Role.TOURIST,
                    Person.registered_at >= moment - timedelta(days=days))
    if kind == AudienceKind.FAMILY:
        return Person.role == Role.FAMILY
    raise ValueError(f"unknown audience {kind!r}")


def language_condition(language: str) -> ColumnElement[bool]:
    """English speakers get English; everyone else (any other language) gets Japanese."""
    return Person.language == "en" if language == "en" else or_(
        Person.language.is_(None), Person.language != "en")


def _recipient_columns() -> Select:
    return select(Person.id, Person.line_user_id, Person.language, Person.district_id)


def direct_recipients_query(
    notice: Notice, language: str, moment: datetime
) -> Select:
    """The notice's own audience (a correction: the people the corrected notice reached)."""
    if notice.correction_of_id is not None:
        who: ColumnElement[bool] = Person.id.in_(
            select(NoticeDelivery.person_id).where(
                NoticeDelivery.notice_id == notice.correction_of_id))
    else:
        who = audience_condition(Audience.of(notice), moment)
    return (_recipient_columns().where(receivable(), who, language_condition(language))
            .order_by(Person.id))


def stream(
    session: Session, query: Select, size: int = 500
) -> Iterator[list[Recipient]]:
    """Recipients in chunks of `size`, read with yield_per (memory does not grow)."""
    rows = session.execute(query.execution_options(yield_per=STREAM_CHUNK))
    chunk: list[Recipient] = []
    for person_id, line_user_id, language, district_id in rows:
        if line_user_id is None:
            continue
        chunk.append(Recipient(person_id, line_user_id, language, district_id))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass(frozen=True)
class AudienceCount:
    direct: int
    family: int

    @property
    def total(self) -> int:
        return self.direct + self.family


def count_audience(
    session: Session, audience: Audience, moment: datetime, with_family: bool
) -> AudienceCount:
    """The exact number of people a notice to `audience` would reach now (and their family)."""
    condition = and_(receivable(), audience_condition(audience, moment))
    direct = session.scalar(select(func.count(Person.id)).where(condition)) or 0
    family = 0
    if with_family:
        members = select(Person.id).where(condition)
        linked = select(FamilyLink.family_person_id).where(
            FamilyLink.islander_person_id.in_(members))
        family = session.scalar(
            select(func.count(Person.id)).where(
                receivable(), Person.role == Role.FAMILY, Person.id.in_(linked),
                Person.id.not_in(members))
        ) or 0
    return AudienceCount(direct, family)


def archive_condition(person: Person) -> ColumnElement[bool]:
    """Sent notices of this person's audiences (whenever they registered), or that reached them.

    Never a notice of an audience they are not in: a tourist never sees an islanders' notice.
    """
    kinds: list[ColumnElement[bool]] = [Notice.audience_kind == AudienceKind.EVERYONE]
    if person.role == Role.ISLANDER:
        kinds.append(Notice.audience_kind == AudienceKind.ISLANDERS)
        if person.district_id is not None:
            kinds.append(and_(Notice.audience_kind == AudienceKind.DISTRICTS,
                              _district_listed(person.district_id)))
    elif person.role == Role.TOURIST and person.registered_at is not None:
        kinds.append(and_(Notice.audience_kind == AudienceKind.TOURISTS,
                          Notice.audience_since <= person.registered_at))
    elif person.role == Role.FAMILY:
        kinds.append(Notice.audience_kind == AudienceKind.FAMILY)
    received = exists().where(NoticeDelivery.notice_id == Notice.id,
                              NoticeDelivery.person_id == person.id)
    return and_(Notice.status == NoticeStatus.SENT, Notice.repeat_weekdays.is_(None),
                or_(*kinds, received))


def _district_listed(district_id: int) -> ColumnElement[bool]:
    # A JSON list of ids ("[1, 3]"), matched as text so SQLite and PostgreSQL agree.
    text = func.replace(cast(Notice.audience_district_ids, String), " ", "")
    return or_(text.like(f"[{district_id},%"), text.like(f"%,{district_id},%"),
               text.like(f"%,{district_id}]"), text == f"[{district_id}]")


def district_ids_known(session: Session, ids: Sequence[int]) -> bool:
    found = session.scalar(select(func.count(District.id)).where(District.id.in_(ids))) or 0
    return found == len(set(ids))
