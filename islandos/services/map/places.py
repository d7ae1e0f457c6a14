"""Reading the map: spots by category, the nearest open spots, closures and warnings."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from islandos.clock import TOKYO, to_tokyo
from islandos.models.map import Access, Closure, PublicShape, Spot, SpotCategory

EARTH_RADIUS_M = 6_371_000
WALKING_M_PER_MINUTE = 70  # an unhurried walk on island lanes
NEAR_NO_ENTRY_M = 150  # closer than this to a no-entry place, the user is warned
SEARCH_RADII_M = (1_000, 3_000, 10_000, 40_000)  # bounding boxes tried in turn
NEAREST = 5

# The order categories are offered in LINE and on the map page.
CATEGORIES: tuple[SpotCategory, ...] = (
    SpotCategory.SIGHT, SpotCategory.BEACH, SpotCategory.FOOD, SpotCategory.TOILET,
    SpotCategory.PORT, SpotCategory.RENTAL, SpotCategory.SHELTER,
)
Polygon = Sequence[Sequence[float]]  # [[lat, lng], ...]


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = math.radians(lat2 - lat1), math.radians(lng2 - lng1)
    a = (math.sin(d_phi / 2) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def walking_minutes(metres: float) -> int:
    return max(1, math.ceil(metres / WALKING_M_PER_MINUTE))


def inside(lat: float, lng: float, polygon: Polygon) -> bool:
    """Ray casting; fine for the small polygons of an island (no pole or date line)."""
    found = False
    points = [(float(p[0]), float(p[1])) for p in polygon]
    for (lat_a, lng_a), (lat_b, lng_b) in zip(points, points[1:] + points[:1], strict=True):
        if (lng_a > lng) != (lng_b > lng):
            crossing = lat_a + (lng - lng_a) * (lat_b - lat_a) / (lng_b - lng_a)
            if lat < crossing:
                found = not found
    return found


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    d_lat = math.degrees(radius_m / EARTH_RADIUS_M)
    d_lng = math.degrees(radius_m / (EARTH_RADIUS_M * max(math.cos(math.radians(lat)), 0.01)))
    return lat - d_lat, lat + d_lat, lng - d_lng, lng + d_lng


# Closures ------------------------------------------------------------------------------


def closures_during(session: Session, start: datetime, end: datetime) -> list[Closure]:
    """Closures that overlap [start, end)."""
    return list(session.scalars(
        select(Closure).where(Closure.starts_at < end, Closure.ends_at > start)
        .order_by(Closure.starts_at, Closure.id)))


def tokyo_day(moment: datetime) -> tuple[datetime, datetime]:
    """The Japanese calendar day around `moment`, as UTC bounds."""
    local = to_tokyo(moment)
    start = datetime(local.year, local.month, local.day, tzinfo=TOKYO)
    return start, start + timedelta(days=1)


def closures_today(session: Session, moment: datetime) -> list[Closure]:
    """What is closed at some time today (Japan time): the banner on the public pages."""
    return closures_during(session, *tokyo_day(moment))


@dataclass(frozen=True)
class ClosedToday:
    """Today's closures, to ask of any spot whether it is closed at some time today."""

    spot_ids: frozenset[int]
    areas: tuple[Polygon, ...]

    @classmethod
    def at(cls, session: Session, moment: datetime) -> ClosedToday:
        today = closures_today(session, moment)
        return cls(frozenset(c.spot_id for c in today if c.spot_id is not None),
                   tuple(c.area for c in today if c.area))

    def covers(self, spot_id: int, lat: float, lng: float) -> bool:
        return spot_id in self.spot_ids or any(inside(lat, lng, area) for area in self.areas)

    def __contains__(self, spot: Spot) -> bool:
        return self.covers(spot.id, spot.latitude, spot.longitude)


# Spots ---------------------------------------------------------------------------------


def destinations(session: Session, category: SpotCategory) -> list[Spot]:
    """Spots of a category a visitor may go to (never a no-entry place)."""
    return list(session.scalars(
        select(Spot).where(Spot.category == category, Spot.access != Access.NO_ENTRY)
        .order_by(Spot.sort_order, Spot.id)))


def no_entry_places(session: Session, *, public_only: bool = True) -> list[Spot]:
    """Places nobody may enter; `public_only` leaves out those the community keeps off maps."""
    query = select(Spot).where(Spot.access == Access.NO_ENTRY)
    if public_only:
        query = query.where(Spot.public_shape != PublicShape.HIDDEN)
    return list(session.scalars(query.order_by(Spot.sort_order, Spot.id)))


def public_spots(session: Session) -> list[Spot]:
    """Everything the public map shows: destinations and the no-entry places shown."""
    return list(session.scalars(
        select(Spot).where(or_(Spot.access != Access.NO_ENTRY,
                               Spot.public_shape != PublicShape.HIDDEN))
        .order_by(Spot.category, Spot.sort_order, Spot.id)))


def spot_by_slug(session: Session, slug: str) -> Spot | None:
    return session.scalar(select(Spot).where(Spot.slug == slug))


@dataclass(frozen=True)
class NearSpot:
    spot: Spot
    metres: float

    @property
    def minutes(self) -> int:
        return walking_minutes(self.metres)


def nearest_open(session: Session, lat: float, lng: float, moment: datetime,
                 limit: int = NEAREST) -> list[NearSpot]:
    """The nearest destinations not closed today, by haversine distance.

    Reads only the positions inside a bounding box (indexed on latitude, longitude),
    widening it until enough are certain, so thousands of spots are never all read; then
    loads just the spots it returns.
    """
    closed = ClosedToday.at(session, moment)
    ranked: list[tuple[float, int]] = []
    for radius in SEARCH_RADII_M:
        south, north, west, east = bounding_box(lat, lng, radius)
        rows = session.execute(select(Spot.id, Spot.latitude, Spot.longitude).where(
            Spot.latitude.between(south, north), Spot.longitude.between(west, east),
            Spot.access != Access.NO_ENTRY))
        ranked = sorted((distance_m(lat, lng, spot_lat, spot_lng), spot_id)
                        for spot_id, spot_lat, spot_lng in rows
                        if not closed.covers(spot_id, spot_lat, spot_lng))
        # Within the box's inner circle the order is final; past it a nearer spot may lie
        # just outside a corner, so the box widens.
        certain = [entry for entry in ranked if entry[0] <= radius]
        if len(certain) >= limit:
            ranked = certain
            break
    chosen = ranked[:limit]
    spots = {spot.id: spot for spot in session.scalars(
        select(Spot).where(Spot.id.in_([spot_id for _, spot_id in chosen])))}
    return [NearSpot(spots[spot_id], metres) for metres, spot_id in chosen]


@dataclass(frozen=True)
class LocationWarning:
    kind: str  # "no_entry" | "closed_area"
    name_ja: str
    name_en: str
    metres: float | None = None

    def name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name_ja


def warnings_at(session: Session, lat: float, lng: float,
                moment: datetime) -> list[LocationWarning]:
    """Near a no-entry place (hidden ones too: the warning names no position), or inside an
    area closed right now."""
    found: list[LocationWarning] = []
    south, north, west, east = bounding_box(lat, lng, NEAR_NO_ENTRY_M * 4)
    for spot in session.scalars(select(Spot).where(
            Spot.access == Access.NO_ENTRY, Spot.latitude.between(south, north),
            Spot.longitude.between(west, east))):
        metres = distance_m(lat, lng, spot.latitude, spot.longitude)
        if metres <= NEAR_NO_ENTRY_M or (spot.area and inside(lat, lng, spot.area)):
            found.append(LocationWarning("no_entry", spot.text("ja").name,
                                         spot.text("en").name, metres))
    for closure in session.scalars(select(Closure).where(
            Closure.starts_at <= moment, Closure.ends_at > moment,
            and_(Closure.area.is_not(None)))):
        if closure.area and inside(lat, lng, closure.area):
            found.append(LocationWarning("closed_area", closure.name("ja"), closure.name("en")))
    return found
