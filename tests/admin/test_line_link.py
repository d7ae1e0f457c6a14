"""Linking an admin account to the admin's own LINE account with a one-time code."""

from __future__ import annotations

import re

from sqlalchemy import select

from islandos.models.admin import AdminUser
from islandos.models.audit import AuditEntry
from islandos.models.people import Person
from islandos.services.admin_accounts import admin_for_line_user
from tests.support.webhook import line_user_id, text_event

ADMIN_PHONE = line_user_id(77)


def issue_code(admin) -> str:
    page = admin.submit("/admin/account/line-code", page="/admin/account")
    assert page.status_code == 200
    return re.search(r'data-testid="link-code">[^<]*?(\d{6})<', page.get_data(as_text=True)
                     ).group(1)


def test_admin_types_the_code_in_line_and_the_accounts_are_linked(admin_client, line, db):
    admin = admin_client(username="office")
    code = issue_code(admin)
    line.post(text_event(ADMIN_PHONE, f"管理者 {code}", line.reply_token()))
    assert "office" in line.last_reply()[0]["text"]
    with db.transaction() as session:
        row = session.get(AdminUser, admin.admin.id)
        person = session.scalars(select(Person).where(Person.line_user_id == ADMIN_PHONE)).one()
        assert row.line_person_id == person.id
        assert admin_for_line_user(session, ADMIN_PHONE).id == admin.admin.id
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "admin.line_linked")).one()
        assert entry.actor == admin.actor
    assert "連携済み" in admin.get("/admin/account").get_data(as_text=True)


def test_the_english_form_and_full_width_digits_work(admin_client, line, db):
    admin = admin_client()
    code = issue_code(admin)
    wide = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    line.post(text_event(ADMIN_PHONE, f"Admin　{wide}", line.reply_token()))
    with db.transaction() as session:
        assert session.get(AdminUser, admin.admin.id).line_person_id is not None


def test_a_code_works_once_and_a_wrong_code_links_nothing(admin_client, line, db):
    admin = admin_client()
    code = issue_code(admin)
    wrong = "000000" if code != "000000" else "111111"
    line.post(text_event(ADMIN_PHONE, f"管理者 {wrong}", line.reply_token()))
    assert "使えません" in line.last_reply()[0]["text"]
    line.post(text_event(ADMIN_PHONE, f"管理者 {code}", line.reply_token()))
    other = line_user_id(78)
    line.post(text_event(other, f"管理者 {code}", line.reply_token()))
    assert "使えません" in line.last_reply()[0]["text"]
    with db.transaction() as session:
        assert admin_for_line_user(session, ADMIN_PHONE) is not None
        assert admin_for_line_user(session, other) is None


def test_guessing_codes_is_stopped_after_five_wrong_ones(admin_client, line, db):
    admin = admin_client()
    code = issue_code(admin)
    for n in range(5):
        guess = f"{n:06d}" if f"{n:06d}" != code else "999999"
        line.post(text_event(ADMIN_PHONE, f"管理者 {guess}", line.reply_token()))
    line.post(text_event(ADMIN_PHONE, f"管理者 {code}", line.reply_token()))
    assert "使えません" in line.last_reply()[0]["text"]
    with db.transaction() as session:
        assert admin_for_line_user(session, ADMIN_PHONE) is None


def test_a_new_code_replaces_the_old_one(admin_client, line, db):
    admin = admin_client()
    first = issue_code(admin)
    second = issue_code(admin)
    if first != second:
        line.post(text_event(ADMIN_PHONE, f"管理者 {first}", line.reply_token()))
        assert "使えません" in line.last_reply()[0]["text"]
    line.post(text_event(ADMIN_PHONE, f"管理者 {second}", line.reply_token()))
    with db.transaction() as session:
        assert admin_for_line_user(session, ADMIN_PHONE) is not None
