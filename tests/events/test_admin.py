"""The dashboard: create an event (the invitation goes), bad input stores nothing, the live
tally with names, answers taken by phone, CSV, the sign-in sheet, change, postpone, cancel,
and residents without LINE; every change audited."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from islandos.clock import TOKYO, now
from islandos.models.audit import AuditEntry
from islandos.models.events import Event, EventStatus
from islandos.models.people import Person
from tests.events.conftest import Chat, answers, attending, make_event, texts


def local(moment) -> str:
    return moment.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")


def form(**fields) -> dict:
    start = now() + timedelta(days=6)
    values = {"title": "区の総会", "description_ja": "公民館で開きます。",
              "starts_at": local(start), "ends_at": local(start + timedelta(hours=2)),
              "answer_deadline": local(start - timedelta(days=2)), "place": "公民館",
              "capacity": "", "max_guests": "0", "audience_kind": "islanders",
              "remind": "1", "remind_days_before": "1", "remind_time": "18:00"}
    return {**values, **fields}


def events_stored(db) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Event)) or 0


def audited(db, action: str) -> list[AuditEntry]:
    with db.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def created_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    found = re.search(r"/admin/events/(\d+)$", response.location)
    assert found, response.location
    return int(found.group(1))


def test_an_editor_creates_an_event_the_audience_is_invited_and_the_tally_is_live(
        admin_client, db, island, line, fake_line, worker):
    editor = admin_client(role="editor")
    assert editor.get("/admin/events/new").status_code == 200
    fields = form(capacity="10", guests_allowed="1", max_guests="3")
    review = editor.submit("/admin/events/new", fields).get_data(as_text=True)
    assert "送る前に確かめてください" in review and "島民全員" in review  # whom, and the
    assert 'class="num messages-needed">' in review and events_stored(db) == 0  # messages
    event_id = created_id(editor.submit("/admin/events/new", {**fields, "action": "send"}))
    worker.run_once()
    reached = {uid for call in fake_line.calls("/v2/bot/message/multicast")
               for uid in call.json["to"]}
    assert reached == {island.uid(n) for n in ("taro", "hanako", "jiro", "saburo")}
    Chat(line, island.uid("taro")).tap("ev_answer", event=event_id, a="yes", n=3)
    Chat(line, island.uid("jiro")).tap("ev_answer", event=event_id, a="no")
    page = editor.get(f"/admin/events/{event_id}").get_data(as_text=True)
    assert "参加 3人（同伴者を含む）" in page and "定員 10人" in page
    assert "島 太郎" in page and "島 次郎" in page
    assert "岬 ウメ" in page and "098-111-2222" in page  # no LINE: on the call list
    total = re.search(r'<tr class="total">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", total, re.S)
    # asked (4 with LINE + 1 without), 参加, people, 不参加, 未定, waitlist, not answered
    assert [re.sub("<[^>]+>", "", c).strip() for c in cells[1:]] == [
        "5", "1", "3", "1", "0", "0", "3"]
    assert len(audited(db, "event.created")) == 1


def test_bad_input_gets_form_errors_and_stores_nothing(admin_client, db, island):
    editor = admin_client(role="editor")
    start = now() + timedelta(days=6)
    cases = {
        "終了は開始より後にしてください。": {"ends_at": local(start - timedelta(hours=1))},
        "回答の締め切りは開始より前にしてください。": {
            "answer_deadline": local(start + timedelta(hours=1))},
        "定員は1人以上にしてください": {"capacity": "0"},
        "題名を入力してください。": {"title": " "},
        "集落を選んでください。": {"audience_kind": "districts"},
        "日時を正しく入力してください。": {"starts_at": "someday"},
    }
    for message, bad in cases.items():
        response = editor.submit("/admin/events/new", form(**bad))
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert events_stored(db) == 0


def test_a_viewer_reads_but_cannot_create(admin_client, db, island):
    viewer = admin_client(role="viewer")
    event_id = make_event(db)
    assert viewer.get(f"/admin/events/{event_id}").status_code == 200
    assert viewer.get("/admin/events").status_code == 200
    assert viewer.submit("/admin/events/new", form()).status_code == 403
    assert events_stored(db) == 1


def test_staff_enter_an_answer_taken_by_phone_for_a_resident_without_line_audited(
        admin_client, db, island):
    editor = admin_client(role="editor")
    event_id = make_event(db, max_guests=2)
    response = editor.submit(f"/admin/events/{event_id}/answer",
                             {"person_id": island.ids["ume"], "choice": "yes", "people": "2"})
    assert response.status_code == 302
    stored = answers(db, event_id)[island.ids["ume"]]
    assert stored.choice == "yes" and stored.people == 2 and stored.entered_by == editor.actor
    entries = audited(db, "ask.answered")
    assert entries and entries[-1].actor == editor.actor
    page = editor.get(f"/admin/events/{event_id}").get_data(as_text=True)
    assert "職員が記録" in page
    editor.submit(f"/admin/events/{event_id}/answer",
                  {"person_id": island.ids["tourist"], "choice": "yes", "people": "1"})
    assert island.ids["tourist"] not in answers(db, event_id)  # not in the audience


def test_csv_is_utf8_with_a_bom_and_japanese_and_the_sheet_lists_attendees_by_district(
        admin_client, db, island, line):
    viewer = admin_client(role="viewer")
    event_id = make_event(db, max_guests=3)
    Chat(line, island.uid("taro")).tap("ev_answer", event=event_id, a="yes", n=2)
    Chat(line, island.uid("jiro")).tap("ev_answer", event=event_id, a="maybe")
    response = viewer.get(f"/admin/events/{event_id}/answers.csv")
    body = response.get_data()
    assert response.mimetype == "text/csv"
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("集落,名前,電話,回答,人数")
    assert "北集落,島 太郎,,参加,2" in text and "南集落,島 次郎,,未定," in text
    assert "北集落,岬 ウメ,098-111-2222,未回答" in text
    sheet = viewer.get(f"/admin/events/{event_id}/sheet").get_data(as_text=True)
    assert "出席簿" in sheet and "北集落" in sheet and "島 太郎" in sheet
    assert "島 次郎" not in sheet  # 未定 is not on the sign-in sheet


def test_changing_the_time_tells_attending_undecided_and_waiting_not_others(
        admin_client, db, island, line, fake_line, worker):
    editor = admin_client(role="editor")
    event_id = make_event(db, capacity=1)
    Chat(line, island.uid("taro")).tap("ev_answer", event=event_id, a="yes")
    Chat(line, island.uid("jiro")).tap("ev_answer", event=event_id, a="yes")  # waits
    Chat(line, island.uid("saburo")).tap("ev_answer", event=event_id, a="no")
    Chat(line, island.uid("hanako")).tap("ev_answer", event=event_id, a="maybe")
    page = editor.get(f"/admin/events/{event_id}").get_data(as_text=True)
    assert "お知らせが届く人（参加・未定・キャンセル待ち）：3人" in page
    assert "今月の使用" in page  # the quota, before anything is sent
    worker.run_once()
    before = len(fake_line.calls("/v2/bot/message/multicast"))
    later = now() + timedelta(days=7)
    response = editor.submit(f"/admin/events/{event_id}/edit", form(
        title="海岸清掃", starts_at=local(later), ends_at=local(later + timedelta(hours=2)),
        answer_deadline=local(later - timedelta(days=1)), place="西の浜", capacity="2",
        tell="1"))
    assert response.status_code == 302
    worker.run_once()
    told = [(uid, call.json["messages"]) for call in
            fake_line.calls("/v2/bot/message/multicast")[before:] for uid in call.json["to"]]
    changed = {uid for uid, msgs in told if "変わりました" in texts(msgs)
               or "changed" in texts(msgs)}
    assert changed == {island.uid("taro"), island.uid("jiro"), island.uid("hanako")}
    promoted = {uid for uid, msgs in told if "参加が決まりました" in texts(msgs)}
    assert promoted == {island.uid("jiro")}  # capacity 2: jiro moves up, and is told
    assert attending(db, event_id) == 2
    assert len(audited(db, "event.updated")) == 1


def test_postponing_keeps_or_clears_answers_and_cancelling_tells_and_stops_answers(
        admin_client, db, island, line, fake_line, worker):
    editor = admin_client(role="editor")
    kept, again = make_event(db), make_event(db, title="敬老会")
    for event_id in (kept, again):
        Chat(line, island.uid("taro")).tap("ev_answer", event=event_id, a="yes")
    later = now() + timedelta(days=20)
    postpone = {"starts_at": local(later), "ends_at": local(later + timedelta(hours=1)),
                "answer_deadline": local(later - timedelta(days=1))}
    editor.submit(f"/admin/events/{kept}/postpone", {**postpone, "answers": "keep"})
    editor.submit(f"/admin/events/{again}/postpone", {**postpone, "answers": "ask_again"})
    assert answers(db, kept)[island.ids["taro"]].choice == "yes"
    assert answers(db, again) == {}
    worker.run_once()
    asked_again = [call.json for call in fake_line.calls("/v2/bot/message/multicast")
                   if "もう一度お答えください" in texts(call.json["messages"])]
    assert asked_again and island.uid("jiro") in asked_again[0]["to"]
    assert len(audited(db, "event.postponed")) == 2
    editor.submit(f"/admin/events/{kept}/cancel", {})
    with db.transaction() as session:
        assert session.get(Event, kept).status == EventStatus.CANCELLED
    worker.run_once()
    cancelled = [call.json for call in fake_line.calls("/v2/bot/message/multicast")
                 if "中止" in texts(call.json["messages"])]
    assert cancelled and cancelled[0]["to"] == [island.uid("taro")]
    assert len(audited(db, "event.cancelled")) == 1
    reply = Chat(line, island.uid("jiro")).tap("ev_answer", event=kept, a="yes")
    assert "中止" in texts(reply)


def test_the_office_adds_a_resident_without_line_who_counts_in_invitations(
        admin_client, db, island):
    office = admin_client(role="admin")
    assert office.get("/admin/people/new").status_code == 200
    bad = office.submit("/admin/people/new", {"full_name": "", "district_id": island.south})
    assert bad.status_code == 400
    response = office.submit("/admin/people/new", {"full_name": "浜 カメ",
                                                   "district_id": island.south,
                                                   "phone": "098-333-4444"})
    assert response.status_code == 302
    with db.transaction() as session:
        kame = session.scalars(select(Person).where(Person.full_name == "浜 カメ")).one()
        assert kame.line_user_id is None and kame.district_id == island.south
        kame_id = kame.id
    assert len(audited(db, "person.added_without_line")) == 2  # ume (fixture) and kame
    event_id = make_event(db, audience_kind="districts", district_ids=(island.south,))
    page = office.get(f"/admin/events/{event_id}").get_data(as_text=True)
    assert "浜 カメ" in page and "098-333-4444" in page
    assert kame_id not in answers(db, event_id)
    person_page = office.get(f"/admin/people/{kame_id}").get_data(as_text=True)
    assert "行事の出欠" in person_page and "未回答" in person_page
    assert "LINEなし（職員が記録）" in person_page
