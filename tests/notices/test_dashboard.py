"""The notice pages without a browser: 今すぐリマインド once an hour, the audited call list,
the consent that names the call list, the confirmation step's figures."""

from __future__ import annotations

from sqlalchemy import select

from islandos.line.events import postback_data
from islandos.models.audit import AuditEntry
from tests.notices.conftest import send
from tests.support.webhook import postback_event


def test_remind_now_goes_at_most_once_an_hour_and_is_audited(
        admin_client, db, island, worker, fake_line, line, frozen_clock):
    notice_id = send(db, audience_kind="islanders", priority="important")
    worker.run_once()
    editor = admin_client(role="editor")
    page = f"/admin/notices/{notice_id}"
    shown = editor.get(page)
    assert shown.status_code == 200, shown.get_data(as_text=True)[-3000:]
    assert "今すぐリマインド（3 通）" in shown.get_data(as_text=True)
    done = editor.submit(f"{page}/remind", page=page, follow_redirects=True)
    assert "まだ確認していない 3 人にリマインドを送ります。" in done.get_data(as_text=True)
    frozen_clock(minutes=29)  # (the dashboard signs out after 30 idle minutes)
    editor.get(page)
    frozen_clock(minutes=30)
    refused = editor.submit(f"{page}/remind", page=page, follow_redirects=True)
    html = refused.get_data(as_text=True)
    assert "リマインドは1時間に1回までです。2026年11月25日(水) 10:00から送れます。" in html
    line.post(postback_event(island.uid("taro"), postback_data("notice_confirm",
                                                               notice=notice_id),
                             line.reply_token()))
    frozen_clock(minutes=1)
    again = editor.submit(f"{page}/remind", page=page, follow_redirects=True)
    assert "まだ確認していない 2 人にリマインドを送ります。" in again.get_data(as_text=True)
    with db.transaction() as session:
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "notice.reminded").order_by(AuditEntry.id)).all()
        assert [(e.actor, e.after) for e in entries] == [
            (editor.actor, {"recipients": 3, "by_hand": True}),
            (editor.actor, {"recipients": 2, "by_hand": True})]
