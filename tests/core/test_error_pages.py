"""The app's own 404, 405 and 500 answers: a page for people, JSON for /api, text for LINE."""

from __future__ import annotations

import logging

from sqlalchemy import select

from islandos.models.people import District
from tests.support.factories import make_district


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_a_missing_page_says_so_in_japanese_with_the_islands_name(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.content_type == "text/html; charset=utf-8"
    page = _page(response)
    assert '<html lang="ja">' in page
    assert "ページが見つかりません" in page
    assert "島OS" in page
    assert "Not Found" not in page  # not Werkzeug's page
    assert "お問い合わせ番号" not in page  # the reference number is for server errors
    assert '<a class="button primary" href="/">ホームへ戻る</a>' in page  # the visitors' home


def test_a_missing_page_in_english_for_an_english_browser(client):
    response = client.get("/nowhere", headers={"Accept-Language": "en-US,en;q=0.9"})
    page = _page(response)
    assert response.status_code == 404
    assert '<html lang="en">' in page
    assert "Page not found" in page
    assert "ページが見つかりません" not in page


def test_the_islands_name_comes_from_the_settings(schema, database_url, fake_line, app):
    from islandos import create_app
    from tests.conftest import app_overrides
    named = create_app(app_overrides(database_url, fake_line, island_name="久高島",
                                     island_name_en="Kudaka Island")).test_client()
    assert '<span class="island">久高島</span>' in _page(named.get("/nowhere"))
    english = named.get("/nowhere", headers={"Accept-Language": "en"})
    assert '<span class="island">Kudaka Island</span>' in _page(english)


def test_on_the_dashboard_home_is_the_dashboard(admin_client):
    signed_in = admin_client()
    response = signed_in.get("/admin/no-such-page")
    assert response.status_code == 404
    assert 'href="/admin/"' in _page(response)
    assert "ホームへ戻る" in _page(response)


def test_a_wrong_method_gets_405_with_allow(client):
    response = client.get("/admin/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "この方法では開けません" in _page(response)


def test_the_webhook_answers_errors_in_plain_text(client):
    response = client.get("/callback")
    assert response.status_code == 405
    assert response.content_type == "text/plain; charset=utf-8"
    assert _page(response) == "405 Method Not Allowed\n"
    assert "POST" in response.headers["Allow"]


def test_the_api_answers_errors_in_json(client):
    response = client.get("/api/spots/404", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.is_json
    assert response.json == {"error": "not_found", "message": "Page not found",
                             "request_id": response.headers["X-Request-ID"]}
    assert client.get("/api/nothing").json["message"] == "ページが見つかりません"


def test_every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept(client):
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz").headers["X-Request-ID"] != generated
    kept = client.get("/healthz", headers={"X-Request-ID": "edge-7f3a.42:1"})
    assert kept.headers["X-Request-ID"] == "edge-7f3a.42:1"
    for insane in ("<script>", "a" * 101, "two words", "-leading-dash"):
        replaced = client.get("/healthz", headers={"X-Request-ID": insane})
        assert replaced.headers["X-Request-ID"] != insane
        assert len(replaced.headers["X-Request-ID"]) == 32


def test_a_server_error_shows_a_reference_number_that_is_in_the_log(app, client, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production (tests propagate by default)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("the disk is full")

    with caplog.at_level(logging.INFO):
        response = client.get("/boom", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 500
    page = _page(response)
    assert "うまく処理できませんでした" in page
    assert '<code data-testid="request-id">req-123</code>' in page
    assert "the disk is full" not in page
    assert response.headers["X-Request-ID"] == "req-123"
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1  # once, not also Flask's own "Exception on /boom"
    assert "request_id=req-123" in errors[0].getMessage()
    assert "GET /boom" in errors[0].getMessage()
    assert errors[0].exc_info and "the disk is full" in str(errors[0].exc_info[1])


def test_a_server_error_keeps_what_was_committed_and_drops_what_was_not(app, client, db):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.post("/_two_steps")
    def two_steps() -> str:
        with db.transaction() as session:
            make_district(session, code="kept")
        with db.transaction() as session:
            make_district(session, code="dropped")
            raise RuntimeError("second step failed")

    app.extensions["csrf"].exempt(two_steps)
    assert client.post("/_two_steps").status_code == 500
    with db.transaction() as session:
        assert list(session.scalars(select(District.code))) == ["kept"]


def test_a_refused_form_gets_the_apps_own_400_page(client):
    response = client.post("/admin/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400
    assert "送られた内容を受け付けられませんでした" in _page(response)
    assert "ページを読み込み直して" in _page(response)
