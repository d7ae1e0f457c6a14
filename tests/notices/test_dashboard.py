"""The notice pages without a browser: 今すぐリマインド once an hour, the audited call list,
the consent that names the call list, the confirmation step's figures."""

from __future__ import annotations

from sqlalchemy import select

from islandos.line.events import postback_data
from islandos.models.audit import AuditEntry
from islandos.models.people import Person
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


def test_the_call_list_is_by_district_with_phones_and_every_list_made_is_audited(
        admin_client, db, island, worker):
    with db.transaction() as session:
        for name, phone in (("hanako", "090-1111-2222"), ("family", "03-1234-5678")):
            found = session.get(Person, island.ids[name])
            assert found is not None
            found.phone = phone
    notice_id = send(db, audience_kind="islanders", priority="emergency")
    worker.run_once()
    viewer = admin_client(role="viewer")  # reading, and phoning, is a viewer's work too
    page = f"/admin/notices/{notice_id}"
    shown = viewer.get(page).get_data(as_text=True)
    assert "090-1111-2222" not in shown  # phone numbers only on the audited list
    assert "今すぐリマインド" not in shown  # sending is for editors
    assert viewer.client.get(f"{page}/call-list").status_code == 405  # no list without a POST
    html = viewer.submit(f"{page}/call-list", page=page).get_data(as_text=True)
    assert "取扱注意" in html
    north, south, nowhere = (html.index("北集落（2 人）"), html.index("南集落（1 人）"),
                             html.index("集落なし（1 人）"))
    assert north < html.index("090-1111-2222") < south < nowhere < html.index("03-1234-5678")
    with db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "notice.call_list_printed")).one()
        assert (entry.actor, entry.target, entry.after) == (
            viewer.actor, f"notice:{notice_id}", {"people": 4})
        # Opening the notice showed the names of those not confirmed: a read, audited too.
        reads = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "personal_data.read")).all()
        assert [(read.actor, read.target, read.after) for read in reads] == [
            (viewer.actor, f"notice:{notice_id}", {"what": "notice.not_confirmed", "people": 4})
        ] * len(reads) and len(reads) >= 1


def test_the_live_preview_draws_what_is_written_so_far_for_editors_only(
        admin_client, island):
    editor = admin_client(role="editor")
    half = editor.submit("/admin/notices/preview", {"title": "", "body_ja": "港が混みます",
                                                    "priority": "important"},
                         page="/admin/notices/new")
    html = half.get_data(as_text=True)
    assert half.status_code == 200 and "<html" not in html  # a fragment to put in place
    assert "（タイトル）" in html and "港が混みます" in html and "確認しました" in html
    long = editor.submit("/admin/notices/preview", {"title": "x", "body_ja": "あ" * 6000},
                         page="/admin/notices/new")
    assert "LINEの上限（5,000文字）を超えています" in long.get_data(as_text=True)
    viewer = admin_client(role="viewer")
    assert viewer.submit("/admin/notices/preview", {"title": "x"}).status_code == 403
    assert editor.client.post("/admin/notices/preview", data={"title": "x"}).status_code == 400
