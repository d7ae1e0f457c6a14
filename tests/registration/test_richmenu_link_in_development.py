"""In development the recorder stands in for LINE; linking a menu must not block the database."""

from __future__ import annotations

from sqlalchemy import select

from islandos import create_app
from islandos.extensions import islandos_state
from islandos.line.richmenus import deploy_rich_menus, schedule_menu_link
from islandos.line.worker import Worker
from islandos.models import RecordedMessage
from tests.support.factories import make_islander


def test_a_link_job_records_the_menu_without_holding_a_transaction(app, database_url,
                                                                  fake_line):
    from tests.conftest import app_overrides
    dev = islandos_state(create_app(app_overrides(database_url, fake_line, env="development")))
    deploy_rich_menus(dev.db, dev.transport)
    with dev.db.transaction() as session:
        islander = make_islander(session)
        schedule_menu_link(session, islander)
    report = Worker(dev.db, dev.transport, dev.jobs, worker_id="dev").run_once()
    assert report.jobs_done == 1 and report.jobs_failed == 0
    with dev.db.transaction() as session:
        links = session.scalars(select(RecordedMessage).where(
            RecordedMessage.line_user_id == islander.line_user_id)).all()
    assert [link.payload["op"] for link in links] == ["link"]
    dev.db.dispose()


def test_deploying_with_people_in_development_links_them_without_blocking(database_url,
                                                                         fake_line, app):
    from tests.conftest import app_overrides
    dev = islandos_state(create_app(app_overrides(database_url, fake_line, env="development")))
    with dev.db.transaction() as session:
        islanders = [make_islander(session).line_user_id for _ in range(3)]
    report = deploy_rich_menus(dev.db, dev.transport)
    assert report.linked_users == 3
    with dev.db.transaction() as session:
        linked = session.scalars(select(RecordedMessage.line_user_id).where(
            RecordedMessage.via == "richmenu",
            RecordedMessage.line_user_id.in_(islanders))).all()
    assert sorted(linked) == sorted(islanders)
    dev.db.dispose()
