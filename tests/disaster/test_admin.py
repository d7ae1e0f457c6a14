"""Disaster mode in the dashboard: admins start and end it (audited), a second admin
confirms the safety check, the live list per district with help first and the map points,
staff entries for residents without LINE, the door-to-door list, reminders with the quota,
and the record as CSV."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from islandos.models.audit import AuditEntry
from islandos.models.disaster import CheckStatus, DisasterMode
from islandos.models.outbox import OutboxMessage, Priority
from tests.disaster.conftest import chat, drain, send_location, start

PAGE = "/admin/disaster"


def audit_actions(db) -> list[str]:
    with db.transaction() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def the_mode(db) -> DisasterMode:
    with db.transaction() as session:
        mode = session.scalars(select(DisasterMode).order_by(DisasterMode.id.desc())).first()
        assert mode is not None
        session.expunge(mode)
        return mode


def test_only_admins_start_the_mode_and_it_is_audited(db, island, admin_client):
    editor = admin_client(role="editor")
    assert editor.submit(f"{PAGE}/start", {"kind": "typhoon"}, page=PAGE).status_code == 403
    admin = admin_client(role="admin")
    response = admin.submit(f"{PAGE}/start", {"kind": "typhoon"}, page=PAGE,
                            follow_redirects=True)
    assert "災害時モードを始めました" in response.get_data(as_text=True)
    assert the_mode(db).active is True
    assert "disaster.started" in audit_actions(db)
    page = admin.get(PAGE).get_data(as_text=True)
    assert "災害時モードを終える" in page and "台風" in page


def test_two_admins_starting_at_the_same_moment_share_one_mode(db, island):
    """The first admin's start is not committed yet when the second's begins: PostgreSQL
    holds the second insert until the first commits, then refuses a second running mode;
    the second admin gets the first one's mode, not an error. (SQLite takes them in turn.)"""
    import threading
    import time

    from islandos.services.disaster import mode as modes
    first_inserted = threading.Event()
    ids: dict[str, int] = {}

    def first() -> None:
        with db.transaction() as session:
            ids["first"] = modes.start(session, "typhoon", "admin:1").id
            first_inserted.set()
            time.sleep(0.3)  # the second start runs meanwhile

    def second() -> None:
        assert first_inserted.wait(10)
        with db.transaction() as session:
            ids["second"] = modes.start(session, "tsunami", "admin:2").id

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert ids["first"] == ids["second"]
    with db.transaction() as session:
        running = session.scalars(select(DisasterMode).where(DisasterMode.active.is_(True)))
        assert [(m.id, m.kind) for m in running] == [(ids["first"], "typhoon")]
    assert audit_actions(db).count("disaster.started") == 1


def test_a_second_admin_confirms_the_safety_check_of_everyone(db, island, admin_client):
    first, second = admin_client(role="admin"), admin_client(role="admin")
    first.submit(f"{PAGE}/start", {"kind": "heavy_rain", "safety_check": "1"}, page=PAGE)
    mode = the_mode(db)
    assert mode.check_status == CheckStatus.AWAITING
    with db.transaction() as session:
        assert session.scalars(select(OutboxMessage)).first() is None  # nothing sent yet
    assert "確認して安否確認を送る" not in first.get(PAGE).get_data(as_text=True)
    refused = first.submit(f"{PAGE}/{mode.id}/confirm", page=PAGE, follow_redirects=True)
    assert "別の管理者が確認" in refused.get_data(as_text=True)
    assert the_mode(db).check_status == CheckStatus.AWAITING
    assert "確認して安否確認を送る" in second.get(PAGE).get_data(as_text=True)
    second.submit(f"{PAGE}/{mode.id}/confirm", page=PAGE)
    mode = the_mode(db)
    assert mode.check_status == CheckStatus.SENT
    assert mode.check_requested_by == first.actor and mode.check_confirmed_by == second.actor
    with db.transaction() as session:
        priorities = set(session.scalars(select(OutboxMessage.priority)))
    assert priorities == {Priority.EMERGENCY}
    assert {"disaster.check_requested", "disaster.check_sent"} <= set(audit_actions(db))


def _rows(page: str) -> list[str]:
    """The live list's people, in the order shown, with their state."""
    return re.findall(r'<li class="state-(\w+)">\s*<div class="who"><strong>([^<]+)</strong>',
                      page)


def test_the_live_list_shows_each_district_with_those_needing_help_first(
        db, island, admin_client, line, worker):
    mode_id = start(db)
    chat(line, island, "hanako").tap("safety", m=mode_id, c="safe")
    chat(line, island, "taro").tap("safety", m=mode_id, c="injury")
    send_location(line, island.uid("taro"), 26.207, 127.986)
    chat(line, island, "family").tap("safety.proxy", m=mode_id, p=island.ids["jiro"])
    page = admin_client(role="viewer").get(PAGE).get_data(as_text=True)
    north, south = page.index("北集落"), page.index("南集落")
    assert north < south
    assert _rows(page) == [("help", "島 太郎"), ("waiting", "浜 ウメ"), ("safe", "島 花子"),
                           ("safe", "島 次郎")]
    assert "けが・体調" in page and "090-1111-2222" in page
    assert "家族が確認" in page and "LINEなし" in page
    assert "助けが必要 1・まだ 1・無事 1" in page  # the north
    points = json.loads(re.search(r'data-points="([^"]*)"', page).group(1)
                        .replace("&#34;", '"').replace("&quot;", '"'))
    assert points == [{"lat": 26.207, "lng": 127.986, "name": "島 太郎", "what": "けが・体調"}]
    assert "vendor/leaflet/leaflet.js" in page


def test_staff_record_the_status_of_a_resident_without_line(db, island, admin_client):
    mode_id = start(db)
    editor = admin_client(role="editor")
    editor.submit(f"{PAGE}/{mode_id}/people/{island.ids['ume']}", {"choice": "safe"}, page=PAGE)
    page = editor.get(PAGE).get_data(as_text=True)
    assert ("safe", "浜 ウメ") in _rows(page)
    assert "職員が記録" in page
    with db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "ask.answered")).one()
    assert entry.actor == editor.actor and entry.after == {"person": island.ids["ume"],
                                                           "by": "staff"}


def test_the_door_to_door_list_holds_only_those_who_have_not_answered_and_is_audited(
        db, island, admin_client, line):
    mode_id = start(db)
    chat(line, island, "taro").tap("safety", m=mode_id, c="safe")
    editor = admin_client(role="editor")
    page = editor.get(f"{PAGE}/{mode_id}/visits").get_data(as_text=True)
    assert "取扱注意" in page
    assert "浜 ウメ" in page and "0980-00-0000" in page and "島 花子" in page
    assert "島 太郎" not in page
    assert "disaster.visit_list" in audit_actions(db)
    assert admin_client(role="viewer").get(f"{PAGE}/{mode_id}/visits").status_code == 403


def test_remind_is_audited_and_the_page_shows_the_months_quota(
        db, island, admin_client, worker, fake_line):
    fake_line.quota_limit = 1000
    mode_id = start(db)
    drain(worker)
    editor = admin_client(role="editor")
    page = editor.get(PAGE).get_data(as_text=True)
    assert re.search(r"今月のメッセージ：\d+ / 1000 通", page)
    response = editor.submit(f"{PAGE}/{mode_id}/remind", page=PAGE, follow_redirects=True)
    assert "まだ答えていない 3 人にもう一度送ります" in response.get_data(as_text=True)
    with db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "disaster.reminded")).one()
    assert entry.after == {"reminded": 3}


def test_the_record_is_a_csv_with_a_bom_and_ending_closes_the_check(
        db, island, admin_client, line):
    mode_id = start(db)
    chat(line, island, "taro").tap("safety", m=mode_id, c="house")
    admin = admin_client(role="admin")
    admin.submit(f"{PAGE}/end", page=PAGE)
    mode = the_mode(db)
    assert mode.active is None and mode.check_status == CheckStatus.CLOSED
    assert "disaster.ended" in audit_actions(db)
    response = admin.get(f"{PAGE}/{mode_id}/export.csv")
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "北集落,島 太郎,090-1111-2222,あり,助けが必要,家が危ない,本人" in text
    assert "浜 ウメ" in text and ",まだ," in text
    assert the_mode(db).exported_at is not None
    assert "disaster.exported" in audit_actions(db)
    assert "この安否確認は終わりました" in str(
        chat(line, island, "taro").tap("safety", m=mode_id, c="safe"))
