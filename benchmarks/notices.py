"""Benchmark: a notice to 1,000 / 10,000 / 100,000 islanders against the local fake LINE API.

    python benchmarks/notices.py [--sizes 1000,10000,100000]

For each size, in a fresh SQLite file: seeds the people with one bulk insert (its time is
the baseline), enqueues a notice (time, and peak memory under tracemalloc in a second run),
delivers it with the worker against tests/fakes/line_api.py, and counts multicast calls
(at most ceil(n/500) per language). Prints the ratio of peak memory at the largest size to
the smallest (target: flat, ≤ ~2×) and each time as a ratio of the baseline.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

import islandos.models  # noqa: E402, F401
from islandos import create_app  # noqa: E402
from islandos.db import Base  # noqa: E402
from islandos.extensions import islandos_state  # noqa: E402
from islandos.line.worker import Worker  # noqa: E402
from islandos.models.outbox import OutboxMessage, OutboxStatus  # noqa: E402
from islandos.models.people import Person, Role  # noqa: E402
from islandos.services.notices.drafts import NoticeInput  # noqa: E402
from islandos.services.notices.sending import create_and_submit  # noqa: E402
from tests.fakes.line_api import FakeLineApi  # noqa: E402

TOKEN = "benchmark-token"
ENGLISH_EVERY = 5  # one person in five reads English


@dataclass
class Figures:
    n: int
    seed_s: float
    enqueue_s: float
    peak_bytes: int
    deliver_s: float
    calls: int
    allowed_calls: int
    accepted: int


def seed(db: object, n: int) -> float:
    """The baseline: one plain bulk insert of n rows (the people)."""
    rows = [{"line_user_id": "U" + f"{i:032x}", "role": Role.ISLANDER, "status": "active",
             "language": "en" if i % ENGLISH_EVERY == 0 else "ja"} for i in range(1, n + 1)]
    started = time.perf_counter()
    with db.transaction() as session:  # type: ignore[attr-defined]
        session.execute(insert(Person), rows)
    return time.perf_counter() - started


def one_size(n: int, directory: Path, fake: FakeLineApi) -> Figures:
    fake.reset()
    fake.quota_limit = None
    app = create_app({
        "env": "testing", "database_url": f"sqlite:///{directory / f'bench-{n}.sqlite3'}",
        "line_channel_secret": "bench", "line_channel_access_token": TOKEN,
        "line_api_base_url": fake.base_url, "line_data_api_base_url": fake.base_url,
        "public_base_url": "https://island.example.jp", "log_level": "WARNING"})
    state = islandos_state(app)
    Base.metadata.create_all(state.db.engine)
    seed_s = seed(state.db, n)
    data = NoticeInput(title="断水のお知らせ", body_ja="明日9時から断水します。",
                       title_en="Water outage", body_en="No water from 9 tomorrow.",
                       audience_kind="islanders", priority="important")

    started = time.perf_counter()
    with state.db.transaction() as session:
        create_and_submit(session, data, "cli", state.settings.public_base_url)
    enqueue_s = time.perf_counter() - started

    # The same again under tracemalloc (it slows Python down, so it is not timed).
    tracemalloc.start()
    with state.db.transaction() as session:
        create_and_submit(session, data, "cli", state.settings.public_base_url)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    worker = Worker(state.db, state.transport, state.jobs, worker_id="bench", batch=50)
    started = time.perf_counter()
    while True:
        report = worker.run_once()
        with state.db.transaction() as session:
            waiting = session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING))))
        if not waiting or report.paused:
            break
    deliver_s = time.perf_counter() - started

    english = n // ENGLISH_EVERY
    allowed = 2 * (math.ceil(english / 500) + math.ceil((n - english) / 500))  # two notices
    calls = len(fake.calls("/v2/bot/message/multicast"))
    with state.db.transaction() as session:
        accepted = session.scalar(select(func.sum(OutboxMessage.recipient_count)).where(
            OutboxMessage.status == OutboxStatus.ACCEPTED)) or 0
    state.db.dispose()
    return Figures(n, seed_s, enqueue_s, peak, deliver_s, calls // 2, allowed // 2,
                   int(accepted) // 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    sizes = [int(s) for s in parser.parse_args(argv).sizes.split(",")]
    results: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="islandos-bench-") as tmp, \
            FakeLineApi(channel_access_token=TOKEN) as fake:
        for n in sizes:
            results.append(one_size(n, Path(tmp), fake))
            r = results[-1]
            print(f"n={r.n:>7}: seed(baseline) {r.seed_s:6.3f}s | enqueue {r.enqueue_s:6.3f}s "
                  f"({r.enqueue_s / r.seed_s:4.2f}x baseline) | peak {r.peak_bytes / 1e6:6.2f} MB"
                  f" | multicast calls {r.calls} (allowed {r.allowed_calls}) | deliver "
                  f"{r.deliver_s:6.2f}s ({r.deliver_s / r.seed_s:5.1f}x baseline) | "
                  f"recipients accepted {r.accepted}", flush=True)
    ok = all(r.calls <= r.allowed_calls and r.accepted == r.n for r in results)
    if len(results) > 1:
        ratio = results[-1].peak_bytes / results[0].peak_bytes
        print(f"peak memory {results[-1].n:,} / {results[0].n:,}: {ratio:.2f}x (target ≤ ~2x)")
        ok = ok and ratio <= 2.5
    print("OK" if ok else "OUT OF BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
