"""The dashboard: write, preview (count and quota), send, follow confirmations, withdraw."""

from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import func, select

from islandos.line.events import postback_data
from islandos.models.audit import AuditEntry
from islandos.models.notices import Notice, NoticeImage
from tests.notices.conftest import notice, reached
from tests.support.webhook import postback_event

FORM = {"title": "断水のお知らせ", "body_ja": "明日9時から断水します。",
        "audience_kind": "islanders", "priority": "normal", "timing": "now",
        "reminder_hours": "24"}


def stored(db, model=Notice) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def previewed(editor, form: dict, url: str = "/admin/notices/new", **upload) -> dict:
    """Preview as the office does; returns the form to send, carrying what the preview showed."""
    if upload:
        response = editor.client.post(url, data={**form, **upload, "action": "preview",
                                                 "csrf_token": editor.csrf_token()},
                                      content_type="multipart/form-data")
    else:
        response = editor.submit(url, {**form, "action": "preview"})
    html = response.get_data(as_text=True)
    digest = re.search(r'name="previewed" value="([0-9a-f]{64})"', html)
    assert digest, html[:800]
    image_id = re.search(r'name="image_id" value="(\d*)"', html)
    carried = {"image_id": image_id.group(1)} if image_id and image_id.group(1) else {}
    return {**form, **carried, "previewed": digest.group(1), "action": "send"}


def recipients(html: str) -> dict[str, int]:
    """The confirmation step's people per language and in all, as the page states them."""
    found = {lang: int(n) for lang, n in re.findall(r'data-language="(ja|en)">(\d+) 人', html)}
    total = re.search(r'recipients-total">(\d+) 人', html)
    assert total, html[:800]
    return {**found, "total": int(total.group(1))}


def sent_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    found = re.search(r"/admin/notices/(\d+)$", response.location)
    assert found, response.location
    return int(found.group(1))


def test_an_editor_previews_then_sends_and_sees_who_confirmed(
        admin_client, db, island, worker, fake_line, line):
    editor = admin_client(role="editor")
    page = editor.get("/admin/notices/new")
    assert page.status_code == 200
    preview = editor.submit("/admin/notices/new", {**FORM, "priority": "important",
                                                   "action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert recipients(html) == {"ja": 2, "en": 1, "total": 3}  # hanako reads English
    assert "確認しました" in html
    assert "【重要】断水のお知らせ" in html  # the alt text shown in the notification
    assert stored(db) == 0  # a preview stores nothing
    notice_id = sent_id(editor.submit("/admin/notices/new",
                                      previewed(editor, {**FORM, "priority": "important"})))
    worker.run_once()
    assert len(reached(fake_line)) == 3
    line.post(postback_event(island.uid("taro"), postback_data("notice_confirm", notice=notice_id),
                             line.reply_token()))
    detail = editor.get(f"/admin/notices/{notice_id}").get_data(as_text=True)
    assert "北集落" in detail and "南集落" in detail
    not_yet = detail.split("まだ確認していない人")[1]
    assert "島 花子" in not_yet and "島 次郎" in not_yet and "島 太郎" not in not_yet
    with db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "notice.sent")).one()
    assert entry.actor == editor.actor


def test_emergency_and_everyone_need_a_second_confirmation(admin_client, db, island):
    editor = admin_client(role="editor")
    for changes in ({"priority": "emergency"}, {"audience_kind": "everyone"}):
        response = editor.submit("/admin/notices/new", previewed(editor, {**FORM, **changes}))
        assert response.status_code == 200
        assert "確認の画面で確かめてから送ってください" in response.get_data(as_text=True)
        assert stored(db) == 0
    sent_id(editor.submit("/admin/notices/new", previewed(
        editor, {**FORM, "priority": "emergency", "confirm_send": "yes"})))
    assert stored(db) == 1


def test_the_preview_warns_when_the_months_quota_would_be_exceeded(
        admin_client, island, fake_line):
    fake_line.quota_limit = 10
    fake_line.total_usage = 8
    editor = admin_client(role="editor")
    html = editor.submit("/admin/notices/new", {**FORM, "action": "preview"}).get_data(as_text=True)
    assert "残り 2 通" in html
    assert "今月の残り通数を超えます" in html


def test_the_preview_counts_the_reminders_an_important_notice_may_add(
        admin_client, island, fake_line):
    fake_line.quota_limit = 10
    fake_line.total_usage = 5  # five left; three islanders, and up to three reminders
    editor = admin_client(role="editor")
    normal = editor.submit("/admin/notices/new", {**FORM, "action": "preview"})
    assert "もう一度送ります" not in normal.get_data(as_text=True)  # no confirmation asked
    important = {**FORM, "priority": "important", "action": "preview"}
    html = editor.submit("/admin/notices/new", important).get_data(as_text=True)
    assert "このお知らせで 3 通使います" in html
    assert "24時間後にもう一度送ります（最大 3 通）" in html
    assert "再送で今月の残り通数を超えるおそれがあります" in html
    assert "今月の残り通数を超えます。" not in html  # the notice itself fits
    fake_line.total_usage = 0
    html = editor.submit("/admin/notices/new", important).get_data(as_text=True)
    assert "おそれがあります" not in html
    without = editor.submit("/admin/notices/new", {**important, "reminder_hours": "0"})
    assert "もう一度送ります" not in without.get_data(as_text=True)


def test_bad_input_is_a_form_error_and_stores_nothing(admin_client, db, island):
    editor = admin_client(role="editor")
    response = editor.submit("/admin/notices/new", {**FORM, "title": "", "action": "send"})
    assert response.status_code == 400
    assert "タイトルを入力してください。" in response.get_data(as_text=True)
    response = editor.submit("/admin/notices/new", {
        **FORM, "timing": "at", "send_at": "2020-01-01T09:00", "action": "send"})
    assert "送信日時が過去です。" in response.get_data(as_text=True)
    response = editor.submit("/admin/notices/new", {
        **FORM, "audience_kind": "districts", "district_ids": "9999", "action": "send"})
    assert response.status_code == 400
    assert stored(db) == 0


def test_a_file_that_is_not_a_picture_is_refused(admin_client, db, island):
    editor = admin_client(role="editor")
    data = {**FORM, "action": "send", "csrf_token": editor.csrf_token(),
            "image": (io.BytesIO(b"not a picture"), "photo.jpg")}
    response = editor.client.post("/admin/notices/new", data=data,
                                  content_type="multipart/form-data")
    assert response.status_code == 400
    assert "画像ファイルではないようです" in response.get_data(as_text=True)
    assert stored(db) == 0 and stored(db, NoticeImage) == 0


def test_a_picture_is_uploaded_with_the_notice(admin_client, db, island, worker, fake_line):
    editor = admin_client(role="editor")
    picture = io.BytesIO()
    Image.new("RGB", (1600, 1200), (200, 80, 40)).save(picture, "JPEG")
    picture.seek(0)
    sent_id(editor.submit("/admin/notices/new",
                          previewed(editor, FORM, image=(picture, "port.jpg"))))
    worker.run_once()
    first = fake_line.calls("/v2/bot/message/multicast")[0].json["messages"][0]
    assert first["type"] == "image"
    assert first["originalContentUrl"].startswith("https://island.example.jp/media/notices/")


def test_a_draft_can_be_edited_then_sent(admin_client, db, island, worker, fake_line):
    editor = admin_client(role="editor")
    draft = sent_id(editor.submit("/admin/notices/new", {**FORM, "action": "draft"}))
    assert notice(db, draft).status == "draft"
    worker.run_once()
    assert reached(fake_line) == []
    page = editor.get(f"/admin/notices/{draft}/edit").get_data(as_text=True)
    assert "断水のお知らせ" in page
    url = f"/admin/notices/{draft}/edit"
    sent_id(editor.submit(url, previewed(editor, {**FORM, "title": "断水（訂正版）"}, url)))
    assert notice(db, draft).status == "sent"
    assert notice(db, draft).title == "断水（訂正版）"


def test_drafts_withdraw_cancel_and_resend_are_audited(admin_client, db, island, fake_line, worker):
    editor = admin_client(role="editor")
    scheduled = sent_id(editor.submit("/admin/notices/new", previewed(editor, {
        **FORM, "timing": "at", "send_at": "2099-01-01T09:00"})))
    assert notice(db, scheduled).status == "scheduled"
    editor.submit(f"/admin/notices/{scheduled}/cancel")
    assert notice(db, scheduled).status == "cancelled"
    fake_line.script("/v2/bot/message/multicast", 400, times=2)
    sent = sent_id(editor.submit("/admin/notices/new", previewed(editor, FORM)))
    worker.run_once()
    assert "もう一度送る" in editor.get(f"/admin/notices/{sent}").get_data(as_text=True)
    editor.submit(f"/admin/notices/{sent}/resend")
    worker.run_once()
    assert len(reached(fake_line)) == 3
    editor.submit(f"/admin/notices/{sent}/withdraw",
                  {"correction_title": "訂正", "correction_body": "断水はありません。"})
    assert notice(db, sent).status == "withdrawn"
    with db.transaction() as session:
        actions = [(a, actor) for a, actor in session.execute(
            select(AuditEntry.action, AuditEntry.actor)
            .where(AuditEntry.action.like("notice.%")).order_by(AuditEntry.id))]
    assert [a for a, _ in actions] == [
        "notice.drafted", "notice.scheduled", "notice.cancelled", "notice.drafted", "notice.sent",
        "notice.resent", "notice.drafted", "notice.withdrawn", "notice.sent"]
    assert {actor for _, actor in actions} == {editor.actor}


def test_viewers_read_but_cannot_write_and_strangers_must_log_in(admin_client, client, island):
    viewer = admin_client(role="viewer")
    assert viewer.get("/admin/notices").status_code == 200
    assert viewer.get("/admin/notices/new").status_code == 403
    assert client.get("/admin/notices").status_code == 302
    assert client.get("/admin/notices/new").status_code == 302


def test_forms_without_a_csrf_token_are_refused(admin_client, db, island):
    editor = admin_client(role="editor")
    response = editor.client.post("/admin/notices/new", data={**FORM, "action": "send"})
    assert response.status_code == 400
    assert stored(db) == 0


def test_a_picture_over_the_request_limit_is_a_form_error_not_a_bare_413(
        admin_client, db, island):
    editor = admin_client(role="editor")
    data = {**FORM, "action": "send", "csrf_token": editor.csrf_token(),
            "image": (io.BytesIO(b"\xff" * (13 * 1024 * 1024)), "huge.jpg")}
    response = editor.client.post("/admin/notices/new", data=data,
                                  content_type="multipart/form-data")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert 'id="image-error"' in html and "画像が大きすぎて受け取れませんでした" in html
    assert 'name="csrf_token"' in html  # the form is there to fill in again
    assert stored(db) == 0 and stored(db, NoticeImage) == 0


def test_a_garbled_time_or_number_is_a_form_error_not_silently_dropped(admin_client, db, island):
    editor = admin_client(role="editor")
    response = editor.submit("/admin/notices/new", {
        **FORM, "not_after": "tomorrow", "reminder_hours": "abc", "action": "draft"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="not_after-error">日時を正しく入力してください。' in html
    assert 'id="reminder_hours-error">リマインドは0〜336時間で入力してください。' in html
    assert stored(db) == 0


def test_the_preview_checks_the_text_as_it_will_be_sent(admin_client, db, island):
    editor = admin_client(role="editor")
    blank = editor.submit("/admin/notices/new", {**FORM, "title": "   ", "action": "preview"})
    assert blank.status_code == 400
    assert "タイトルを入力してください。" in blank.get_data(as_text=True)
    room = 5000 - len("【断水のお知らせ】\n")
    lines = ["あ" * 98] * 50  # browsers send line ends as CRLF; LINE gets LF
    body = "\r\n".join(lines)
    assert len(body) > room >= len("\n".join(lines))
    response = editor.submit("/admin/notices/new", {**FORM, "body_ja": body, "action": "draft"})
    draft = sent_id(response)
    assert notice(db, draft).body_ja == "\n".join(lines)


def test_saving_and_editing_a_draft_are_audited(admin_client, db, island):
    editor = admin_client(role="editor")
    draft = sent_id(editor.submit("/admin/notices/new", {**FORM, "action": "draft"}))
    sent_id(editor.submit(f"/admin/notices/{draft}/edit", {**FORM, "title": "断水（変更）",
                                                            "action": "draft"}))
    with db.transaction() as session:
        entries = session.execute(select(AuditEntry.action, AuditEntry.actor, AuditEntry.target)
                                  .order_by(AuditEntry.id)).all()
    assert [tuple(e) for e in entries if e[0].startswith("notice.")] == [
        ("notice.drafted", editor.actor, f"notice:{draft}"),
        ("notice.edited", editor.actor, f"notice:{draft}")]


def test_a_notice_changed_after_its_preview_is_not_sent_unseen(admin_client, db, island):
    editor = admin_client(role="editor")
    form = previewed(editor, FORM)
    response = editor.submit("/admin/notices/new", {**form, "body_ja": "明日10時から断水します。"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "プレビューのあとで内容が変わりました" in html
    assert "明日10時から断水します。" in html  # the new preview is shown
    assert stored(db) == 0


def test_a_weekly_notice_counts_every_send_of_its_first_month_against_the_quota(
        admin_client, island, fake_line, frozen_clock):
    # 2026-11-25 09:00 JST; Thursdays from the 26th: the 26th is the only one left in November.
    fake_line.quota_limit = 100
    editor = admin_client(role="editor")
    weekly = {**FORM, "timing": "weekly", "send_at": "2026-11-26T07:00", "weekdays": "3",
              "repeat_until": "2027-01-31", "action": "preview"}
    html = editor.submit("/admin/notices/new", weekly).get_data(as_text=True)
    assert "このお知らせで 3 通使います" in html  # three islanders, once
    twice = {**weekly, "weekdays": ["2", "3"]}  # Wednesdays too: none left after the 25th 9:00
    html = editor.submit("/admin/notices/new", twice).get_data(as_text=True)
    assert "このお知らせで 3 通使います" in html
    december = {**weekly, "send_at": "2026-12-03T07:00"}  # five Thursdays: 3, 10, 17, 24, 31
    html = editor.submit("/admin/notices/new", december).get_data(as_text=True)
    assert "今月 5 回送ります" in html
    assert "このお知らせで 15 通使います" in html
