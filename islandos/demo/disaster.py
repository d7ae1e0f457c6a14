"""The demo island's shelters get a capacity (they open only when the office opens them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.models.map import Spot

CAPACITIES = {"shelter-school": 200, "community-hall": 60}


def seed_disaster(session: Session) -> list[str]:
    """Idempotent: sets a capacity only where none is set."""
    changed = []
    for spot in session.scalars(select(Spot).where(Spot.slug.in_(CAPACITIES))):
        if spot.shelter_capacity is None:
            spot.shelter_capacity = CAPACITIES[spot.slug]
            changed.append(spot.slug)
    session.flush()
    return [f"shelters with a capacity: {', '.join(changed)}"] if changed else []
