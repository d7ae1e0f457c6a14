"""Where a webhook event's time goes, in one process: statements, round trips, profile.

Serves IslandOS (production settings, a fresh database migrated with `islandos db upgrade`)
through Flask's test client, one event at a time, against the fake LINE API in its own
process, and counts for the timed events:

- SQL statements per event, by statement, and the time spent inside the driver's execute
  (psycopg's or sqlite3's: sending, the server's work, the answer);
- on PostgreSQL, round trips per event: libpq's protocol trace (`PQtrace`) of every
  connection, counting the messages that make the server answer (Sync, simple Query) —
  BEGIN and COMMIT included, which no statement listener sees;
- with --profile, cProfile of the timed loop, own time summed by package (psycopg,
  sqlalchemy, flask/werkzeug, islandos, ...); the wait for the server is in psycopg's `wait`.

    python benchmarks/webhook_profile.py [--database postgresql] [--events 1000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from benchmarks import loadgen  # noqa: E402
from benchmarks.webhook import (  # noqa: E402
    SECRET,
    TOKEN,
    app_env,
    fake_line_api,
    fresh_database,
    migrate,
)

# Protocol messages after which the server answers: one round trip each (no pipelining here).
_ANSWERED = ("\tSync", "\tQuery\t")
# Package of a profiled function, by the path of its file (own time summed per package).
_PACKAGES = ("psycopg", "sqlalchemy", "flask", "werkzeug", "islandos", "linebot", "urllib3",
             "pydantic", "jinja2", "babel", "json", "logging")


def _package(filename: str) -> str:
    for name in _PACKAGES:
        if f"/{name}/" in filename or f"/{name}_" in filename or filename.startswith(name):
            return name
    return "other"


class Counts:
    """Statements (and their driver time) and round trips, for the events being timed."""

    def __init__(self) -> None:
        self.on = False
        self.statements: Counter[str] = Counter()
        self.driver_seconds: defaultdict[str, float] = defaultdict(float)
        self.checkouts = 0
        self._started: dict[int, float] = {}

    def before(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        self._started[id(cursor)] = time.perf_counter()

    def after(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        started = self._started.pop(id(cursor), None)
        if self.on and started is not None:
            key = " ".join(statement.split())[:90]
            self.statements[key] += 1
            self.driver_seconds[key] += time.perf_counter() - started

    def checkout(self, *_: Any) -> None:
        if self.on:
            self.checkouts += 1


def _round_trips(trace_dir: Path) -> tuple[int, Counter[str]]:
    """Messages the server answered, from every connection's libpq trace, by kind."""
    kinds: Counter[str] = Counter()
    total = 0
    for path in trace_dir.glob("*.trace"):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("F\t") and any(mark in line for mark in _ANSWERED):
                total += 1
                parts = line.split("\t")
                kinds[parts[3] if parts[2] == "Query" else "Sync"] += 1
    return total, kinds


def _backend_cpu(url: str) -> dict[int, float]:
    """CPU seconds (user + system) so far of the PostgreSQL processes serving `url`'s database
    (the server runs on this machine: /proc); empty for SQLite."""
    if not url.startswith("postgresql"):
        return {}
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            pids = connection.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalars().all()
    finally:
        engine.dispose()
    cpu = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--events", type=int, default=1000, help="timed events")
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--profile", action="store_true", help="cProfile the timed events")
    parser.add_argument("--top", type=int, default=25, help="profile lines to print")
    parser.add_argument("--cumulative", default="",
                        help="also print by cumulative time, for functions matching this")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "ISLANDOS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="islandos-profile-") as tmp:
        workdir = Path(tmp)
        traces = workdir / "traces"
        traces.mkdir()
        with fake_line_api(workdir, 0) as fake, fresh_database(args, workdir, 1) as url:
            env = app_env(url, fake)
            migrate(env, workdir / "migrate.log")
            os.environ.update(env)
            from islandos import create_app
            from islandos.extensions import islandos_state

            app = create_app()
            state = islandos_state(app)
            engine = state.db.engine
            engine.dispose()  # connections opened from here on are counted and traced
            counts = Counts()
            event.listen(engine, "before_cursor_execute", counts.before)
            event.listen(engine, "after_cursor_execute", counts.after)
            event.listen(engine.pool, "checkout", counts.checkout)
            traced: list[Any] = []
            if engine.dialect.name == "postgresql":
                @event.listens_for(engine, "connect")
                def _trace(dbapi_connection: Any, _record: Any) -> None:
                    out = (traces / f"{len(traced)}.trace").open("w")
                    traced.append(out)
                    dbapi_connection.pgconn.trace(out.fileno())
                    dbapi_connection.pgconn.set_trace_flags(1)  # PQTRACE_SUPPRESS_TIMESTAMPS

            client = app.test_client()

            def post(items: list[loadgen.Signed]) -> list[float]:
                latencies = []
                for item in items:
                    started = time.perf_counter()
                    response = client.post("/callback", data=item.body, headers={
                        "X-Line-Signature": item.signature,
                        "Content-Type": "application/json"})
                    response.close()  # the reply goes out here (call_on_close)
                    latencies.append(time.perf_counter() - started)
                    assert response.status_code == 200, response.status_code
                return latencies

            post(loadgen.text_requests(
                SECRET, loadgen.issue_reply_tokens(fake, TOKEN, args.users), args.users))
            state.inbox.sent_replies.flush()
            timed = loadgen.text_requests(
                SECRET, loadgen.issue_reply_tokens(fake, TOKEN, args.events), args.users)
            for out in traced:
                out.flush()
                out.truncate(0)
                out.seek(0)
            profiler = cProfile.Profile() if args.profile else None
            backends_before = _backend_cpu(url)
            counts.on = True
            started, cpu_started = time.perf_counter(), time.process_time()
            times_started = os.times()
            if profiler:
                profiler.enable()
            latencies = post(timed)
            if profiler:
                profiler.disable()
            elapsed = time.perf_counter() - started
            state.inbox.sent_replies.flush()
            cpu = time.process_time() - cpu_started
            times = os.times()
            user = times.user - times_started.user
            system = times.system - times_started.system
            counts.on = False
            backends = {pid: cpu - backends_before.get(pid, 0.0)
                        for pid, cpu in _backend_cpu(url).items()}
            for out in traced:
                out.flush()
            trips, kinds = _round_trips(traces)
            state.db.dispose()
            for out in traced:
                out.close()

    n = args.events
    print(f"{args.database}: {n} events one at a time, {elapsed / n * 1000:.2f} ms per event "
          f"(median {statistics.median(latencies) * 1000:.2f} ms); this process's CPU "
          f"{cpu / n * 1000:.2f} ms per event (user {user / n * 1000:.2f}, system "
          f"{system / n * 1000:.2f})")
    driver = sum(counts.driver_seconds.values())
    print(f"statements per event {sum(counts.statements.values()) / n:.2f}; pool checkouts "
          f"per event {counts.checkouts / n:.2f}; time in the driver's execute "
          f"{driver / n * 1000:.3f} ms per event")
    for statement, times in counts.statements.most_common():
        print(f"  {times / n:5.2f} x {counts.driver_seconds[statement] / times * 1000:6.3f} ms  "
              f"{statement}")
    if backends:
        print(f"CPU of the PostgreSQL server processes serving this app: "
              f"{sum(backends.values()) / n * 1000:.3f} ms per event")
    if trips:
        print(f"round trips to PostgreSQL per event {trips / n:.2f}:")
        for kind, times in kinds.most_common():
            print(f"  {times / n:5.2f}  {kind}")
    if profiler:
        stats = pstats.Stats(profiler)
        own: defaultdict[str, float] = defaultdict(float)
        for (filename, _line, _name), row in stats.stats.items():  # type: ignore[attr-defined]
            own[_package(filename)] += row[2]
        total = sum(own.values())
        print(f"profile (own time, {total / n * 1000:.2f} ms per event under cProfile):")
        for name, seconds in sorted(own.items(), key=lambda kv: -kv[1]):
            print(f"  {name:10} {seconds / n * 1000:6.3f} ms  {seconds / total:5.1%}")
        stats.sort_stats("tottime").print_stats(args.top)
        if args.cumulative:
            stats.sort_stats("cumulative").print_stats(args.cumulative, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
