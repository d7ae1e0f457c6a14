"""One islander who uses every feature on the demo island (for the privacy tests)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import update

from islandos.clock import now
from islandos.demo import seed_demo
from islandos.extensions import islandos_state
from islandos.models import AdminUser, RecordedMessage
from islandos.models.admin import AdminRole
from islandos.services import registration as reg
from islandos.services.disaster import mode as disaster_modes
from islandos.services.events.editing import create_event
from islandos.services.notices.drafts import NoticeInput
from islandos.services.notices.sending import create_and_submit
from islandos.services.polls.creating import PollInput, create_and_send
from tests.disaster.conftest import send_location
from tests.events.conftest import event_input
from tests.fees.conftest import checkout_session_of
from tests.registration.conftest import Chat, actions, family_code, person_of, texts
from tests.support.webhook import line_user_id

NAME, PHONE = "波照間 潮音", "098-765-4321"
USER = line_user_id(4242)


def live_on_the_island(app, db, line, visitor, stripe_api, stripe_webhook, worker,
                       other_chat) -> int:
    """The demo island, and one islander who uses every feature. Returns their person id."""
    state = islandos_state(app)
    with db.transaction() as session:
        seed_demo(session, state.registry.seeders)
        [code] = reg.create_invite_codes(session, count=1, district_id=None, actor="test")
        invite = code.code
    chat = Chat(line, USER)
    # Asks the office first (refused), types a wrong code, then registers with an invite code.
    chat.press(chat.press(chat.follow(), "日本語"), "島民です")
    chat.press(chat.tap("reg.approval"), "同意して進む")
    chat.press(chat.press(chat.say(NAME), "電話番号なしで進む"), "港集落")
    with db.transaction() as session:
        [request] = reg.pending_requests(session)
        reg.refuse_islander(session, request.id, "admin:1", reason="unknown")
    chat.press(chat.say("登録"), "島民です")
    assert "見つかりません" in texts(chat.say("ZZZZ9999"))
    chat.press(chat.say(invite), "同意して進む")
    chat.say(NAME)
    assert "登録が終わりました" in texts(chat.press(chat.say(PHONE), "港集落"))
    person = person_of(db, USER)
    assert (person.full_name, person.phone) == (NAME, PHONE)
    # Family: a relative links with the family code.
    code_for_family = family_code(chat, shown="登録したお名前")
    other_chat.press(other_chat.press(other_chat.follow(), "日本語"), "島の外の家族です")
    assert "つながりました" in texts(other_chat.say(code_for_family))
    # A notice to confirm, sent by the worker, confirmed in LINE.
    with db.transaction() as session:
        notice = create_and_submit(session, NoticeInput(
            title="断水のお知らせ", body_ja="明日9時から断水します。", audience_kind="islanders",
            priority="important"), "admin:1", "https://island.example.jp")
        notice_id = notice.id
    worker.run_once()
    assert "確認ありがとうございます" in texts(chat.tap("notice_confirm", notice=notice_id))
    # The map (the rules are shown once and remembered) and the entry contribution.
    chat.say("マップ")
    button = actions(chat.say("入島協力金"))["支払いへ進む"]
    session_id = checkout_session_of(
        visitor.pay(f"/fee?{urlsplit(button['uri']).query}", count_adult=1), stripe_api)
    stripe_webhook.send("checkout.session.completed", stripe_api.complete(session_id))
    worker.run_once()  # the pass is pushed to the chat
    # An event (参加, with a guest), a named poll, and a typhoon's safety check with a location.
    with db.transaction() as session:
        event_id = create_event(session, event_input(title="海岸清掃",
                                                     max_guests=3), "admin:1").id
        poll_id = create_and_send(session, PollInput(
            question_ja="敬老会の会場はどこがよいですか。", options_ja=("公民館", "体育館"),
            closes_at=now() + timedelta(days=3)), "admin:1").id
        mode_id = disaster_modes.start(session, "typhoon", "cli", safety_check=True,
                                       confirmed=True).id
    worker.run_once()
    assert "受け付けました" in texts(chat.tap("ev_answer", event=event_id, a="yes", n=2))
    chat.tap("poll_answer", poll=poll_id, o=1)
    chat.press(chat.tap("safety", m=mode_id, c="help"), "動けない")
    send_location(line, USER, 26.16, 127.89)
    # They are also an office account linked to their LINE, and the simulator recorded them.
    with db.transaction() as session:
        session.execute(update(AdminUser).where(AdminUser.role == AdminRole.ADMIN)
                        .values(line_person_id=person.id))
        session.add(RecordedMessage(line_user_id=USER, via="user",
                                    payload={"text": f"{NAME} {PHONE}"}))
    return person.id
