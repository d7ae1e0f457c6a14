"""Benchmark: disaster mode for 5,000 users against the local fake LINE API.

    python benchmarks/disaster.py [--users 5000] [--rounds 20]

In a fresh SQLite file: seeds the people (12 districts, one in five reads English) with one
bulk insert — its time is the baseline — deploys the rich menus to tests/fakes/line_api.py,
then times `start` with a confirmed safety check until the worker has switched every menu
(bulk link, ≤500 users a call) and LINE has accepted every check (multicasts of ≤500),
counting the API calls. Then every user answers (bulk-inserted) and it times the office's
live figures (one grouped query, statements counted) and the whole live list, median of
`--rounds`, against a plain COUNT(*) of the answers.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select  # noqa: E402

import islandos.models  # noqa: E402
from islandos import create_app  # noqa: E402
from islandos.clock import now  # noqa: E402
from islandos.db import Base  # noqa: E402
from islandos.extensions import islandos_state  # noqa: E402
from islandos.line.richmenus import deploy_rich_menus  # noqa: E402
from islandos.line.worker import Worker  # noqa: E402
from islandos.models.asking import Answer, AskRecipient  # noqa: E402
from islandos.models.disaster import DisasterMode  # noqa: E402
from islandos.models.jobs import Job, JobStatus  # noqa: E402
from islandos.models.outbox import OutboxMessage, OutboxStatus  # noqa: E402
from islandos.models.people import District, Person, Role  # noqa: E402
from islandos.services.disaster import board  # noqa: E402
from islandos.services.disaster import mode as modes  # noqa: E402
from tests.fakes.line_api import FakeLineApi  # noqa: E402

TOKEN = "benchmark-token"
ENGLISH_EVERY = 5
DISTRICTS = 12
BULK, MULTICAST = "/v2/bot/richmenu/bulk/link", "/v2/bot/message/multicast"


def seed(db: object, n: int) -> float:
    """The baseline: one bulk insert of n islanders (after the districts)."""
    with db.transaction() as session:  # type: ignore[attr-defined]
        session.execute(insert(District), [
            {"code": f"d{i}", "name_ja": f"集落{i}", "name_en": f"District {i}", "sort_order": i}
            for i in range(1, DISTRICTS + 1)])
    rows = [{"line_user_id": "U" + f"{i:032x}", "role": Role.ISLANDER, "status": "active",
             "language": "en" if i % ENGLISH_EVERY == 0 else "ja", "full_name": f"島民 {i}",
             "phone": f"090-0000-{i:04d}", "district_id": 1 + i % DISTRICTS}
            for i in range(1, n + 1)]
    started = time.perf_counter()
    with db.transaction() as session:  # type: ignore[attr-defined]
        session.execute(insert(Person), rows)
    return time.perf_counter() - started


def median_s(rounds: int, run: object) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    n = args.users
    with tempfile.TemporaryDirectory(prefix="islandos-bench-") as tmp, \
            FakeLineApi(channel_access_token=TOKEN) as fake:
        fake.record_requests = True
        app = create_app({
            "env": "testing", "database_url": f"sqlite:///{Path(tmp) / 'disaster.sqlite3'}",
            "line_channel_secret": "bench", "line_channel_access_token": TOKEN,
            "line_api_base_url": fake.base_url, "line_data_api_base_url": fake.base_url,
            "public_base_url": "https://island.example.jp", "log_level": "WARNING"})
        state = islandos_state(app)
        db = state.db
        Base.metadata.create_all(db.engine)
        seed_s = seed(db, n)
        deploy_rich_menus(db, state.transport)
        calls_before = {path: len(fake.calls(path)) for path in (BULK, MULTICAST)}

        worker = Worker(db, state.transport, state.jobs, worker_id="bench", batch=50)
        started = time.perf_counter()
        with db.transaction() as session:
            mode_id = modes.start(session, "typhoon", "cli", safety_check=True,
                                  confirmed=True).id
        enqueued_s = time.perf_counter() - started
        while True:
            worker.run_once()
            with db.transaction() as session:
                waiting = session.scalar(select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING))))
                switching = session.scalar(select(func.count()).select_from(Job).where(
                    Job.kind == modes.SWITCH_JOB, Job.status != JobStatus.DONE))
            if not waiting and not switching:
                break
        switched_s = time.perf_counter() - started

        english = n // ENGLISH_EVERY
        allowed = math.ceil(english / 500) + math.ceil((n - english) / 500)
        bulk_calls = len(fake.calls(BULK)) - calls_before[BULK]
        multicast_calls = len(fake.calls(MULTICAST)) - calls_before[MULTICAST]
        with db.transaction() as session:
            menu_ids = {row[0] for row in session.execute(select(
                islandos.models.RichMenuDeployment.line_rich_menu_id).where(
                islandos.models.RichMenuDeployment.name == "disaster"))}
            accepted = session.scalar(select(func.sum(OutboxMessage.recipient_count)).where(
                OutboxMessage.status == OutboxStatus.ACCEPTED)) or 0
        on_disaster = sum(1 for menu in fake.user_richmenus.values() if menu in menu_ids)

        # Everyone answers (70% safe, the rest needing help of three kinds), bulk-inserted.
        with db.transaction() as session:
            mode = session.get(DisasterMode, mode_id)
            assert mode is not None and mode.ask_id is not None
            ask_id = mode.ask_id
            recipients = session.execute(select(AskRecipient.id, AskRecipient.district_id)
                                         .where(AskRecipient.ask_id == ask_id)).all()
            masks = (1, 1, 1, 1, 1, 1, 1, 4, 8, 16)
            session.execute(insert(Answer), [
                {"ask_id": ask_id, "recipient_id": rid, "district_id": did,
                 "choices": masks[i % len(masks)], "guests": 0, "status": "counted",
                 "answered_at": now()} for i, (rid, did) in enumerate(recipients)])
            session.execute(AskRecipient.__table__.update().values(answered=True))

        with db.transaction() as session:
            mode = session.get(DisasterMode, mode_id)
            assert mode is not None
            statements: list[str] = []

            def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
                statements.append(statement)

            event.listen(db.engine, "before_cursor_execute", note)
            figures = board.counts(session, mode)
            event.remove(db.engine, "before_cursor_execute", note)
        counted_statements = len(statements)

        def baseline() -> None:
            with db.transaction() as session:
                session.scalar(select(func.count(Answer.id)).where(Answer.ask_id == ask_id))

        def grouped() -> None:
            with db.transaction() as session:
                mode = session.get(DisasterMode, mode_id)
                board.counts(session, mode)  # type: ignore[arg-type]

        def live_list() -> None:
            with db.transaction() as session:
                mode = session.get(DisasterMode, mode_id)
                board.board(session, mode, "ja")  # type: ignore[arg-type]

        base_s = median_s(args.rounds, baseline)
        grouped_s = median_s(args.rounds, grouped)
        list_s = median_s(max(3, args.rounds // 4), live_list)
        answered = sum(sum(v.values()) for v in figures.values())
        state.db.dispose()

    print(f"users {n:,}: seed (baseline) {seed_s:.3f}s")
    print(f"start + enqueue the check: {enqueued_s:.3f}s ({enqueued_s / seed_s:.2f}x baseline)")
    print(f"every menu switched and every check accepted: {switched_s:.2f}s "
          f"({switched_s / seed_s:.1f}x baseline)")
    print(f"bulk link calls {bulk_calls} (allowed {allowed}; per-user links would be {n:,}) | "
          f"multicast calls {multicast_calls} (allowed {allowed}) | users on the disaster menu "
          f"{on_disaster:,} | checks accepted {int(accepted):,}")
    print(f"live figures for {answered:,} people: {grouped_s * 1000:.1f} ms "
          f"({grouped_s / base_s:.1f}x a COUNT(*) of {base_s * 1000:.2f} ms), "
          f"{counted_statements} grouped statement(s)")
    print(f"whole live list (figures + {answered:,} rows): {list_s * 1000:.0f} ms "
          f"({list_s / base_s:.0f}x the COUNT(*))")
    ok = (bulk_calls <= allowed and multicast_calls <= allowed and on_disaster == n
          and int(accepted) == n and answered == n and counted_statements == 1)
    print("OK" if ok else "OUT OF BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
