"""The language of a web page: ?lang=, then the cookie, then the browser; Japanese by default."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, request

from islandos.i18n import LANGUAGES, format_datetime, format_day, normalize_language, translator

COOKIE = "lang"
MACHINE_BLUEPRINTS = frozenset({"webhook", "health"})  # read by LINE and monitors, not people


def current_language() -> str:
    if "language" not in g:
        chosen = request.args.get("lang") or request.cookies.get(COOKIE)
        if chosen and normalize_language(chosen) == chosen:
            g.language = chosen
        else:
            g.language = request.accept_languages.best_match(LANGUAGES, default="ja") or "ja"
    language: str = g.language
    return language


def _(msgid: str, **values: Any) -> str:
    return translator(current_language()).gettext(msgid, **values)


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda msgid, **kw: translator(current_language()).gettext(msgid, **kw),
        ngettext=lambda s, p, n, **kw: translator(current_language()).ngettext(s, p, n, **kw),
        newstyle=True,
    )
    app.jinja_env.filters["jdatetime"] = lambda value: format_datetime(value, current_language())
    app.jinja_env.filters["jdate"] = lambda value: format_day(value, current_language())

    @app.context_processor
    def _language() -> dict[str, Any]:
        return {"language": current_language(), "languages": LANGUAGES}

    @app.after_request
    def _remember_choice(response: Response) -> Response:
        if request.blueprint in MACHINE_BLUEPRINTS:
            return response
        chosen = request.args.get("lang")
        if chosen in LANGUAGES:
            response.set_cookie(COOKIE, chosen, max_age=365 * 86400, samesite="Lax",
                                secure=request.is_secure, httponly=True)
        response.headers.setdefault("Content-Language", current_language())
        return response
