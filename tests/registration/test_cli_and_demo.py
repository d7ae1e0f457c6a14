"""`islandos invite create` and the demo island."""

from __future__ import annotations

from sqlalchemy import func, select

from islandos.cli import main
from islandos.demo import seed_demo
from islandos.extensions import islandos_state
from islandos.models import District, FamilyLink, InviteCode, Person, Role
from islandos.services import registration as reg
from tests.support.factories import make_district


def test_invite_create_prints_codes_one_a_line(app, db):
    with db.transaction() as session:
        make_district(session, "nishi", "西集落", "Nishi")
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["invite", "create", "--district", "nishi", "--count", "3"])
    assert result.exit_code == 0, result.output
    printed = result.output.split()
    assert len(printed) == 3 and all(len(code) == 8 for code in printed)
    with db.transaction() as session:
        stored = list(session.scalars(select(InviteCode)))
        assert sorted(c.code for c in stored) == sorted(printed)
        assert all(c.district is not None and c.district.code == "nishi" for c in stored)
        assert all(c.created_by == "cli" and c.used_at is None for c in stored)
    single = runner.invoke(main, ["invite", "create"])
    assert single.exit_code == 0 and len(single.output.split()) == 1


def test_invite_create_refuses_an_unknown_district(app):
    result = app.test_cli_runner().invoke(main, ["invite", "create", "--district", "atlantis"])
    assert result.exit_code != 0 and "unknown district" in result.output


def test_demo_island_is_believable_and_idempotent(app, db):
    with db.transaction() as session:
        first = seed_demo(session, islandos_state(app).registry.seeders)
    with db.transaction() as session:
        second = seed_demo(session, islandos_state(app).registry.seeders)
        assert session.scalar(select(func.count()).select_from(District)) == 4
        # 21 islanders: 20 in LINE and one without LINE the office keeps (the events demo)
        assert reg.count_by_role(session) == {Role.ISLANDER: 21, Role.TOURIST: 7,
                                              Role.FAMILY: 4}
        assert session.scalar(select(func.count()).select_from(FamilyLink)) == 6
        named = session.scalar(select(func.count()).select_from(Person).where(
            Person.full_name.is_not(None)))
        assert named == 21  # only islanders have names
    codes = [line.strip() for line in first if line.startswith("  ")]
    assert len(codes) == 5 and codes == [line.strip() for line in second if line.startswith("  ")]
