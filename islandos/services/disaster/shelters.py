"""Shelters (避難所): the map's spots of the shelter category, with the capacity and the
open-now flag the office sets; the nearest open ones to a location."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.models.map import Access, Spot, SpotCategory
from islandos.services import audit
from islandos.services.map.places import distance_m, walking_minutes

SHOWN = 5


@dataclass(frozen=True)
class Shelter:
    spot: Spot
    metres: float | None  # None: no location was given

    @property
    def minutes(self) -> int | None:
        return walking_minutes(self.metres) if self.metres is not None else None


def shelters(session: Session) -> list[Spot]:
    return list(session.scalars(
        select(Spot).where(Spot.category == SpotCategory.SHELTER,
                           Spot.access != Access.NO_ENTRY)
        .order_by(Spot.sort_order, Spot.id)))


def open_shelters(session: Session, latitude: float | None = None,
                  longitude: float | None = None, limit: int = SHOWN) -> list[Shelter]:
    """Open shelters, nearest first when a location is given (an island has few)."""
    found = [Shelter(spot, distance_m(latitude, longitude, spot.latitude, spot.longitude)
                     if latitude is not None and longitude is not None else None)
             for spot in shelters(session) if spot.shelter_open]
    if latitude is not None:
        found.sort(key=lambda shelter: shelter.metres or 0.0)
    return found[:limit]


def set_shelter(session: Session, spot_id: int, is_open: bool, capacity: int | None,
                actor: str) -> Spot | None:
    """Open or close a shelter and set its capacity (audited)."""
    spot = session.get(Spot, spot_id)
    if spot is None or spot.category != SpotCategory.SHELTER:
        return None
    before = {"open": spot.shelter_open, "capacity": spot.shelter_capacity}
    spot.shelter_open = is_open
    spot.shelter_capacity = capacity if capacity is None or capacity >= 0 else None
    audit.record(session, actor, "shelter.updated", f"spot:{spot.id}", before=before,
                 after={"open": is_open, "capacity": spot.shelter_capacity})
    return spot
