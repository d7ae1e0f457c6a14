"""The audit log, the pause banner, the navigation other features extend, accounts, CLI."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from islandos.cli import main
from islandos.clock import now
from islandos.models.admin import AdminUser
from islandos.models.audit import AuditEntry
from islandos.models.system import SendingPause
from islandos.services import audit
from tests.support.admin import log_in


def test_the_audit_log_cannot_be_changed_over_the_web(admin_client, db):
    with db.transaction() as session:
        entry = audit.record(session, "cli", "something.done", None)
    admin = admin_client()
    for url in ("/admin/audit", f"/admin/audit/{entry.id}", "/admin/audit.csv"):
        assert admin.submit(url, {"action": "changed"}).status_code in (404, 405)
    with db.transaction() as session:
        assert session.get(AuditEntry, entry.id).action == "something.done"


def test_a_banner_shows_when_sending_is_paused(admin_client, db):
    viewer = admin_client(role="viewer", totp=False)
    assert "送信を一時停止" not in viewer.get("/admin/").get_data(as_text=True)
    with db.transaction() as session:
        session.add(SendingPause(reason="monthly_limit", detail="429 You have reached your "
                                 "monthly limit.", paused_at=now(),
                                 resume_at=now() + timedelta(days=3)))
    page = viewer.get("/admin/people").get_data(as_text=True)
    assert "送信を一時停止" in page and "上限" in page and "monthly limit" in page
    english = viewer.get("/admin/people?lang=en").get_data(as_text=True)
    assert "Sending to LINE is paused" in english


def test_features_add_menu_entries_by_role(admin_client, app):
    viewer_page = admin_client(role="viewer", totp=False).get("/admin/").get_data(as_text=True)
    admin_page = admin_client().get("/admin/").get_data(as_text=True)
    assert 'href="/admin/accounts"' not in viewer_page
    assert 'href="/admin/accounts"' in admin_page
    assert 'href="/admin/audit"' in viewer_page


def test_admin_creates_an_editor_account_and_changes_its_role(admin_client, client, db):
    admin = admin_client()
    response = admin.submit("/admin/accounts", {"username": "writer", "role": "editor",
                                                "password": "long enough password"},
                            page="/admin/accounts")
    assert response.status_code == 302
    short = admin.submit("/admin/accounts", {"username": "other", "role": "editor",
                                             "password": "short"}, page="/admin/accounts")
    assert short.status_code == 400 and "10文字以上" in short.get_data(as_text=True)
    assert log_in(client, "writer", "long enough password").status_code == 302
    with db.transaction() as session:
        writer = session.scalars(select(AdminUser).where(AdminUser.username == "writer")).one()
    admin.submit(f"/admin/accounts/{writer.id}/role", {"role": "viewer"},
                 page="/admin/accounts")
    admin.submit(f"/admin/accounts/{writer.id}/disable", page="/admin/accounts")
    with db.transaction() as session:
        writer = session.get(AdminUser, writer.id)
        assert writer.role == "viewer" and writer.disabled
        assert {"admin.created", "admin.role_changed", "admin.disabled"} <= set(
            session.scalars(select(AuditEntry.action).where(AuditEntry.actor == admin.actor)))
    # A disabled account's open session ends at once.
    assert client.get("/admin/").status_code == 302
    assert admin_client(role="editor", totp=False).get("/admin/accounts").status_code == 403


def test_cli_creates_an_account_with_the_password_on_stdin(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["admin", "create", "office", "--role", "editor",
                                  "--password-stdin"], input="a long password here\n")
    assert result.exit_code == 0, result.output
    assert "created editor account 'office'" in result.output
    weak = runner.invoke(main, ["admin", "create", "weak", "--password-stdin"], input="short\n")
    assert weak.exit_code != 0
    prompted = runner.invoke(main, ["admin", "create", "boss", "--role", "admin"],
                             input="another long password\nanother long password\n")
    assert prompted.exit_code == 0, prompted.output
    with db.transaction() as session:
        names = dict(session.execute(select(AdminUser.username, AdminUser.role)).all())
        assert names == {"office": "editor", "boss": "admin"}
        assert session.scalars(select(AuditEntry.actor).where(
            AuditEntry.action == "admin.created")).all() == ["cli", "cli"]
