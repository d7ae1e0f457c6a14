"""Tests of the fake LINE Messaging API through line-bot-sdk and raw HTTP."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PostbackAction,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuArea,
    RichMenuBounds,
    RichMenuBulkLinkRequest,
    RichMenuRequest,
    RichMenuSize,
    TextMessage,
)
from PIL import Image

from .line_api import MONTHLY_LIMIT_BODY, RATE_LIMIT_BODY, FakeLineApi

PUSH = "/v2/bot/message/push"
MULTICAST = "/v2/bot/message/multicast"
REPLY = "/v2/bot/message/reply"
EMOJI = "\N{GRINNING FACE}"  # outside the BMP: 2 UTF-16 units


def user(n: int = 1) -> str:
    return f"U{n:032x}"


def text(value: str = "hello") -> dict[str, Any]:
    return {"type": "text", "text": value}


def image_bytes(width: int, height: int, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def fake() -> Iterator[FakeLineApi]:
    with FakeLineApi() as f:
        yield f


@pytest.fixture
def client(fake: FakeLineApi) -> Iterator[ApiClient]:
    config = Configuration(host=fake.base_url, access_token=fake.channel_access_token)
    with ApiClient(config) as api_client:
        yield api_client


@pytest.fixture
def api(client: ApiClient) -> MessagingApi:
    return MessagingApi(client)


@pytest.fixture
def blob(client: ApiClient) -> MessagingApiBlob:
    return MessagingApiBlob(client)


@pytest.fixture
def http() -> Iterator[urllib3.PoolManager]:
    with urllib3.PoolManager(retries=False) as pool:
        yield pool


def call(
    fake: FakeLineApi,
    http: urllib3.PoolManager,
    path: str,
    body: Any = None,
    *,
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> urllib3.BaseHTTPResponse:
    """A raw request, so bodies the SDK would refuse to build can be sent."""
    all_headers = {"Authorization": f"Bearer {fake.channel_access_token}"}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    payload = None if body is None else json.dumps(body).encode()
    return http.request(method, fake.base_url + path, body=payload, headers=all_headers)


def push_body(*messages: dict[str, Any], to: str | None = None) -> dict[str, Any]:
    return {"to": to or user(), "messages": list(messages) or [text()]}


def flex(contents: dict[str, Any], alt_text: str = "island news") -> dict[str, Any]:
    return {"type": "flex", "altText": alt_text, "contents": contents}


def bubble(label: str = "Join") -> dict[str, Any]:
    action = {"type": "postback", "label": label, "data": "action=join"}
    body = {"type": "box", "layout": "vertical", "contents": [{"type": "button", "action": action}]}
    return {"type": "bubble", "body": body}


def details(response: urllib3.BaseHTTPResponse) -> list[str]:
    return [f"{d['property']}: {d['message']}" for d in response.json()["details"]]


def sdk_error(exc_info: pytest.ExceptionInfo[ApiException]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc_info.value.body)
    return body


# ---- messages -----------------------------------------------------------------------------


def test_valid_push_is_accepted_and_recorded(fake: FakeLineApi, api: MessagingApi) -> None:
    request = PushMessageRequest(to=user(7), messages=[TextMessage(text="Ferry at 10:00")])
    response = api.push_message_with_http_info(request)

    assert response.status_code == 200
    assert len(response.data.sent_messages) == 1
    assert response.data.sent_messages[0].id.isdigit()
    assert len(response.headers["x-line-request-id"]) == 32
    (recorded,) = fake.calls(PUSH)
    assert recorded.json["to"] == user(7)
    assert recorded.json["messages"] == [text("Ferry at 10:00")]
    assert recorded.headers["authorization"] == "Bearer test-token"
    assert recorded.request_id == response.headers["x-line-request-id"]
    assert fake.calls("/push") == [recorded]


def test_bad_or_missing_token_is_401(fake: FakeLineApi, http: urllib3.PoolManager) -> None:
    config = Configuration(host=fake.base_url, access_token="wrong")
    with ApiClient(config) as other, pytest.raises(ApiException) as exc_info:
        MessagingApi(other).push_message(
            PushMessageRequest(to=user(), messages=[TextMessage(text="x")])
        )
    assert exc_info.value.status == 401
    assert sdk_error(exc_info)["message"].startswith("Authentication failed.")

    missing = http.request("GET", fake.base_url + "/v2/bot/message/quota")
    assert missing.status == 401
    assert fake.calls(PUSH) == []
    assert [r.status for r in fake.requests] == [401, 401]


def test_message_count_must_be_1_to_5(fake: FakeLineApi, http: urllib3.PoolManager) -> None:
    six = call(fake, http, PUSH, push_body(*[text()] * 6))
    none = call(fake, http, PUSH, {"to": user(), "messages": []})
    five = call(fake, http, PUSH, push_body(*[text()] * 5))

    assert six.status == 400
    assert six.json()["message"] == "The request body has 1 error(s)"
    assert details(six) == ["messages: Size must be between 1 and 5 (messages per request)"]
    assert none.status == 400
    assert five.status == 200
    assert len(five.json()["sentMessages"]) == 5


def test_multicast_recipients_limit(fake: FakeLineApi, http: urllib3.PoolManager) -> None:
    too_many = call(
        fake, http, MULTICAST, {"to": [user(i) for i in range(501)], "messages": [text()]}
    )
    bad_id = call(fake, http, MULTICAST, {"to": [user(), "someone"], "messages": [text()]})
    most = call(fake, http, MULTICAST, {"to": [user(i) for i in range(500)], "messages": [text()]})

    assert too_many.status == 400
    assert "between 1 and 500" in details(too_many)[0]
    assert bad_id.status == 400
    assert details(bad_id)[0].startswith("to[1]:")
    assert most.status == 200
    assert most.json() == {}
    assert fake.total_usage == 500


def test_push_target_must_be_a_line_id(fake: FakeLineApi, http: urllib3.PoolManager) -> None:
    assert call(fake, http, PUSH, push_body(to="U1234")).status == 400
    assert call(fake, http, PUSH, push_body(to="C" + "f" * 32)).status == 200


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("a" * 5000, True),
        ("a" * 5001, False),
        (EMOJI * 2499 + "a", True),  # 4999 UTF-16 units
        (EMOJI * 2500, True),  # 5000 units
        (EMOJI * 2500 + "a", False),  # 5001 units, only 2501 characters
    ],
)
def test_text_length_is_counted_in_utf16_units(
    fake: FakeLineApi, api: MessagingApi, value: str, accepted: bool
) -> None:
    request = PushMessageRequest(to=user(), messages=[TextMessage(text=value)])
    if accepted:
        assert api.push_message(request).sent_messages
    else:
        with pytest.raises(ApiException) as exc_info:
            api.push_message(request)
        assert exc_info.value.status == 400
        (detail,) = sdk_error(exc_info)["details"]
        assert detail["property"] == "messages[0].text"
        assert "5000" in detail["message"]
    assert len(fake.calls(PUSH)) == int(accepted)


def box(*contents: dict[str, Any], layout: str = "vertical") -> dict[str, Any]:
    return {"type": "box", "layout": layout, "contents": list(contents)}


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (flex({"type": "bubble", "body": box({"type": "sparkle"})}), "FlexComponent failed"),
        (flex({"type": "bubble", "body": box(layout="diagonal")}), "must be one of enum values"),
        (flex({"type": "folder", "contents": []}), "FlexContainer failed"),
        (flex({"type": "bubble", "body": box({"type": "text"})}), "text or contents"),
        (flex({"type": "bubble", "body": box({"type": "button"})}), "button action"),
        (
            {**text(), "quickReply": {"items": [{"type": "action", "action": {"type": "warp"}}]}},
            "Action failed",
        ),
        ({"type": "txt", "text": "typo"}, "Message failed"),
        ({"text": "no type"}, "must be specified"),
        ({"type": "text"}, "none is not an allowed value"),
    ],
)
def test_invalid_messages_and_subtypes_are_rejected(
    fake: FakeLineApi, http: urllib3.PoolManager, message: dict[str, Any], expected: str
) -> None:
    response = call(fake, http, PUSH, push_body(text("fine"), message))

    assert response.status == 400
    assert all(d.startswith("messages[1]") for d in details(response)), details(response)
    assert any(expected in d for d in details(response)), details(response)
    assert fake.calls(PUSH) == []


def test_valid_flex_carousel_is_accepted(fake: FakeLineApi, http: urllib3.PoolManager) -> None:
    carousel = {"type": "carousel", "contents": [bubble() for _ in range(12)]}
    response = call(fake, http, PUSH, push_body(flex(carousel)))
    assert response.status == 200, response.json()


def with_quick_reply(action: dict[str, Any], count: int = 1) -> dict[str, Any]:
    return {**text(), "quickReply": {"items": [{"type": "action", "action": action}] * count}}


def buttons(alt_text: str = "menu", actions: int = 1) -> dict[str, Any]:
    action = {"type": "message", "label": "Yes", "text": "yes"}
    template = {"type": "buttons", "text": "Join?", "actions": [action] * actions}
    return {"type": "template", "altText": alt_text, "template": template}


BIG_FOOTER = box(*[{"type": "text", "text": "y" * 2000} for _ in range(7)])  # about 14 KB
MESSAGE_ACTION = {"type": "message", "label": "ok", "text": "ok"}


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (flex({"type": "carousel", "contents": [bubble()] * 13}), "1 and 12 (carousel bubbles)"),
        (flex(bubble(), alt_text="x" * 1501), "altText ≤ 1500"),
        (flex(bubble("L" * 41)), "action label ≤ 40"),
        (flex({**bubble(), "footer": box(BIG_FOOTER, BIG_FOOTER, BIG_FOOTER)}), "≤ 30000 bytes"),
        (
            flex({"type": "carousel", "contents": [{**bubble(), "footer": BIG_FOOTER}] * 4}),
            "must be ≤ 50000 bytes",
        ),
        (buttons(alt_text="x" * 401), "altText ≤ 400"),
        (buttons(actions=5), "1 and 4 (template actions)"),
        (with_quick_reply(MESSAGE_ACTION, count=14), "0 and 13 (quick reply items)"),
        (with_quick_reply({**MESSAGE_ACTION, "label": "L" * 21}), "action label ≤ 20"),
        (with_quick_reply({"type": "message", "text": "no label"}), "must be specified"),
        (with_quick_reply({"type": "postback", "label": "go", "data": "d" * 301}), "data ≤ 300"),
        (
            with_quick_reply(
                {"type": "postback", "label": "go", "data": "d", "displayText": "t" * 301}
            ),
            "displayText ≤ 300",
        ),
    ],
)
def test_line_limits_beyond_the_spec(
    fake: FakeLineApi, http: urllib3.PoolManager, message: dict[str, Any], expected: str
) -> None:
    response = call(fake, http, PUSH, push_body(message))
    assert response.status == 400
    assert any(expected in d for d in details(response)), details(response)


def test_malformed_bodies(fake: FakeLineApi, http: urllib3.PoolManager) -> None:
    auth = {"Authorization": "Bearer test-token"}
    syntax = http.request(
        "POST",
        fake.base_url + PUSH,
        body=b"{not json",
        headers={**auth, "Content-Type": "application/json"},
    )
    not_json = http.request("POST", fake.base_url + PUSH, body=b"to=U1", headers=auth)
    array = call(fake, http, PUSH, [push_body()])

    assert syntax.status == 400
    assert not_json.status == 415
    assert array.status == 400
    assert all(r.status >= 400 for r in fake.requests)


# ---- retry keys, scripted failures, quota ------------------------------------------------


def test_conflict_only_for_an_accepted_retry_key(fake: FakeLineApi, api: MessagingApi) -> None:
    key = str(uuid.uuid4())
    request = PushMessageRequest(to=user(), messages=[TextMessage(text="fee receipt")])
    fake.script(PUSH, 500)

    with pytest.raises(ApiException) as failed:
        api.push_message(request, x_line_retry_key=key)
    assert failed.value.status == 500
    accepted = api.push_message_with_http_info(request, x_line_retry_key=key)
    assert accepted.status_code == 200
    with pytest.raises(ApiException) as conflict:
        api.push_message(request, x_line_retry_key=key)

    assert conflict.value.status == 409
    body = sdk_error(conflict)
    assert body["message"] == "The retry key is already accepted"
    assert body["sentMessages"][0]["id"] == accepted.data.sent_messages[0].id
    assert (
        conflict.value.headers["x-line-accepted-request-id"]
        == accepted.headers["x-line-request-id"]
    )
    assert len(fake.calls(PUSH)) == 1
    assert fake.total_usage == 1


def test_retry_key_must_be_a_uuid(fake: FakeLineApi, http: urllib3.PoolManager) -> None:
    response = call(fake, http, PUSH, push_body(), headers={"X-Line-Retry-Key": "retry-1"})
    assert response.status == 400
    assert "UUID" in response.json()["message"]
    assert fake.total_usage == 0


def test_accepted_but_answer_lost(fake: FakeLineApi, http: urllib3.PoolManager) -> None:
    key = {"X-Line-Retry-Key": str(uuid.uuid4())}
    fake.script(MULTICAST, 500, accept=True)
    body = {"to": [user(1), user(2)], "messages": [text()]}

    lost = call(fake, http, MULTICAST, body, headers=key)
    retried = call(fake, http, MULTICAST, body, headers=key)

    assert lost.status == 500
    assert retried.status == 409
    assert retried.headers["x-line-accepted-request-id"] == lost.headers["x-line-request-id"]
    assert fake.total_usage == 2
    assert [r.accepted for r in fake.requests] == [True, False]


def test_scripted_delay_makes_the_client_time_out(
    fake: FakeLineApi, http: urllib3.PoolManager
) -> None:
    fake.script(PUSH, 200, delay=0.5, accept=True)
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        http.request(
            "POST",
            fake.base_url + PUSH,
            body=json.dumps(push_body()).encode(),
            headers={"Authorization": "Bearer test-token", "Content-Type": "application/json"},
            timeout=0.1,
        )
    assert fake.total_usage == 1


def test_scripted_rate_limit_then_success(fake: FakeLineApi, api: MessagingApi) -> None:
    fake.script(MULTICAST, 429, times=2)
    request = MulticastRequest(to=[user(1), user(2)], messages=[TextMessage(text="storm warning")])

    statuses = []
    for _ in range(2):
        with pytest.raises(ApiException) as exc_info:
            api.multicast(request)
        statuses.append(exc_info.value.status)
        assert sdk_error(exc_info) == RATE_LIMIT_BODY
    api.multicast(request)

    assert statuses == [429, 429]
    assert [r.status for r in fake.requests] == [429, 429, 200]
    assert len(fake.calls(MULTICAST)) == 1


def test_a_scripted_rate_limit_can_say_when_to_come_back(
    fake: FakeLineApi, api: MessagingApi
) -> None:
    fake.script(PUSH, 429, headers={"Retry-After": "20"})
    with pytest.raises(ApiException) as exc_info:
        api.push_message(PushMessageRequest(to=user(), messages=[TextMessage(text="hi")]))
    assert exc_info.value.status == 429
    assert exc_info.value.headers["Retry-After"] == "20"
    assert sdk_error(exc_info) == RATE_LIMIT_BODY


def test_a_reply_token_is_taken_once_even_when_the_first_answer_is_slow(
    fake: FakeLineApi, http: urllib3.PoolManager
) -> None:
    token = fake.issue_reply_token()
    fake.script(REPLY, 200, {}, delay=0.5, accept=True)
    body = {"replyToken": token, "messages": [text()]}
    headers = {"Authorization": "Bearer test-token", "Content-Type": "application/json"}
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        http.request("POST", fake.base_url + REPLY, body=json.dumps(body).encode(),
                     headers=headers, timeout=0.1, retries=False)
    again = call(fake, http, REPLY, body)
    assert again.status == 400
    assert json.loads(again.data) == {"message": "Invalid reply token"}
    assert [r.accepted for r in fake.requests] == [True, False]


def test_monthly_limit(fake: FakeLineApi, api: MessagingApi, http: urllib3.PoolManager) -> None:
    fake.quota_limit = 5
    messages = [TextMessage(text="one"), TextMessage(text="two")]
    # One message per recipient, whatever the number of bubbles: 4 + 1 = 5.
    api.multicast(MulticastRequest(to=[user(i) for i in range(1, 5)], messages=messages))
    api.push_message(PushMessageRequest(to=user(), messages=messages))

    with pytest.raises(ApiException) as exc_info:
        api.push_message(PushMessageRequest(to=user(), messages=messages[:1]))
    assert exc_info.value.status == 429
    assert sdk_error(exc_info) == MONTHLY_LIMIT_BODY

    assert api.get_message_quota().value == 5
    assert api.get_message_quota_consumption().total_usage == 5
    assert call(fake, http, "/v2/bot/message/broadcast", {"messages": [text()]}).status == 200


def test_reply_token_is_single_use_and_free(fake: FakeLineApi, api: MessagingApi) -> None:
    token, expired = fake.issue_reply_token(), fake.issue_reply_token()
    fake.expire_reply_token(expired)

    sent = api.reply_message(
        ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="hi")])
    )
    assert sent.sent_messages[0].quote_token
    for reused in (token, expired, "never-issued"):
        with pytest.raises(ApiException) as exc_info:
            api.reply_message(
                ReplyMessageRequest(reply_token=reused, messages=[TextMessage(text="x")])
            )
        assert exc_info.value.status == 400
        assert sdk_error(exc_info) == {"message": "Invalid reply token"}

    assert len(fake.calls(REPLY)) == 1
    assert fake.total_usage == 0


def test_reply_token_endpoint_for_benchmarks(fake: FakeLineApi, http: urllib3.PoolManager) -> None:
    path = "/__fake/reply-tokens"
    assert call(fake, http, path, {"count": 2}).status == 404  # off unless asked for
    fake.reply_token_endpoint = True
    tokens = call(fake, http, path, {"count": 2}).json()["replyTokens"]

    assert len(set(tokens)) == 2
    assert call(fake, http, REPLY, {"replyToken": tokens[0], "messages": [text()]}).status == 200
    assert call(fake, http, REPLY, {"replyToken": tokens[0], "messages": [text()]}).status == 400


def test_profile_default_and_configured(fake: FakeLineApi, api: MessagingApi) -> None:
    fake.profiles[user(2)] = {"displayName": "Hanako", "language": "en"}
    assert api.get_profile(user(1)).display_name == "Test User"
    assert api.get_profile(user(2)).display_name == "Hanako"
    assert api.get_profile(user(2)).language == "en"


def test_unknown_path_and_reset(fake: FakeLineApi, http: urllib3.PoolManager) -> None:
    response = call(fake, http, "/v2/bot/nothing/here", method="GET")
    assert response.status == 404
    assert response.json() == {"message": "Not found"}
    fake.script(PUSH, 500)
    fake.reset()
    assert fake.requests == []
    assert call(fake, http, PUSH, push_body()).status == 200


def test_keep_alive_reuses_one_connection(fake: FakeLineApi) -> None:
    with urllib3.HTTPConnectionPool("127.0.0.1", fake.port, maxsize=1) as pool:
        for _ in range(5):
            response = pool.request(
                "GET", "/v2/bot/message/quota", headers={"Authorization": "Bearer test-token"}
            )
            assert response.json() == {"type": "limited", "value": 5000}
        assert pool.num_connections == 1


def test_runs_as_its_own_process() -> None:
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "tests.fakes.line_api", "--port", "0", "--token", "bench"]
    with subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            ready = process.stdout.readline().split()
            assert ready[0] == "ready"
            with urllib3.PoolManager() as pool:
                url = ready[1] + PUSH
                headers = {"Authorization": "Bearer bench", "Content-Type": "application/json"}
                response = pool.request("POST", url, body=json.dumps(push_body()), headers=headers)
            assert response.status == 200
        finally:
            process.terminate()
            process.wait(timeout=5)


# ---- rich menus -----------------------------------------------------------------------------


def menu_request(height: int = 843, chat_bar: str = "Menu") -> RichMenuRequest:
    area = RichMenuArea(
        bounds=RichMenuBounds(x=0, y=0, width=1250, height=height),
        action=PostbackAction(label="Events", data="action=events"),
    )
    size = RichMenuSize(width=2500, height=height)
    return RichMenuRequest(
        size=size, selected=False, name="main", chat_bar_text=chat_bar, areas=[area]
    )


def test_rich_menu_lifecycle(fake: FakeLineApi, api: MessagingApi, blob: MessagingApiBlob) -> None:
    menu_id = api.create_rich_menu(menu_request()).rich_menu_id
    png = image_bytes(2500, 843)
    blob.set_rich_menu_image(menu_id, body=bytearray(png), _headers={"Content-Type": "image/png"})
    api.set_default_rich_menu(menu_id)
    api.link_rich_menu_id_to_user(user(1), menu_id)
    api.link_rich_menu_id_to_users(
        RichMenuBulkLinkRequest(rich_menu_id=menu_id, user_ids=[user(2), user(3)])
    )

    assert bytes(blob.get_rich_menu_image(menu_id)) == png
    assert api.get_default_rich_menu_id().rich_menu_id == menu_id
    assert api.get_rich_menu_id_of_user(user(3)).rich_menu_id == menu_id
    assert [m.rich_menu_id for m in api.get_rich_menu_list().richmenus] == [menu_id]
    assert api.get_rich_menu(menu_id).chat_bar_text == "Menu"
    assert fake.user_richmenus == dict.fromkeys([user(1), user(2), user(3)], menu_id)

    api.delete_rich_menu(menu_id)

    assert fake.richmenus == {}
    assert fake.default_richmenu_id is None
    assert fake.user_richmenus == {}
    for lookup in (api.get_default_rich_menu_id, lambda: api.get_rich_menu_id_of_user(user(1))):
        with pytest.raises(ApiException) as exc_info:
            lookup()
        assert exc_info.value.status == 404
    with pytest.raises(ApiException) as gone:
        api.delete_rich_menu(menu_id)
    assert gone.value.status == 404


def test_rich_menu_needs_an_image_before_use(fake: FakeLineApi, api: MessagingApi) -> None:
    menu_id = api.create_rich_menu(menu_request()).rich_menu_id
    appliers: list[Callable[[], object]] = [
        lambda: api.set_default_rich_menu(menu_id),
        lambda: api.link_rich_menu_id_to_user(user(), menu_id),
    ]
    for apply in appliers:
        with pytest.raises(ApiException) as exc_info:
            apply()
        assert exc_info.value.status == 400
        assert "must upload richmenu image" in sdk_error(exc_info)["message"]
    assert fake.default_richmenu_id is None
    assert fake.user_richmenus == {}


def test_rich_menu_image_checks(
    fake: FakeLineApi, api: MessagingApi, blob: MessagingApiBlob
) -> None:
    menu_id = api.create_rich_menu(menu_request(height=1686)).rich_menu_id

    def upload(data: bytes, content_type: str) -> tuple[int, str]:
        headers = {"Content-Type": content_type}
        try:
            blob.set_rich_menu_image(menu_id, body=bytearray(data), _headers=headers)
        except ApiException as exc:
            return int(exc.status), json.loads(exc.body)["message"]
        return 200, ""

    png, jpeg = image_bytes(2500, 1686), image_bytes(2500, 1686, "JPEG")
    assert upload(image_bytes(2500, 843), "image/png") == (
        400,
        "Image size 2500x843 must match the rich menu size 2500x1686",
    )
    assert upload(png, "image/jpeg") == (400, "The image data is not image/jpeg")
    assert upload(png, "image/gif")[0] == 415
    assert upload(b"\x89PNG" + bytes(1024 * 1024), "image/png")[0] == 400  # over 1 MB
    assert fake.richmenus[menu_id]["image"] is None
    assert upload(jpeg, "image/jpeg") == (200, "")
    assert upload(jpeg, "image/jpeg") == (400, "An image has already been uploaded to the richmenu")
    assert fake.richmenus[menu_id]["content_type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"size": {"width": 2500, "height": 1000}}, "size 2500x1000 is not allowed"),
        ({"chatBarText": "x" * 15}, "chatBarText"),
        ({"areas": []}, "1 and 20 (rich menu areas)"),
        (
            {
                "areas": [
                    {
                        "bounds": {"x": 0, "y": 0, "width": 10, "height": 10},
                        "action": {"type": "message", "text": "hi"},
                    }
                ]
                * 21
            },
            "1 and 20",
        ),
        (
            {
                "areas": [
                    {
                        "bounds": {"x": 2000, "y": 0, "width": 600, "height": 843},
                        "action": {"type": "message", "text": "hi"},
                    }
                ]
            },
            "within the rich menu",
        ),
        (
            {
                "areas": [
                    {
                        "bounds": {"x": 0, "y": 0, "width": 10, "height": 10},
                        "action": {"type": "warp"},
                    }
                ]
            },
            "areas",
        ),
    ],
)
def test_rich_menu_rules(
    fake: FakeLineApi, http: urllib3.PoolManager, change: dict[str, Any], expected: str
) -> None:
    body = {**menu_request().to_dict(), **change}
    created = call(fake, http, "/v2/bot/richmenu", body)
    validated = call(fake, http, "/v2/bot/richmenu/validate", body)
    assert created.status == validated.status == 400
    assert any(expected in d for d in details(created)), details(created)
    assert fake.richmenus == {}
    assert call(fake, http, "/v2/bot/richmenu/validate", menu_request().to_dict()).status == 200
