"""Features: each app registers the features it is given, and nothing leaks between apps."""

from __future__ import annotations

import pytest
from flask import Blueprint
from sqlalchemy import select

from islandos import create_app
from islandos.extensions import islandos_state
from islandos.features import default_features
from islandos.line import messages
from islandos.line.router import Router
from islandos.models.people import Person, Status
from islandos.registry import Feature, FeatureConflict, NavItem, PersonPanel, Registry
from islandos.scheduler import JobRegistry
from islandos.services.privacy import delete_personal_data
from tests.conftest import app_overrides
from tests.support.factories import make_islander


def _ferry_feature(erased: list[int]) -> Feature:
    """A small feature the way a real one declares itself (a ferry timetable)."""
    ferry_bp = Blueprint("ferry", __name__, url_prefix="/admin")

    @ferry_bp.get("/ferry")
    def timetable() -> str:
        return "ferry timetable"

    def routes(router: Router) -> None:
        router.text("フェリー", "ferry")(lambda context: [messages.text("次の便は10:00です。")])

    def jobs(registry: JobRegistry) -> None:
        registry.add("ferry.check", lambda ctx: None)

    return Feature(
        name="ferry", routes=routes, jobs=jobs,
        erasers=(lambda session, person: erased.append(person.id),),
        admin_blueprints=(ferry_bp,),
        nav=(NavItem("フェリー", "ferry.timetable", order=30),),
        person_panels=(lambda session, person: PersonPanel("フェリー", []),),
        offers=("フェリー",),
    )


def test_two_apps_in_one_process_register_only_their_own_features(
        database_url, fake_line, schema):
    erased: list[int] = []
    with_ferry = create_app(app_overrides(database_url, fake_line),
                            features=[*default_features(), _ferry_feature(erased)])
    without = create_app(app_overrides(database_url, fake_line))
    try:
        ferry_state, plain_state = islandos_state(with_ferry), islandos_state(without)
        assert "ferry.check" in ferry_state.jobs and "ferry.check" not in plain_state.jobs
        assert "ferry.timetable" in {item.endpoint for item in ferry_state.registry.nav}
        assert "ferry.timetable" not in {item.endpoint for item in plain_state.registry.nav}
        assert "フェリー" in ferry_state.registry.offers
        assert "フェリー" not in plain_state.registry.offers
        assert len(ferry_state.registry.erasers) == len(plain_state.registry.erasers) + 1
        assert "ferry.timetable" in with_ferry.view_functions
        assert "ferry.timetable" not in without.view_functions
        assert ferry_state.router is not plain_state.router
    finally:
        ferry_state.db.dispose()
        plain_state.db.dispose()


def test_an_app_without_notices_has_no_notice_pages_jobs_or_words(database_url, fake_line,
                                                                  schema):
    chosen = [feature for feature in default_features() if feature.name != "notices"]
    app = create_app(app_overrides(database_url, fake_line), features=chosen)
    try:
        state = islandos_state(app)
        assert "notice.send" not in state.jobs
        assert not any(rule.rule.startswith("/admin/notices") for rule in app.url_map.iter_rules())
        assert "お知らせ" not in state.registry.offers
    finally:
        state.db.dispose()


def test_erasing_data_reaches_every_features_eraser_without_the_line_handlers(
        app, database_url, fake_line):
    erased: list[int] = []
    quiet = _ferry_feature(erased)
    # The same feature, but its LINE routes are not registered in this app.
    no_routes = Feature(name=quiet.name, erasers=quiet.erasers)
    app = create_app(app_overrides(database_url, fake_line), features=[no_routes])
    state = islandos_state(app)
    try:
        with state.db.transaction() as session:
            person = make_islander(session, full_name="島 花子")
            delete_personal_data(session, person.id, "admin:1", state.registry.erasers,
                                 notify=False)
            assert session.scalar(select(Person.status).where(Person.id == person.id)) \
                == Status.DELETED
        assert erased == [person.id]
    finally:
        state.db.dispose()  # the `app` fixture empties the tables afterwards


def test_a_feature_given_twice_or_a_menu_entry_declared_twice_is_refused():
    first = Feature(name="ferry", nav=(NavItem("フェリー", "ferry.timetable"),))
    with pytest.raises(FeatureConflict):
        Registry.build([first, first])
    with pytest.raises(FeatureConflict):
        Registry.build([first, Feature(name="boats", nav=first.nav)])
