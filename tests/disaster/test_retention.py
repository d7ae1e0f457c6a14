"""Locations and health answers are reduced to the district 30 days after the mode ends
(a daily job, on the settable clock), unless the office exported the record; the privacy
page says so; 「データを削除」 takes a person's locations."""

from __future__ import annotations

from sqlalchemy import func, select

from islandos.clock import now
from islandos.demo import seed_demo
from islandos.models.asking import Answer
from islandos.models.disaster import DisasterMode, SafetyEvent, SafetyLocation
from islandos.models.map import Spot
from islandos.models.people import Person
from islandos.services.disaster.board import export_csv
from islandos.services.disaster.retention import reduce_old_checks
from tests.disaster.conftest import chat, end, send_location, start


def _answered(db, line, island) -> int:
    mode_id = start(db)
    chat(line, island, "taro").tap("safety", m=mode_id, c="stuck")
    send_location(line, island.uid("taro"), 26.207, 127.986)
    chat(line, island, "jiro").tap("safety", m=mode_id, c="safe")
    end(db)
    return mode_id


def _reduce(db) -> int:
    with db.transaction() as session:
        return reduce_old_checks(session, now())


def _stored(db):
    with db.transaction() as session:
        return (session.scalar(select(func.count(SafetyLocation.id))),
                sorted(str(c) for c in session.scalars(select(SafetyEvent.choice))),
                sorted(session.scalars(select(Answer.choices))))


def test_thirty_days_after_the_end_locations_go_and_help_is_kept_per_district_only(
        db, island, line, frozen_clock):
    mode_id = _answered(db, line, island)
    frozen_clock(days=29, hours=23)
    assert _reduce(db) == 0
    assert _stored(db) == (1, ["None", "safe", "stuck"], [1, 16])
    frozen_clock(hours=2)
    assert _reduce(db) > 0
    assert _stored(db) == (0, ["help", "safe"], [1, 2])  # 「動けない」 is now 「助けが必要」
    with db.transaction() as session:
        mode = session.get(DisasterMode, mode_id)
        assert mode is not None and mode.reduced_at is not None
        assert mode.summary == {str(island.north): {"stuck": 1},
                                str(island.south): {"safe": 1}}
        assert session.scalar(select(func.count(SafetyEvent.id)).where(
            SafetyEvent.latitude.is_not(None))) == 0
    assert _reduce(db) == 0  # runs daily; the second time changes nothing


def test_a_record_exported_before_then_is_kept(db, island, line, frozen_clock):
    mode_id = _answered(db, line, island)
    with db.transaction() as session:
        mode = session.get(DisasterMode, mode_id)
        assert mode is not None
        export_csv(session, mode, "admin:1")
    frozen_clock(days=31)
    assert _reduce(db) == 0
    assert _stored(db)[0] == 1


def test_the_daily_job_is_registered_and_the_privacy_page_says_so(state, client):
    assert "disaster.retention" in [task.name for task in state.jobs.periodic]
    page = client.get("/privacy").get_data(as_text=True)
    assert "災害時モードが終わって30日後に削除" in page
    english = client.get("/privacy?lang=en").get_data(as_text=True)
    assert "30 days after disaster mode ends" in english


def test_deleting_their_data_takes_a_persons_locations(db, island, line, state):
    mode_id = start(db)
    chat(line, island, "taro").tap("safety", m=mode_id, c="help")
    send_location(line, island.uid("taro"), 26.207, 127.986)
    with db.transaction() as session:
        taro = session.get(Person, island.ids["taro"])
        assert taro is not None
        for eraser in state.registry.erasers:
            eraser(session, taro)
    with db.transaction() as session:
        assert session.scalar(select(func.count(SafetyLocation.id))) == 0
        assert session.scalar(select(func.count(SafetyEvent.id)).where(
            SafetyEvent.person_id == island.ids["taro"])) == 0


def test_the_demo_islands_shelters_get_a_capacity_once(db, state):
    with db.transaction() as session:
        seed_demo(session, state.registry.seeders)
        seed_demo(session, state.registry.seeders)
        capacities = dict(session.execute(select(Spot.slug, Spot.shelter_capacity).where(
            Spot.category == "shelter")).all())
    assert capacities == {"shelter-school": 200, "community-hall": 60}
