"""Anonymous polls: nobody can find out who chose what — not in the database, the logs, the
outbox or the replies. Each test compares a counterfactual: the same person answers two
identical anonymous polls differently, and everything the taps left behind is the same
except the anonymous answer itself, which names no person and holds no time."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import inspect, select, text

from islandos.db import Base
from islandos.models.asking import AnonymousAnswer, Ask, AskRecipient
from islandos.models.outbox import OutboxMessage
from tests.polls.conftest import (
    actions,
    anonymous_choices,
    answers_of,
    chat_of,
    make_poll,
    tap_option,
    texts,
)

Rows = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


def every_row(db) -> Rows:
    """Every row of every table, by primary key, as column -> value."""
    rows: Rows = {}
    with db.engine.connect() as connection:
        inspector = inspect(connection)
        for table in Base.metadata.sorted_tables:
            key = inspector.get_pk_constraint(table.name)["constrained_columns"]
            result = connection.execute(text(f'SELECT * FROM "{table.name}"')).mappings()
            rows[table.name] = {tuple(row[k] for k in key): dict(row) for row in result}
    return rows


def changes(before: Rows, after: Rows) -> dict[str, list[dict[str, Any]]]:
    """Rows added or changed, per table (nothing is deleted by a tap)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table, rows in after.items():
        for key, row in rows.items():
            if before[table].get(key) != row:
                found.setdefault(table, []).append(row)
    return found


def ask_of(db, poll_id: int) -> int:
    with db.transaction() as session:
        return session.scalars(select(Ask.id).where(Ask.subject_kind == "poll",
                                                    Ask.subject_id == poll_id)).one()


def normalized(found: dict[str, list[dict[str, Any]]], ask_id: int) -> dict[str, list[Any]]:
    """The changes without what differs between any two taps anyway: row ids, webhook event
    ids, which of the two polls' asks and the batch that carried it (the anonymous answer is
    checked on its own)."""
    out: dict[str, list[Any]] = {}
    for table, rows in found.items():
        if table == "anonymous_answers":
            continue
        out[table] = sorted(
            (sorted((column, "ASK" if column == "ask_id" and value == ask_id else value)
                    for column, value in row.items()
                    if column not in ("id", "webhook_event_id", "outbox_id")))
            for row in rows)
    return out


def log_lines(caplog, event_ids: list[str], poll_id: int) -> list[str]:
    lines = []
    for record in caplog.records:
        message = record.getMessage()
        for event_id in event_ids:
            message = message.replace(event_id, "EVENT")
        lines.append(message.replace(f"poll={poll_id}", "poll=POLL"))
    return lines


def test_an_anonymous_choice_leaves_nothing_that_tells_who_chose_it(
        db, island, line, fake_line, frozen_clock, caplog):
    first = make_poll(db, anonymous=True, question_ja="港の工事に賛成ですか。",
                      options_ja=("賛成", "反対", "どちらでもない"))
    second = make_poll(db, anonymous=True, question_ja="港の工事に賛成ですか。",
                       options_ja=("賛成", "反対", "どちらでもない"))
    taro = chat_of(line, island, "taro")
    seen: list[tuple[dict[str, list[Any]], list[dict[str, Any]], list[str]]] = []
    for poll_id, option in ((first, 1), (second, 2)):
        before = every_row(db)
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            reply = tap_option(taro, poll_id, option)
        after = every_row(db)
        found = changes(before, after)
        # What the tap stored: the "answered" mark (no time), the webhook event (no body),
        # and the anonymous answer: a random id, the ask, the choice; nothing else.
        assert set(found) == {"ask_recipients", "webhook_events", "anonymous_answers"}
        [answer] = found["anonymous_answers"]
        assert set(answer) == {"id", "ask_id", "choices"}
        assert answer["choices"] == 1 << (option - 1)
        assert len(answer["id"]) == 32 and int(answer["id"], 16) >= 0
        [mark] = found["ask_recipients"]
        assert mark["person_id"] == island.ids["taro"] and bool(mark["answered"])
        assert "outbox_messages" not in found
        event_ids = [row["webhook_event_id"] for row in found["webhook_events"]]
        seen.append((normalized(found, ask_of(db, poll_id)), reply,
                     log_lines(caplog, event_ids, poll_id)))
    (first_rows, first_reply, first_log), (second_rows, second_reply, second_log) = seen
    # Two different choices left the same traces: nothing but the unlinkable row differs.
    assert first_rows == second_rows
    assert first_reply == second_reply
    assert first_reply[0]["text"].startswith("回答を受け付けました。")
    assert "賛成" not in texts(first_reply) and "反対" not in texts(second_reply)
    assert first_log == second_log and first_log  # the taps were logged, identically
    assert not any(word in line for line in first_log + second_log
                   for word in ("賛成", "反対", "o=1", "o=2", "choices"))
    assert anonymous_choices(db, first) == [0b001]
    assert anonymous_choices(db, second) == [0b010]
    assert answers_of(db, first) == {} and answers_of(db, second) == {}


def test_no_column_anywhere_points_at_an_anonymous_answer_or_dates_it(db):
    assert {c.name for c in AnonymousAnswer.__table__.columns} == {"id", "ask_id", "choices"}
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            assert key.column.table.name != "anonymous_answers", table.name
    # The recipient's mark has no time of its own: only when it was asked.
    assert {c.name for c in AskRecipient.__table__.columns if "at" in c.name.split("_")} == {
        "reminded_at", "created_at"}


def test_anonymous_answers_are_counted_under_random_ids_not_a_counter(db, island, line,
                                                                     frozen_clock):
    poll_id = make_poll(db, anonymous=True)
    for name, option in (("taro", 1), ("kame", 2), ("jiro", 3), ("hanako", 1)):
        tap_option(chat_of(line, island, name), poll_id, option)
    assert anonymous_choices(db, poll_id) == [1, 1, 2, 4]
    ask_id = ask_of(db, poll_id)
    with db.transaction() as session:
        ids = list(session.scalars(select(AnonymousAnswer.id)))
        marks = session.scalars(select(AskRecipient.answered).where(
            AskRecipient.ask_id == ask_id)).all()
    # 128 random bits each (secrets.token_hex): no sequence to match with the marks.
    assert len(set(ids)) == 4 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert marks == [True] * 4  # every islander asked has the mark, and only that


def test_an_anonymous_answer_is_final_and_the_person_is_told_before(db, island, line,
                                                                     worker, fake_line,
                                                                     frozen_clock):
    poll_id = make_poll(db, anonymous=True)
    worker.run_once()
    card = next(c.json for c in fake_line.calls("/v2/bot/message/multicast"))["messages"]
    assert "送った回答はあとから変えられません" in texts(card)
    assert "匿名アンケート" in texts(card)
    # displayText is the same whatever is tapped: the chat does not show the choice.
    assert {a["displayText"] for a in actions(card).values()} == {"匿名で選びました"}
    taro = chat_of(line, island, "taro")
    tap_option(taro, poll_id, 1)
    again = tap_option(taro, poll_id, 2)
    assert again[0]["text"] == ("このアンケートには、もう回答していただいています。"
                                "匿名の回答は変えられません。")
    assert anonymous_choices(db, poll_id) == [0b001]
    frozen_clock(days=3)
    closed = tap_option(taro, poll_id, 2)
    assert closed[0]["text"] == "このアンケートは締め切りました。回答は受け付け済みです。"


def test_anonymous_multiple_choice_keeps_the_selection_out_of_the_database_and_outbox(
        db, island, line, fake_line, frozen_clock):
    poll_id = make_poll(db, anonymous=True, mode="multiple",
                        options_ja=("草刈り", "テント設営", "料理"))
    kame = chat_of(line, island, "kame")
    before = every_row(db)
    first = kame.tap("poll_pick", poll=poll_id, o=1)
    assert "選択中：草刈り" in texts(first)
    # LINE refuses the next reply for certain: it must not come back as a push.
    fake_line.script("/v2/bot/message/reply", 400, {"message": "Invalid reply token"})
    second = kame.press(first, "料理")
    assert second == []  # refused
    found = changes(before, every_row(db))
    assert set(found) == {"webhook_events"}  # the selection is nowhere but in the buttons
    with db.transaction() as session:
        assert session.scalars(select(OutboxMessage).where(
            OutboxMessage.source.like("reply:%"))).all() == []
    done = kame.tap("poll_send", poll=poll_id, sel=0b101)
    assert done[0]["text"].startswith("回答を受け付けました。")
    assert "草刈り" not in texts(done) and "料理" not in texts(done)
    assert anonymous_choices(db, poll_id) == [0b101]
    # The first card again: the poll is answered, so no selection is offered.
    assert "もう回答していただいています" in kame.tap("poll_pick", poll=poll_id, o=2)[0]["text"]
