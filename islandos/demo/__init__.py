"""Demo data, one module per feature; each feature names its seeder in its `Feature.demo`.
Every seeder is idempotent."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from islandos.registry import Seeder


def seed_demo(session: Session, seeders: Iterable[Seeder]) -> list[str]:
    """Run the app's seeders in order (flushes); returns lines worth printing (e.g. unused
    invite codes)."""
    lines: list[str] = []
    for seeder in seeders:
        lines.extend(seeder(session))
        session.flush()
    return lines or ["demo data is in place"]
