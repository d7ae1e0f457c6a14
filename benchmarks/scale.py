"""Benchmark: several processes on PostgreSQL — a big notice sent while webhooks keep coming.

Runs IslandOS as in production with PostgreSQL: gunicorn with 4 workers of 4 threads (the
Procfile's web: settings) and 2 outbox worker processes (`islandos worker`), on a fresh
database migrated with `islandos db upgrade`, against the fake LINE API
(tests/fakes/line_api.py) in its own process, which counts every multicast recipient. Seeds
--recipients islanders, then:

1. without a send: 50 concurrent clients post --requests signed webhook text events; p99;
2. submits an important notice to every islander (`islandos notice send`, in a process of
   its own as from the dashboard) while the 50 clients keep posting, batch after batch,
   until the outbox workers have delivered every multicast; the webhook's p99 during it;
3. prints the ratio (target <= 1.5), the notice's delivery time (submit to the last
   multicast accepted) and whether every recipient got it exactly once.

    python benchmarks/scale.py [--recipients 100000] [--requests 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

import islandos.models  # noqa: E402, F401
from benchmarks import loadgen  # noqa: E402
from benchmarks.webhook import (  # noqa: E402
    SECRET,
    TOKEN,
    app_env,
    free_port,
    load,
    machine,
    migrate,
    postgres_database,
    procfile_threads,
    served,
    stop,
)
from islandos.db import Database  # noqa: E402
from islandos.models.outbox import OutboxMessage, OutboxStatus  # noqa: E402
from islandos.models.people import Person, Role  # noqa: E402

TARGET_P99 = 1.5
ENGLISH_EVERY = 5
CHUNK = 500  # webhook events per load batch while the notice goes out


def fake_line(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.line_api", "--port", str(free_port()),
         "--token", TOKEN, "--reply-token-endpoint", "--count-recipients"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=(workdir / "fake.log").open("wb"))
    assert process.stdout is not None
    line = process.stdout.readline().decode().strip()
    if not line.startswith("ready "):
        raise SystemExit(f"the fake LINE API did not start: {line!r}")
    return process, line.removeprefix("ready ")


def recipients_seen(fake: str) -> dict[str, int]:
    request = urllib.request.Request(fake + "/__fake/recipients",
                                     headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(json.loads(response.read()))


def seed(db: Database, n: int) -> None:
    """n active islanders, one in five reading English; ids as loadgen's users, so the
    webhook's senders are islanders IslandOS knows."""
    with db.transaction() as session:
        for start in range(1, n + 1, 10_000):
            session.execute(insert(Person), [
                {"line_user_id": loadgen.user_id(i), "role": Role.ISLANDER, "status": "active",
                 "language": "en" if i % ENGLISH_EVERY == 0 else "ja"}
                for i in range(start, min(start + 10_000, n + 1))])


def undelivered(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "multicast",
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))) or 0)


def post(url: str, fake: str, count: int, users: int, concurrency: int) -> loadgen.Report:
    items = loadgen.text_requests(SECRET, loadgen.issue_reply_tokens(fake, TOKEN, count), users)
    return loadgen.run(url, items, concurrency, 300)


def merged(reports: list[loadgen.Report]) -> loadgen.Report:
    total = loadgen.Report()
    for report in reports:
        total.sent += report.sent
        total.statuses.update(report.statuses)
        total.errors.update(report.errors)
        total.latencies.extend(report.latencies)
        total.elapsed += report.elapsed
    return total


def describe(name: str, report: loadgen.Report) -> str:
    others = {s: n for s, n in report.statuses.items() if s != 200}
    return (f"  {name:13} {report.ok:6d} ok  {report.requests_per_second:6.1f} req/s  "
            f"p50 {report.percentile(50):7.1f} ms  p99 {report.percentile(99):7.1f} ms"
            + (f"  other answers {others}" if others else "")
            + (f"  errors {dict(report.errors)}" if report.errors else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000,
                        help="webhook events without the send (and at least this many during)")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--outbox-workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=500, help="islanders who post events")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for the delivery")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "ISLANDOS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    args.workers, args.threads = args.web_workers, procfile_threads()  # for webhook.served
    print(f"machine: {machine()}; {load()}")
    print(f"gunicorn --workers {args.web_workers} --threads {args.threads}, "
          f"{args.outbox_workers} outbox workers, "
          f"PostgreSQL; a notice to {args.recipients:,} islanders; {args.concurrency} "
          f"concurrent webhook clients", flush=True)
    with tempfile.TemporaryDirectory(prefix="islandos-scale-") as tmp:
        workdir = Path(tmp)
        fake_process, fake = fake_line(workdir)
        try:
            with postgres_database(args.postgres_url, f"islandos_scale_{os.getpid()}") as url:
                return run(args, workdir, fake, url)
        finally:
            stop(fake_process)


def run(args: argparse.Namespace, workdir: Path, fake: str, url: str) -> int:
    env = app_env(url, fake)
    log = workdir / "islandos.log"
    migrate(env, log)
    db = Database(url)
    seed(db, args.recipients)
    outbox_workers: list[subprocess.Popen[bytes]] = []
    try:
        with log.open("ab") as out:
            for _ in range(args.outbox_workers):
                outbox_workers.append(subprocess.Popen(
                    [sys.executable, "-c", "from islandos.cli import main; main()", "worker"],
                    cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=out))
        with served("islandos:create_app()", env, args, log) as server:
            post(server.url, fake, args.users, args.users, args.concurrency)  # warm-up
            quiet = post(server.url, fake, args.requests, args.users, args.concurrency)
            print(describe("without send", quiet), flush=True)

            during: list[loadgen.Report] = []
            delivered = threading.Event()

            def keep_posting() -> None:
                while not delivered.is_set() or sum(r.sent for r in during) < args.requests:
                    during.append(post(server.url, fake, CHUNK, args.users, args.concurrency))

            poster = threading.Thread(target=keep_posting, daemon=True)
            started = time.perf_counter()
            poster.start()
            # In a process of its own, as from the dashboard's or `islandos notice send`:
            # in this one, its CPU would hold up the clients that measure the webhook.
            submit = subprocess.run(
                [sys.executable, "-c", "from islandos.cli import main; main()", "notice",
                 "send", "--audience", "islanders", "--priority", "important",
                 "--title", "断水のお知らせ", "--body", "明日9時から断水します。",
                 "--title-en", "Water outage", "--body-en", "No water from 9 tomorrow."],
                cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True)
            if submit.returncode != 0:
                raise SystemExit(f"islandos notice send failed:\n{submit.stderr[-3000:]}")
            enqueued = time.perf_counter() - started
            while undelivered(db) and time.perf_counter() - started < args.timeout:
                time.sleep(0.2)
            delivery = time.perf_counter() - started
            delivered.set()
            poster.join()
    finally:
        for process in outbox_workers:
            stop(process)
        db.dispose()
    busy = merged(during)
    seen = recipients_seen(fake)
    print(describe("during send", busy))
    ratio = busy.percentile(99) / quiet.percentile(99)
    left = undelivered_after(url)
    every_once = (seen["users"] == args.recipients and seen["more_than_once"] == 0
                  and seen["deliveries"] == args.recipients and left == 0)
    print(f"({load()})")
    print(f"webhook p99 during the send / without: {ratio:.2f} (target <= {TARGET_P99}: "
          f"{'met' if ratio <= TARGET_P99 else 'MISSED'})")
    print(f"notice to {args.recipients:,}: enqueued in {enqueued:.1f} s, delivered (last "
          f"multicast accepted) {delivery:.1f} s after submitting; {left} multicasts left")
    print(f"LINE saw {seen['users']:,} recipients, {seen['deliveries']:,} deliveries, "
          f"{seen['more_than_once']} more than once: every recipient exactly once: "
          f"{'yes' if every_once else 'NO'}")
    complete = busy.ok == busy.sent and quiet.ok == quiet.sent
    print(f"every webhook event answered 200: {'yes' if complete else 'NO'}")
    return 0 if every_once and complete else 1


def undelivered_after(url: str) -> int:
    db = Database(url)
    try:
        return undelivered(db)
    finally:
        db.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
