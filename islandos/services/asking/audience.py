"""Who an ask reaches: audience rules as SQL, recipients streamed in chunks, exact counts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from islandos.models.asking import AskRecipient, AudienceKind
from islandos.models.people import District, FamilyLink, Person, Role, Status

STREAM_CHUNK = 1000  # rows fetched from the database at a time (yield_per)
DEFAULT_TOURIST_DAYS = 7


@dataclass(frozen=True)
class Audience:
    """An audience as plain values: kind, districts (for "districts") and N days (tourists)."""

    kind: str
    district_ids: tuple[int, ...] = ()
    tourist_days: int | None = None


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


def recipient_columns() -> Select:
    return select(Person.id, Person.line_user_id, Person.language, Person.district_id)


def recipients_query(audience: Audience, language: str, moment: datetime) -> Select:
    """Receivable people of `audience` at `moment` who read `language`, in id order."""
    return (recipient_columns().where(receivable(), audience_condition(audience, moment),
                                      language_condition(language))
            .order_by(Person.id))


def asked_before_query(ask_id: int, language: str) -> Select:
    """Receivable people an earlier ask reached (a correction goes to the same people)."""
    return (recipient_columns().where(
        receivable(), language_condition(language),
        Person.id.in_(select(AskRecipient.person_id).where(AskRecipient.ask_id == ask_id)))
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
    # Per language as they will read it ("ja", "en"): direct and family together.
    languages: tuple[tuple[str, int], ...] = ()

    @property
    def total(self) -> int:
        return self.direct + self.family

    def by_language(self, language: str) -> int:
        return dict(self.languages).get(language, 0)


def _language_bucket() -> ColumnElement[str]:
    """The language a person is sent: English for "en", Japanese for anything else."""
    return case((Person.language == "en", "en"), else_="ja")


def count_audience(
    session: Session, audience: Audience, moment: datetime, with_family: bool
) -> AudienceCount:
    """The exact number of people `audience` would reach now (and, with_family, the family
    members linked to them who are not in it themselves), and how many of them per language
    (one grouped query each)."""
    condition = and_(receivable(), audience_condition(audience, moment))
    bucket = _language_bucket()
    direct = dict(session.execute(
        select(bucket, func.count(Person.id)).where(condition).group_by(bucket)).all())
    family: dict[str, int] = {}
    if with_family:
        members = select(Person.id).where(condition)
        linked = select(FamilyLink.family_person_id).where(
            FamilyLink.islander_person_id.in_(members))
        family = dict(session.execute(
            select(bucket, func.count(Person.id)).where(
                receivable(), Person.role == Role.FAMILY, Person.id.in_(linked),
                Person.id.not_in(members)).group_by(bucket)).all())
    languages = tuple((language, int(direct.get(language, 0)) + int(family.get(language, 0)))
                      for language in ("ja", "en"))
    return AudienceCount(sum(direct.values()), sum(family.values()), languages)


def audience_errors(session: Session, kind: str, district_ids: Sequence[int],
                    tourist_days: int | None) -> dict[str, str]:
    """What is wrong with an audience chosen in a form, by form field (msgids; empty: fine)."""
    errors: dict[str, str] = {}
    if kind not in tuple(AudienceKind):
        errors["audience"] = "送り先を選んでください。"
    elif kind == AudienceKind.DISTRICTS and (
            not district_ids or not district_ids_known(session, district_ids)):
        errors["audience"] = "集落を選んでください（登録されていない集落があります）。"
    if tourist_days is not None and not 1 <= tourist_days <= 365:
        errors["tourist_days"] = "日数は1〜365で入力してください。"
    return errors


def district_ids_known(session: Session, ids: Sequence[int]) -> bool:
    found = session.scalar(select(func.count(District.id)).where(District.id.in_(ids))) or 0
    return found == len(set(ids))
