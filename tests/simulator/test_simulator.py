"""The dev simulator: signed events into /callback, and what the bot sent back."""

from __future__ import annotations

import re

from sqlalchemy import select

from islandos.extensions import islandos_state
from islandos.line import messages
from islandos.line.outbox import enqueue_push
from islandos.line.richmenus import deploy_rich_menus, schedule_menu_link
from islandos.line.worker import Worker
from islandos.models.people import Person
from islandos.models.webhook_events import WebhookEvent
from islandos.web.simulator import gist
from tests.support.factories import make_islander

USER = "U" + "ab" * 16


def csrf(client, url: str = "/dev/simulator/") -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def act(client, token: str, **action):
    return client.post("/dev/simulator/send", json={"user": USER, **action},
                       headers={"X-CSRFToken": token})


def bot_said(client, after: int = 0) -> list[dict]:
    data = client.get(f"/dev/simulator/messages?user={USER}&after={after}").get_json()
    return [message for item in data["items"] for message in item.get("messages", [])]


def test_the_simulator_exists_only_in_development(client):
    assert client.get("/dev/simulator/").status_code == 404


def test_follow_and_text_go_through_the_real_webhook(dev_app):
    client = dev_app.test_client()
    token = csrf(client)
    assert act(client, token, kind="follow").get_json()["status"] == 200
    assert act(client, token, kind="text", text="ヘルプ").get_json()["status"] == 200
    with islandos_state(dev_app).db.transaction() as session:
        assert session.scalar(select(Person).where(Person.line_user_id == USER)) is not None
        assert len(session.scalars(select(WebhookEvent)).all()) == 2
    said = bot_said(client)
    assert said and said[-1]["type"] == "text"
    data = client.get(f"/dev/simulator/messages?user={USER}").get_json()
    assert data["person"]["status"] == "active"


def test_postbacks_dates_locations_and_stickers_are_accepted(dev_app):
    client = dev_app.test_client()
    token = csrf(client)
    for action in ({"kind": "postback", "data": "action=nothing"},
                   {"kind": "postback", "data": "action=pick", "params": {"date": "2026-12-01"}},
                   {"kind": "location", "latitude": "26.159", "longitude": "127.899"},
                   {"kind": "sticker"}, {"kind": "unfollow"}):
        assert act(client, token, **action).get_json()["status"] == 200, action
    assert act(client, token, kind="location", latitude="north").status_code == 400
    assert client.post("/dev/simulator/send", json={"user": "nobody", "kind": "follow"},
                       headers={"X-CSRFToken": token}).status_code == 400


def test_sending_needs_a_csrf_token(dev_app):
    client = dev_app.test_client()
    assert client.post("/dev/simulator/send", json={"user": USER, "kind": "follow"}
                       ).status_code == 400


def test_pushes_from_the_worker_show_up_later(dev_app):
    client = dev_app.test_client()
    state = islandos_state(dev_app)
    with state.db.transaction() as session:
        enqueue_push(session, USER, [messages.text("台風のため、船は欠航です。")])
    assert bot_said(client) == []
    Worker(state.db, state.transport, state.jobs, worker_id="sim").run_once()
    data = client.get(f"/dev/simulator/messages?user={USER}").get_json()
    assert data["items"][0]["via"] == "push"
    assert data["items"][0]["messages"][0]["text"] == "台風のため、船は欠航です。"
    last = data["items"][0]["id"]
    assert client.get(f"/dev/simulator/messages?user={USER}&after={last}").get_json()[
        "items"] == []


def test_a_new_persona_gets_a_fresh_line_user_id(dev_app):
    client = dev_app.test_client()
    response = client.post("/dev/simulator/personas", data={"csrf_token": csrf(client)})
    assert re.search(r"user=U[0-9a-f]{32}$", response.location)
    assert client.post("/dev/simulator/personas").status_code == 400


def test_flex_contents_go_to_the_page_as_sent_with_quick_replies_and_pickers():
    card = messages.bubble("清掃活動", ["12月1日 8:00", "港に集合"], [
        messages.postback_action("参加", "action=rsvp&answer=yes", "参加します"),
        messages.datetime_picker_action("日を選ぶ", "action=pick", mode="date")],
        label="行事")
    sent = messages.flex("清掃活動のお知らせ", messages.carousel([card, card]),
                         [messages.message_action("ヘルプ")])
    shown = gist(sent)
    assert shown["contents"] == sent["contents"]  # drawn by the page as LINE draws it
    assert shown["alt_text"] == "清掃活動のお知らせ"
    assert shown["quick_replies"] == [{"type": "message", "label": "ヘルプ", "text": "ヘルプ"}]


def conversation(client, user: str = USER) -> list[tuple[str, object]]:
    """(who, what) for each entry, in order: ("user", what they sent) or (via, message)."""
    data = client.get(f"/dev/simulator/messages?user={user}").get_json()
    shown: list[tuple[str, object]] = []
    for item in data["items"]:
        if item["via"] == "user":
            shown.append(("user", item["sent"]))
        else:
            shown.extend((item["via"], message.get("text")) for message in item["messages"])
    return shown


def test_what_the_persona_sent_is_kept_in_order_with_the_answers(dev_app):
    client = dev_app.test_client()
    token = csrf(client)
    act(client, token, kind="follow")
    act(client, token, kind="text", text="ヘルプ")
    act(client, token, kind="postback", data="action=nothing", displayText="参加します")
    act(client, token, kind="postback", data="action=silent")  # LINE shows nothing for it
    act(client, token, kind="postback", data="action=pick", params={"date": "2026-12-01"})
    act(client, token, kind="location", latitude="26.159", longitude="127.899")
    said = conversation(client)
    sent = [what for who, what in said if who == "user"]
    assert sent == [
        {"kind": "follow"}, {"kind": "text", "text": "ヘルプ"},
        {"kind": "text", "text": "参加します"}, {"kind": "picked", "text": "2026-12-01"},
        {"kind": "location", "latitude": 26.159, "longitude": 127.899}]
    help_asked = said.index(("user", {"kind": "text", "text": "ヘルプ"}))
    assert said[help_asked + 1][0] == "reply"  # the bot's answer comes right after


def test_a_display_text_longer_than_line_allows_is_refused_and_nothing_is_kept(dev_app):
    client = dev_app.test_client()
    token = csrf(client)
    response = act(client, token, kind="postback", data="a=b", displayText="あ" * 301)
    assert response.status_code == 400
    assert conversation(client) == []


def test_the_rich_menu_shown_is_the_linked_one_else_the_default(dev_app):
    state = islandos_state(dev_app)
    client = dev_app.test_client()

    def menu() -> dict | None:
        return client.get(f"/dev/simulator/messages?user={USER}").get_json()["richmenu"]

    assert menu() is None  # nothing deployed yet
    deploy_rich_menus(state.db, state.transport)
    default = menu()
    assert "/static/richmenus/default-ja.png" in default["image"]
    assert default["size"] == {"width": 2500, "height": 1686}
    assert default["chatBarText"] == "メニュー"
    assert [a["action"]["text"] for a in default["areas"]] == [
        "マップ", "島のルール", "入島協力金", "登録", "設定", "ヘルプ"]
    assert [(a["x"], a["y"], a["width"]) for a in default["areas"][2:4]] == [
        (1667, 0, 833), (0, 843, 833)]

    with state.db.transaction() as session:
        islander = make_islander(session, line_user_id=USER, language="en")
        schedule_menu_link(session, islander)
    Worker(state.db, state.transport, state.jobs, worker_id="sim").run_once()
    linked = menu()
    assert "/static/richmenus/islander-en.png" in linked["image"]
    assert [a["action"]["text"] for a in linked["areas"]] == [
        "Notices", "Events", "Map", "Family code", "Settings", "Help"]
    assert all(item["via"] != "richmenu" for item in client.get(
        f"/dev/simulator/messages?user={USER}").get_json()["items"])

    state.transport.unlink_rich_menu(USER)
    assert menu()["id"] == default["id"]
