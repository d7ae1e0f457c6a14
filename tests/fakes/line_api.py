"""A fake LINE Messaging API on loopback that checks requests the way LINE does."""

from __future__ import annotations

import argparse
import json
import re
import secrets
import socket
import sys
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any

from linebot.v3.messaging import (
    BroadcastRequest,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuBulkLinkRequest,
    RichMenuBulkUnlinkRequest,
    RichMenuRequest,
)

from .line_limits import (
    AUTH_FAILED_BODY,
    IMAGE_ALREADY_UPLOADED_BODY,
    IMAGE_REQUIRED_BODY,
    INVALID_REPLY_TOKEN_BODY,
    MONTHLY_LIMIT_BODY,
    NOT_FOUND_BODY,
    RATE_LIMIT_BODY,
    RETRY_KEY_ACCEPTED_MESSAGE,
    USER_ID_RE,
    LineError,
    check_messages,
    check_multicast_targets,
    check_push_target,
    check_retry_key,
    check_richmenu,
    check_richmenu_image,
    check_user_id,
    default_error_body,
    media_type,
    validate_model,
)

__all__ = ["MONTHLY_LIMIT_BODY", "RATE_LIMIT_BODY", "FakeLineApi", "RecordedRequest"]

DEFAULT_PROFILE = {"displayName": "Test User", "language": "ja"}
DEFAULT_QUOTA_LIMIT = 5000

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received and what it answered."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case keys
    body: bytes
    json: Any  # parsed body, or None
    status: int
    accepted: bool = False  # processed and kept (2xx, or a scripted failure with accept=True)
    request_id: str = ""  # the x-line-request-id the fake answered with


@dataclass
class _Scripted:
    status: int
    body: JsonDict
    times: int
    delay: float
    accept: bool
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Answer:
    status: int
    body: JsonDict | bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    accepted: bool = False


@dataclass
class _Call:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    request_id: str
    params: dict[str, str] = field(default_factory=dict)
    parsed: Any = None

    def json_body(self) -> JsonDict:
        if media_type(self.headers.get("content-type", "")) != "application/json":
            raise LineError(415, {"message": "Content-Type must be application/json"})
        if self.parsed is None and self.body:
            raise LineError(400, {"message": "The request body has a JSON syntax error"})
        if not isinstance(self.parsed, dict):
            raise LineError(400, {"message": "The request body must be a JSON object"})
        return self.parsed


Handler = Callable[["FakeLineApi", _Call], _Answer]


def _route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _ROUTES.append((method, re.compile(f"^{pattern}$"), handler))
        return handler

    return register


_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []
_MENU = r"(?P<menu_id>richmenu-[0-9a-f]{32})"
_USER = r"(?P<user_id>[^/]+)"


class FakeLineApi:
    """LINE's api.line.me and api-data.line.me, served by one threaded loopback server."""

    def __init__(self, channel_access_token: str = "test-token", port: int = 0) -> None:
        self.channel_access_token = channel_access_token
        self._port = port
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._init_state()

    def _init_state(self) -> None:
        self._requests: list[RecordedRequest] = []
        self._scripts: dict[str, deque[_Scripted]] = {}
        self._reply_tokens: dict[str, bool] = {}  # token -> still usable
        self._retry_keys: dict[str, tuple[str, JsonDict]] = {}  # key -> (request id, answer body)
        self._message_seq = 500_000_000_000_000_000 + secrets.randbelow(10**15)
        self.delay_seconds: float = 0.0
        self.record_requests = True  # off for long benchmark runs
        self.reply_token_endpoint = False  # benchmarks: POST /__fake/reply-tokens issues tokens
        self.recipient_counts: Counter[str] | None = None  # benchmarks: accepted per user id
        self.quota_limit: int | None = DEFAULT_QUOTA_LIMIT  # None: no monthly limit
        self.total_usage = 0  # messages x recipients accepted by push / multicast / broadcast
        self.broadcast_audience = 0  # recipients a broadcast counts as
        self.profiles: dict[str, JsonDict] = {}
        self.richmenus: dict[str, JsonDict] = {}  # id -> {"body", "image", "content_type"}
        self.default_richmenu_id: str | None = None
        self.user_richmenus: dict[str, str] = {}

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeLineApi:
        if self._server is None:
            self._server = _Server(("127.0.0.1", self._port), _Handler, self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fake-line-api",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeLineApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeLineApi is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_base_url(self) -> str:
        return self.base_url

    # ---- test helpers ----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def calls(self, path: str) -> list[RecordedRequest]:
        """Requests to `path` (exact, or a suffix of the path) that were answered 2xx."""
        return [
            r
            for r in self.requests
            if (r.path == path or r.path.endswith(path)) and 200 <= r.status < 300
        ]

    def reset(self) -> None:
        """Forget all requests, scripts, tokens, retry keys, usage, rich menus and settings."""
        with self._lock:
            self._init_state()

    def issue_reply_token(self) -> str:
        token = secrets.token_hex(16)
        with self._lock:
            self._reply_tokens[token] = True
        return token

    def expire_reply_token(self, token: str) -> None:
        with self._lock:
            self._reply_tokens[token] = False

    def script(
        self,
        path: str,
        status: int,
        body: JsonDict | None = None,
        times: int = 1,
        delay: float = 0,
        accept: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `times` requests to `path` with `status`/`body` after `delay` seconds.

        With accept=True the request is processed and kept as if it succeeded (retry key
        accepted, usage counted) and only the answer is replaced; an invalid request still
        gets its real error. `headers` go with the answer (e.g. `{"Retry-After": "20"}`).
        """
        entry = _Scripted(
            status, default_error_body(status) if body is None else body, times, delay, accept,
            dict(headers or {}),
        )
        with self._lock:
            self._scripts.setdefault(path, deque()).append(entry)

    # ---- request handling ------------------------------------------------------------------

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[_Answer, float]:
        """Answer one request (no HTTP layer); returns the answer and the delay before sending."""
        call = _Call(method, raw_path.split("?", 1)[0], headers, body, uuid.uuid4().hex)
        if body:
            with suppress(ValueError):
                call.parsed = json.loads(body)
        delay = self.delay_seconds
        try:
            answer, extra_delay = self._answer(call)
        except Exception as exc:  # a bug in the fake must not look like a dropped connection
            answer, extra_delay = _Answer(500, {"message": f"fake LINE API error: {exc!r}"}), 0.0
        answer.headers["x-line-request-id"] = call.request_id
        if self.record_requests:
            record = RecordedRequest(
                *(method, call.path, headers, body, call.parsed, answer.status),
                *(answer.accepted, call.request_id),
            )
            with self._lock:
                self._requests.append(record)
        return answer, delay + extra_delay

    def _answer(self, call: _Call) -> tuple[_Answer, float]:
        if call.headers.get("authorization") != f"Bearer {self.channel_access_token}":
            return _Answer(401, AUTH_FAILED_BODY), 0.0
        scripted = self._take_script(call.path)
        if scripted is not None and not scripted.accept:
            return _Answer(scripted.status, scripted.body, headers=dict(scripted.headers)), \
                scripted.delay
        answer = self._dispatch(call)
        if scripted is not None and answer.status < 300:
            answer = _Answer(scripted.status, scripted.body, headers=dict(scripted.headers),
                             accepted=True)
        return answer, scripted.delay if scripted else 0.0

    def _take_script(self, path: str) -> _Scripted | None:
        with self._lock:
            queue = self._scripts.get(path)
            if not queue:
                return None
            entry = queue[0]
            entry.times -= 1
            if entry.times <= 0:
                queue.popleft()
            return entry

    def _dispatch(self, call: _Call) -> _Answer:
        for method, pattern, handler in _ROUTES:
            match = pattern.match(call.path)
            if match and method == call.method:
                call.params = match.groupdict()
                try:
                    answer = handler(self, call)
                except LineError as exc:
                    return _Answer(exc.status, exc.body, headers=exc.headers)
                answer.accepted = answer.status < 300
                return answer
        return _Answer(404, NOT_FOUND_BODY)

    # ---- messages --------------------------------------------------------------------------

    def _sent_messages(self, count: int) -> list[JsonDict]:
        out = []
        for _ in range(count):
            self._message_seq += 1
            out.append({"id": str(self._message_seq), "quoteToken": secrets.token_urlsafe(24)})
        return out

    def _message_request(self, call: _Call, model: Any) -> JsonDict:
        data = call.json_body()
        check_messages(data.get("messages"))
        # the messages are checked one by one above; the request model checks the other fields
        validate_model(model, {**data, "messages": [{"type": "text", "text": "checked"}]})
        return data

    def _deliver(
        self, call: _Call, retry_key: str | None, messages: int, recipients: int, ids: bool
    ) -> JsonDict:
        """Accept a push / multicast / broadcast atomically: retry key, monthly limit, usage."""
        with self._lock:
            if retry_key is not None and retry_key in self._retry_keys:
                original_id, original = self._retry_keys[retry_key]
                raise LineError(
                    409,
                    {"message": RETRY_KEY_ACCEPTED_MESSAGE, **original},
                    {"x-line-accepted-request-id": original_id},
                )
            # LINE counts one message per recipient, however many bubbles a request carries.
            cost = recipients
            if self.quota_limit is not None and self.total_usage + cost > self.quota_limit:
                raise LineError(429, MONTHLY_LIMIT_BODY)
            self.total_usage += cost
            body: JsonDict = {"sentMessages": self._sent_messages(messages)} if ids else {}
            if retry_key is not None:
                self._retry_keys[retry_key] = (call.request_id, body)
            return body

    @_route("POST", "/v2/bot/message/reply")
    def _reply(self, call: _Call) -> _Answer:
        data = self._message_request(call, ReplyMessageRequest)
        with self._lock:
            if not self._reply_tokens.get(data["replyToken"]):
                raise LineError(400, INVALID_REPLY_TOKEN_BODY)
            self._reply_tokens[data["replyToken"]] = False
            return _Answer(200, {"sentMessages": self._sent_messages(len(data["messages"]))})

    @_route("POST", "/__fake/reply-tokens")
    def _issue_reply_tokens(self, call: _Call) -> _Answer:
        """Not LINE's: lets a load generator in another process get tokens the fake will take."""
        if not self.reply_token_endpoint:
            raise LineError(404, NOT_FOUND_BODY)
        count = call.json_body().get("count")
        if not isinstance(count, int) or not 1 <= count <= 100_000:
            raise LineError(400, {"message": "count must be 1 to 100000"})
        return _Answer(200, {"replyTokens": [self.issue_reply_token() for _ in range(count)]})

    @_route("POST", "/v2/bot/message/push")
    def _push(self, call: _Call) -> _Answer:
        retry_key = check_retry_key(call.headers.get("x-line-retry-key"))
        data = self._message_request(call, PushMessageRequest)
        check_push_target(data["to"])
        return _Answer(200, self._deliver(call, retry_key, len(data["messages"]), 1, ids=True))

    @_route("POST", "/v2/bot/message/multicast")
    def _multicast(self, call: _Call) -> _Answer:
        retry_key = check_retry_key(call.headers.get("x-line-retry-key"))
        check_multicast_targets(call.json_body().get("to"))
        data = self._message_request(call, MulticastRequest)
        count, recipients = len(data["messages"]), len(data["to"])
        answer = _Answer(200, self._deliver(call, retry_key, count, recipients, ids=False))
        if self.recipient_counts is not None:
            with self._lock:
                self.recipient_counts.update(data["to"])
        return answer

    @_route("GET", "/__fake/recipients")
    def _recipients(self, call: _Call) -> _Answer:
        """Not LINE's: how many users multicasts reached, and how many of them more than once
        (served with --count-recipients, for benchmarks in another process)."""
        if self.recipient_counts is None:
            raise LineError(404, NOT_FOUND_BODY)
        with self._lock:
            counts = self.recipient_counts
            return _Answer(200, {"users": len(counts), "deliveries": sum(counts.values()),
                                 "more_than_once": sum(1 for n in counts.values() if n > 1)})

    @_route("POST", "/v2/bot/message/broadcast")
    def _broadcast(self, call: _Call) -> _Answer:
        retry_key = check_retry_key(call.headers.get("x-line-retry-key"))
        data = self._message_request(call, BroadcastRequest)
        count, recipients = len(data["messages"]), self.broadcast_audience
        return _Answer(200, self._deliver(call, retry_key, count, recipients, ids=False))

    @_route("GET", "/v2/bot/message/quota")
    def _quota(self, call: _Call) -> _Answer:
        if self.quota_limit is None:
            return _Answer(200, {"type": "none"})
        return _Answer(200, {"type": "limited", "value": self.quota_limit})

    @_route("GET", "/v2/bot/message/quota/consumption")
    def _consumption(self, call: _Call) -> _Answer:
        with self._lock:
            return _Answer(200, {"totalUsage": self.total_usage})

    @_route("GET", f"/v2/bot/profile/{_USER}")
    def _profile(self, call: _Call) -> _Answer:
        user_id = call.params["user_id"]
        if not USER_ID_RE.match(user_id):
            raise LineError(404, NOT_FOUND_BODY)
        with self._lock:
            profile = self.profiles.get(user_id)
        return _Answer(200, {"userId": user_id, **(profile or DEFAULT_PROFILE)})

    # ---- rich menus ------------------------------------------------------------------------

    def _menu(self, menu_id: str, *, need_image: bool = False) -> JsonDict:
        menu = self.richmenus.get(menu_id)
        if menu is None:
            raise LineError(404, {"message": "Not found (rich menu)"})
        if need_image and menu["image"] is None:
            raise LineError(400, IMAGE_REQUIRED_BODY)
        return menu

    @staticmethod
    def _checked_richmenu(call: _Call) -> JsonDict:
        data = call.json_body()
        check_richmenu(data)
        validate_model(RichMenuRequest, data)
        return data

    @_route("POST", "/v2/bot/richmenu")
    def _create_richmenu(self, call: _Call) -> _Answer:
        data = self._checked_richmenu(call)
        menu_id = f"richmenu-{secrets.token_hex(16)}"
        with self._lock:
            self.richmenus[menu_id] = {"body": data, "image": None, "content_type": None}
        return _Answer(200, {"richMenuId": menu_id})

    @_route("POST", "/v2/bot/richmenu/validate")
    def _validate_richmenu(self, call: _Call) -> _Answer:
        self._checked_richmenu(call)
        return _Answer(200, {})

    @_route("GET", "/v2/bot/richmenu/list")
    def _list_richmenus(self, call: _Call) -> _Answer:
        with self._lock:
            menus = [
                {"richMenuId": menu_id, **menu["body"]} for menu_id, menu in self.richmenus.items()
            ]
        return _Answer(200, {"richmenus": menus})

    @_route("GET", f"/v2/bot/richmenu/{_MENU}")
    def _get_richmenu(self, call: _Call) -> _Answer:
        menu_id = call.params["menu_id"]
        with self._lock:
            return _Answer(200, {"richMenuId": menu_id, **self._menu(menu_id)["body"]})

    @_route("DELETE", f"/v2/bot/richmenu/{_MENU}")
    def _delete_richmenu(self, call: _Call) -> _Answer:
        menu_id = call.params["menu_id"]
        with self._lock:
            self._menu(menu_id)
            del self.richmenus[menu_id]
            self.user_richmenus = {u: m for u, m in self.user_richmenus.items() if m != menu_id}
            if self.default_richmenu_id == menu_id:
                self.default_richmenu_id = None
        return _Answer(200, {})

    @_route("POST", f"/v2/bot/richmenu/{_MENU}/content")
    def _upload_image(self, call: _Call) -> _Answer:
        content_type = media_type(call.headers.get("content-type", ""))
        with self._lock:
            menu = self._menu(call.params["menu_id"])
            check_richmenu_image(content_type, call.body, menu["body"]["size"])
            if menu["image"] is not None:
                raise LineError(400, IMAGE_ALREADY_UPLOADED_BODY)
            menu["image"], menu["content_type"] = call.body, content_type
        return _Answer(200, {})

    @_route("GET", f"/v2/bot/richmenu/{_MENU}/content")
    def _download_image(self, call: _Call) -> _Answer:
        with self._lock:
            menu = self._menu(call.params["menu_id"])
            if menu["image"] is None:
                raise LineError(404, NOT_FOUND_BODY)
            return _Answer(200, menu["image"], content_type=menu["content_type"])

    @_route("POST", f"/v2/bot/user/all/richmenu/{_MENU}")
    def _set_default(self, call: _Call) -> _Answer:
        with self._lock:
            self._menu(call.params["menu_id"], need_image=True)
            self.default_richmenu_id = call.params["menu_id"]
        return _Answer(200, {})

    @_route("GET", "/v2/bot/user/all/richmenu")
    def _get_default(self, call: _Call) -> _Answer:
        with self._lock:
            if self.default_richmenu_id is None:
                raise LineError(404, {"message": "no default richmenu"})
            return _Answer(200, {"richMenuId": self.default_richmenu_id})

    @_route("DELETE", "/v2/bot/user/all/richmenu")
    def _clear_default(self, call: _Call) -> _Answer:
        with self._lock:
            self.default_richmenu_id = None
        return _Answer(200, {})

    @_route("POST", f"/v2/bot/user/{_USER}/richmenu/{_MENU}")
    def _link(self, call: _Call) -> _Answer:
        user_id = check_user_id(call.params["user_id"])
        with self._lock:
            self._menu(call.params["menu_id"], need_image=True)
            self.user_richmenus[user_id] = call.params["menu_id"]
        return _Answer(200, {})

    @_route("GET", f"/v2/bot/user/{_USER}/richmenu")
    def _get_linked(self, call: _Call) -> _Answer:
        user_id = check_user_id(call.params["user_id"])
        with self._lock:
            menu_id = self.user_richmenus.get(user_id)
        if menu_id is None:
            raise LineError(404, {"message": "the user has no richmenu"})
        return _Answer(200, {"richMenuId": menu_id})

    @_route("DELETE", f"/v2/bot/user/{_USER}/richmenu")
    def _unlink(self, call: _Call) -> _Answer:
        user_id = check_user_id(call.params["user_id"])
        with self._lock:
            self.user_richmenus.pop(user_id, None)
        return _Answer(200, {})

    @_route("POST", "/v2/bot/richmenu/bulk/link")
    def _bulk_link(self, call: _Call) -> _Answer:
        data = call.json_body()
        validate_model(RichMenuBulkLinkRequest, data)
        users = [check_user_id(u, "userIds") for u in data["userIds"]]
        with self._lock:
            menu_id: str = data["richMenuId"]
            self._menu(menu_id, need_image=True)
            self.user_richmenus.update(dict.fromkeys(users, menu_id))
        return _Answer(202, {})

    @_route("POST", "/v2/bot/richmenu/bulk/unlink")
    def _bulk_unlink(self, call: _Call) -> _Answer:
        data = call.json_body()
        validate_model(RichMenuBulkUnlinkRequest, data)
        users = [check_user_id(u, "userIds") for u in data["userIds"]]
        with self._lock:
            for user_id in users:
                self.user_richmenus.pop(user_id, None)
        return _Answer(202, {})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fake: FakeLineApi
    ) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def server_bind(self) -> None:  # skip HTTPServer's reverse DNS lookup (getfqdn)
        TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (e.g. timed out during a scripted delay) is not an error."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self.connections_lock:
            connections, self.connections = self.connections, set()
        for conn in connections:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with suppress(OSError):
            super().finish()
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)  # chunked bodies: not supported
        body = self.rfile.read(length) if length > 0 else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        answer, delay = self.server.fake.handle(self.command, self.path, headers, body)
        if delay > 0:
            time.sleep(delay)
        payload = (
            answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
        )
        lines = [
            f"HTTP/1.1 {answer.status} {self.responses.get(answer.status, ('Unknown',))[0]}",
            f"Content-Type: {answer.content_type}",
            f"Content-Length: {len(payload)}",
            *(f"{key}: {value}" for key, value in answer.headers.items()),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the fake records requests instead."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the fake LINE Messaging API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=4010)
    parser.add_argument("--token", default="test-token", help="channel access token to accept")
    parser.add_argument(
        "--delay-ms", type=float, default=0.0, help="wait this long before every answer"
    )
    parser.add_argument(
        "--quota", type=int, default=None, help="monthly message limit (default: none)"
    )
    parser.add_argument(
        "--reply-token-endpoint",
        action="store_true",
        help="serve POST /__fake/reply-tokens {count} -> {replyTokens} (for benchmarks)",
    )
    parser.add_argument(
        "--count-recipients",
        action="store_true",
        help="count multicast recipients; GET /__fake/recipients (for benchmarks)",
    )
    args = parser.parse_args(argv)
    fake = FakeLineApi(args.token, port=args.port)
    if args.count_recipients:
        fake.recipient_counts = Counter()
    fake.quota_limit = args.quota
    fake.reply_token_endpoint = args.reply_token_endpoint
    fake.delay_seconds = args.delay_ms / 1000
    fake.record_requests = False
    fake.start()
    print(f"ready {fake.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
