"""An event's page, its CSV and its sign-in sheet show names: each view is in the audit log
with who looked and how many people it showed, never the names themselves."""

from __future__ import annotations

from sqlalchemy import select

from islandos.models import AuditEntry
from islandos.services.audit import READ_ACTION
from tests.events.conftest import make_event


def reads(db) -> list[AuditEntry]:
    with db.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == READ_ACTION)
                                    .order_by(AuditEntry.id)))


def test_the_tally_the_csv_and_the_sign_in_sheet_are_audited(app, db, island, admin_client):
    event_id = make_event(db)
    viewer = admin_client(role="viewer")
    assert "島 太郎" in viewer.get(f"/admin/events/{event_id}").get_data(as_text=True)
    assert "島 太郎" in viewer.get(f"/admin/events/{event_id}/answers.csv").get_data(
        as_text=True)
    viewer.get(f"/admin/events/{event_id}/sheet")
    page, exported, sheet = reads(db)
    assert {entry.actor for entry in (page, exported, sheet)} == {viewer.actor}
    assert {entry.target for entry in (page, exported, sheet)} == {f"event:{event_id}"}
    assert page.after == {"what": "event.page", "people": 5}  # four islanders and ume
    assert exported.after == {"what": "event.csv", "people": 5}
    assert sheet.after == {"what": "event.sign_in_sheet", "people": 0}  # nobody attends yet
    assert "太郎" not in " ".join(f"{e.note} {e.before} {e.after}" for e in reads(db))
