"""Benchmark: the tally of an ask with 10,000 answers (one SQL query, target under 20 ms on
SQLite).

    python benchmarks/tally.py [--answers 10000] [--rounds 30] [--database-url URL]

Seeds, in a fresh SQLite file (or the database given), 12 districts, the people, one ask
(参加/不参加/未定 with guests) sent to all of them and an answer from each, then times,
median of the rounds: the baseline (a plain SELECT COUNT(*) of the ask's answers: the least
any tally must read), the tally's one grouped statement alone, and the whole `tally()` call
(statement + building the per-district lines), and for reference the plain shape
recipients LEFT JOIN answers. It counts the statements `tally()` sends
with a SQLAlchemy event listener and prints each time as a ratio of the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Select, event, func, insert, select  # noqa: E402

import islandos.models  # noqa: E402, F401
from islandos.clock import now  # noqa: E402
from islandos.db import Base, Database  # noqa: E402
from islandos.models.asking import Answer, Ask, AskRecipient  # noqa: E402
from islandos.models.people import District, Person, Role  # noqa: E402
from islandos.services.asking.tally import tally, tally_statement  # noqa: E402

DISTRICTS = 12
TARGET_MS = 20.0


def seed(db: Database, n: int) -> int:
    """n islanders in 12 districts, asked once; each answers yes / no / maybe (every third
    brings guests). Returns the ask's id."""
    moment = now()
    with db.transaction() as session:
        session.execute(insert(District), [
            {"code": f"d{i}", "name_ja": f"集落{i}", "name_en": f"District {i}", "sort_order": i}
            for i in range(1, DISTRICTS + 1)])
        session.execute(insert(Person), [
            {"line_user_id": "U" + f"{i:032x}", "role": Role.ISLANDER, "status": "active",
             "language": "ja", "district_id": 1 + i % DISTRICTS} for i in range(1, n + 1)])
        ask = Ask(subject_kind="benchmark", subject_id=1, options=["yes", "no", "maybe"],
                  max_guests=5)
        session.add(ask)
        session.flush()
        session.execute(insert(AskRecipient), [
            {"id": i, "ask_id": ask.id, "person_id": i, "district_id": 1 + i % DISTRICTS,
             "language": "ja", "is_family": False, "answered": True, "created_at": moment}
            for i in range(1, n + 1)])
        session.execute(insert(Answer), [
            {"ask_id": ask.id, "recipient_id": i, "district_id": 1 + i % DISTRICTS,
             "choices": 1 << (i % 3),
             "guests": (i % 4 if i % 3 == 0 else 0), "status": "counted", "answered_at": moment}
            for i in range(1, n + 1)])
        return ask.id


def plain_join(ask_id: int) -> Select:
    """For comparison: recipients LEFT JOIN answers grouped by district and choices, the
    straightforward shape (one index lookup per recipient)."""
    return (select(AskRecipient.district_id, Answer.status, Answer.choices, func.count(),
                   func.sum(1 + Answer.guests))
            .outerjoin(Answer, Answer.recipient_id == AskRecipient.id)
            .where(AskRecipient.ask_id == ask_id)
            .group_by(AskRecipient.district_id, Answer.status, Answer.choices))


def median_ms(action: Callable[[], object], rounds: int) -> float:
    action()  # warm the page cache and SQLAlchemy's statement cache
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def statements_sent(db: Database, action: Callable[[], object]) -> int:
    """How many SQL statements `action` sends (a before_cursor_execute listener)."""
    sent: list[str] = []

    def record(*_args: object) -> None:
        sent.append("statement")

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(sent)


def run(url: str, n: int, rounds: int) -> bool:
    db = Database(url)
    Base.metadata.create_all(db.engine)
    ask_id = seed(db, n)
    with db.transaction() as session:
        ask = session.get(Ask, ask_id)
        assert ask is not None
        districts = {d.id: d for d in session.scalars(select(District))}
        count = select(func.count()).select_from(Answer).where(Answer.ask_id == ask_id)
        baseline = median_ms(lambda: session.scalar(count), rounds)
        statement = tally_statement(ask_id)
        raw = median_ms(lambda: session.execute(statement).all(), rounds)
        joined = median_ms(lambda: session.execute(plain_join(ask_id)).all(), rounds)
        whole = median_ms(lambda: tally(session, ask, "ja", districts), rounds)
        sent = statements_sent(db, lambda: tally(session, ask, "ja", districts))
        result = tally(session, ask, "ja", districts)
    db.dispose()
    total = result.total
    print(f"answers {sum(total.answers.values()):,} in {len(result.lines)} districts "
          f"(people with guests: {sum(total.people.values()):,})")
    print(f"baseline COUNT(*)         {baseline:7.2f} ms  1.00x")
    print(f"tally statement alone     {raw:7.2f} ms  {raw / baseline:5.2f}x baseline")
    print(f"(plain LEFT JOIN, for reference {joined:7.2f} ms  {joined / baseline:5.2f}x baseline)")
    print(f"tally() (lines built)     {whole:7.2f} ms  {whole / baseline:5.2f}x baseline")
    print(f"statements sent by tally(): {sent} (target 1)")
    ok = sent == 1 and whole < TARGET_MS and sum(total.answers.values()) == n
    print("OK" if ok else "OUT OF BUDGET", f"(target: one statement, under {TARGET_MS:.0f} ms)")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    options = parser.parse_args(argv)
    if options.database_url:
        return 0 if run(options.database_url, options.answers, options.rounds) else 1
    with tempfile.TemporaryDirectory(prefix="islandos-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'tally.sqlite3'}"
        return 0 if run(url, options.answers, options.rounds) else 1


if __name__ == "__main__":
    raise SystemExit(main())
