"""Who answered a named poll is personal data: its page and CSV are in the audit log (who
looked, how many people); an anonymous poll shows nobody, so nothing is recorded."""

from __future__ import annotations

from sqlalchemy import select

from islandos.models import AuditEntry
from islandos.services.audit import READ_ACTION
from tests.polls.conftest import chat_of, make_poll, tap_option


def reads(db) -> list[AuditEntry]:
    with db.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == READ_ACTION)
                                    .order_by(AuditEntry.id)))


def test_a_named_polls_page_and_csv_are_audited(db, island, line, admin_client, frozen_clock):
    poll_id = make_poll(db)
    for name, option in (("taro", 1), ("jiro", 3)):
        tap_option(chat_of(line, island, name), poll_id, option)
    viewer = admin_client(role="viewer")
    viewer.get(f"/admin/polls/{poll_id}")
    viewer.get(f"/admin/polls/{poll_id}/results.csv")
    page, exported = reads(db)
    assert (page.actor, page.target, page.after) == (
        viewer.actor, f"poll:{poll_id}", {"what": "poll.page", "people": 2})
    assert (exported.target, exported.after) == (f"poll:{poll_id}",
                                                 {"what": "poll.csv", "people": 2})


def test_an_anonymous_poll_shows_nobody_and_records_no_read(db, island, line, admin_client,
                                                            frozen_clock):
    poll_id = make_poll(db, anonymous=True)
    tap_option(chat_of(line, island, "taro"), poll_id, 1)
    viewer = admin_client(role="viewer")
    viewer.get(f"/admin/polls/{poll_id}")
    viewer.get(f"/admin/polls/{poll_id}/results.csv")
    assert reads(db) == []
