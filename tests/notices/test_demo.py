"""The demo island's notices: believable history in /admin and 「過去のお知らせ」, sent nowhere."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from islandos.cli import main
from islandos.demo.island import demo_user_id
from islandos.models.asking import Answer, AskRecipient
from islandos.models.jobs import Job, JobStatus
from islandos.models.notices import Notice
from islandos.models.outbox import OutboxMessage
from islandos.services.notices.sending import notice_ask
from tests.support.webhook import text_event


def run_demo(app) -> str:
    result = app.test_cli_runner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    return result.output


def counts(db) -> tuple[int, int, int]:
    with db.transaction() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) or 0
                     for model in (Notice, AskRecipient, OutboxMessage))


def archive_titles(reply: list[dict]) -> list[str]:
    bubbles = reply[0]["contents"]["contents"]
    return [b["body"]["contents"][1]["text"] for b in bubbles]


def test_the_demo_notices_are_history_and_nothing_goes_to_line(
        app, db, worker, fake_line, frozen_clock):
    assert "demo notices: 4 in place (4 added now" in run_demo(app)
    first = counts(db)
    assert first[0] == 7  # three notices, a weekly series and its three Thursdays
    assert "(0 added now" in run_demo(app)
    assert counts(db) == first  # idempotent
    with db.transaction() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {"accepted"}
        assert session.scalar(select(func.count()).select_from(Job).where(
            Job.status == JobStatus.PENDING)) == 0
        family = session.scalar(select(func.count()).select_from(AskRecipient).where(
            AskRecipient.is_family.is_(True)))
        assert family == 4  # the typhoon warning reached every linked family member once
    worker.run_once()
    frozen_clock(days=3)  # no reminder is left to go either
    worker.run_once()
    assert [r.path for r in fake_line.requests if "/message/" in r.path] == []


def test_the_dashboard_shows_who_confirmed_the_demo_water_outage(app, admin_client, db,
                                                                  frozen_clock):
    run_demo(app)
    viewer = admin_client(role="viewer")
    listing = viewer.get("/admin/notices").get_data(as_text=True)
    titles = ("断水のお知らせ", "港の清掃のお知らせ", "台風接近のお知らせ", "ごみ収集日のお知らせ")
    assert all(title in listing for title in titles)
    with db.transaction() as session:
        water = session.scalars(select(Notice).where(Notice.title == "断水のお知らせ")).one()
        ask = notice_ask(session, water.id)
        assert ask is not None
        got = session.scalar(select(func.count()).select_from(AskRecipient).where(
            AskRecipient.ask_id == ask.id)) or 0
        confirmed = session.scalar(select(func.count()).select_from(Answer).where(
            Answer.ask_id == ask.id))
    assert got == 20 and confirmed == 14  # all but every third islander
    page = viewer.get(f"/admin/notices/{water.id}").get_data(as_text=True)
    assert "2026年11月23日(月) 17:00" in page
    assert re.search(r'class="confirmed"[^>]*>14<', page)
    not_yet = page.split("まだ確認していない人")[1]
    assert "比嘉 ウシ" not in not_yet and "内間 カマド" in not_yet  # the 1st confirmed, the 3rd not


def test_past_notices_in_line_show_each_demo_persons_own_history(app, line, frozen_clock):
    run_demo(app)
    minato, nishi, english = (demo_user_id("islander", n) for n in (0, 5, 18))
    line.post(text_event(minato, "過去のお知らせ", line.reply_token()))
    assert archive_titles(line.last_reply()) == [
        "断水のお知らせ", "港の清掃のお知らせ", "ごみ収集日のお知らせ", "台風接近のお知らせ",
        "ごみ収集日のお知らせ", "ごみ収集日のお知らせ"]
    line.post(text_event(nishi, "過去のお知らせ", line.reply_token()))
    assert "港の清掃のお知らせ" not in archive_titles(line.last_reply())
    line.post(text_event(english, "past notices", line.reply_token()))
    assert archive_titles(line.last_reply())[:3] == [
        "Water outage", "Garbage collection day", "Typhoon approaching"]
    line.post(text_event(demo_user_id("family", 0), "過去のお知らせ", line.reply_token()))
    assert archive_titles(line.last_reply()) == ["台風接近のお知らせ"]  # their emergency copy
    line.post(text_event(demo_user_id("tourist", 0), "過去のお知らせ", line.reply_token()))
    assert line.last_reply()[0]["text"] == "お知らせはまだありません。"
