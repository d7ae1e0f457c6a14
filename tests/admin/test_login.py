"""Signing in: password, TOTP, lockout, throttling, CSRF, session expiry."""

from __future__ import annotations

import re

from sqlalchemy import select

from islandos import create_app
from islandos.extensions import islandos_state
from islandos.models.admin import AdminUser
from islandos.models.audit import AuditEntry
from tests.conftest import app_overrides
from tests.support.admin import csrf_token_in, log_in, totp_code
from tests.support.factories import ADMIN_PASSWORD, make_admin


def actions(db) -> list[str]:
    with db.transaction() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_every_admin_page_needs_a_login(client):
    for url in ("/admin/", "/admin/people", "/admin/audit", "/admin/audit.csv",
                "/admin/requests", "/admin/account", "/admin/accounts"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/admin/login" in response.location


def test_admin_signs_in_with_password_and_totp(client, db, frozen_clock):
    with db.transaction() as session:
        _admin, secret = make_admin(session, username="kudaka")
    response = log_in(client, "kudaka", ADMIN_PASSWORD)
    assert response.status_code == 302
    assert "/admin/login/code" in response.location
    # Without the code nothing else opens.
    assert client.get("/admin/people").status_code == 302
    page = client.get("/admin/login/code")
    response = client.post("/admin/login/code", data={
        "csrf_token": csrf_token_in(page.get_data(as_text=True)), "code": totp_code(secret)})
    assert response.status_code == 302
    home = client.get("/admin/")
    assert home.status_code == 200
    assert "島民・利用者" in home.get_data(as_text=True)
    assert "admin.login" in actions(db)


def test_a_wrong_totp_code_is_refused_and_the_same_code_never_works_twice(client, db,
                                                                            frozen_clock):
    with db.transaction() as session:
        _admin, secret = make_admin(session, username="kudaka")
    log_in(client, "kudaka")
    token = csrf_token_in(client.get("/admin/login/code").get_data(as_text=True))
    wrong = client.post("/admin/login/code", data={"csrf_token": token, "code": "000000"
                                                   if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "確認コードが違います" in wrong.get_data(as_text=True)
    code = totp_code(secret)
    assert client.post("/admin/login/code", data={"csrf_token": token, "code": code}
                       ).status_code == 302
    # A second browser replaying the same code in the same 30 seconds is refused.
    other = client.application.test_client()
    log_in(other, "kudaka")
    token = csrf_token_in(other.get("/admin/login/code").get_data(as_text=True))
    replay = other.post("/admin/login/code", data={"csrf_token": token, "code": code})
    assert replay.status_code == 200
    assert other.get("/admin/").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, db):
    with db.transaction() as session:
        make_admin(session, username="kudaka")
    response = log_in(client, "kudaka", "not the password")
    assert response.status_code == 200
    assert "ユーザー名またはパスワードが違います" in response.get_data(as_text=True)
    unknown = log_in(client, "nobody", "not the password")
    assert "ユーザー名またはパスワードが違います" in unknown.get_data(as_text=True)
    assert actions(db) == ["admin.login_failed"]


def test_five_wrong_passwords_lock_the_account(client, db, frozen_clock):
    with db.transaction() as session:
        make_admin(session, username="kudaka", totp=False, role="viewer")
    for _ in range(5):
        log_in(client, "kudaka", "wrong password!")
    response = log_in(client, "kudaka", ADMIN_PASSWORD)
    assert response.status_code == 200
    assert "ロック中です" in response.get_data(as_text=True)
    frozen_clock(minutes=16)
    assert log_in(client, "kudaka", ADMIN_PASSWORD).status_code == 302


def test_login_attempts_from_one_address_are_throttled(client, db):
    with db.transaction() as session:
        make_admin(session, username="kudaka")
    statuses = [log_in(client, f"guess{n}", "wrong password!").status_code for n in range(12)]
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]
    assert "試行が多すぎます" in log_in(client, "kudaka").get_data(as_text=True)


def test_admin_without_totp_must_set_it_up_before_anything_else(client, db, frozen_clock):
    with db.transaction() as session:
        make_admin(session, username="newboss", totp=False)
    response = log_in(client, "newboss")
    assert response.location.endswith("/admin/totp/setup")
    for url in ("/admin/", "/admin/people", "/admin/audit"):
        assert client.get(url).location.endswith("/admin/totp/setup"), url
    page = client.get("/admin/totp/setup").get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert "<svg" in page
    bad = client.post("/admin/totp/setup", data={"csrf_token": csrf_token_in(page),
                                                 "code": "12345"})
    assert "6けたの数字" in bad.get_data(as_text=True)
    done = client.post("/admin/totp/setup", data={"csrf_token": csrf_token_in(page),
                                                  "code": totp_code(secret)})
    assert done.status_code == 302
    assert client.get("/admin/people").status_code == 200
    with db.transaction() as session:
        admin = session.scalars(select(AdminUser).where(AdminUser.username == "newboss")).one()
        assert admin.totp_enabled
    assert "admin.totp_enabled" in actions(db)


def test_editor_may_sign_in_without_totp(client, db):
    with db.transaction() as session:
        make_admin(session, username="writer", role="editor", totp=False)
    assert log_in(client, "writer").location.endswith("/admin/")
    assert client.get("/admin/people").status_code == 200


def test_a_post_without_a_csrf_token_is_refused(admin_client, client, db):
    with db.transaction() as session:
        make_admin(session, username="kudaka")
    refused = client.post("/admin/login", data={"username": "kudaka",
                                                "password": ADMIN_PASSWORD})
    assert refused.status_code == 400
    signed_in = admin_client()
    response = signed_in.client.post("/admin/account/line-code", data={})
    assert response.status_code == 400
    response = signed_in.client.post("/admin/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400


def test_the_session_ends_after_idle_time_and_after_its_lifetime(admin_client, frozen_clock):
    signed_in = admin_client()
    frozen_clock(minutes=29)
    assert signed_in.get("/admin/").status_code == 200
    frozen_clock(minutes=31)
    assert signed_in.get("/admin/").status_code == 302
    again = admin_client()
    for _ in range(17):
        frozen_clock(minutes=29)
        response = again.get("/admin/")
    assert response.status_code == 302  # 8 hours after signing in, even while busy


def test_the_session_cookie_is_http_only_and_same_site(client, db):
    with db.transaction() as session:
        make_admin(session, username="kudaka", role="viewer", totp=False)
    response = log_in(client, "kudaka")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_logout_ends_the_session(admin_client, db):
    signed_in = admin_client()
    assert signed_in.submit("/admin/logout").status_code == 302
    assert signed_in.get("/admin/").status_code == 302
    assert "admin.logout" in actions(db)


def test_pages_are_in_english_with_lang_en(admin_client):
    page = admin_client().get("/admin/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page


def test_the_session_timeouts_are_settings(app, database_url, fake_line, frozen_clock):
    # `app` empties the tables afterwards; this second app uses the same database.
    short = create_app(app_overrides(database_url, fake_line, admin_idle_minutes=5,
                                     admin_session_hours=1))
    assert short.permanent_session_lifetime.total_seconds() == 3600
    state = islandos_state(short)
    with state.db.transaction() as session:
        make_admin(session, username="short", role="viewer", totp=False)
    client = short.test_client()
    assert log_in(client, "short").status_code == 302
    frozen_clock(minutes=4)
    assert client.get("/admin/").status_code == 200
    frozen_clock(minutes=6)
    assert client.get("/admin/").status_code == 302  # idle for 6 minutes: signed out
    assert log_in(client, "short").status_code == 302
    for _ in range(16):
        frozen_clock(minutes=4)
        response = client.get("/admin/")
    assert response.status_code == 302  # an hour after signing in, even while busy
    state.db.dispose()
