"""「データを削除」 leaves nothing behind: on a populated island, after a person who used every
feature deletes their data (or the office does), no column of any table holds their LINE
user id, name or phone, and no row points at them any more. The tables come from
Base.metadata, so a table added later is searched too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from islandos.db import Base
from islandos.models import OutboxMessage, Person, WebhookEvent
from tests.privacy.island import NAME, PHONE, USER, live_on_the_island
from tests.registration.conftest import Chat, texts


def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "ignore")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def where_found(db, needles: list[str]) -> list[str]:
    """Every table.column whose value holds one of `needles` (as text; JSON decoded)."""
    found = []
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()).mappings():
                for column, value in row.items():
                    text = _as_text(value)
                    found += [f"{table.name}.{column} holds {needle!r}" for needle in needles
                              if needle in text]
    return found


def pointing_at(db, person_id: int) -> list[str]:
    """Every column with a foreign key to people.id that still points at the person."""
    found = []
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if any(fk.column.table.name == "people" for fk in column.foreign_keys):
                    hits = connection.execute(select(column).where(column == person_id)).all()
                    found += [f"{table.name}.{column.name}"] * bool(hits)
    return found


@pytest.mark.parametrize("who", ["the person in LINE", "the office"])
def test_after_deletion_no_table_holds_the_person(who, app, db, line, visitor, stripe_api,
                                                  stripe_webhook, worker, other_chat,
                                                  admin_client, fake_line):
    person_id = live_on_the_island(app, db, line, visitor, stripe_api, stripe_webhook, worker,
                                   other_chat)
    assert where_found(db, [USER, NAME, PHONE])  # the search finds what is there
    assert set(pointing_at(db, person_id)) >= {"fee_payments.person_id", "family_links."
                                               "islander_person_id", "ask_recipients.person_id"}
    if who == "the office":
        office = admin_client(role="admin")
        response = office.submit(f"/admin/people/{person_id}/delete", {"confirm": "y"})
        assert response.status_code == 302
    else:
        chat = Chat(line, USER)
        assert "データを削除しますか" in texts(chat.say("データを削除"))
        assert "削除しました" in texts(chat.tap("set.delete_confirm"))
    for _ in range(3):  # the rich menu unlink job; the office's goodbye push
        worker.run_once()
    if who == "the office":
        pushes = [call.json for call in fake_line.calls("/v2/bot/message/push")]
        assert pushes[-1]["to"] == USER and "削除しました" in json.dumps(
            pushes[-1]["messages"], ensure_ascii=False)

    assert where_found(db, [USER, NAME, PHONE, "0987654321"]) == []
    assert pointing_at(db, person_id) == []
    with db.transaction() as session:
        # What stays is anonymous and still counts: the event records (for dedupe), the sent
        # rows with their counts, the person's row with role and district.
        assert session.scalar(select(WebhookEvent.id).limit(1)) is not None
        assert all(count >= 1 for count in session.scalars(select(
            OutboxMessage.recipient_count).where(OutboxMessage.status == "accepted")))
        person = session.get(Person, person_id)
        assert person is not None and person.status == "deleted" and person.district_id
