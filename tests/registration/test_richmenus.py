"""Rich menus: deploy against the fake LINE API, redeploy, a design change, linking one user."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from PIL import Image
from sqlalchemy import select

from islandos import create_app
from islandos.cli import main
from islandos.extensions import IslandState, islandos_state
from islandos.line.gateway import RecordingTransport
from islandos.line.richmenus import IMAGE_DIR, LAYOUTS, deploy_rich_menus, designs
from islandos.models import Job, RecordedMessage, RichMenuDeployment, Role
from tests.conftest import app_overrides
from tests.support.factories import make_person
from tests.support.webhook import line_user_id

WRITES = ("POST", "DELETE")
MENUS = len(LAYOUTS) * 2  # every layout in Japanese and English (the disaster menu too)


@pytest.fixture
def deploy_state(app, database_url, fake_line) -> Iterator[IslandState]:
    """The app, with the data API on a host name of its own (same fake server), so a test
    can tell which base URL a request used."""
    overrides = app_overrides(database_url, fake_line,
                              line_data_api_base_url=f"http://localhost:{fake_line.port}")
    application = create_app(overrides)
    yield islandos_state(application)
    islandos_state(application).db.dispose()


def people(db, count: int, role: str, language: str = "ja", start: int = 100) -> list[str]:
    with db.transaction() as session:
        return [make_person(session, role=role, language=language,
                            line_user_id=line_user_id(start + i)).line_user_id
                for i in range(count)]


def writes(fake_line) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake_line.requests if r.method in WRITES]


def test_the_shipped_images_fit_their_menus():
    for design in designs():
        path = IMAGE_DIR / f"{design.name}-{design.language}.png"
        with Image.open(path) as image:
            size = design.body["size"]
            assert image.size == (size["width"], size["height"])
            assert image.format == "PNG"
        assert path.stat().st_size < 1024 * 1024
    assert {(d.name, d.language) for d in designs()} == {
        (layout.name, lang) for layout in LAYOUTS for lang in ("ja", "en")}


def test_deploy_creates_uploads_sets_default_and_links_everyone(deploy_state, fake_line):
    islanders = people(deploy_state.db, 3, Role.ISLANDER)
    english_islander = people(deploy_state.db, 1, Role.ISLANDER, "en", start=200)
    tourists = people(deploy_state.db, 2, Role.TOURIST, "en", start=300)
    report = deploy_rich_menus(deploy_state.db, deploy_state.transport)
    assert len(report.created) == MENUS and report.deleted == []
    assert len(fake_line.richmenus) == MENUS
    assert all(menu["image"] is not None for menu in fake_line.richmenus.values())
    uploads = [r for r in fake_line.requests if r.path.endswith("/content")]
    assert len(uploads) == MENUS
    # Images go to LINE_DATA_API_BASE_URL (api-data.line.me), everything else to the API.
    assert {r.headers["host"] for r in uploads} == {f"localhost:{fake_line.port}"}
    assert {r.headers["content-type"] for r in uploads} == {"image/png"}
    creates = fake_line.calls("/v2/bot/richmenu")
    assert {r.headers["host"] for r in creates} == {f"127.0.0.1:{fake_line.port}"}
    with deploy_state.db.transaction() as session:
        rows = {(r.name, r.language): r.line_rich_menu_id
                for r in session.scalars(select(RichMenuDeployment))}
    assert fake_line.default_richmenu_id == rows[("default", "ja")]
    for user in islanders:
        assert fake_line.user_richmenus[user] == rows[("islander", "ja")]
    assert fake_line.user_richmenus[english_islander[0]] == rows[("islander", "en")]
    for user in tourists:
        assert fake_line.user_richmenus[user] == rows[("default", "en")]
    names = {menu["body"]["name"] for menu in fake_line.richmenus.values()}
    assert all(name.startswith("islandos-") for name in names)


def test_a_second_deploy_with_no_change_writes_nothing(deploy_state, fake_line):
    people(deploy_state.db, 2, Role.ISLANDER)
    deploy_rich_menus(deploy_state.db, deploy_state.transport)
    before = writes(fake_line)
    report = deploy_rich_menus(deploy_state.db, deploy_state.transport)
    assert not report.changed and len(report.unchanged) == MENUS
    assert writes(fake_line) == before


def test_a_design_change_moves_users_in_chunks_then_deletes_the_old_menu(
        deploy_state, fake_line, tmp_path):
    islanders = people(deploy_state.db, 1001, Role.ISLANDER)
    deploy_rich_menus(deploy_state.db, deploy_state.transport)
    with deploy_state.db.transaction() as session:
        old = {(r.name, r.language): r.line_rich_menu_id
               for r in session.scalars(select(RichMenuDeployment))}
    images = tmp_path / "richmenus"
    shutil.copytree(IMAGE_DIR, images)
    with Image.open(images / "islander-ja.png") as image:  # a new design of one menu
        image.convert("RGB").point(lambda v: 255 - v).save(images / "islander-ja.png")
    calls_before = len(fake_line.requests)
    report = deploy_rich_menus(deploy_state.db, deploy_state.transport, image_dir=images)
    assert report.created == ["islander/ja"]
    assert report.deleted == [old[("islander", "ja")]]
    assert report.linked_users == 1001
    new_requests = fake_line.requests[calls_before:]
    bulk = [r for r in new_requests if r.path == "/v2/bot/richmenu/bulk/link"]
    assert [len(r.json["userIds"]) for r in bulk] == [500, 500, 1]
    order = [r.path for r in new_requests if r.method in WRITES]
    assert order.index("/v2/bot/richmenu/bulk/link") < order.index(
        f"/v2/bot/richmenu/{old[('islander', 'ja')]}")  # moved before the old one goes
    with deploy_state.db.transaction() as session:
        new_id = session.scalar(select(RichMenuDeployment.line_rich_menu_id).where(
            RichMenuDeployment.name == "islander", RichMenuDeployment.language == "ja"))
    assert new_id != old[("islander", "ja")]
    assert old[("islander", "ja")] not in fake_line.richmenus
    assert all(fake_line.user_richmenus[user] == new_id for user in islanders)
    assert fake_line.default_richmenu_id == old[("default", "ja")]  # untouched


def test_menus_left_behind_by_a_stopped_deploy_are_cleaned_up(deploy_state, fake_line):
    orphan = deploy_state.transport.create_rich_menu(
        {**designs()[0].request(), "name": "islandos-default-ja-halfway"})
    deploy_rich_menus(deploy_state.db, deploy_state.transport)
    assert orphan not in fake_line.richmenus and len(fake_line.richmenus) == MENUS


def test_a_role_change_links_the_right_menu_through_the_worker(
        deploy_state, fake_line, line, worker):
    deploy_rich_menus(deploy_state.db, deploy_state.transport)
    from tests.registration.conftest import Chat
    chat = Chat(line, line_user_id(7))
    chat.press(chat.press(chat.follow(), "English"), "I'm visiting")
    assert chat.user_id not in fake_line.user_richmenus  # never inside the webhook
    worker.run_once()
    with deploy_state.db.transaction() as session:
        ids = {(r.name, r.language): r.line_rich_menu_id
               for r in session.scalars(select(RichMenuDeployment))}
    assert fake_line.user_richmenus[chat.user_id] == ids[("default", "en")]
    chat.press(chat.press(chat.say("settings"), "Language / ことば"), "日本語")
    worker.run_once()  # the same job key, armed again
    assert fake_line.user_richmenus[chat.user_id] == ids[("default", "ja")]
    with deploy_state.db.transaction() as session:
        assert len(list(session.scalars(select(Job).where(Job.kind == "richmenu.link")))) == 1


def test_link_job_retries_when_line_is_down(deploy_state, fake_line, line, worker, db):
    deploy_rich_menus(deploy_state.db, deploy_state.transport)
    from tests.registration.conftest import Chat
    chat = Chat(line, line_user_id(8))
    chat.press(chat.press(chat.follow(), "日本語"), "観光客です")
    [menu_path] = [f"/v2/bot/user/{chat.user_id}/richmenu/{menu_id}"
                   for menu_id in fake_line.richmenus
                   if fake_line.richmenus[menu_id]["body"]["name"].startswith(
                       "islandos-default-ja")]
    fake_line.script(menu_path, 500)
    report = worker.run_once()
    assert report.jobs_done == 0 and chat.user_id not in fake_line.user_richmenus
    with db.transaction() as session:
        job = session.scalars(select(Job).where(Job.kind == "richmenu.link")).one()
        assert job.status == "pending" and "500" in (job.last_error or "")
        job.run_at = job.created_at  # due again
    assert worker.run_once().jobs_done == 1
    assert chat.user_id in fake_line.user_richmenus


def test_cli_deploy_twice(app, fake_line):
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["line", "richmenu", "deploy"])
    assert first.exit_code == 0, first.output
    assert "created islander/ja" in first.output
    second = runner.invoke(main, ["line", "richmenu", "deploy"])
    assert second.exit_code == 0 and "nothing changed" in second.output


def test_recording_transport_records_menu_work_in_development(db):
    transport = RecordingTransport(db)
    report = deploy_rich_menus(db, transport)
    assert len(report.created) == MENUS
    with db.transaction() as session:
        ops = [r.payload["op"] for r in session.scalars(select(RecordedMessage).where(
            RecordedMessage.via == "richmenu"))]
    assert ops.count("create") == MENUS and ops.count("upload") == MENUS and "default" in ops
    assert not deploy_rich_menus(db, transport).changed


def test_a_deploy_while_another_runs_is_refused_before_anything_reaches_line(
        app, deploy_state, fake_line):
    from islandos.leases import lease
    from islandos.line.richmenus import DEPLOY_LEASE, DEPLOY_LEASE_TTL, DeployAlreadyRunning
    people(deploy_state.db, 2, Role.ISLANDER)
    with lease(deploy_state.db, DEPLOY_LEASE, DEPLOY_LEASE_TTL, holder="other-host:4242"):
        with pytest.raises(DeployAlreadyRunning):
            deploy_rich_menus(deploy_state.db, deploy_state.transport)
        refused = app.test_cli_runner().invoke(main, ["line", "richmenu", "deploy"])
        assert refused.exit_code == 1
        assert "already running (other-host:4242)" in refused.output
        assert writes(fake_line) == []
    report = deploy_rich_menus(deploy_state.db, deploy_state.transport)
    assert len(report.created) == MENUS
