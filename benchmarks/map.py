"""Benchmark: the nearest five open spots among 10,000, against reading every spot.

    python benchmarks/map.py [--spots 10000] [--queries 300]

In a fresh SQLite file: 10,000 spots scattered over an island group of about 40 × 40 km.
Times `nearest_open` (bounding box on the (latitude, longitude) index, widening until
five are certain) and, as the baseline, the full scan a naive version would do (every spot
read, haversine on each, sorted). Prints milliseconds per query and the ratio, and checks
both give the same five spots.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

import islandos.models  # noqa: E402, F401
from islandos.clock import now  # noqa: E402
from islandos.db import Base, Database  # noqa: E402
from islandos.models.map import Access, Spot, SpotText  # noqa: E402
from islandos.services.map.places import distance_m, nearest_open  # noqa: E402

CENTRE = (26.20, 127.98)
SPREAD = 0.2  # degrees either way


def seed(db: Database, count: int, rng: random.Random) -> None:
    with db.transaction() as session:
        session.execute(insert(Spot), [
            {"slug": f"spot-{i}", "category": rng.choice(("sight", "food", "toilet", "beach")),
             "latitude": CENTRE[0] + rng.uniform(-SPREAD, SPREAD),
             "longitude": CENTRE[1] + rng.uniform(-SPREAD, SPREAD),
             "access": Access.NO_ENTRY if i % 50 == 0 else Access.OPEN,
             "public_shape": "point", "sort_order": i, "created_at": now(),
             "updated_at": now()} for i in range(count)])
        ids = session.scalars(select(Spot.id)).all()
        session.execute(insert(SpotText), [
            {"spot_id": spot_id, "language": "ja", "name": f"場所{spot_id}"} for spot_id in ids])


def full_scan(db: Database, lat: float, lng: float) -> list[int]:
    with db.transaction() as session:
        rows = session.execute(select(Spot.id, Spot.latitude, Spot.longitude)
                               .where(Spot.access != Access.NO_ENTRY)).all()
        return [spot_id for _, spot_id in sorted(
            (distance_m(lat, lng, a, b), spot_id) for spot_id, a, b in rows)[:5]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spots", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as directory:
        db = Database(f"sqlite:///{directory}/map.sqlite3")
        Base.metadata.create_all(db.engine)
        seed(db, args.spots, rng)
        points = [(CENTRE[0] + rng.uniform(-SPREAD, SPREAD),
                   CENTRE[1] + rng.uniform(-SPREAD, SPREAD)) for _ in range(args.queries)]
        moment = now()
        started = time.perf_counter()
        answers = []
        for lat, lng in points:
            with db.transaction() as session:
                answers.append([near.spot.id for near in nearest_open(session, lat, lng, moment)])
        indexed = (time.perf_counter() - started) / len(points)
        started = time.perf_counter()
        baseline = [full_scan(db, lat, lng) for lat, lng in points]
        scanned = (time.perf_counter() - started) / len(points)
        db.dispose()
    same = sum(a == b for a, b in zip(answers, baseline, strict=True))
    print(f"spots: {args.spots}, queries: {len(points)}")
    print(f"nearest 5 (bounding box): {indexed * 1000:.2f} ms per query")
    print(f"full scan (baseline):     {scanned * 1000:.2f} ms per query")
    print(f"ratio to the full scan:   {indexed / scanned:.3f}")
    print(f"same five spots as the full scan: {same}/{len(points)}")


if __name__ == "__main__":
    main()
