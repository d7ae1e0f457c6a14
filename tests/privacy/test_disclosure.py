"""What is held about a person: 「登録内容を見る」 in LINE shows every feature's part; the office
prints the same record for a disclosure request (開示請求); the privacy page lists the
retention periods from the settings."""

from __future__ import annotations

from sqlalchemy import select

from islandos import create_app
from islandos.extensions import islandos_state
from islandos.models import AuditEntry
from islandos.services.audit import READ_ACTION
from tests.conftest import app_overrides
from tests.privacy.island import NAME, PHONE, USER, live_on_the_island
from tests.registration.conftest import Chat, texts


def test_what_is_stored_covers_every_feature_in_line(app, db, line, visitor, stripe_api,
                                                      stripe_webhook, worker, other_chat):
    live_on_the_island(app, db, line, visitor, stripe_api, stripe_webhook, worker, other_chat)
    chat = Chat(line, USER)
    shown = texts(chat.press(chat.say("設定"), "登録内容を見る"))
    for expected in (f"お名前：{NAME}", f"電話番号：{PHONE}", "集落：港集落",
                     "つながっているご家族：1人", "島民登録の申請：", "（お断り）",
                     "【お知らせ】", "受け取ったお知らせ：1件", "断水のお知らせ（確認：",
                     "【観光マップ】", "島のルールを見た日時：",
                     "【入島協力金】", "LINEから支払った入島協力金：1件", "500円（参照番号",
                     "【行事の出欠】", "海岸清掃：参加（2人）",
                     "【アンケートへの回答】", "・敬老会の会場はどこがよいですか。：公民館",
                     "【安否確認】", "の台風：動けない", "送っていただいた位置情報：1件"):
        assert expected in shown, expected
    chat.press(chat.say("ことば"), "English")
    shown = texts(chat.press(chat.say("settings"), "What is stored"))
    assert "Notices received: 1" in shown and "Saw the island rules:" in shown
    assert "Entry contributions paid from LINE: 1" in shown


def test_the_office_prints_a_disclosure_record_and_the_read_is_audited(
        app, db, line, visitor, stripe_api, stripe_webhook, worker, other_chat, admin_client):
    person_id = live_on_the_island(app, db, line, visitor, stripe_api, stripe_webhook, worker,
                                   other_chat)
    office = admin_client(role="admin")
    person_page = office.get(f"/admin/people/{person_id}").get_data(as_text=True)
    assert f"/admin/people/{person_id}/record" in person_page
    page = office.get(f"/admin/people/{person_id}/record").get_data(as_text=True)
    for expected in ("保有個人データの開示", USER, f"お名前：{NAME}", "受け取ったお知らせ：1件",
                     "島のルールを見た日時：", "LINEから支払った入島協力金：1件",
                     "保存する期間", "約5年（1827日）", "30日"):
        assert expected in page, expected
    with db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == READ_ACTION).order_by(AuditEntry.id.desc())).first()
        assert entry is not None and entry.actor == office.actor
        assert entry.target == f"person:{person_id}"
        assert entry.after == {"what": "person.disclosure", "people": 1}
    assert admin_client(role="editor").get(f"/admin/people/{person_id}/record") \
        .status_code == 403


def test_the_privacy_page_lists_the_periods_from_the_settings(
        app, database_url, fake_line, schema):
    page = app.test_client().get("/privacy").get_data(as_text=True)
    assert "LINEから届いた操作の記録" in page and "30日" in page and "約5年（1827日）" in page
    assert "観光の方のご利用の記録" in page and "180日" in page
    shorter = create_app(app_overrides(database_url, fake_line, retain_webhook_events_days=14,
                                       retain_idle_tourists_days=90, warm_up=False))
    page = shorter.test_client().get("/privacy").get_data(as_text=True)
    assert "14日" in page and "90日" in page and "180日" not in page
    english = shorter.test_client().get("/privacy?lang=en").get_data(as_text=True)
    assert "Records of what you did in LINE" in english and "14 days" in english
    islandos_state(shorter).db.dispose()
