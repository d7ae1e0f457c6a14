"""The tourist map: spots with texts per language, their photos, and closures (祭祀 etc.)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from islandos.clock import now
from islandos.db import Base, vocabulary


class SpotCategory(StrEnum):
    SIGHT = "sight"
    BEACH = "beach"
    FOOD = "food"
    TOILET = "toilet"
    PORT = "port"
    RENTAL = "rental"
    SHELTER = "shelter"
    SACRED = "sacred"


class Access(StrEnum):
    OPEN = "open"
    CAUTION = "caution"  # open, with rules (dress, no photos, quiet)
    NO_ENTRY = "no_entry"  # never a destination; shown only as a place not to enter


class PublicShape(StrEnum):
    """What the public map shows of a no-entry place: the community's choice, per place."""

    POINT = "point"
    AREA = "area"
    HIDDEN = "hidden"


class SpotPhoto(Base):
    """A spot's picture, resized to a JPEG and kept in the database (served by token)."""

    __tablename__ = "spot_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=now)


class Spot(Base):
    __tablename__ = "spots"
    __table_args__ = (
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude"),
        # The nearest-spot search narrows to a bounding box on these first.
        Index("ix_spots_position", "latitude", "longitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)  # in URLs and CSV files
    category: Mapped[SpotCategory] = mapped_column(vocabulary(SpotCategory, "category"))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    access: Mapped[Access] = mapped_column(vocabulary(Access, "access"), default=Access.OPEN)
    public_shape: Mapped[PublicShape] = mapped_column(
        vocabulary(PublicShape, "public_shape", length=8), default=PublicShape.POINT)
    # A polygon [[lat, lng], ...] (a no-entry place shown as an area, a large beach).
    area: Mapped[list[list[float]] | None] = mapped_column(JSON)
    phone: Mapped[str | None] = mapped_column(String(40))
    photo_id: Mapped[int | None] = mapped_column(
        ForeignKey("spot_photos.id", ondelete="SET NULL"))
    sort_order: Mapped[int] = mapped_column(default=0)
    # Shelters (避難所): how many people it takes, and whether the office has opened it.
    shelter_capacity: Mapped[int | None]
    shelter_open: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    texts: Mapped[list[SpotText]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SpotText.language")

    def text(self, language: str) -> SpotText:
        """The texts in `language`, each field falling back to Japanese when missing."""
        by_language = {text.language: text for text in self.texts}
        japanese = by_language.get("ja") or SpotText(language="ja", name=self.slug)
        wanted = by_language.get(language)
        if wanted is None or language == "ja":
            return japanese
        return SpotText(
            language=language, name=wanted.name or japanese.name,
            description=wanted.description or japanese.description,
            hours=wanted.hours or japanese.hours, rules=wanted.rules or japanese.rules)

    @property
    def is_destination(self) -> bool:
        return self.access != Access.NO_ENTRY


class SpotText(Base):
    """A spot's name and texts in one language (ja is required; others fall back to it)."""

    __tablename__ = "spot_texts"
    __table_args__ = (UniqueConstraint("spot_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spot_id: Mapped[int] = mapped_column(ForeignKey("spots.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    hours: Mapped[str | None] = mapped_column(String(200))
    rules: Mapped[str | None] = mapped_column(Text)


class Closure(Base):
    """A period during which a spot, or an area drawn as a polygon, is closed (e.g. 祭祀)."""

    __tablename__ = "closures"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="period"),
        CheckConstraint("spot_id IS NOT NULL OR area IS NOT NULL", name="what"),
        Index("ix_closures_period", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    spot_id: Mapped[int | None] = mapped_column(
        ForeignKey("spots.id", ondelete="CASCADE"), index=True)
    area: Mapped[list[list[float]] | None] = mapped_column(JSON)  # [[lat, lng], ...]
    name_ja: Mapped[str | None] = mapped_column(String(120))  # for an area: its name
    name_en: Mapped[str | None] = mapped_column(String(120))
    reason_ja: Mapped[str] = mapped_column(String(200))
    reason_en: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=now)

    spot: Mapped[Spot | None] = relationship(lazy="joined")

    def reason(self, language: str) -> str:
        return self.reason_en if language == "en" and self.reason_en else self.reason_ja

    def name(self, language: str) -> str:
        if self.spot is not None:
            return self.spot.text(language).name
        return (self.name_en if language == "en" and self.name_en else self.name_ja) or ""


class RulesSeen(Base):
    """A user has been shown the island's rules (shown once, when they first open the map)."""

    __tablename__ = "map_rules_seen"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=now)
