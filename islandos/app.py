"""The application factory: settings → database → LINE → blueprints → CLI."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from islandos.db import Database
from islandos.extensions import KEY, IslandState
from islandos.line.gateway import make_transport
from islandos.line.inbox import Inbox
from islandos.logs import configure_logging
from islandos.registry import Feature, Registry
from islandos.settings import INSTANCE_DIR, PROJECT_ROOT, Settings
from islandos.warmup import warm_up
from islandos.web import (
    admin,
    errors,
    favicon,
    health,
    home,
    locale,
    media,
    security,
    simulator,
    webhook,
)
from islandos.web.sessions import SignedCookieSessions


def create_app(overrides: Mapping[str, Any] | None = None,
               features: Iterable[Feature] | None = None) -> Flask:
    """Build the app. Reads the environment once; `overrides` win (tests use them).

    `features` are what this app does (default: every feature of islandos.features); each
    app registers its own, so two apps in one process share nothing.
    """
    if features is None:
        from islandos.features import default_features
        features = default_features()
    settings = Settings.from_env(overrides=overrides)
    configure_logging(settings.log_level, lean=not settings.is_testing)
    app = errors.IslandFlask(
        "islandos",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env == "production",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.admin_session_hours),
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
        TESTING=settings.is_testing,
        ISLANDOS_SETTINGS=settings,
    )
    app.session_interface = SignedCookieSessions()
    if settings.proxy_fix_hops:
        hops = settings.proxy_fix_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    db = Database(settings.database_url,
                  prepare_threshold=settings.database_prepare_threshold)
    transport = make_transport(settings, db)
    registry = Registry.build(features)
    app.extensions[KEY] = IslandState(
        settings=settings, db=db, transport=transport, registry=registry,
        inbox=Inbox(db, registry, transport, settings),
    )

    locale.init_app(app)
    security.init_app(app, settings)
    errors.init_app(app)
    csrf = CSRFProtect(app)  # every form; app.extensions["csrf"].exempt(bp) for webhooks
    csrf.exempt(webhook.bp)
    app.register_blueprint(webhook.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(favicon.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(home.bp)
    for feature in registry.features:
        for blueprint in feature.blueprints:
            app.register_blueprint(blueprint)
    admin.init_app(app)
    if settings.is_development:
        app.register_blueprint(simulator.bp)
    if settings.warm_up and not settings.is_testing:
        warm_up(app)  # what the first request would load lazily (see islandos/warmup.py)
    if not settings.is_testing:
        # What exists now lives as long as the process. Frozen, the collector's full passes
        # skip it (some 200,000 objects, about 100 ms a pass), so they no longer pause a
        # webhook request now and then. Tests build many apps in one process: not there.
        gc.freeze()
    logging.getLogger(__name__).debug("app created env=%s", settings.env)
    return app
