"""Every time an office account is shown personal data, the audit log says who, when, what
and how many people, and never the data itself (nor the words searched for)."""

from __future__ import annotations

from sqlalchemy import select

from islandos.clock import now
from islandos.models import AuditEntry, Role
from islandos.services.audit import READ_ACTION
from islandos.services.registration import request_approval
from tests.support.factories import make_district, make_person


def reads(db) -> list[AuditEntry]:
    with db.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == READ_ACTION)
                                    .order_by(AuditEntry.id)))


def people(db) -> dict[str, int]:
    with db.transaction() as session:
        north = make_district(session)
        made = {
            "hanako": make_person(session, Role.ISLANDER, district=north, full_name="比嘉 花子",
                                  phone="098-123-4567"),
            "jiro": make_person(session, Role.ISLANDER, district=north, full_name="宮城 次郎"),
            "asking": make_person(session, Role.UNKNOWN),
        }
        request_approval(session, made["asking"], full_name="安里 三郎", phone=None,
                         district_id=north.id, actor="line")
        return {name: person.id for name, person in made.items()}


def test_the_people_list_and_a_search_are_audited_without_the_search_words(
        app, db, admin_client, frozen_clock):
    people(db)
    viewer = admin_client(role="viewer")
    assert "比嘉 花子" in viewer.get("/admin/people").get_data(as_text=True)
    assert "比嘉 花子" in viewer.get("/admin/people?q=比嘉").get_data(as_text=True)
    listed, searched = reads(db)
    assert (listed.actor, listed.after) == (viewer.actor, {"what": "people.list", "people": 3})
    assert (searched.actor, searched.after) == (viewer.actor,
                                                {"what": "people.search", "people": 1})
    assert searched.at == now()
    assert "比嘉" not in f"{searched.target} {searched.note} {searched.before} {searched.after}"


def test_a_persons_page_is_audited_with_whose_page_it_was(app, db, admin_client):
    ids = people(db)
    editor = admin_client(role="editor")
    page = editor.get(f"/admin/people/{ids['hanako']}").get_data(as_text=True)
    assert "098-123-4567" in page
    [entry] = reads(db)
    assert entry.actor == editor.actor and entry.target == f"person:{ids['hanako']}"
    assert entry.after == {"what": "person.page", "people": 1}


def test_the_requests_page_is_audited(app, db, admin_client):
    people(db)
    office = admin_client(role="admin")
    assert "安里 三郎" in office.get("/admin/requests").get_data(as_text=True)
    [entry] = reads(db)
    assert entry.after == {"what": "people.requests", "people": 1}


def test_a_page_that_is_refused_or_missing_is_not_counted_as_a_read(app, db, admin_client):
    office = admin_client(role="admin")
    assert office.get("/admin/people/999999").status_code == 404
    assert office.get("/admin/people/999999/record").status_code == 404
    assert reads(db) == []
