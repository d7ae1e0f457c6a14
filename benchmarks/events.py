"""Benchmark: events (行事).

1. The tally of an event with 10,000 answers (target: one SQL statement, under 20 ms on
   SQLite), as a ratio of a baseline measured in the same run (a plain COUNT(*) of the
   event's answers: the least any tally must read), with the statements counted.
2. 200 people tap 参加 at once for an event with a capacity of 150, through the real
   webhook served by gunicorn with 2 workers on PostgreSQL (a database of its own): the
   answers stored must equal the users, and those attending the capacity, exactly.

    python benchmarks/events.py [--answers 10000] [--rounds 30] [--users 200]
        [--capacity 150] [--workers 2] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, update  # noqa: E402

import islandos.models  # noqa: E402, F401
from benchmarks import loadgen  # noqa: E402
from benchmarks.tally import median_ms, statements_sent  # noqa: E402
from benchmarks.webhook import (  # noqa: E402
    SECRET,
    TOKEN,
    app_env,
    fake_line_api,
    migrate,
    postgres_database,
    procfile_threads,
    served,
)
from islandos.clock import now  # noqa: E402
from islandos.db import Base, Database  # noqa: E402
from islandos.line.events import postback_data  # noqa: E402
from islandos.models.asking import Answer, AnswerStatus, AskRecipient  # noqa: E402
from islandos.models.outbox import OutboxMessage, OutboxStatus  # noqa: E402
from islandos.models.people import District, Person, Role  # noqa: E402
from islandos.services.asking.tally import tally  # noqa: E402
from islandos.services.events.editing import EventInput, create_event, event_ask  # noqa: E402

DISTRICTS = 12
TARGET_MS = 20.0


def seed_people(db: Database, n: int) -> None:
    with db.transaction() as session:
        session.execute(insert(District), [
            {"code": f"d{i}", "name_ja": f"集落{i}", "name_en": f"District {i}", "sort_order": i}
            for i in range(1, DISTRICTS + 1)])
        session.execute(insert(Person), [
            {"line_user_id": loadgen.user_id(i), "role": Role.ISLANDER, "status": "active",
             "language": "ja", "district_id": 1 + i % DISTRICTS, "full_name": f"島民{i}",
             "registered_at": now()} for i in range(1, n + 1)])


def make_event(db: Database, capacity: int | None, max_guests: int) -> int:
    """An event for every islander, created through the service (its invitation batches
    marked accepted, so nothing waits to be sent)."""
    start = now() + timedelta(days=5)
    with db.transaction() as session:
        created = create_event(session, EventInput(
            title="区の総会", starts_at=start, ends_at=start + timedelta(hours=2),
            answer_deadline=start - timedelta(days=1), place="公民館", capacity=capacity,
            max_guests=max_guests), "benchmark")
        session.execute(update(OutboxMessage).values(status=OutboxStatus.ACCEPTED))
        return created.id


def tally_benchmark(n: int, rounds: int) -> bool:
    with tempfile.TemporaryDirectory(prefix="islandos-bench-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'events.sqlite3'}")
        Base.metadata.create_all(db.engine)
        seed_people(db, n)
        event_id = make_event(db, None, 5)
        with db.transaction() as session:
            ask = event_ask(session, event_id)
            assert ask is not None
            recipients = session.execute(select(AskRecipient.id, AskRecipient.district_id)
                                         .where(AskRecipient.ask_id == ask.id)).all()
            session.execute(insert(Answer), [
                {"ask_id": ask.id, "recipient_id": rid, "district_id": did,
                 "choices": 1 << (i % 3), "guests": (i % 4 if i % 3 == 0 else 0),
                 "status": AnswerStatus.COUNTED, "answered_at": now()}
                for i, (rid, did) in enumerate(recipients)])
            session.execute(update(AskRecipient).where(AskRecipient.ask_id == ask.id)
                            .values(answered=True))
        with db.transaction() as session:
            ask = event_ask(session, event_id)
            assert ask is not None
            districts = {d.id: d for d in session.scalars(select(District))}
            count = select(func.count()).select_from(Answer).where(Answer.ask_id == ask.id)
            baseline = median_ms(lambda: session.scalar(count), rounds)
            whole = median_ms(lambda: tally(session, ask, "ja", districts), rounds)
            sent = statements_sent(db, lambda: tally(session, ask, "ja", districts))
            result = tally(session, ask, "ja", districts)
        db.dispose()
    total = result.total
    answered = sum(total.answers.values())
    print(f"event tally: {answered:,} answers in {len(result.lines)} districts "
          f"(参加 {total.answers['yes']:,} answers, {total.people['yes']:,} people with guests)")
    print(f"  baseline COUNT(*)   {baseline:7.2f} ms  1.00x")
    print(f"  event tally         {whole:7.2f} ms  {whole / baseline:5.2f}x baseline")
    print(f"  statements: {sent} (target 1)")
    ok = sent == 1 and whole < TARGET_MS and answered == n
    print("  OK" if ok else "  OUT OF BUDGET", f"(target: one statement, under {TARGET_MS:.0f} ms)")
    return ok


def postback_requests(users: int, event_id: int, reply_tokens: list[str]
                      ) -> list[loadgen.Signed]:
    requests = []
    for n, token in enumerate(reply_tokens, start=1):
        body = {"type": "postback", "mode": "active", "timestamp": int(time.time() * 1000),
                "source": {"type": "user", "userId": loadgen.user_id(n)},
                "webhookEventId": loadgen.event_id(),
                "deliveryContext": {"isRedelivery": False}, "replyToken": token,
                "postback": {"data": postback_data("ev_answer", event=event_id, a="yes")}}
        requests.append(loadgen.signed(SECRET, [body]))
    assert len(requests) == users
    return requests


def concurrency_benchmark(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="islandos-bench-") as tmp:
        workdir = Path(tmp)
        name = f"islandos_events_{os.getpid()}"
        with (fake_line_api(workdir, 0) as fake,
              postgres_database(args.postgres_url, name) as url):
            env = app_env(url, fake)
            migrate(env, workdir / "islandos.log")
            db = Database(url)
            seed_people(db, args.users)
            event_id = make_event(db, args.capacity, 0)
            tokens = loadgen.issue_reply_tokens(fake, TOKEN, args.users)
            requests = postback_requests(args.users, event_id, tokens)
            options = SimpleNamespace(workers=args.workers, threads=procfile_threads())
            with served("islandos:create_app()", env, options,  # type: ignore[arg-type]
                        workdir / "islandos.log") as server:
                # Warm both workers up (imports, connections) with a few text events first.
                warm = loadgen.text_requests(SECRET, loadgen.issue_reply_tokens(
                    fake, TOKEN, 20), args.users)
                started = time.perf_counter()
                loadgen.run(server.url, warm, 4, 120)
                print(f"  (warm-up: {time.perf_counter() - started:.1f} s)")
                report = loadgen.run(server.url, requests, args.users, 120)
            if report.ok != args.users:
                print((workdir / "islandos.log").read_text()[-4000:])
            with db.transaction() as session:
                ask = event_ask(session, event_id)
                assert ask is not None
                stored = session.scalar(select(func.count()).select_from(Answer)
                                        .where(Answer.ask_id == ask.id)) or 0
                statuses = dict(session.execute(
                    select(Answer.status, func.coalesce(func.sum(1 + Answer.guests), 0))
                    .where(Answer.ask_id == ask.id).group_by(Answer.status)).all())
                seqs = list(session.scalars(select(Answer.waitlist_seq).where(
                    Answer.ask_id == ask.id, Answer.status == AnswerStatus.WAITLISTED)
                    .order_by(Answer.waitlist_seq)))
            db.dispose()
    attending = int(statuses.get(AnswerStatus.COUNTED, 0))
    waiting = int(statuses.get(AnswerStatus.WAITLISTED, 0))
    print(f"{args.users} concurrent 参加 postbacks, capacity {args.capacity}, PostgreSQL, "
          f"gunicorn --workers {args.workers} --threads {procfile_threads()}: "
          f"{report.ok} answered 200 in "
          f"{report.elapsed:.2f} s (p50 {report.percentile(50):.0f} ms, "
          f"p99 {report.percentile(99):.0f} ms)")
    print(f"  answers stored {stored} for {args.users} users; attending {attending} for "
          f"capacity {args.capacity}; waitlisted {waiting} "
          f"(places {seqs[0] if seqs else '-'}..{seqs[-1] if seqs else '-'})")
    expected_waiting = max(args.users - args.capacity, 0)
    ok = (report.ok == args.users and stored == args.users
          and attending == min(args.capacity, args.users) and waiting == expected_waiting
          and seqs == list(range(seqs[0], seqs[0] + len(seqs)) if seqs else []))
    print("  OK" if ok else "  MISMATCH", "(must match exactly)")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=150)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "ISLANDOS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    ok = tally_benchmark(args.answers, args.rounds)
    if not args.skip_postgres:
        ok = concurrency_benchmark(args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
