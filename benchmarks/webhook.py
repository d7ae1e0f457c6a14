"""Benchmark: IslandOS's LINE webhook against line-bot-sdk's echo bot, same gunicorn settings.

Starts the fake LINE API, then, round after round, serves the echo bot and IslandOS
(production settings, a fresh database migrated with `islandos db upgrade`: a SQLite file, or
a PostgreSQL database with --database postgresql) back to back under the same gunicorn command
line (the Procfile's `web:` settings), drives each with the same kind and number of signed
text events from benchmarks/loadgen.py, and prints requests/s, p50 and p99 for each and the
ratios. Then it checks that IslandOS stored exactly one webhook_events row per event and that
redelivering a sample of them adds none.

    python benchmarks/webhook.py [--requests N] [--rounds 5] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, make_url, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from benchmarks import loadgen  # noqa: E402

SECRET = "bench-channel-secret-0123456789abcdef"
TOKEN = "bench-channel-access-token"
TARGET_THROUGHPUT, TARGET_P99 = 0.9, 1.2
ECHO_APP, ISLANDOS_APP = "benchmarks.echo_bot:app", "islandos:create_app()"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (gunicorn finishes requests in flight), then wait; kill only if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def fake_line_api(workdir: Path, delay_ms: float) -> Iterator[str]:
    """tests/fakes/line_api.py in its own process, issuing reply tokens over HTTP."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.line_api", "--port", str(free_port()),
         "--token", TOKEN, "--delay-ms", str(delay_ms), "--reply-token-endpoint"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=(workdir / "fake.log").open("wb"))
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode().strip()
        if not line.startswith("ready "):
            raise SystemExit(f"the fake LINE API did not start: {line!r}")
        yield line.removeprefix("ready ")
    finally:
        stop(process)


def procfile_threads() -> int:
    """Threads per gunicorn worker in the Procfile's web: line (its WEB_THREADS default)."""
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines()
               if line.startswith("web:"))
    found = re.search(r"--threads \$\{WEB_THREADS:-(\d+)\}", web)
    return int(found.group(1)) if found else 1


def gunicorn_args(app: str, port: int, workers: int, threads: int) -> list[str]:
    """The Procfile's web: settings, bound to loopback (threads > 1 makes gunicorn use gthread)."""
    return [sys.executable, "-m", "gunicorn", app, "--chdir", str(ROOT),
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
            "--timeout", "30", "--graceful-timeout", "20", "--access-logfile", "-"]


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def workers_cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the gunicorn workers (Linux /proc)."""
        total = 0.0
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
            for child in children:
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return float("nan")
        return total


@contextmanager
def served(app: str, env: Mapping[str, str], args: argparse.Namespace,
           log: Path) -> Iterator[Server]:
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(gunicorn_args(app, port, args.workers, args.threads),
                                   cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + 30
            while not _listening(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{app} did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.1)
            yield Server(f"http://127.0.0.1:{port}/callback", process.pid)
        finally:
            stop(process)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Run:
    """One server's timed run, and every event it was sent (warm-up included)."""

    report: loadgen.Report
    items: list[loadgen.Signed]
    accepted_event_ids: set[str]
    cpu_ms: float  # CPU time of the server's workers per answered event (timed run)

    @property
    def complete(self) -> bool:
        return self.report.ok == len(self.items) and not self.report.timed_out


def measure(name: str, server: Server, fake: str, args: argparse.Namespace) -> Run:
    """Warm the server up, then the timed run; every event has its own id and reply token."""
    warm_items = loadgen.text_requests(
        SECRET, loadgen.issue_reply_tokens(fake, TOKEN, args.warmup), args.users)
    warm = loadgen.run(server.url, warm_items, args.concurrency, 30)
    items = loadgen.text_requests(
        SECRET, loadgen.issue_reply_tokens(fake, TOKEN, args.requests), args.users)
    cpu_before = server.workers_cpu_seconds()
    report = loadgen.run(server.url, items, args.concurrency, args.time_limit)
    time.sleep(0.2)  # replies sent after the answer finish
    cpu_ms = (server.workers_cpu_seconds() - cpu_before) * 1000 / max(report.ok, 1)
    others = {status: n for status, n in report.statuses.items() if status != 200}
    print(f"  {name:8} {report.ok:6d} ok  {report.requests_per_second:7.1f} req/s  "
          f"p50 {report.percentile(50):7.1f} ms  p99 {report.percentile(99):7.1f} ms  "
          f"CPU {cpu_ms:5.2f} ms/event"
          + (f"  other answers {others}" if others else "")
          + (f"  errors {dict(report.errors)}" if report.errors else "")
          + ("  (time limit reached)" if report.timed_out else ""), flush=True)
    return Run(report, items, {*warm.ok_event_ids, *report.ok_event_ids}, cpu_ms)


def app_env(database_url: str, fake: str) -> dict[str, str]:
    return {
        "ISLANDOS_ENV": "production", "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-key-" + "x" * 32, "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_API_BASE_URL": fake,
        "LINE_DATA_API_BASE_URL": fake, "PUBLIC_BASE_URL": "https://bench.example",
    }


def migrate(env: Mapping[str, str], log: Path) -> None:
    with log.open("ab") as out:
        subprocess.run([sys.executable, "-c", "from islandos.cli import main; main()",
                        "db", "upgrade"], cwd=ROOT, env={**os.environ, **env}, check=True,
                       stdout=out, stderr=out)


def count_rows(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            counts: dict[str, int] = {state: int(n) for state, n in connection.execute(text(
                "SELECT reply_state, count(*) FROM webhook_events GROUP BY reply_state"))}
    finally:
        engine.dispose()
    counts["rows"] = sum(counts.values())
    return counts


@contextmanager
def fresh_database(args: argparse.Namespace, workdir: Path, number: int) -> Iterator[str]:
    """A new, empty database for one IslandOS round: a SQLite file, or a PostgreSQL database
    created on the server --postgres-url names and dropped afterwards."""
    if args.database == "sqlite":
        yield f"sqlite:///{workdir / f'islandos-{number}.sqlite3'}"
        return
    with postgres_database(args.postgres_url, f"islandos_bench_{os.getpid()}_{number}") as url:
        yield url


@contextmanager
def postgres_database(server_url: str, name: str) -> Iterator[str]:
    """A database of its own on the PostgreSQL server `server_url` names, dropped after."""
    server = make_url(server_url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def islandos_round(fake: str, workdir: Path, number: int, args: argparse.Namespace
                   ) -> tuple[Run, bool]:
    """Serve IslandOS on a fresh database, measure it, then check rows and dedupe."""
    log = workdir / "islandos.log"
    with fresh_database(args, workdir, number) as database_url:
        env = app_env(database_url, fake)
        migrate(env, log)
        with served(ISLANDOS_APP, env, args, log) as server:
            run = measure("islandos", server, fake, args)
            before = count_rows(database_url)["rows"]
            sample = run.items[: args.resend]
            again = loadgen.run(server.url, loadgen.redeliveries(SECRET, sample),
                                args.concurrency, 30)
        after = count_rows(database_url)  # the server has stopped: every reply is recorded
    expected = len(run.accepted_event_ids)
    states = {k: v for k, v in after.items() if k != "rows"}
    print(f"  stored {before} webhook_events rows for {expected} events (reply states {states});"
          f" {len(sample)} redelivered: {again.ok} answered 200, "
          f"{after['rows'] - before} new rows", flush=True)
    ok = (before == expected == after["rows"] and again.ok == len(sample)
          and states.get("sent", 0) == expected)
    return run, ok


def machine() -> str:
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        names = [line.split(":", 1)[1].strip() for line in info if line.startswith("model name")]
    return (f"{names[0] if names else platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _median(runs: list[Run], what: str) -> float:
    values = {
        "rps": [r.report.requests_per_second for r in runs],
        "p99": [r.report.percentile(99) for r in runs],
        "cpu": [r.cpu_ms for r in runs],
    }[what]
    return statistics.median(values)


def _log_errors(log: Path) -> int:
    if not log.exists():
        return 0
    with log.open(encoding="utf-8", errors="replace") as lines:
        return sum(1 for line in lines if any(
            mark in line for mark in (" ERROR ", "[ERROR]", "[CRITICAL]", "Traceback")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="timed events per server")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=procfile_threads(),
                        help="threads per worker (default: the Procfile's; 1: a sync worker)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="untimed events first (default: one per user, so the timed run "
                             "meets only people IslandOS already knows)")
    parser.add_argument("--users", type=int, default=500, help="distinct LINE users")
    parser.add_argument("--resend", type=int, default=200, help="events redelivered afterwards")
    parser.add_argument("--rounds", type=int, default=5,
                        help="echo and IslandOS back to back, this often (first in turns)")
    parser.add_argument("--line-delay-ms", type=float, default=0.0,
                        help="the fake LINE API waits this long before answering")
    parser.add_argument("--time-limit", type=float, default=100.0, help="seconds per timed run")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite",
                        help="IslandOS's database: a SQLite file, or PostgreSQL")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "ISLANDOS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
                        help="a PostgreSQL server IslandOS may create a database on")
    args = parser.parse_args(argv)
    if args.warmup is None:
        args.warmup = args.users
    worker = "sync" if args.threads == 1 else f"gthread, {args.threads} threads"
    print(f"machine: {machine()}; {load()}")
    print(f"gunicorn --workers {args.workers} ({worker}) --timeout 30 --access-logfile -; "
          f"{args.concurrency} concurrent clients; {args.requests} timed events "
          f"(+{args.warmup} warm-up) from {args.users} users per server and round; "
          f"fake LINE API delay {args.line_delay_ms:g} ms; IslandOS on {args.database}",
          flush=True)
    echoes: list[Run] = []
    apps: list[Run] = []
    persisted = True
    with tempfile.TemporaryDirectory(prefix="islandos-bench-") as tmp:
        workdir = Path(tmp)
        with fake_line_api(workdir, args.line_delay_ms) as fake:
            echo_env = {"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
                        "LINE_API_BASE_URL": fake}
            for number in range(1, args.rounds + 1):
                if args.rounds > 1:
                    print(f"round {number}", flush=True)
                # Back to back, in turns which goes first, so drifting load on a shared
                # machine hits both alike; each round's pair gives its own ratios.
                order = ("echo", "islandos") if number % 2 else ("islandos", "echo")
                for name in order:
                    if name == "echo":
                        with served(ECHO_APP, echo_env, args, workdir / "echo.log") as server:
                            echoes.append(measure("echo", server, fake, args))
                    else:
                        run, ok = islandos_round(fake, workdir, number, args)
                        apps.append(run)
                        persisted = persisted and ok
        errors = _log_errors(workdir / "islandos.log") + _log_errors(workdir / "echo.log")
        if errors:
            print(f"{errors} error lines in the servers' logs; the last lines:")
            print((workdir / "islandos.log").read_text(errors="replace")[-2000:])
    pairs = list(zip(echoes, apps, strict=True))
    throughput = statistics.median(
        a.report.requests_per_second / e.report.requests_per_second for e, a in pairs)
    p99 = statistics.median(a.report.percentile(99) / e.report.percentile(99) for e, a in pairs)
    cpu = statistics.median(a.cpu_ms / e.cpu_ms for e, a in pairs)
    summary = ("medians of the rounds; ratios: median of each round's pair"
               if args.rounds > 1 else "one round")
    for name, runs in (("echo", echoes), ("islandos", apps)):
        print(f"{name:8} {_median(runs, 'rps'):7.1f} req/s  p99 {_median(runs, 'p99'):7.1f} ms  "
              f"CPU {_median(runs, 'cpu'):5.2f} ms/event")
    print(f"({summary}; {load()}; CPU: the gunicorn workers' user + system time per event)")
    print(f"ratios: throughput islandos/echo {throughput:.2f} (target >= {TARGET_THROUGHPUT}: "
          f"{'met' if throughput >= TARGET_THROUGHPUT else 'MISSED'}); "
          f"p99 islandos/echo {p99:.2f} (target <= {TARGET_P99}: "
          f"{'met' if p99 <= TARGET_P99 else 'MISSED'}); "
          f"CPU per event islandos/echo {cpu:.2f}")
    complete = all(run.complete for run in [*echoes, *apps])
    print(f"every event answered 200: {'yes' if complete else 'NO'}; one row per event and "
          f"redeliveries deduplicated: {'yes' if persisted else 'NO'}")
    return 0 if complete and persisted and not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
