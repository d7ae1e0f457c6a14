"""An asyncio load generator for LINE webhooks on loopback: signed text events, latencies.

Every request carries one text event with its own `webhookEventId` and a reply token the fake
LINE API issued (POST /__fake/reply-tokens, served when the fake runs with
`--reply-token-endpoint`). Bodies and signatures are built before the clock starts, so the
generator spends its time on sockets only. Bounded by a request count and a time limit.

    python benchmarks/loadgen.py --url http://127.0.0.1:8000/callback \
        --fake http://127.0.0.1:4010 --token T --secret S --requests 2000 --concurrency 50
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import os
import time
import urllib.request
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

TEXTS = ("こんにちは", "今日のフェリーは出ますか？", "ゴミの日はいつですか", "hello", "ありがとう")


@dataclass(frozen=True)
class Signed:
    """One webhook request, ready to send."""

    event_id: str
    body: bytes
    signature: str


@dataclass
class Report:
    """What one load run measured."""

    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    ok_event_ids: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    timed_out: bool = False

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def requests_per_second(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1] * 1000

    def summary(self) -> dict[str, Any]:
        return {
            "sent": self.sent, "ok": self.ok, "statuses": dict(self.statuses),
            "errors": dict(self.errors), "seconds": round(self.elapsed, 3),
            "requests_per_second": round(self.requests_per_second, 1),
            "p50_ms": round(self.percentile(50), 2), "p99_ms": round(self.percentile(99), 2),
            "max_ms": round(max(self.latencies, default=0.0) * 1000, 2),
            "timed_out": self.timed_out,
        }


def sign(channel_secret: str, body: bytes) -> str:
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def user_id(n: int) -> str:
    return "U" + f"{n:032x}"


_serial = itertools.count(1)


def event_id() -> str:
    """A fresh id in the shape of LINE's webhookEventId (a 26-character ULID)."""
    return f"01B{time.time_ns():017d}{next(_serial):06d}"[:26]


def text_event(user: str, text: str, reply_token: str, redelivery: bool = False) -> dict[str, Any]:
    serial = next(_serial)
    return {
        "type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user},
        "webhookEventId": event_id(), "deliveryContext": {"isRedelivery": redelivery},
        "replyToken": reply_token,
        "message": {"type": "text", "id": str(10**17 + serial), "quoteToken": f"q{serial}",
                    "text": text},
    }


def signed(channel_secret: str, events: Sequence[dict[str, Any]]) -> Signed:
    body = json.dumps({"destination": "U" + "0" * 32, "events": list(events)},
                      ensure_ascii=False).encode()
    return Signed(events[0]["webhookEventId"], body, sign(channel_secret, body))


def text_requests(channel_secret: str, reply_tokens: Sequence[str], users: int) -> list[Signed]:
    """One signed request per reply token: a text event from one of `users` people."""
    return [
        signed(channel_secret, [text_event(user_id(i % users + 1), TEXTS[i % len(TEXTS)], token)])
        for i, token in enumerate(reply_tokens)
    ]


def redeliveries(channel_secret: str, originals: Iterable[Signed]) -> list[Signed]:
    """The same events again, as LINE redelivers them (isRedelivery: true, signed anew)."""
    out = []
    for original in originals:
        payload = json.loads(original.body)
        for event in payload["events"]:
            event["deliveryContext"] = {"isRedelivery": True}
        out.append(signed(channel_secret, payload["events"]))
    return out


def issue_reply_tokens(fake_url: str, access_token: str, count: int) -> list[str]:
    """Reply tokens from the fake LINE API (it accepts each once)."""
    tokens: list[str] = []
    while len(tokens) < count:
        batch = min(50_000, count - len(tokens))
        request = urllib.request.Request(
            fake_url.rstrip("/") + "/__fake/reply-tokens",
            data=json.dumps({"count": batch}).encode(), method="POST",
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {access_token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            tokens.extend(json.loads(response.read())["replyTokens"])
    return tokens


class _Connection:
    """One HTTP/1.1 client connection; kept alive when the server allows it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, item: Signed) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            f"X-Line-Signature: {item.signature}\r\nContent-Length: {len(item.body)}\r\n"
            "User-Agent: LineBotWebhook/2.0\r\n\r\n"
        ).encode("latin-1")
        self.writer.write(head + item.body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("closed before answering")
        version, status = status_line.split(b" ", 2)[:2]
        length, close = 0, version != b"HTTP/1.1"
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection":
                close = value.strip().lower() == b"close"
        if length:
            await self.reader.readexactly(length)
        if close:
            self.close()
        return int(status)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _drive(url: str, items: Sequence[Signed], concurrency: int, time_limit: float,
                 report: Report) -> None:
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
    queue = iter(items)
    deadline = time.perf_counter() + time_limit

    async def client() -> None:
        connection = _Connection(host, port)
        try:
            for item in queue:
                if time.perf_counter() > deadline:
                    report.timed_out = True
                    return
                report.sent += 1
                started = time.perf_counter()
                try:
                    status = await asyncio.wait_for(connection.post(path, item), 30)
                except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                    report.errors[exc.__class__.__name__] += 1
                    connection.close()
                    continue
                report.statuses[status] += 1
                if status == 200:
                    report.latencies.append(time.perf_counter() - started)
                    report.ok_event_ids.append(item.event_id)
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    report.elapsed = time.perf_counter() - started


def run(url: str, items: Sequence[Signed], concurrency: int = 50,
        time_limit: float = 120.0) -> Report:
    """Send `items` with `concurrency` clients until all are sent or `time_limit` passes."""
    report = Report()
    asyncio.run(_drive(url, items, concurrency, time_limit, report))
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the webhook, e.g. http://127.0.0.1:8000/callback")
    parser.add_argument("--fake", required=True, help="the fake LINE API's base URL")
    parser.add_argument("--token", default=os.environ.get("LINE_CHANNEL_ACCESS_TOKEN", ""))
    parser.add_argument("--secret", default=os.environ.get("LINE_CHANNEL_SECRET", ""))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--users", type=int, default=500, help="distinct LINE users sending")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds")
    args = parser.parse_args(argv)
    tokens = issue_reply_tokens(args.fake, args.token, args.requests)
    items = text_requests(args.secret, tokens, args.users)
    print(json.dumps(run(args.url, items, args.concurrency, args.time_limit).summary()))


if __name__ == "__main__":
    main()
