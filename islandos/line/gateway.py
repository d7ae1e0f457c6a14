"""Transports that carry messages to LINE: its HTTP API, or a recorder in development."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
)

from islandos.db import Database
from islandos.line.messages import Message, check_messages
from islandos.models.recordings import RecordedMessage
from islandos.settings import Settings

log = logging.getLogger(__name__)

MONTHLY_LIMIT_TEXT = "monthly limit"


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


class LineApiTransport:
    """LINE's Messaging API through line-bot-sdk v3: one pooled client, every call time-limited."""

    def __init__(self, settings: Settings) -> None:
        self.timeout = (2.0, settings.line_timeout_seconds)
        self.reply_timeout = (1.0, settings.line_reply_timeout_seconds)
        self.client = ApiClient(self._configuration(settings, settings.line_api_base_url))
        self.data_client = ApiClient(self._configuration(settings, settings.line_data_api_base_url))
        self.api = MessagingApi(self.client)
        self.blob_api = MessagingApiBlob(self.data_client)

    @staticmethod
    def _configuration(settings: Settings, host: str) -> Configuration:
        configuration = Configuration(host=host, access_token=settings.line_channel_access_token)
        # Only connection failures are retried by urllib3: a request LINE may have read is
        # never re-sent behind our back (the outbox decides, with its retry key).
        configuration.retries = urllib3.Retry(total=2, connect=2, read=0, status=0, other=0,
                                              redirect=0, allowed_methods=None)
        configuration.connection_pool_maxsize = 10
        return configuration

    def _call(self, what: str, call: Any) -> SendResult:
        try:
            response = call()
        except ApiException as exc:
            status = int(exc.status or 0)
            detail = _error_detail(exc.body)
            request_id = (exc.headers or {}).get("x-line-request-id") if exc.headers else None
            outcome = classify_http_error(status, detail)
            if status == 409:
                request_id = (exc.headers or {}).get("x-line-accepted-request-id", request_id)
            return SendResult(outcome, status, detail, request_id)
        except urllib3.exceptions.NewConnectionError as exc:
            return SendResult(Outcome.RETRY, None, f"{what}: cannot connect ({exc.__class__.__name__})")
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return SendResult(Outcome.UNCERTAIN, None, f"{what}: {exc.__class__.__name__}")
        headers = response.headers or {}
        return SendResult(Outcome.ACCEPTED, response.status_code, "",
                          headers.get("x-line-request-id"))

    def reply(self, reply_token: str, messages: Sequence[Message]) -> SendResult:
        request = ReplyMessageRequest.from_dict(
            {"replyToken": reply_token, "messages": check_messages(messages)}
        )
        result = self._call("reply", lambda: self.api.reply_message_with_http_info(
            request, _request_timeout=self.reply_timeout))
        if result.outcome is Outcome.RETRY and result.status is None:
            # Never connected: LINE never saw it, the caller may turn it into a push.
            return SendResult(Outcome.REFUSED, None, result.detail)
        if result.outcome is Outcome.RETRY:
            return SendResult(Outcome.UNCERTAIN, result.status, result.detail, result.request_id)
        return result

    def push(self, to: str, messages: Sequence[Message], retry_key: str) -> SendResult:
        request = PushMessageRequest.from_dict({"to": to, "messages": check_messages(messages)})
        return self._call("push", lambda: self.api.push_message_with_http_info(
            request, x_line_retry_key=retry_key, _request_timeout=self.timeout))

    def multicast(self, to: Sequence[str], messages: Sequence[Message], retry_key: str) -> SendResult:
        request = MulticastRequest.from_dict({"to": list(to), "messages": check_messages(messages)})
        return self._call("multicast", lambda: self.api.multicast_with_http_info(
            request, x_line_retry_key=retry_key, _request_timeout=self.timeout))

    def quota(self) -> dict[str, Any]:
        limit = self.api.get_message_quota(_request_timeout=self.timeout)
        used = self.api.get_message_quota_consumption(_request_timeout=self.timeout)
        return {"type": limit.type, "limit": limit.value, "used": used.total_usage}


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

    def multicast(self, to: Sequence[str], messages: Sequence[Message], retry_key: str) -> SendResult:
        check_messages(messages)
        if not 1 <= len(to) <= 500:
            return SendResult(Outcome.REFUSED, 400, "multicast takes 1 to 500 recipients")
        self._record("multicast", to, messages)
        return SendResult(Outcome.ACCEPTED, 200)

    def quota(self) -> dict[str, Any]:
        return {"type": "none", "limit": None, "used": 0}


def make_transport(settings: Settings, db: Database) -> LineTransport:
    """The recorder in development, LINE's API everywhere else (tests point it at a fake)."""
    if settings.is_development:
        return RecordingTransport(db)
    return LineApiTransport(settings)
