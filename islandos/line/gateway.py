"""Transports that carry messages to LINE: its HTTP API, or a recorder in development."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any, Protocol

import orjson
import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    RichMenuBulkLinkRequest,
    RichMenuRequest,
)

from islandos.clock import now
from islandos.db import Database
from islandos.line.messages import Message, check_messages
from islandos.models.recordings import RecordedMessage
from islandos.settings import Settings

log = logging.getLogger(__name__)

MONTHLY_LIMIT_TEXT = "monthly limit"
# A Retry-After beyond this is taken as this: one odd header must not stop sending for days.
MAX_RETRY_AFTER_SECONDS = 3600.0


class Outcome(Enum):
    ACCEPTED = "accepted"  # LINE took it (2xx, or 409: a retry of an accepted request)
    REFUSED = "refused"  # LINE certainly did not take it and will not (4xx)
    RETRY = "retry"  # not taken this time: rate limit or LINE's own error; try again later
    UNCERTAIN = "uncertain"  # the request may have reached LINE (timeout after sending)
    MONTHLY_LIMIT = "monthly_limit"  # the month's message quota is used up
    UNAUTHORIZED = "unauthorized"  # 401/403: the channel token is rejected


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    status: int | None = None
    detail: str = ""
    request_id: str | None = None
    retry_after: float | None = None  # seconds LINE asked us to wait (Retry-After), if it did

    @property
    def accepted(self) -> bool:
        return self.outcome is Outcome.ACCEPTED


class LineTransport(Protocol):
    def reply(self, reply_token: str, messages: Sequence[Message]) -> SendResult: ...

    def push(self, to: str, messages: Sequence[Message], retry_key: str) -> SendResult: ...

    def multicast(
        self, to: Sequence[str], messages: Sequence[Message], retry_key: str
    ) -> SendResult: ...

    def quota(self) -> dict[str, Any]: ...

    # Rich menus (used by `islandos line richmenu deploy` and the worker's link jobs).

    def create_rich_menu(self, body: dict[str, Any]) -> str: ...

    def upload_rich_menu_image(self, menu_id: str, data: bytes, content_type: str) -> None: ...

    def set_default_rich_menu(self, menu_id: str) -> None: ...

    def delete_rich_menu(self, menu_id: str) -> SendResult: ...

    def list_rich_menus(self) -> list[dict[str, Any]]: ...

    def link_rich_menu(self, user_id: str, menu_id: str) -> SendResult: ...

    def link_rich_menu_to_users(self, user_ids: Sequence[str], menu_id: str) -> SendResult: ...

    def unlink_rich_menu(self, user_id: str) -> SendResult: ...


class RichMenuError(RuntimeError):
    """LINE refused or failed a rich-menu request that deploying cannot do without."""


def classify_http_error(status: int, body: str) -> Outcome:
    if status == 409:
        return Outcome.ACCEPTED
    if status in (401, 403):
        return Outcome.UNAUTHORIZED
    if status == 429:
        return Outcome.MONTHLY_LIMIT if MONTHLY_LIMIT_TEXT in body.lower() else Outcome.RETRY
    if status >= 500:
        return Outcome.RETRY
    return Outcome.REFUSED


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from a Retry-After header (a number, or an HTTP date read on our clock)."""
    raw = None
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            raw = str(value).strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(raw) - now()).total_seconds()
        except (TypeError, ValueError, IndexError):
            return None
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _error_detail(body: Any) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    try:
        parsed = json.loads(text)
    except ValueError:
        return text[:300]
    if isinstance(parsed, dict):
        details = "; ".join(
            f"{d.get('property', '')}: {d.get('message', '')}" for d in parsed.get("details", [])
        )
        return (str(parsed.get("message", "")) + (f" ({details})" if details else ""))[:300]
    return text[:300]


def _not_accepted(status: int, body: Any, headers: Mapping[str, str] | None) -> SendResult:
    """What LINE's error answer means: refused, retry later (and when), or accepted (409)."""
    detail = _error_detail(body)
    request_id = headers.get("x-line-request-id") if headers else None
    if status == 409 and headers:
        request_id = headers.get("x-line-accepted-request-id", request_id)
    retry_after = retry_after_seconds(headers) if status == 429 else None
    return SendResult(classify_http_error(status, detail), status, detail, request_id, retry_after)


class LineApiTransport:
    """LINE's Messaging API through line-bot-sdk v3: one pooled client, every call time-limited."""

    def __init__(self, settings: Settings) -> None:
        self.timeout = (2.0, settings.line_timeout_seconds)
        self.reply_timeout = (1.0, settings.line_reply_timeout_seconds)
        self.client = ApiClient(self._configuration(settings, settings.line_api_base_url))
        self.data_client = ApiClient(self._configuration(settings, settings.line_data_api_base_url))
        self.api = MessagingApi(self.client)
        self.blob_api = MessagingApiBlob(self.data_client)
        # Messages are posted on the SDK's own connection pool for the API host, with its
        # headers (token, User-Agent) and retry policy; see _post_messages.
        self.message_pool = self.client.rest_client.pool_manager.connection_from_url(
            settings.line_api_base_url)
        self.message_path = urllib3.util.parse_url(settings.line_api_base_url).path or ""
        self.json_headers = {**self.client.default_headers, "Accept": "application/json",
                             "Content-Type": "application/json"}
        self.timeouts = {timeout: urllib3.Timeout(connect=timeout[0], read=timeout[1])
                         for timeout in (self.timeout, self.reply_timeout)}

    @staticmethod
    def _configuration(settings: Settings, host: str) -> Configuration:
        configuration = Configuration(host=host, access_token=settings.line_channel_access_token)
        # Only connection failures are retried by urllib3: a request LINE may have read is
        # never re-sent behind our back (the outbox decides, with its retry key). Nor does
        # urllib3 look at Retry-After: it would turn a 429 that carries one into an opaque
        # MaxRetryError, hiding both the wait LINE asks for and a used-up monthly quota.
        configuration.retries = urllib3.Retry(total=2, connect=2, read=0, status=0, other=0,
                                              redirect=0, allowed_methods=None,
                                              respect_retry_after_header=False)
        configuration.connection_pool_maxsize = 10
        return configuration

    def _call(self, what: str, call: Any) -> SendResult:
        try:
            response = call()
        except ApiException as exc:
            return _not_accepted(int(exc.status or 0), exc.body, exc.headers)
        except urllib3.exceptions.NewConnectionError as exc:
            detail = f"{what}: cannot connect ({exc.__class__.__name__})"
            return SendResult(Outcome.RETRY, None, detail)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return SendResult(Outcome.UNCERTAIN, None, f"{what}: {exc.__class__.__name__}")
        if isinstance(response, urllib3.BaseHTTPResponse):
            if not 200 <= response.status < 300:
                return _not_accepted(response.status, response.data, response.headers)
            return SendResult(Outcome.ACCEPTED, response.status, "",
                              response.headers.get("x-line-request-id"))
        headers = response.headers or {}
        return SendResult(Outcome.ACCEPTED, response.status_code, "",
                          headers.get("x-line-request-id"))

    def _post_messages(self, what: str, path: str, body: dict[str, Any],
                       timeout: tuple[float, float], retry_key: str | None = None) -> SendResult:
        """POST already checked messages as JSON on the SDK's connection pool.

        check_messages has validated them against line-bot-sdk's own models. The SDK's
        generic call (models, sanitising, header and URL assembly for every request) cost
        more CPU than the rest of a webhook event's reply, so the JSON goes straight onto
        the same pooled connection, with the SDK's headers, token and retry policy.
        """
        headers = self.json_headers if not retry_key else \
            {**self.json_headers, "X-Line-Retry-Key": retry_key}
        payload = orjson.dumps(body)
        return self._call(what, lambda: self.message_pool.urlopen(
            "POST", self.message_path + path, body=payload, headers=headers,
            timeout=self.timeouts[timeout], redirect=False, preload_content=True))

    def reply(self, reply_token: str, messages: Sequence[Message]) -> SendResult:
        body = {"replyToken": reply_token, "messages": check_messages(messages)}
        result = self._post_messages("reply", "/v2/bot/message/reply", body, self.reply_timeout)
        if result.outcome is Outcome.RETRY and result.status is None:
            # Never connected: LINE never saw it, the caller may turn it into a push.
            return SendResult(Outcome.REFUSED, None, result.detail)
        if result.outcome is Outcome.RETRY:
            return SendResult(Outcome.UNCERTAIN, result.status, result.detail, result.request_id,
                              result.retry_after)
        return result

    def push(self, to: str, messages: Sequence[Message], retry_key: str) -> SendResult:
        body = {"to": to, "messages": check_messages(messages)}
        return self._post_messages("push", "/v2/bot/message/push", body, self.timeout, retry_key)

    def multicast(
        self, to: Sequence[str], messages: Sequence[Message], retry_key: str
    ) -> SendResult:
        body = {"to": list(to), "messages": check_messages(messages)}
        return self._post_messages("multicast", "/v2/bot/message/multicast", body, self.timeout,
                                   retry_key)

    def quota(self) -> dict[str, Any]:
        limit = self.api.get_message_quota(_request_timeout=self.timeout)
        used = self.api.get_message_quota_consumption(_request_timeout=self.timeout)
        return {"type": limit.type, "limit": limit.value, "used": used.total_usage}

    # Rich menus ----------------------------------------------------------------------------

    def _required(self, what: str, result: SendResult) -> None:
        if not result.accepted:
            raise RichMenuError(f"{what}: {result.status or '-'} {result.detail}".strip())

    def create_rich_menu(self, body: dict[str, Any]) -> str:
        request = RichMenuRequest.from_dict(body)
        created: list[str] = []

        def call() -> Any:
            response = self.api.create_rich_menu_with_http_info(
                request, _request_timeout=self.timeout)
            created.append(response.data.rich_menu_id)
            return response

        self._required("create rich menu", self._call("create rich menu", call))
        return created[0]

    def upload_rich_menu_image(self, menu_id: str, data: bytes, content_type: str) -> None:
        # The SDK ignores _content_type for this call: the header has to be given explicitly.
        self._required("upload rich menu image", self._call(
            "upload rich menu image", lambda: self.blob_api.set_rich_menu_image_with_http_info(
                menu_id, data, _headers={"Content-Type": content_type},
                _request_timeout=(2.0, max(self.timeout[1], 20.0)))))

    def set_default_rich_menu(self, menu_id: str) -> None:
        self._required("set default rich menu", self._call(
            "set default rich menu", lambda: self.api.set_default_rich_menu_with_http_info(
                menu_id, _request_timeout=self.timeout)))

    def delete_rich_menu(self, menu_id: str) -> SendResult:
        return self._call("delete rich menu", lambda: self.api.delete_rich_menu_with_http_info(
            menu_id, _request_timeout=self.timeout))

    def list_rich_menus(self) -> list[dict[str, Any]]:
        try:
            response = self.api.get_rich_menu_list(_request_timeout=self.timeout)
        except ApiException as exc:
            raise RichMenuError(f"list rich menus: {exc.status} {_error_detail(exc.body)}") from exc
        return [{"richMenuId": menu.rich_menu_id, "name": menu.name}
                for menu in response.richmenus or []]

    def link_rich_menu(self, user_id: str, menu_id: str) -> SendResult:
        api = self.api
        return self._call("link rich menu", lambda: api.link_rich_menu_id_to_user_with_http_info(
            user_id, menu_id, _request_timeout=self.timeout))

    def link_rich_menu_to_users(self, user_ids: Sequence[str], menu_id: str) -> SendResult:
        request = RichMenuBulkLinkRequest(richMenuId=menu_id, userIds=list(user_ids))
        api = self.api
        return self._call("bulk link rich menu", lambda: (
            api.link_rich_menu_id_to_users_with_http_info(request, _request_timeout=self.timeout)))

    def unlink_rich_menu(self, user_id: str) -> SendResult:
        api, timeout = self.api, self.timeout
        return self._call("unlink rich menu", lambda: (
            api.unlink_rich_menu_id_from_user_with_http_info(user_id, _request_timeout=timeout)))


class RecordingTransport:
    """Development stand-in for LINE: checks every request as LINE would and records it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _record(self, via: str, recipients: Sequence[str], messages: Sequence[Message]) -> None:
        with self.db.transaction() as session:
            session.add_all(
                RecordedMessage(line_user_id=user_id, via=via, payload={"messages": list(messages)})
                for user_id in recipients
            )

    def reply(self, reply_token: str, messages: Sequence[Message]) -> SendResult:
        check_messages(messages)
        user_id = reply_token.split(":", 1)[0] if ":" in reply_token else ""
        if not user_id:
            return SendResult(Outcome.REFUSED, 400, "Invalid reply token")
        self._record("reply", [user_id], messages)
        return SendResult(Outcome.ACCEPTED, 200)

    def push(self, to: str, messages: Sequence[Message], retry_key: str) -> SendResult:
        check_messages(messages)
        self._record("push", [to], messages)
        return SendResult(Outcome.ACCEPTED, 200)

    def multicast(
        self, to: Sequence[str], messages: Sequence[Message], retry_key: str
    ) -> SendResult:
        check_messages(messages)
        if not 1 <= len(to) <= 500:
            return SendResult(Outcome.REFUSED, 400, "multicast takes 1 to 500 recipients")
        self._record("multicast", to, messages)
        return SendResult(Outcome.ACCEPTED, 200)

    def quota(self) -> dict[str, Any]:
        return {"type": "none", "limit": None, "used": 0}

    # Rich menus: recorded as via="richmenu" rows (user "all" for channel-wide changes).

    def _record_menu(self, user_id: str, payload: dict[str, Any]) -> None:
        with self.db.transaction() as session:
            session.add(RecordedMessage(line_user_id=user_id, via="richmenu", payload=payload))

    def create_rich_menu(self, body: dict[str, Any]) -> str:
        RichMenuRequest.from_dict(body)
        menu_id = "richmenu-" + uuid.uuid4().hex
        self._record_menu("all", {"op": "create", "richMenuId": menu_id, "name": body["name"]})
        return menu_id

    def upload_rich_menu_image(self, menu_id: str, data: bytes, content_type: str) -> None:
        self._record_menu("all", {"op": "upload", "richMenuId": menu_id, "bytes": len(data),
                                  "contentType": content_type})

    def set_default_rich_menu(self, menu_id: str) -> None:
        self._record_menu("all", {"op": "default", "richMenuId": menu_id})

    def delete_rich_menu(self, menu_id: str) -> SendResult:
        self._record_menu("all", {"op": "delete", "richMenuId": menu_id})
        return SendResult(Outcome.ACCEPTED, 200)

    def list_rich_menus(self) -> list[dict[str, Any]]:
        return []

    def link_rich_menu(self, user_id: str, menu_id: str) -> SendResult:
        self._record_menu(user_id, {"op": "link", "richMenuId": menu_id})
        return SendResult(Outcome.ACCEPTED, 200)

    def link_rich_menu_to_users(self, user_ids: Sequence[str], menu_id: str) -> SendResult:
        if not 1 <= len(user_ids) <= 500:
            return SendResult(Outcome.REFUSED, 400, "bulk link takes 1 to 500 users")
        for user_id in user_ids:
            self._record_menu(user_id, {"op": "link", "richMenuId": menu_id})
        return SendResult(Outcome.ACCEPTED, 202)

    def unlink_rich_menu(self, user_id: str) -> SendResult:
        self._record_menu(user_id, {"op": "unlink"})
        return SendResult(Outcome.ACCEPTED, 200)


def make_transport(settings: Settings, db: Database) -> LineTransport:
    """The recorder in development, LINE's API everywhere else (tests point it at a fake)."""
    if settings.is_development:
        return RecordingTransport(db)
    return LineApiTransport(settings)
