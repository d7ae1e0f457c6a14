"""People in the dashboard: search, a person's page, requests, invite codes, changes."""

from __future__ import annotations

from sqlalchemy import select

from islandos.models.audit import AuditEntry
from islandos.models.people import FamilyLink, Person, Role, Status
from islandos.models.registration import InviteCode, IslanderRequest, RequestStatus
from islandos.services.registration import request_approval
from tests.support.factories import make_district, make_islander, make_person, make_tourist


def audit_actions(db, actor: str) -> list[str]:
    with db.transaction() as session:
        return list(session.scalars(select(AuditEntry.action).where(AuditEntry.actor == actor)
                                    .order_by(AuditEntry.id)))


def make_request(db, name: str = "比嘉 花子") -> tuple[int, int]:
    with db.transaction() as session:
        district = make_district(session, code="east", name_ja="東集落", name_en="East")
        person = make_person(session, role=Role.UNKNOWN)
        request = request_approval(session, person, full_name=name, phone=None,
                                   district_id=district.id, actor=f"line:person:{person.id}")
        return person.id, request.id


def test_people_are_listed_and_searched_by_role_district_and_status(admin_client, db):
    with db.transaction() as session:
        north = make_district(session)
        south = make_district(session, code="south", name_ja="南集落", name_en="South")
        make_islander(session, full_name="比嘉 花子", district=north)
        make_islander(session, full_name="内間 太郎", district=south)
        make_tourist(session, full_name="Alice Visitor")
        make_islander(session, full_name="新垣 次郎", district=north, status=Status.UNFOLLOWED)
    viewer = admin_client(role="viewer", totp=False)
    page = viewer.get("/admin/people").get_data(as_text=True)
    assert all(name in page for name in ("比嘉 花子", "内間 太郎", "Alice Visitor"))
    islanders_north = viewer.get(f"/admin/people?role=islander&district={north.id}"
                                 ).get_data(as_text=True)
    assert "比嘉 花子" in islanders_north and "新垣 次郎" in islanders_north
    assert "内間 太郎" not in islanders_north and "Alice Visitor" not in islanders_north
    blocked = viewer.get("/admin/people?status=unfollowed").get_data(as_text=True)
    assert "新垣 次郎" in blocked and "比嘉 花子" not in blocked
    by_name = viewer.get("/admin/people?q=内間").get_data(as_text=True)
    assert "内間 太郎" in by_name and "比嘉 花子" not in by_name


def test_the_list_is_paged(admin_client, db):
    with db.transaction() as session:
        for n in range(55):
            make_tourist(session, full_name=f"Visitor {n:02d}")
    viewer = admin_client(role="viewer", totp=False)
    first = viewer.get("/admin/people").get_data(as_text=True)
    assert "Visitor 54" in first and "Visitor 04" not in first
    assert "1 / 2" in first
    second = viewer.get("/admin/people?page=2").get_data(as_text=True)
    assert "Visitor 04" in second and "Visitor 54" not in second


def test_a_persons_page_shows_role_district_language_and_family(admin_client, db):
    with db.transaction() as session:
        north = make_district(session)
        islander = make_islander(session, full_name="比嘉 花子", district=north, language="ja")
        relative = make_person(session, role=Role.FAMILY, full_name="比嘉 一郎", language="en")
        session.add(FamilyLink(family_person_id=relative.id, islander_person_id=islander.id))
    viewer = admin_client(role="viewer", totp=False)
    page = viewer.get(f"/admin/people/{islander.id}").get_data(as_text=True)
    assert "比嘉 花子" in page and "北集落" in page and "島民" in page
    assert "比嘉 一郎" in page
    # A viewer reads; there are no forms to change anything.
    assert "/role" not in page and "/delete" not in page
    other = viewer.get(f"/admin/people/{relative.id}").get_data(as_text=True)
    assert "比嘉 花子" in other
    assert viewer.get("/admin/people/99999").status_code == 404


def test_approving_an_islander_tells_them_in_line(admin_client, db, worker, fake_line):
    person_id, request_id = make_request(db)
    admin = admin_client()
    page = admin.get("/admin/requests").get_data(as_text=True)
    assert "比嘉 花子" in page
    response = admin.submit(f"/admin/requests/{request_id}/approve", page="/admin/requests",
                            follow_redirects=True)
    assert "比嘉 花子さんを島民として承認しました" in response.get_data(as_text=True)
    with db.transaction() as session:
        person = session.get(Person, person_id)
        assert person.role == Role.ISLANDER
        assert session.get(IslanderRequest, request_id).status == RequestStatus.APPROVED
        line_user = person.line_user_id
    worker.run_once()
    pushes = [call.json for call in fake_line.calls("/v2/bot/message/push")]
    assert any(push["to"] == line_user and "島民として登録されました" in push["messages"][0]["text"]
               for push in pushes)
    assert "islander_request.approved" in audit_actions(db, admin.actor)
    # Approving twice does not approve twice.
    again = admin.submit(f"/admin/requests/{request_id}/approve", follow_redirects=True)
    assert "すでに処理されています" in again.get_data(as_text=True)


def test_refusing_a_request_with_a_reason(admin_client, db, worker, fake_line):
    person_id, request_id = make_request(db)
    admin = admin_client()
    admin.submit(f"/admin/requests/{request_id}/refuse", {"reason": "島外の方のため"})
    with db.transaction() as session:
        request = session.get(IslanderRequest, request_id)
        assert request.status == RequestStatus.REFUSED
        assert request.reason == "島外の方のため"
        assert session.get(Person, person_id).role == Role.UNKNOWN
    worker.run_once()
    assert any("承認されませんでした" in call.json["messages"][0]["text"]
               for call in fake_line.calls("/v2/bot/message/push"))
    assert "islander_request.refused" in audit_actions(db, admin.actor)


def test_editors_and_viewers_cannot_approve(admin_client, db):
    _person_id, request_id = make_request(db)
    for role in ("editor", "viewer"):
        client = admin_client(role=role, totp=False)
        assert client.submit(f"/admin/requests/{request_id}/approve").status_code == 403
    with db.transaction() as session:
        assert session.get(IslanderRequest, request_id).status == RequestStatus.PENDING


def test_admin_makes_invite_codes_for_a_district(admin_client, db):
    with db.transaction() as session:
        north = make_district(session)
    admin = admin_client()
    response = admin.submit("/admin/invite-codes", {"count": "3", "district_id": str(north.id),
                                                    "valid_days": "30"},
                            page="/admin/invite-codes")
    assert response.status_code == 200
    with db.transaction() as session:
        codes = list(session.scalars(select(InviteCode)))
    assert len(codes) == 3
    assert all(code.district_id == north.id and code.created_by == admin.actor for code in codes)
    page = response.get_data(as_text=True)
    assert all(code.code in page for code in codes)
    too_many = admin.submit("/admin/invite-codes", {"count": "500", "district_id": "0"},
                            page="/admin/invite-codes")
    assert too_many.status_code == 400
    assert "1から50まで" in too_many.get_data(as_text=True)


def test_admin_changes_role_and_district_and_it_is_audited(admin_client, db):
    with db.transaction() as session:
        north = make_district(session)
        south = make_district(session, code="south", name_ja="南集落", name_en="South")
        person = make_islander(session, full_name="比嘉 花子", district=north)
    admin = admin_client()
    page = f"/admin/people/{person.id}"
    admin.submit(f"/admin/people/{person.id}/district", {"district_id": str(south.id)}, page=page)
    admin.submit(f"/admin/people/{person.id}/role", {"role": "family"}, page=page)
    with db.transaction() as session:
        changed = session.get(Person, person.id)
        assert changed.district_id == south.id
        assert changed.role == Role.FAMILY
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "person.district_changed")).one()
        assert entry.actor == admin.actor
        assert entry.before["district_id"] == north.id and entry.after["district_id"] == south.id


def test_deleting_a_persons_data_needs_the_checkbox(admin_client, db):
    with db.transaction() as session:
        person = make_islander(session, full_name="比嘉 花子", phone="098-000-0000")
    admin = admin_client()
    page = f"/admin/people/{person.id}"
    unchecked = admin.submit(f"/admin/people/{person.id}/delete", {}, page=page)
    assert unchecked.status_code == 400
    assert "確認のチェック" in unchecked.get_data(as_text=True)
    admin.submit(f"/admin/people/{person.id}/delete", {"confirm": "y"}, page=page)
    with db.transaction() as session:
        deleted = session.get(Person, person.id)
        assert deleted.status == Status.DELETED
        assert deleted.full_name is None and deleted.phone is None


def test_role_required_admits_higher_roles(admin_client, db):
    with db.transaction() as session:
        person = make_islander(session)
    editor = admin_client(role="editor", totp=False)
    assert editor.submit(f"/admin/people/{person.id}/role", {"role": "tourist"}
                         ).status_code == 403
    assert editor.get("/admin/invite-codes").status_code == 403
    assert admin_client().get("/admin/invite-codes").status_code == 200


def test_changes_to_someone_or_something_missing_answer_404_and_change_nothing(admin_client, db):
    admin = admin_client()
    before = audit_actions(db, admin.actor)
    assert admin.submit("/admin/people/99999/role", {"role": Role.TOURIST}).status_code == 404
    assert admin.submit("/admin/people/99999/delete").status_code == 404
    assert admin.submit("/admin/requests/99999/approve").status_code == 404
    assert admin.submit("/admin/requests/99999/refuse", {"reason": ""}).status_code == 404
    assert audit_actions(db, admin.actor) == before

