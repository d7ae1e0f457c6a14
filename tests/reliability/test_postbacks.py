"""Postbacks are validated per action: a garbled, unknown or oversized id answers politely
and changes nothing; a postback nobody handles gets a short answer instead of silence."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from islandos.i18n import gettext
from islandos.line.events import postback_data
from islandos.line.inbox import POSTBACK_REFUSED
from islandos.line.router import UNKNOWN_POSTBACK
from islandos.models import AuditEntry, Person
from tests.support.factories import make_district, make_islander
from tests.support.faults import replies_per_token
from tests.support.webhook import line_user_id, postback_event

ISLANDER = line_user_id(7)


@pytest.fixture
def islander(db):
    with db.transaction() as session:
        north = make_district(session)
        make_district(session, code="south", name_ja="南集落", name_en="South")
        person = make_islander(session, district=north, line_user_id=ISLANDER)
        return person.id, north.id


def district_and_audits(db, person_id: int) -> tuple[int | None, int]:
    with db.transaction() as session:
        return (session.get(Person, person_id).district_id,
                session.scalar(select(func.count()).select_from(AuditEntry)))


@pytest.mark.parametrize("data", [
    "action=set.district_pick&id=abc",
    "action=set.district_pick&id=",
    "action=set.district_pick&id=-1",
    "action=set.district_pick&id=%EF%BC%91",  # a full-width digit
    "action=set.district_pick&id=99999999999999999999999",
    f"action=set.district_pick&id={2**63}",
    "action=set.district_pick",
])
def test_a_district_pick_with_a_bad_id_answers_politely_and_changes_nothing(
        line, db, islander, data, caplog):
    person_id, north = islander
    before = district_and_audits(db, person_id)
    assert before[0] == north

    assert line.post(postback_event(ISLANDER, data, line.reply_token())).status_code == 200
    assert line.last_reply()[0]["text"] == POSTBACK_REFUSED
    assert district_and_audits(db, person_id) == before  # same district, nothing audited
    assert not any(record.exc_info for record in caplog.records)


def test_a_district_pick_with_an_unknown_id_answers_politely_and_changes_nothing(
        line, db, islander):
    person_id, _north = islander
    before = district_and_audits(db, person_id)
    line.post(postback_event(ISLANDER, postback_data("set.district_pick", id=987654),
                             line.reply_token()))
    assert "集落" in line.last_reply()[0]["text"]
    assert district_and_audits(db, person_id) == before


def test_a_district_pick_with_a_good_id_still_moves_the_islander(line, db, islander):
    person_id, north = islander
    south = north + 1
    line.post(postback_event(ISLANDER, postback_data("set.district_pick", id=south),
                             line.reply_token()))
    assert line.last_reply()[0]["text"] == "集落を「南集落」に変えました。"
    assert district_and_audits(db, person_id)[0] == south


@pytest.mark.parametrize("data", [
    "action=notice_confirm&notice=1e3", "action=notice_more&page=18446744073709551616",
    "action=fam.unlink&link=0x10"])
def test_other_actions_refuse_garbled_numbers_too(line, islander, data, fake_line):
    event = postback_event(ISLANDER, data, line.reply_token())
    assert line.post(event).status_code == 200
    assert replies_per_token(fake_line) == {event["replyToken"]: 1}
    assert line.last_reply()[0]["text"] == POSTBACK_REFUSED


def test_a_postback_nobody_handles_gets_a_short_polite_answer(line, islander):
    line.post(postback_event(ISLANDER, "action=removed.long.ago&id=3", line.reply_token()))
    assert line.last_reply()[0]["text"] == UNKNOWN_POSTBACK


def test_the_answers_read_naturally_in_english():
    assert gettext("en", POSTBACK_REFUSED) == \
        "This button doesn't work. Please choose again from a new menu."
    assert gettext("en", UNKNOWN_POSTBACK) == \
        "This button no longer works. Send “help” to see what you can do."
