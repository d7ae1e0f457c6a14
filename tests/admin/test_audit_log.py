"""The audit log reads as words: who (a name), what (an action in Japanese), which values
changed; it is filtered by account, person and action; its CSV opens in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from islandos.models.audit import AuditEntry
from islandos.services import audit
from tests.support.factories import make_admin, make_district, make_islander


def _rows(page: str) -> list[str]:
    """The table's rows as a person reads them (tags dropped, spaces squeezed)."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = [re.sub(r"</?(td|li|br)\b[^>]*>", " ", row) for row in body.split("</tr>")
             if "<td" in row]
    return [" ".join(re.sub(r"<[^>]+>", "", cell).split()) for cell in cells]


def _island(db):
    with db.transaction() as session:
        boss, _ = make_admin(session, username="yakuba-higa")
        east = make_district(session, code="east", name_ja="東集落", name_en="East")
        west = make_district(session, code="west", name_ja="西集落", name_en="West")
        hanako = make_islander(session, full_name="比嘉 花子", district=east)
        taro = make_islander(session, full_name="内間 太郎", district=west)
        audit.record(session, f"admin:{boss.id}", "person.district_changed",
                     f"person:{hanako.id}", before={"district_id": east.id, "role": "islander"},
                     after={"district_id": west.id, "role": "islander"}, note="電話で依頼")
        audit.record(session, f"line:person:{taro.id}", "islander_request.created",
                     f"person:{taro.id}")
        audit.record(session, "cli", "invite_codes.created", None,
                     after={"count": 3, "district_id": None})
        return boss.id, hanako.id, taro.id


def test_an_entry_reads_as_words_not_codes(admin_client, db):
    boss_id, hanako_id, _taro_id = _island(db)
    page = admin_client(role="viewer", totp=False).get("/admin/audit").get_data(as_text=True)
    rows = _rows(page)
    moved = next(row for row in rows if "集落の変更" in row)
    assert "アカウント yakuba-higa" in moved  # the account's name, not admin:1
    assert "比嘉 花子" in moved  # the person it concerns, by name
    assert "集落: 東集落 → 西集落" in moved  # what changed, in words
    assert "役割" not in moved  # unchanged values are left out
    assert "電話で依頼" in moved
    assert f'href="/admin/people/{hanako_id}"' in page
    assert "person.district_changed" not in page.split("<tbody>")[1]
    assert "admin:" not in page.split("<tbody>")[1]
    assert "{" not in page.split("<tbody>")[1]  # no raw JSON
    created = next(row for row in rows if "招待コードを作成" in row)
    assert "コマンド（CLI）" in created and "件数: 3" in created and "集落: なし" in created
    request = next(row for row in rows if "島民登録を申請" in row)
    assert request.count("内間 太郎") == 2  # the islander asked, about themselves
    assert re.search(r'<td class="when"[^>]*><time datetime="[^"]+">'
                     r'\d{4}年\d+月\d+日\(.\) \d{1,2}:\d\d</time></td>', page)
    english = _rows(admin_client(role="viewer", totp=False).get("/admin/audit?lang=en")
                    .get_data(as_text=True))
    moved = next(row for row in english if "District changed" in row)
    assert "Account yakuba-higa" in moved and "District: East → West" in moved
    assert boss_id


def test_the_log_is_filtered_by_account_person_and_action(admin_client, db):
    boss_id, hanako_id, taro_id = _island(db)
    viewer = admin_client(role="viewer", totp=False)
    page = viewer.get("/admin/audit").get_data(as_text=True)
    assert f'<option value="admin:{boss_id}">yakuba-higa</option>' in page
    assert '<option value="person.district_changed">集落の変更</option>' in page

    by_account = _rows(viewer.get(f"/admin/audit?actor=admin:{boss_id}").get_data(as_text=True))
    assert len(by_account) == 1 and "集落の変更" in by_account[0]

    by_name = _rows(viewer.get("/admin/audit?person=内間").get_data(as_text=True))
    assert len(by_name) == 1 and "島民登録を申請" in by_name[0]
    person_page = viewer.get(f"/admin/people/{hanako_id}").get_data(as_text=True)
    assert f'href="/admin/audit?person={hanako_id}"' in person_page
    by_number = _rows(viewer.get(f"/admin/audit?person={hanako_id}").get_data(as_text=True))
    # The change, and the viewer's look at her page just now (reads are audited too).
    assert len(by_number) == 2 and "集落の変更" in by_number[1]
    assert "個人データを閲覧" in by_number[0] and "アカウント viewer" in by_number[0]
    nobody = viewer.get("/admin/audit?person=存在しない人").get_data(as_text=True)
    assert "該当する記録はありません" in nobody

    by_action = _rows(viewer.get("/admin/audit?action=invite_codes.created")
                      .get_data(as_text=True))
    assert len(by_action) == 1 and "招待コードを作成" in by_action[0]
    by_family = _rows(viewer.get("/admin/audit?action=person.").get_data(as_text=True))
    assert len(by_family) == 1
    by_word = _rows(viewer.get("/admin/audit?q=電話").get_data(as_text=True))
    assert len(by_word) == 1
    assert taro_id


def test_the_csv_opens_in_a_spreadsheet_with_words_and_the_export_is_audited(admin_client, db):
    _island(db)
    viewer = admin_client(role="viewer", totp=False)
    response = viewer.get("/admin/audit.csv?action=person.")
    assert response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # UTF-8 with a BOM: Excel reads the Japanese
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8").lstrip("\ufeff"))))
    assert rows[0][:7] == ["番号", "日時（日本時間）", "操作した人", "操作", "対象", "変更内容",
                           "メモ"]
    assert rows[0][7:] == ["actor", "action", "target", "at_utc", "before", "after"]
    (entry,) = rows[1:]
    assert entry[2] == "アカウント yakuba-higa" and entry[3] == "集落の変更"
    assert entry[4] == "比嘉 花子" and entry[5] == "集落: 東集落 → 西集落"
    assert entry[6] == "電話で依頼" and entry[8] == "person.district_changed"
    assert re.fullmatch(r"\d{4}年\d+月\d+日\(.\) \d{1,2}:\d\d", entry[1])
    with db.transaction() as session:
        exported = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "audit.exported")).one()
        assert exported.actor == viewer.actor
        assert exported.after == {"action": "person."}


def test_a_read_of_personal_data_says_what_was_seen_in_words(admin_client, db):
    _boss_id, hanako_id, _taro_id = _island(db)
    with db.transaction() as session:
        audit.record_read(session, "admin:1", "person.page", 1, subject=f"person:{hanako_id}")
        audit.record(session, "admin:1", "spot.changed", "spot:1",
                     before={"access": "open"}, after={"access": "no_entry"})
    rows = _rows(admin_client(role="viewer", totp=False).get("/admin/audit")
                 .get_data(as_text=True))
    read = next(row for row in rows if "比嘉 花子" in row and "見たもの" in row)
    assert "見たもの: 利用者のページ" in read and "person.page" not in read
    spot = next(row for row in rows if "地図の場所を変更" in row)
    assert "立ち入り: 入れます → 立入禁止" in spot and "no_entry" not in spot
