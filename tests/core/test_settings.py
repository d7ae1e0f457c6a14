"""Settings: read once, defaults for development, a clear stop for production gaps."""

from __future__ import annotations

import pytest

from islandos import create_app
from islandos.settings import Settings, SettingsError


def test_production_names_every_missing_setting():
    with pytest.raises(SettingsError) as error:
        Settings.from_env({})
    message = str(error.value)
    for name in ("SECRET_KEY", "LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN",
                 "PUBLIC_BASE_URL"):
        assert name in message


def test_production_is_the_default_and_needs_https():
    env = {"SECRET_KEY": "s" * 40, "LINE_CHANNEL_SECRET": "c", "LINE_CHANNEL_ACCESS_TOKEN": "t",
           "PUBLIC_BASE_URL": "http://island.example"}
    with pytest.raises(SettingsError, match="https"):
        Settings.from_env(env)
    settings = Settings.from_env({**env, "PUBLIC_BASE_URL": "https://island.example/"})
    assert settings.env == "production"
    assert settings.public_base_url == "https://island.example"
    assert settings.database_url.startswith("sqlite:///")
    assert not settings.stripe_enabled


def test_heroku_style_postgres_urls_are_accepted():
    settings = Settings.from_env({"ISLANDOS_ENV": "development",
                                  "DATABASE_URL": "postgres://u:p@db:5432/island"})
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/island"


def test_development_runs_without_any_account():
    settings = Settings.from_env({"ISLANDOS_ENV": "development"})
    assert settings.is_development
    assert settings.line_channel_secret and settings.secret_key


def test_an_unknown_environment_name_is_refused():
    with pytest.raises(SettingsError, match="ISLANDOS_ENV"):
        Settings.from_env({"ISLANDOS_ENV": "staging"})


def test_proxy_fix_trusts_forwarded_headers_only_when_told(database_url, fake_line):
    from tests.conftest import app_overrides
    app = create_app(app_overrides(database_url, fake_line, proxy_fix_hops=1))

    @app.get("/_scheme")
    def scheme() -> str:
        from flask import request
        return request.scheme

    client = app.test_client()
    assert client.get("/_scheme", headers={"X-Forwarded-Proto": "https"}).data == b"https"
    plain = create_app(app_overrides(database_url, fake_line))
    plain.add_url_rule("/_scheme", view_func=scheme)
    assert plain.test_client().get("/_scheme",
                                   headers={"X-Forwarded-Proto": "https"}).data == b"http"


def test_an_unknown_override_is_refused_by_name(database_url, fake_line):
    from tests.conftest import app_overrides
    with pytest.raises(SettingsError) as error:
        create_app(app_overrides(database_url, fake_line, admin_idle_minute=5))
    assert "'admin_idle_minute' (did you mean 'admin_idle_minutes'?)" in str(error.value)
    with pytest.raises(SettingsError, match="'colour'"):
        Settings.from_env({"ISLANDOS_ENV": "testing"}, overrides={"colour": "blue"})


def test_the_admin_session_timeouts_come_from_the_environment():
    settings = Settings.from_env({"ISLANDOS_ENV": "development", "ADMIN_IDLE_MINUTES": "10",
                                  "ADMIN_SESSION_HOURS": "2.5"})
    assert (settings.admin_idle_minutes, settings.admin_session_hours) == (10, 2.5)
    defaults = Settings.from_env({"ISLANDOS_ENV": "development"})
    assert (defaults.admin_idle_minutes, defaults.admin_session_hours) == (30, 8)
    for bad in ("0", "-5", "half an hour", "inf", "nan"):
        with pytest.raises(SettingsError, match="ADMIN_IDLE_MINUTES must be a number"):
            Settings.from_env({"ISLANDOS_ENV": "development", "ADMIN_IDLE_MINUTES": bad})


def test_prepared_statements_follow_database_prepare_threshold(database_url):
    """psycopg prepares a statement run this often on a connection; `off` never does (for
    PgBouncer in transaction mode). Anything else is refused by name."""
    from islandos.db import Database

    def threshold(value: str) -> int | None:
        return Settings.from_env({"ISLANDOS_ENV": "development",
                                  "DATABASE_PREPARE_THRESHOLD": value}).database_prepare_threshold

    assert threshold("") == 5 and threshold("0") == 0 and threshold("off") is None
    for wrong in ("-1", "sometimes"):
        with pytest.raises(SettingsError, match="DATABASE_PREPARE_THRESHOLD"):
            threshold(wrong)
    if not database_url.startswith("postgresql"):
        return
    for wanted in (None, 0):
        db = Database(database_url, prepare_threshold=wanted)
        try:
            with db.engine.connect() as connection:
                assert connection.connection.driver_connection.prepare_threshold == wanted
        finally:
            db.dispose()
