"""A fake Stripe API on loopback: Checkout sessions and refunds, checked the way Stripe would.

Requests arrive form-encoded (`line_items[0][price_data][unit_amount]=500`) as the `stripe`
library sends them; the fake decodes the brackets, refuses what Stripe refuses (a currency
other than jpy, a success_url without {CHECKOUT_SESSION_ID}, an expiry outside 30 minutes to
24 hours, payment methods that settle later, an idempotency key reused with other
parameters) and answers with Stripe-shaped JSON. It also plays Stripe's hosted page:
`/pay/<session>` takes the payment and sends the app a webhook signed with Stripe's scheme.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.request
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from islandos.clock import now

JsonDict = dict[str, Any]
SECRET_KEY = "sk_test_fake_islandos"
SETTLE_AT_ONCE = {"card", "paypay", "link"}


def signature_header(secret: str, body: bytes | str, timestamp: int | None = None) -> str:
    """Stripe's scheme: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    raw = body.encode() if isinstance(body, str) else body
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def decode_form(body: str) -> JsonDict:
    """`a[b][0][c]=1` → {"a": {"b": [{"c": "1"}]}}, the way Stripe reads its parameters."""
    result: JsonDict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        node: Any = result
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt = None if last else parts[i + 1]
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(None)
                if last:
                    node[index] = value
                else:
                    if node[index] is None:
                        node[index] = [] if nxt is not None and nxt.isdigit() else {}
                    node = node[index]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if nxt is not None and nxt.isdigit() else {})
    return result


class StripeError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error",
                 param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.kind, self.param = status, kind, param


class FakeStripeApi:
    """Start with `with FakeStripeApi() as fake:`; point STRIPE_API_BASE_URL at `fake.base_url`."""

    def __init__(self, webhook_secret: str = "whsec_test_fake") -> None:
        self.webhook_secret = webhook_secret
        self.webhook_url: str | None = None  # where /pay sends events (the browser test)
        self.webhook_delay = 0.0  # seconds between the payment and its webhook
        self.sessions: dict[str, JsonDict] = {}
        self.refunds: dict[str, JsonDict] = {}
        self.requests: list[tuple[str, str, JsonDict, dict[str, str]]] = []
        self.failure: int | None = None  # answer every API call with this status
        self.delay = 0.0
        self._idempotency: dict[str, tuple[str, JsonDict, tuple[int, JsonDict]]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> FakeStripeApi:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.sessions.clear()
            self.refunds.clear()
            self.requests.clear()
            self._idempotency.clear()
            self.failure, self.delay, self.webhook_url = None, 0.0, None
            self.webhook_delay = 0.0

    # What Stripe does ------------------------------------------------------------------

    def _create_session(self, params: JsonDict) -> JsonDict:
        if params.get("mode") != "payment":
            raise StripeError(400, "mode must be payment here", param="mode")
        if params.get("currency") != "jpy":
            raise StripeError(400, "currency must be jpy", param="currency")
        items = params.get("line_items") or []
        if not items or len(items) > 100:
            raise StripeError(400, "line_items must have 1 to 100 items", param="line_items")
        total = 0
        for i, item in enumerate(items):
            price = item.get("price_data") or {}
            if price.get("currency") != "jpy":
                raise StripeError(400, "price_data currency", param=f"line_items[{i}]")
            unit, quantity = price.get("unit_amount", ""), item.get("quantity", "")
            if not unit.isdigit() or not quantity.isdigit() or int(quantity) < 1:
                raise StripeError(400, "unit_amount and quantity must be positive integers",
                                  param=f"line_items[{i}]")
            if not (price.get("product_data") or {}).get("name"):
                raise StripeError(400, "product_data[name] is required",
                                  param=f"line_items[{i}]")
            total += int(unit) * int(quantity)
        if total < 50:
            raise StripeError(400, "Amount must be at least ¥50", param="line_items")
        methods = params.get("payment_method_types") or []
        if not methods or any(method not in SETTLE_AT_ONCE for method in methods):
            raise StripeError(400, f"payment methods {methods} are not expected here",
                              param="payment_method_types")
        success = params.get("success_url", "")
        if "{CHECKOUT_SESSION_ID}" not in success or not success.startswith("http"):
            raise StripeError(400, "success_url", param="success_url")
        expires = int(params.get("expires_at") or 0)
        at = int(now().timestamp())
        if not at + 30 * 60 <= expires <= at + 24 * 3600:
            raise StripeError(400, "expires_at must be 30 minutes to 24 hours ahead",
                              param="expires_at")
        reference = params.get("client_reference_id", "")
        if not reference or len(reference) > 200:
            raise StripeError(400, "client_reference_id", param="client_reference_id")
        metadata = params.get("metadata") or {}
        if len(metadata) > 50 or any(len(k) > 40 or len(v) > 500 for k, v in metadata.items()):
            raise StripeError(400, "metadata too large", param="metadata")
        session_id = "cs_test_" + secrets.token_urlsafe(24)
        session = {
            "id": session_id, "object": "checkout.session", "mode": "payment",
            "currency": "jpy", "amount_total": total, "status": "open",
            "payment_status": "unpaid", "client_reference_id": reference,
            "metadata": metadata, "payment_intent": None, "created": at,
            "expires_at": expires, "success_url": success,
            "cancel_url": params.get("cancel_url"),
            "payment_method_types": methods, "livemode": False,
            "url": f"{self.base_url}/pay/{session_id}",
            "line_items_sent": items,
        }
        self.sessions[session_id] = session
        return {k: v for k, v in session.items() if k != "line_items_sent"}

    def _create_refund(self, params: JsonDict) -> JsonDict:
        intent = params.get("payment_intent", "")
        session = next((s for s in self.sessions.values() if s["payment_intent"] == intent),
                       None)
        if session is None:
            raise StripeError(404, f"No such payment_intent: '{intent}'",
                              param="payment_intent")
        amount = int(params.get("amount") or session["amount_total"])
        refunded = sum(r["amount"] for r in self.refunds.values()
                       if r["payment_intent"] == intent)
        if amount < 1 or refunded + amount > session["amount_total"]:
            raise StripeError(400, "Refund amount is greater than unrefunded amount",
                              param="amount")
        refund = {"id": "re_" + secrets.token_urlsafe(16), "object": "refund",
                  "amount": amount, "currency": "jpy", "payment_intent": intent,
                  "charge": "ch_" + intent.removeprefix("pi_"), "status": "succeeded",
                  "metadata": params.get("metadata") or {}, "created": int(now().timestamp())}
        self.refunds[refund["id"]] = refund
        return refund

    def complete(self, session_id: str) -> JsonDict:
        """The payer paid on the hosted page: the session as the completed event carries it."""
        with self._lock:
            session = self.sessions[session_id]
            session.update(status="complete", payment_status="paid",
                           payment_intent=session["payment_intent"]
                           or "pi_" + secrets.token_urlsafe(16))
            return {k: v for k, v in session.items() if k != "line_items_sent"}

    def charge(self, session_id: str) -> JsonDict:
        """The charge object of a paid session, as charge.refunded carries it."""
        session = self.sessions[session_id]
        intent = session["payment_intent"]
        refunded = sum(r["amount"] for r in self.refunds.values()
                       if r["payment_intent"] == intent)
        return {"id": "ch_" + intent.removeprefix("pi_"), "object": "charge",
                "amount": session["amount_total"], "amount_refunded": refunded,
                "refunded": refunded == session["amount_total"], "payment_intent": intent,
                "currency": "jpy",
                "billing_details": {"email": "payer@example.com", "name": "Payer Name"}}

    # HTTP ------------------------------------------------------------------------------

    def _list(self, items: list[JsonDict], query: JsonDict, path: str) -> JsonDict:
        since = int((query.get("created") or {}).get("gte") or 0)
        chosen = sorted((i for i in items if i["created"] >= since),
                        key=lambda i: -i["created"])
        return {"object": "list", "data": [{k: v for k, v in i.items()
                                            if k != "line_items_sent"} for i in chosen],
                "has_more": False, "url": path}

    def _api(self, method: str, path: str, params: JsonDict,
             headers: dict[str, str]) -> tuple[int, JsonDict]:
        if headers.get("authorization") != f"Bearer {SECRET_KEY}":
            raise StripeError(401, "Invalid API Key provided", "invalid_request_error")
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, self._create_session(params)
        if method == "GET" and path == "/v1/checkout/sessions":
            return 200, self._list(list(self.sessions.values()), params, path)
        if method == "POST" and path == "/v1/refunds":
            return 200, self._create_refund(params)
        if method == "GET" and path == "/v1/refunds":
            return 200, self._list(list(self.refunds.values()), params, path)
        raise StripeError(404, f"Unrecognized request URL ({method}: {path})")

    def _call(self, method: str, path: str, params: JsonDict,
              headers: dict[str, str]) -> tuple[int, JsonDict]:
        with self._lock:
            self.requests.append((method, path, params, headers))
            key = headers.get("idempotency-key")
            if method == "POST" and key:
                earlier = self._idempotency.get(key)
                if earlier is not None:
                    if earlier[0] != path or earlier[1] != params:
                        return 400, {"error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with "
                                       "the same parameters they were first used with."}}
                    return earlier[2]
            try:
                answer = self._api(method, path, params, headers)
            except StripeError as error:
                answer = (error.status, {"error": {"type": error.kind, "message": str(error),
                                                   "param": error.param}})
            if method == "POST" and key:
                self._idempotency[key] = (path, params, answer)
            return answer

    def _pay_page(self, session_id: str) -> str:
        session = self.sessions.get(session_id)
        if session is None:
            return "<p>No such session</p>"
        rows = "".join(f"<li>{i['price_data']['product_data']['name']} × {i['quantity']}</li>"
                       for i in session["line_items_sent"])
        return (f"<!doctype html><html><head><meta name=viewport content='width=device-width'>"
                f"<title>Fake Checkout</title></head><body><h1>Fake Checkout</h1><ul>{rows}</ul>"
                f"<p class=total>¥{session['amount_total']:,}</p>"
                f"<form method=post><button type=submit>Pay ¥{session['amount_total']:,}"
                f"</button></form></body></html>")

    def _pay(self, session_id: str) -> str:
        session = self.complete(session_id)
        event = {"id": "evt_" + secrets.token_urlsafe(16), "object": "event",
                 "type": "checkout.session.completed", "created": int(time.time()),
                 "data": {"object": session}}
        body = json.dumps(event).encode()
        if self.webhook_url:
            url = self.webhook_url

            def deliver() -> None:
                request = urllib.request.Request(url, data=body, method="POST", headers={
                    "Content-Type": "application/json",
                    "Stripe-Signature": signature_header(self.webhook_secret, body)})
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()

            if self.webhook_delay:  # the payer is back on our page before Stripe's webhook
                threading.Timer(self.webhook_delay, deliver).start()
            else:
                deliver()
        return str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session_id)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str,
                      extra: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Request-Id", "req_" + secrets.token_hex(8))
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                with suppress(BrokenPipeError, ConnectionResetError):  # a client that timed out
                    self.wfile.write(body)

            def _handle(self, method: str) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                if url.path == "/favicon.ico":  # the hosted page has none
                    self._send(204, b"", "image/x-icon")
                    return
                if url.path.startswith("/pay/"):
                    session_id = url.path.removeprefix("/pay/")
                    if method == "GET":
                        self._send(200, fake._pay_page(session_id).encode(),
                                   "text/html; charset=utf-8")
                    else:
                        self._send(303, b"", "text/html", {"Location": fake._pay(session_id)})
                    return
                if fake.delay:
                    time.sleep(fake.delay)
                if fake.failure is not None:
                    self._send(fake.failure, json.dumps({"error": {
                        "type": "api_error", "message": "fake outage"}}).encode(),
                        "application/json")
                    return
                if raw and self.headers.get("Content-Type", "").split(";")[0] != \
                        "application/x-www-form-urlencoded":
                    self._send(400, b'{"error":{"message":"form-encoded body expected"}}',
                               "application/json")
                    return
                params = decode_form(raw if method == "POST" else url.query)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer = fake._call(method, url.path, params, headers)
                self._send(status, json.dumps(answer).encode(), "application/json")

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

        return Handler


