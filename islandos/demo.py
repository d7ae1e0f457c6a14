"""Demo data: each feature adds its own seeder here; every seeder is idempotent."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from islandos.demo_admin import seed_demo_admin
from islandos.demo_island import seed_island
from islandos.demo_notices import seed_notices

Seeder = Callable[[Session], list[str]]


def seeders() -> list[Seeder]:
    """Feature seeders in the order they build on each other."""
    return [seed_island, seed_notices, seed_demo_admin]


def seed_demo(session: Session) -> list[str]:
    """Run every seeder (flushes); returns lines worth printing (e.g. unused invite codes)."""
    lines: list[str] = []
    for seeder in seeders():
        lines.extend(seeder(session))
        session.flush()
    return lines or ["demo data is in place"]
