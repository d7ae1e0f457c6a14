"""In a real browser: signing in with 2FA, approving an islander, reading the audit log."""

from __future__ import annotations

import pytest

from islandos.models.people import Role
from islandos.services.registration import request_approval
from tests.support.admin import totp_code
from tests.support.browser import serve, sign_in
from tests.support.factories import ADMIN_PASSWORD, make_admin, make_district, make_person

pytestmark = pytest.mark.browser


def test_office_signs_in_with_2fa_approves_an_islander_and_reads_the_audit_log(
        app, db, worker, fake_line, browser_page):
    with db.transaction() as session:
        _admin, secret = make_admin(session, username="yakuba")
        district = make_district(session, code="east", name_ja="東集落", name_en="East")
        person = make_person(session, role=Role.UNKNOWN)
        request_approval(session, person, full_name="比嘉 花子", phone=None,
                         district_id=district.id, actor=f"line:person:{person.id}")
        line_user = person.line_user_id
    page = browser_page
    with serve(app) as base:
        page.goto(f"{base}/admin/requests")
        assert "/admin/login" in page.url
        page.get_by_label("ユーザー名").fill("yakuba")
        page.get_by_label("パスワード").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.get_by_label("認証アプリの6けたのコード").fill(totp_code(secret))
        page.get_by_role("button", name="確認").click()
        page.wait_for_url(f"{base}/admin/requests")

        row = page.locator("tr", has_text="比嘉 花子")
        row.get_by_role("button", name="承認").click()
        page.get_by_text("比嘉 花子さんを島民として承認しました").wait_for()

        worker.run_once()
        pushes = [call.json for call in fake_line.calls("/v2/bot/message/push")]
        assert any(push["to"] == line_user for push in pushes)

        page.get_by_role("link", name="監査ログ").click()
        entry = page.locator("tr", has_text="島民登録の申請を承認")
        entry.wait_for()
        assert "アカウント yakuba" in entry.inner_text() and "比嘉 花子" in entry.inner_text()
        page.get_by_text("絞り込む").click()
        page.get_by_label("操作", exact=True).select_option(label="管理画面にログイン")
        page.get_by_role("button", name="検索").click()
        assert page.locator("tbody tr", has_text="管理画面にログイン").count() >= 1
        assert page.locator("tbody tr", has_text="島民登録の申請を承認").count() == 0


def test_a_new_admin_sets_up_2fa_in_the_browser(app, db, browser_page):
    with db.transaction() as session:
        make_admin(session, username="newboss", totp=False)
    page = browser_page
    with serve(app) as base:
        page.goto(f"{base}/admin/login")
        page.get_by_label("ユーザー名").fill("newboss")
        page.get_by_label("パスワード").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_url(f"{base}/admin/totp/setup")
        assert page.locator(".qr svg").count() == 1
        secret = page.get_by_test_id("totp-secret").inner_text()
        page.goto(f"{base}/admin/people")
        assert page.url == f"{base}/admin/totp/setup"
        page.get_by_label("6けたのコード").fill(totp_code(secret))
        page.get_by_role("button", name="有効にする").click()
        page.get_by_text("2段階認証を有効にしました").wait_for()
        page.get_by_role("link", name="島民・利用者").click()
        assert page.url == f"{base}/admin/people"


def test_revoking_an_invite_code_asks_first_and_cancelling_keeps_it(app, db, browser_page):
    from sqlalchemy import select

    from islandos.models.registration import InviteCode
    from islandos.services import registration as reg
    with db.transaction() as session:
        _admin, secret = make_admin(session, username="yakuba")
        (code,) = [c.code for c in reg.create_invite_codes(
            session, count=1, district_id=None, actor="cli")]
    questions: list[str] = []
    page = browser_page
    with serve(app) as base:
        sign_in(page, base, "yakuba", secret)
        page.goto(f"{base}/admin/invite-codes")
        revoke = page.get_by_role("button", name=f"{code} を取り消す")

        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
        revoke.click()
        page.wait_for_timeout(300)  # a submitted form would have left the page by now
        assert page.url == f"{base}/admin/invite-codes"
        with db.transaction() as session:
            assert session.scalars(select(InviteCode).where(InviteCode.code == code)).one() \
                .revoked_at is None

        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
        revoke.click()
        page.locator(".state-revoked").wait_for()
    assert questions == [f"コード {code} を取り消します。このコードでは、もう登録できません。"
                         "よろしいですか？"] * 2
    with db.transaction() as session:
        assert session.scalars(select(InviteCode).where(InviteCode.code == code)).one() \
            .revoked_at is not None
