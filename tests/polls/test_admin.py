"""Polls in the dashboard: create and send one, bad input stores nothing, results with
counts, percentages and bars (per district for named polls), CSV, edit and close early —
every change in the audit log."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from islandos.clock import now
from islandos.models.audit import AuditEntry
from islandos.models.outbox import OutboxMessage
from tests.polls.conftest import (
    chat_of,
    make_poll,
    poll_count,
    poll_of,
    tap_option,
    tokyo_input,
)


def form(**fields):
    values = {"question_ja": "敬老会の会場はどこがよいですか。", "mode": "single",
              "audience_kind": "islanders", "closes_at": tokyo_input(now() + timedelta(days=2)),
              "option_ja": ["公民館", "体育館", "港の広場"], "option_en": ["", "", ""]}
    values.update(fields)
    return values


def audit_actions(db) -> list[tuple[str, str | None]]:
    with db.transaction() as session:
        return [(e.action, e.target) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("poll.%")).order_by(AuditEntry.id))]


def test_an_editor_creates_a_poll_that_goes_to_its_audience_and_is_audited(
        db, island, admin_client, frozen_clock):
    editor = admin_client(role="editor")
    fields = form(audience_kind="districts", district_ids=[str(island.south)], mode="multiple")
    review = editor.submit("/admin/polls/new", fields, page="/admin/polls/new")
    text = review.get_data(as_text=True)  # first what goes to whom, and the messages it uses
    assert review.status_code == 200 and "送る前に確かめてください" in text
    assert re.search(r'class="num messages-needed">1 通', text) and "南集落" in text
    assert poll_count(db) == 0 and audit_actions(db) == []  # nothing stored or sent yet
    back = editor.submit("/admin/polls/new", {**fields, "action": "edit"},
                         page="/admin/polls/new").get_data(as_text=True)
    assert 'value="港の広場"' in back and "送る前に" not in back
    response = editor.submit("/admin/polls/new", {**fields, "action": "send"},
                             page="/admin/polls/new")
    assert response.status_code == 302
    poll_id = int(response.location.rsplit("/", 1)[1])
    poll = poll_of(db, poll_id)
    assert poll.options_ja == ["公民館", "体育館", "港の広場"] and poll.mode == "multiple"
    assert poll.recipient_count == 1  # jiro, the only islander of the south
    assert audit_actions(db) == [("poll.created", f"poll:{poll_id}")]
    with db.transaction() as session:
        assert session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.source == f"poll:{poll_id}")) == 1
    page = editor.get(f"/admin/polls/{poll_id}").get_data(as_text=True)
    assert "敬老会の会場はどこがよいですか。" in page and "南集落" in page


BAD = [
    ({"option_ja": ["公民館", "", ""]}, "選択肢は2〜10個にしてください。"),
    ({"option_ja": [f"案{n}" for n in range(11)]}, "選択肢は2〜10個にしてください。"),
    ({"option_ja": ["公民館", "あ" * 21]}, "選択肢はそれぞれ20文字まで"),
    ({"option_ja": ["公民館", "島" * 19 + "😀"]}, "選択肢はそれぞれ20文字まで"),  # 21 units
    ({"option_ja": ["公民館", "公民館"]}, "同じ選択肢が二つあります。"),
    ({"closes_at": "2020-01-01T10:00"}, "締め切りが過去です。"),
    ({"closes_at": ""}, "締め切りを入力してください。"),
    ({"closes_at": "tomorrow"}, "日時を正しく入力してください。"),
    ({"question_ja": "  "}, "質問を入力してください。"),
    ({"audience_kind": "districts"}, "集落を選んでください"),
    ({"audience_kind": "martians"}, "送り先を選んでください。"),
    ({"option_en": ["Hall", "", ""], "question_en": "Where?"}, "英語の選択肢は"),
]


@pytest.mark.parametrize(("fields", "error"), BAD)
def test_bad_input_is_a_form_error_and_stores_nothing(db, island, admin_client, frozen_clock,
                                                      fields, error):
    editor = admin_client(role="editor")
    response = editor.submit("/admin/polls/new", form(**fields), page="/admin/polls/new")
    assert response.status_code == 400
    assert error in response.get_data(as_text=True)
    assert poll_count(db) == 0 and audit_actions(db) == []
    with db.transaction() as session:
        assert session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_a_viewer_reads_results_but_cannot_create_or_close(db, island, admin_client,
                                                           frozen_clock):
    poll_id = make_poll(db)
    viewer = admin_client(role="viewer")
    assert viewer.get(f"/admin/polls/{poll_id}").status_code == 200
    assert viewer.get("/admin/polls/new").status_code == 403
    assert viewer.submit(f"/admin/polls/{poll_id}/close").status_code == 403
    assert poll_of(db, poll_id).closed_at is None


def test_results_show_counts_percentages_bars_and_districts(db, island, line, admin_client,
                                                           frozen_clock):
    poll_id = make_poll(db)
    for name, option in (("taro", 1), ("hanako", 1), ("kame", 2), ("jiro", 1)):
        tap_option(chat_of(line, island, name), poll_id, option)
    page = admin_client(role="viewer").get(f"/admin/polls/{poll_id}").get_data(as_text=True)
    assert "4 人 / 送った 4 人" in page
    assert "3 人（75.0%）" in page and "1 人（25.0%）" in page and "0 人（0.0%）" in page
    assert '<rect class="poll-bar-fill" width="75.0" height="10">' in page
    assert 'style="' not in page  # the CSP forbids inline styles
    # Per district: north 2 of 3 chose 公民館, south 1 of 1.
    assert "北集落" in page and "南集落" in page
    assert "島 太郎" in page and "内間 カメ" in page  # a named poll shows who chose what


def test_anonymous_results_have_no_districts_and_no_names(db, island, line, admin_client,
                                                         frozen_clock):
    poll_id = make_poll(db, anonymous=True)
    for name, option in (("taro", 1), ("jiro", 2)):
        tap_option(chat_of(line, island, name), poll_id, option)
    client = admin_client(role="admin")
    page = client.get(f"/admin/polls/{poll_id}").get_data(as_text=True)
    assert "1 人（50.0%）" in page and "2 人 / 送った 4 人" in page
    assert "南集落" not in page.split("<h2>")[-1] and "島 太郎" not in page
    text = client.get(f"/admin/polls/{poll_id}/results.csv").get_data(as_text=True)
    assert "島 太郎" not in text and "北集落" not in text and "南集落" not in text


def test_the_csv_is_utf8_with_a_bom_and_japanese(db, island, line, admin_client, frozen_clock):
    poll_id = make_poll(db)
    for name, option in (("taro", 1), ("jiro", 3)):
        tap_option(chat_of(line, island, name), poll_id, option)
    response = admin_client(role="viewer").get(f"/admin/polls/{poll_id}/results.csv")
    assert response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["質問", "敬老会の会場はどこがよいですか。"]
    header = rows[4]
    assert header[:6] == ["集落", "送った人数", "回答", "公民館", "体育館", "港の広場"]
    by_district = {row[0]: row for row in rows[5:8]}
    assert by_district["北集落"][1:6] == ["3", "1", "1", "0", "0"]
    assert by_district["南集落"][1:6] == ["1", "1", "0", "0", "1"]
    assert by_district["合計"][1:9] == ["4", "2", "1", "0", "1", "50.0", "0.0", "50.0"]
    assert ["島 太郎", "北集落", "公民館"] in rows and ["島 次郎", "南集落", "港の広場"] in rows


def test_closing_early_and_editing_are_audited(db, island, line, admin_client, frozen_clock):
    poll_id = make_poll(db)
    editor = admin_client(role="editor")
    later = now() + timedelta(days=5)
    response = editor.submit(f"/admin/polls/{poll_id}/edit", {
        "question_ja": "会場の希望を教えてください。", "question_en": "",
        "closes_at": tokyo_input(later)})
    assert response.status_code == 302
    assert poll_of(db, poll_id).question_ja == "会場の希望を教えてください。"
    # A deadline in the past is refused; nothing changes.
    editor.submit(f"/admin/polls/{poll_id}/edit", {
        "question_ja": "別の文", "closes_at": "2020-01-01T00:00"})
    assert poll_of(db, poll_id).question_ja == "会場の希望を教えてください。"
    assert editor.submit(f"/admin/polls/{poll_id}/close").status_code == 302
    assert poll_of(db, poll_id).closed_at == now()
    assert audit_actions(db) == [("poll.created", f"poll:{poll_id}"),
                                 ("poll.edited", f"poll:{poll_id}"),
                                 ("poll.closed", f"poll:{poll_id}")]
    reply = tap_option(chat_of(line, island, "taro"), poll_id, 1)
    assert reply[0]["text"] == "このアンケートは締め切りました。"
    page = editor.get(f"/admin/polls/{poll_id}").get_data(as_text=True)
    assert "早めに締め切りました" in page and "今すぐ締め切る" not in page


def test_the_list_shows_polls_with_answered_counts(db, island, line, admin_client,
                                                   frozen_clock):
    poll_id = make_poll(db)
    tap_option(chat_of(line, island, "taro"), poll_id, 1)
    page = admin_client(role="viewer").get("/admin/polls").get_data(as_text=True)
    assert "敬老会の会場はどこがよいですか。" in page and "受付中" in page
    assert ">1</td>" in page and ">4</td>" in page
