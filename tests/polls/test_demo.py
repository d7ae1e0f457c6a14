"""The demo island has an open poll: half answered, the rest can answer in the simulator."""

from __future__ import annotations

from sqlalchemy import func, select

from islandos.demo.island import demo_user_id
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.models.polls import Poll
from tests.notices.test_demo import run_demo
from tests.registration.conftest import Chat, texts


def test_the_demo_island_has_an_open_poll_to_answer(app, db, line, frozen_clock):
    output = run_demo(app)
    assert "demo poll: open until" in output
    assert "demo poll: in place" in run_demo(app)  # idempotent
    with db.transaction() as session:
        polls = session.scalars(select(Poll)).all()
        assert len(polls) == 1 and polls[0].recipient_count > 0
        waiting = session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.source == f"poll:{polls[0].id}",
            OutboxMessage.status != OutboxStatus.ACCEPTED))
    assert waiting == 0  # the demo sends nothing to LINE
    islander = Chat(line, demo_user_id("islander", 0))
    reply = islander.say("アンケート")
    assert "今年の敬老会は、どの会場がよいですか。" in texts(reply)
    assert "あなたの回答" not in texts(reply)  # left for the simulator to answer
    answered = islander.press(reply, "公民館")
    assert answered[0]["text"].startswith("「公民館」で受け付けました。")


def test_help_lists_polls_and_deletion_names_their_answers(state):
    assert "アンケート" not in state.registry.offers  # not in the menu: arrives when sent
    assert "アンケートへの名前つきの回答" in state.registry.erased_words
    assert any(item.text == "アンケート" for item in state.registry.router.help_items)
