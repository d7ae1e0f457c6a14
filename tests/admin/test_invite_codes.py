"""Invite codes in the dashboard: the list (unused, used by whom and when, expired, revoked)
and revoking one, which LINE then refuses."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from islandos.clock import now
from islandos.models.audit import AuditEntry
from islandos.models.registration import InviteCode
from islandos.services import registration as reg
from tests.registration.conftest import Chat, texts
from tests.support.factories import make_district, make_islander
from tests.support.webhook import line_user_id


def _codes(db, count=1, district_id=None, expires_at=None) -> list[str]:
    with db.transaction() as session:
        return [c.code for c in reg.create_invite_codes(
            session, count=count, district_id=district_id, actor="cli", expires_at=expires_at)]


def _row(page: str, code: str) -> str:
    found = re.search(r"<tr[^>]*>(?:(?!</tr>).)*" + code + r"(?:(?!</tr>).)*</tr>", page, re.S)
    assert found, f"no row for {code}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split())


def test_the_list_shows_each_code_as_unused_used_by_whom_expired_or_revoked(
        admin_client, db, frozen_clock):
    with db.transaction() as session:
        east = make_district(session, code="east", name_ja="東集落", name_en="East")
        east_id = east.id
    (unused,) = _codes(db, district_id=east_id)
    (used,) = _codes(db)
    (expired,) = _codes(db, expires_at=now() + timedelta(days=1))
    (revoked,) = _codes(db)
    with db.transaction() as session:
        hanako = make_islander(session, full_name="比嘉 花子")
        code = session.scalars(select(InviteCode).where(InviteCode.code == used)).one()
        code.used_at, code.used_by_person_id = now(), hanako.id
        session.scalars(select(InviteCode).where(InviteCode.code == revoked)).one() \
            .revoked_at = now()
        hanako_id = hanako.id
    frozen_clock(days=2)
    admin = admin_client()
    page = admin.get("/admin/invite-codes").get_data(as_text=True)
    assert "未使用" in _row(page, unused) and "東集落" in _row(page, unused)
    assert "コマンド（CLI）" in _row(page, unused)  # who made it
    assert "取り消す" in _row(page, unused)
    used_row = _row(page, used)
    assert "使用済み" in used_row and "比嘉 花子" in used_row
    assert "2026年11月25日" in used_row  # when (the frozen clock's day)
    assert f'href="/admin/people/{hanako_id}"' in page
    assert "期限切れ" in _row(page, expired) and "取り消す" not in _row(page, expired)
    assert "取り消し済み" in _row(page, revoked) and "取り消す" not in _row(page, revoked)
    assert "取り消す" not in used_row

    only_unused = admin.get("/admin/invite-codes?state=unused").get_data(as_text=True)
    assert unused in only_unused and used not in only_unused and expired not in only_unused
    assert re.search(r"未使用 <span class=\"badge\">1</span>", page)
    only_used = admin.get("/admin/invite-codes?state=used").get_data(as_text=True)
    assert used in only_used and unused not in only_used


def test_a_revoked_code_no_longer_registers_anyone_and_the_revoke_is_audited(
        admin_client, db, line):
    (code,) = _codes(db)
    with db.transaction() as session:
        code_id = session.scalars(select(InviteCode.id).where(InviteCode.code == code)).one()
    admin = admin_client()
    response = admin.submit(f"/admin/invite-codes/{code_id}/revoke", page="/admin/invite-codes",
                            follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"招待コード {code} を取り消しました" in page
    assert "取り消し済み" in _row(page, code)
    again = admin.submit(f"/admin/invite-codes/{code_id}/revoke", page="/admin/invite-codes",
                         follow_redirects=True)
    assert "取り消せません" in again.get_data(as_text=True)
    assert admin.submit("/admin/invite-codes/999999/revoke",
                        page="/admin/invite-codes").status_code == 404
    with db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "invite_code.revoked")).one()
        assert entry.actor == admin.actor and entry.target == f"invite_code:{code_id}"
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert "招待コードを取り消し" in log and "状態: 未使用 → 取り消し済み" in " ".join(
        re.sub(r"<[^>]+>", "", log).split())

    chat = Chat(line, line_user_id(7))
    reply = chat.press(chat.follow(), "日本語")
    reply = chat.press(reply, "島民です")
    reply = chat.say(code)
    assert "役場が取り消しました" in texts(reply)


def test_only_admins_may_revoke_and_a_revoke_needs_its_csrf_token(admin_client, db):
    (code,) = _codes(db)
    with db.transaction() as session:
        code_id = session.scalars(select(InviteCode.id).where(InviteCode.code == code)).one()
    editor = admin_client(role="editor", totp=False)
    assert editor.submit(f"/admin/invite-codes/{code_id}/revoke").status_code == 403
    admin = admin_client()
    assert admin.client.post(f"/admin/invite-codes/{code_id}/revoke").status_code == 400
    with db.transaction() as session:
        assert session.get(InviteCode, code_id).revoked_at is None
