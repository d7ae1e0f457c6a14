"""Benchmark: the first webhook event after a web process starts, against the ones after it.

Starts the fake LINE API, then, round after round, a fresh gunicorn (the Procfile's settings,
one sync worker) on a freshly migrated SQLite file, once with the start-up warm-up
(islandos/warmup.py) and once without it (ISLANDOS_WARM_UP=0), in turns which goes first.
When the worker has loaded the app (gunicorn's post_worker_init), it sends one signed text
event from a new user, then --later more, one at a time with a pause between them (so each
meets an idle worker), and prints the first event's latency, the median of the later ones and
their ratio, and how long the worker took to start.

    python benchmarks/warm_start.py [--rounds 3] [--later 20]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import loadgen  # noqa: E402
from benchmarks.webhook import (  # noqa: E402
    ISLANDOS_APP,
    SECRET,
    TOKEN,
    app_env,
    fake_line_api,
    free_port,
    machine,
    migrate,
    stop,
)

GUNICORN_HOOK = """
import pathlib

def post_worker_init(worker):
    pathlib.Path({ready!r}).write_text(str(worker.pid))
"""


@dataclass(frozen=True)
class Round:
    warm: bool
    boot_ms: float  # gunicorn started -> its worker has loaded the app
    first_ms: float
    later_ms: list[float]

    @property
    def later_median(self) -> float:
        return statistics.median(self.later_ms)

    @property
    def ratio(self) -> float:
        return self.first_ms / self.later_median


@contextmanager
def gunicorn(env: dict[str, str], workdir: Path, number: int) -> Iterator[tuple[int, float]]:
    """One sync worker; yields its port and how long it took until the app was loaded."""
    ready = workdir / f"ready-{number}"
    config = workdir / f"gunicorn-{number}.py"
    config.write_text(GUNICORN_HOOK.format(ready=str(ready)))
    port = free_port()
    log = (workdir / "gunicorn.log").open("ab")
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", ISLANDOS_APP, "--chdir", str(ROOT),
         "--config", str(config), "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--timeout", "30", "--graceful-timeout", "20", "--access-logfile", "-"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start; see {workdir / 'gunicorn.log'}")
            time.sleep(0.01)
        yield port, (time.perf_counter() - started) * 1000
    finally:
        stop(process)
        log.close()


def post(port: int, item: loadgen.Signed) -> float:
    """One signed webhook request on a new connection; its latency in ms."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        started = time.perf_counter()
        connection.request("POST", "/callback", body=item.body, headers={
            "Content-Type": "application/json", "X-Line-Signature": item.signature})
        response = connection.getresponse()
        response.read()
        took = (time.perf_counter() - started) * 1000
    finally:
        connection.close()
    if response.status != 200:
        raise SystemExit(f"the webhook answered {response.status}")
    return took


def one_round(fake: str, workdir: Path, number: int, warm: bool, later: int,
              pause: float) -> Round:
    database_url = f"sqlite:///{workdir / f'islandos-{number}.sqlite3'}"
    env = app_env(database_url, fake)
    env["ISLANDOS_WARM_UP"] = "1" if warm else "0"
    migrate(env, workdir / "migrate.log")
    tokens = loadgen.issue_reply_tokens(fake, TOKEN, later + 1)
    items = [loadgen.signed(SECRET, [loadgen.text_event(
        loadgen.user_id(number * 10_000 + i + 1), "こんにちは", token)])
        for i, token in enumerate(tokens)]
    with gunicorn(env, workdir, number) as (port, boot_ms):
        time.sleep(pause)  # the process is up and idle, as after a deploy
        first = post(port, items[0])
        rest = []
        for item in items[1:]:
            time.sleep(pause)
            rest.append(post(port, item))
    result = Round(warm, boot_ms, first, rest)
    print(f"  round {number:2d} {'warm-up' if warm else 'none   '}  worker ready after "
          f"{boot_ms:7.0f} ms  first {first:7.1f} ms  later median {result.later_median:6.1f} ms"
          f"  ratio {result.ratio:5.2f}", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per mode")
    parser.add_argument("--later", type=int, default=20, help="events after the first")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between events")
    args = parser.parse_args(argv)
    print(f"warm start: {machine()}; {args.rounds} rounds per mode, first event vs the "
          f"median of {args.later} later ones", flush=True)
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory(prefix="islandos-warm-") as directory:
        workdir = Path(directory)
        with fake_line_api(workdir, 0.0) as fake:
            number = 0
            for index in range(args.rounds):
                for warm in ((True, False) if index % 2 == 0 else (False, True)):
                    number += 1
                    rounds.append(one_round(fake, workdir, number, warm, args.later, args.pause))
    for warm in (False, True):
        mine = [r for r in rounds if r.warm is warm]
        print(f"{'with warm-up   ' if warm else 'without warm-up'}: first "
              f"{statistics.median(r.first_ms for r in mine):7.1f} ms, later "
              f"{statistics.median(r.later_median for r in mine):6.1f} ms, ratio (median of "
              f"rounds) {statistics.median(r.ratio for r in mine):5.2f}, worker ready after "
              f"{statistics.median(r.boot_ms for r in mine):6.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
