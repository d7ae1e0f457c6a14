"""Benchmark: a ferry arrives; 300 visitors pay the entry contribution at once.

    python benchmarks/fees.py [--visitors 300] [--concurrency 20] [--burst 50] [--workers 2]

On PostgreSQL (a database of its own, created on --postgres-url's server and dropped after),
IslandOS runs under gunicorn with the Procfile's settings and 2 workers, against the fake
Stripe API (tests/fakes/stripe_api.py, in this process, on loopback):

1. 300 Checkout creations: each visitor opens /fee (CSRF token, form nonce) and sends the form
   for 2 adults and a child; timed is the POST (the fee table, the payment row, Stripe's
   Checkout session through the `stripe` library, the 303 to Stripe).
2. 300 `checkout.session.completed` events signed with Stripe's scheme, sent in a burst with
   10% duplicates (the same event id again, as Stripe redelivers).

Prints p50/p99 of each phase and checks: 300 passes, one per payment and per Checkout session,
unique short codes, every event answered 200. Exit status 1 if a check fails. Loopback only;
every loop is bounded by --visitors.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.webhook import (  # noqa: E402
    free_port,
    gunicorn_args,
    machine,
    migrate,
    postgres_database,
    stop,
)
from tests.fakes.stripe_api import SECRET_KEY, FakeStripeApi, signature_header  # noqa: E402

WEBHOOK_SECRET = "whsec_bench_fees"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NONCE = re.compile(r'name="nonce" value="([^"]+)"')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def app_env(database_url: str, stripe_base: str) -> dict[str, str]:
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    return {
        "ISLANDOS_ENV": "production", "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-key-" + "x" * 32, "LINE_CHANNEL_SECRET": "bench-secret",
        "LINE_CHANNEL_ACCESS_TOKEN": "bench-token", "LINE_API_BASE_URL": "http://127.0.0.1:9",
        "LINE_DATA_API_BASE_URL": "http://127.0.0.1:9",
        "PUBLIC_BASE_URL": "https://bench.example", "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE_URL": stripe_base,
        "PASS_SIGNING_KEY": key,
    }


def seed_fee_table(database_url: str) -> None:
    from islandos.db import Database
    from islandos.services.fees.table import seed_default_table
    db = Database(database_url)
    try:
        with db.transaction() as session:
            seed_default_table(session)
    finally:
        db.dispose()


@contextmanager
def gunicorn(env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    import socket
    import subprocess
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(gunicorn_args("islandos:create_app()", port, workers, 1),
                                   cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + 30
            while True:
                with socket.socket() as sock:
                    if sock.connect_ex(("127.0.0.1", port)) == 0:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"IslandOS did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process)


def timed(jobs: list[Callable[[], int]], concurrency: int) -> tuple[list[float], list[int], float]:
    def run(job: Callable[[], int]) -> tuple[float, int]:
        started = time.perf_counter()
        status = job()
        return (time.perf_counter() - started) * 1000, status

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(run, jobs))
    return [ms for ms, _ in results], [status for _, status in results], \
        time.perf_counter() - started


def checkout_job(base: str) -> Callable[[], int]:
    """One visitor: the form is opened before the clock starts; the POST is timed."""
    session = requests.Session()
    opened = session.get(f"{base}/fee?src=port", timeout=30)
    page = opened.text
    # Production's session cookie is Secure; on loopback http send it back by hand.
    cookie = "; ".join(f"{name}={value}" for name, value in opened.cookies.items())
    csrf, nonce = _CSRF.search(page), _NONCE.search(page)
    if not csrf or not nonce:
        raise SystemExit("/fee has no form (is Stripe set up?)")
    data = {"csrf_token": csrf.group(1), "nonce": nonce.group(1), "src": "port",
            "count_adult": "2", "count_child": "1", "arrival": ""}

    def send() -> int:
        response = session.post(f"{base}/fee", data=data, allow_redirects=False, timeout=30,
                                headers={"Cookie": cookie})
        return response.status_code
    return send


def webhook_job(base: str, body: bytes) -> Callable[[], int]:
    header = signature_header(WEBHOOK_SECRET, body)

    def send() -> int:
        response = requests.post(f"{base}/stripe/webhook", data=body, timeout=30, headers={
            "Stripe-Signature": header, "Content-Type": "application/json"})
        return response.status_code
    return send


def checks(database_url: str, visitors: int) -> dict[str, Any]:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            row = connection.execute(text(
                "SELECT count(*), count(DISTINCT p.payment_id), count(DISTINCT p.code), "
                "count(DISTINCT f.checkout_session_id) FROM fee_passes p "
                "JOIN fee_payments f ON f.id = p.payment_id")).one()
            paid = connection.execute(text(
                "SELECT count(*) FROM fee_payments WHERE status = 'paid'")).scalar_one()
            events = connection.execute(text("SELECT count(*) FROM stripe_events")).scalar_one()
    finally:
        engine.dispose()
    return {"passes": row[0], "payments_with_pass": row[1], "codes": row[2],
            "sessions": row[3], "paid": paid, "events": events, "visitors": visitors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20,
                        help="visitors sending /fee at the same time")
    parser.add_argument("--burst", type=int, default=50, help="webhook events in flight")
    parser.add_argument("--duplicates", type=float, default=0.10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "ISLANDOS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    visitors = max(1, min(args.visitors, 5000))
    rng = random.Random(14)
    print(f"machine: {machine()}")
    print(f"gunicorn --workers {args.workers} (sync) on PostgreSQL; fake Stripe on loopback")
    with tempfile.TemporaryDirectory(prefix="islandos-bench-fees-") as workdir, \
            FakeStripeApi(WEBHOOK_SECRET) as stripe_api, \
            postgres_database(
                args.postgres_url, f"islandos_bench_fees_{os.getpid()}") as database_url:
        env = app_env(database_url, stripe_api.base_url)
        log = Path(workdir) / "server.log"
        migrate(env, log)
        seed_fee_table(database_url)
        with gunicorn(env, args.workers, log) as base:
            jobs = [checkout_job(base) for _ in range(visitors)]
            ms, statuses, wall = timed(jobs, args.concurrency)
            created = sum(1 for status in statuses if status == 303)
            statuses_fee = statuses
            print(f"checkout: {visitors} POST /fee at {args.concurrency} concurrent: "
                  f"p50 {statistics.median(ms):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, "
                  f"{visitors / wall:.1f}/s; 303 to Stripe: {created}")
            events = []
            for session_id in list(stripe_api.sessions):
                paid = stripe_api.complete(session_id)
                events.append(json.dumps({
                    "id": "evt_" + session_id[-20:], "object": "event",
                    "type": "checkout.session.completed", "created": int(time.time()),
                    "data": {"object": paid}}).encode())
            repeats = rng.sample(events, int(len(events) * args.duplicates))
            bodies = events + repeats
            rng.shuffle(bodies)
            jobs = [webhook_job(base, body) for body in bodies]
            ms, statuses, wall = timed(jobs, args.burst)
            answered = sum(1 for status in statuses if status == 200)
            print(f"webhook: {len(bodies)} events ({len(repeats)} duplicates) at {args.burst} "
                  f"in flight: p50 {statistics.median(ms):.1f} ms, "
                  f"p99 {percentile(ms, 0.99):.1f} ms, {len(bodies) / wall:.1f}/s; "
                  f"200: {answered}")
        found = checks(database_url, visitors)
        errors = log.read_text().count("Traceback")
    print(f"stored: {found}; server tracebacks: {errors}")
    if created != visitors:
        print("answers to /fee:", sorted(set(statuses_fee)))
    ok = (created == visitors and answered == len(bodies) and errors == 0
          and found["passes"] == found["payments_with_pass"] == found["codes"]
          == found["sessions"] == found["paid"] == visitors
          and found["events"] == visitors)
    print("OK: one pass per payment, no duplicate" if ok else "FAILED: see the figures above")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
