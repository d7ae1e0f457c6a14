"""Dashboard sessions end for real: logout, a password change, a TOTP reset, a role change or a
deactivation refuse every cookie of the account, copies included; an account sees and ends
its own sessions under "My account"."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from islandos.cli import main
from islandos.models.audit import AuditEntry
from islandos.services.admin_sessions import summarize_user_agent
from tests.support.admin import AdminClient, log_in
from tests.support.factories import ADMIN_PASSWORD, make_admin

CHROME_ON_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                     "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
SAFARI_ON_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
                    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")
FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def copy_of(browser: AdminClient) -> FlaskClient:
    """Another browser holding a copy of this one's session cookie (as a thief would)."""
    thief = browser.client.application.test_client()
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    return thief


def sign_in(app: Flask, username: str, secret: str | None, frozen_clock,
            user_agent: str = CHROME_ON_WINDOWS) -> FlaskClient:
    """The account signs in from another browser (30 s later: a TOTP code works only once)."""
    frozen_clock(seconds=30)
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = user_agent
    response = log_in(browser, username, ADMIN_PASSWORD, secret)
    assert response.status_code == 302 and "/admin/login" not in response.location
    return browser


def another_browser(app: Flask, signed_in: AdminClient, frozen_clock) -> AdminClient:
    browser = sign_in(app, signed_in.admin.username, signed_in.totp_secret, frozen_clock)
    return AdminClient(browser, signed_in.admin, signed_in.totp_secret)


def refused(browser: AdminClient | FlaskClient) -> bool:
    """The browser is sent to the login page instead of seeing the list of people."""
    response = browser.get("/admin/people")
    return response.status_code == 302 and "/admin/login" in response.location


def audit_notes(db, action: str) -> list[str | None]:
    with db.transaction() as session:
        return list(session.scalars(select(AuditEntry.note).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)))


def test_a_cookie_copied_before_logout_is_refused_afterwards(admin_client, db, frozen_clock):
    office = admin_client()
    thief = copy_of(office)
    assert thief.get("/admin/people").status_code == 200  # the copy works while signed in
    assert office.submit("/admin/logout").status_code == 302
    assert refused(thief)
    assert refused(office)
    assert len(audit_notes(db, "admin.logout")) == 1


def test_a_password_change_signs_out_every_other_browser_and_this_one_goes_on(
        app, admin_client, db, frozen_clock):
    office = admin_client()
    laptop = another_browser(app, office, frozen_clock)
    thief = copy_of(office)
    response = office.submit("/admin/account/password",
                             {"current": ADMIN_PASSWORD, "new": "a brand new passphrase"},
                             page="/admin/account")
    assert response.status_code == 302
    assert refused(laptop)
    assert refused(thief)  # a copy of the changing browser's old cookie too
    page = office.get("/admin/account")
    assert page.status_code == 200
    assert "ほかの端末ではログアウトしました" in page.get_data(as_text=True)
    assert audit_notes(db, "admin.password_changed") == ["2 session(s) ended"]


def test_a_password_change_does_not_stretch_the_eight_hours_of_a_sign_in(
        admin_client, frozen_clock):
    office = admin_client()
    for _ in range(16):  # busy for 7 h 44 min
        frozen_clock(minutes=29)
        assert office.get("/admin/").status_code == 200
    office.submit("/admin/account/password",
                  {"current": ADMIN_PASSWORD, "new": "a brand new passphrase"},
                  page="/admin/account")
    frozen_clock(minutes=17)  # 8 h 1 min after signing in
    assert refused(office)


def test_a_totp_reset_signs_the_account_out_everywhere(app, admin_client, db, frozen_clock):
    boss = admin_client()
    clerk = admin_client()
    clerk_laptop = another_browser(app, clerk, frozen_clock)
    response = boss.submit(f"/admin/accounts/{clerk.admin.id}/reset-totp", page="/admin/accounts")
    assert response.status_code == 302
    assert refused(clerk) and refused(clerk_laptop)
    assert not refused(boss)
    again = log_in(app.test_client(), clerk.admin.username)
    assert again.location.endswith("/admin/totp/setup")  # set up anew before anything else


def test_a_totp_reset_from_the_command_line_signs_the_account_out_too(app, admin_client):
    clerk = admin_client()
    result = app.test_cli_runner().invoke(main, ["admin", "reset-totp", clerk.admin.username])
    assert result.exit_code == 0, result.output
    assert refused(clerk)


def test_a_role_change_signs_the_account_out(app, admin_client, db, frozen_clock):
    boss = admin_client()
    writer = admin_client(role="editor", totp=False)
    assert writer.get("/admin/notices/new").status_code == 200
    boss.submit(f"/admin/accounts/{writer.admin.id}/role", {"role": "viewer"},
                page="/admin/accounts")
    assert refused(writer)
    viewer = sign_in(app, writer.admin.username, None, frozen_clock)
    assert viewer.get("/admin/notices/new").status_code == 403  # signed in again, as a viewer
    assert audit_notes(db, "admin.role_changed") == ["1 session(s) ended"]


def test_a_deactivated_account_stays_signed_out_when_it_is_enabled_again(
        app, admin_client, frozen_clock):
    boss = admin_client()
    writer = admin_client(role="editor", totp=False)
    boss.submit(f"/admin/accounts/{writer.admin.id}/disable", page="/admin/accounts")
    assert refused(writer)
    boss.submit(f"/admin/accounts/{writer.admin.id}/disable", page="/admin/accounts")  # enable
    assert refused(writer)  # the old session ended; it was not only hidden
    assert sign_in(app, writer.admin.username, None, frozen_clock).get(
        "/admin/people").status_code == 200


def session_rows(html: str) -> list[str]:
    return re.findall(r'<tr data-testid="session">(.*?)</tr>', html, re.DOTALL)


def end_url(row: str) -> str:
    found = re.search(r'action="(/admin/account/sessions/\d+/end)"', row)
    assert found, row
    return found.group(1)


def test_an_account_sees_where_it_is_signed_in_and_signs_out_another_browser(
        app, db, admin_client, frozen_clock):
    with db.transaction() as session:
        admin, secret = make_admin(session, username="kudaka")
    desk = AdminClient(sign_in(app, "kudaka", secret, frozen_clock, CHROME_ON_WINDOWS),
                       admin, secret)
    phone = sign_in(app, "kudaka", secret, frozen_clock, SAFARI_ON_IPHONE)
    half_way = app.test_client()
    log_in(half_way, "kudaka")  # password only, no code yet: not a signed-in browser
    rows = session_rows(desk.get("/admin/account").get_data(as_text=True))
    assert len(rows) == 2
    [mine] = [row for row in rows if "Chrome, Windows" in row]
    [other] = [row for row in rows if "Safari, iPhone" in row]
    assert "この端末" in mine and "/end" not in mine
    assert "2026年11月25日(水) 9:01" in other  # when it signed in (Japan time)

    boss = admin_client()
    assert boss.submit(end_url(other), page="/admin/account").status_code == 404
    assert not refused(phone)  # nobody ends another account's sessions from "My account"

    assert desk.submit(end_url(other), page="/admin/account").status_code == 302
    assert refused(phone)
    assert not refused(desk)
    rows = session_rows(desk.get("/admin/account").get_data(as_text=True))
    assert len(rows) == 1 and "この端末" in rows[0]
    with db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "admin.session_ended")).one()
    assert entry.actor == f"admin:{admin.id}"
    assert "Safari, iPhone" in (entry.note or "")


def test_an_account_signs_out_all_its_other_browsers_at_once(app, db, frozen_clock):
    with db.transaction() as session:
        admin, secret = make_admin(session, username="kudaka")
    desk = AdminClient(sign_in(app, "kudaka", secret, frozen_clock), admin, secret)
    phone = sign_in(app, "kudaka", secret, frozen_clock, SAFARI_ON_IPHONE)
    home = sign_in(app, "kudaka", secret, frozen_clock, FIREFOX_ON_LINUX)
    assert "Firefox, Linux" in desk.get("/admin/account").get_data(as_text=True)
    response = desk.submit("/admin/account/sessions/end-others", page="/admin/account")
    assert response.status_code == 302
    assert refused(phone) and refused(home)
    assert not refused(desk)
    assert audit_notes(db, "admin.sessions_ended") == ["2 other session(s)"]


def test_ending_sessions_needs_a_csrf_token(app, db, frozen_clock):
    with db.transaction() as session:
        make_admin(session, username="kudaka", role="editor", totp=False)
    desk = sign_in(app, "kudaka", None, frozen_clock)
    phone = sign_in(app, "kudaka", None, frozen_clock, SAFARI_ON_IPHONE)
    assert desk.post("/admin/account/sessions/end-others").status_code == 400
    assert not refused(phone)


def test_the_browser_is_summed_up_without_anything_that_identifies_it():
    assert summarize_user_agent(CHROME_ON_WINDOWS) == "Chrome, Windows"
    assert summarize_user_agent(SAFARI_ON_IPHONE) == "Safari, iPhone"
    assert summarize_user_agent("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, "
                                "like Gecko) Chrome/131.0 Mobile Safari/537.36 Line/14.19.0"
                                ) == "LINE, Android"
    assert summarize_user_agent("curl/8.5.0") == ""
    assert summarize_user_agent(None) == ""
