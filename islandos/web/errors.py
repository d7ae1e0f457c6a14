"""The app's own error answers (404, 405, 500 …) and the request id that ties a 500 to its log.

People get a page in their language with the island's name and a way home; `/api/…` and
`/healthz` get JSON; LINE's `/callback` gets plain text. Every response carries
`X-Request-ID` (the proxy's, when it sent a sane one), and a 500 page shows it so the office
can quote it. A 500 changes no data: each `Database.transaction()` the request opened has
already rolled back on its own way out, and what an earlier transaction committed stays.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException, InternalServerError

from islandos.extensions import islandos_state
from islandos.i18n import N_
from islandos.web.locale import _, current_language

log = logging.getLogger("islandos.web")

HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
JSON_PREFIXES = ("/api/", "/healthz")
TEXT_PREFIXES = ("/callback",)

# status: (title, what to do); Japanese msgids, translated when shown.
TEXTS: dict[int, tuple[str, str]] = {
    400: (N_("送られた内容を受け付けられませんでした"),
          N_("ページを読み込み直して、もう一度お試しください。")),
    401: (N_("ログインが必要です"), N_("ログインしてから、もう一度お試しください。")),
    403: (N_("このページを開く権限がありません"),
          N_("必要なときは、役場の管理者にお問い合わせください。")),
    404: (N_("ページが見つかりません"),
          N_("アドレスが間違っているか、ページがなくなった可能性があります。")),
    405: (N_("この方法では開けません"),
          N_("リンクやボタンから開き直してください。")),
    409: (N_("この操作はできません"), N_("ページを読み込み直して、内容を確認してください。")),
    413: (N_("送られたデータが大きすぎます"), N_("小さくしてから、もう一度お試しください。")),
    429: (N_("アクセスが多すぎます"), N_("しばらくしてから、もう一度お試しください。")),
    500: (N_("うまく処理できませんでした"),
          N_("入力した内容は保存されていない可能性があります。少し時間をおいて、"
             "もう一度お試しください。続くときは、下の番号を添えて役場にお知らせください。")),
}
OTHER = (N_("うまく処理できませんでした"), N_("少し時間をおいて、もう一度お試しください。"))


def request_id() -> str:
    """This request's id: the incoming X-Request-ID if it is a sane token, else a new one."""
    if "request_id" not in g:
        incoming = request.headers.get(HEADER, "")
        g.request_id = incoming if SANE_ID.fullmatch(incoming) else secrets.token_hex(16)
    found: str = g.request_id
    return found


def _stamp(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    return response


def _code_name(error: HTTPException) -> str:
    """"Not Found" → "not_found": the machine-readable `error` of a JSON answer."""
    return re.sub(r"[^a-z0-9]+", "_", (error.name or "error").lower()).strip("_")


def home_url() -> str:
    """Where "home" is: the dashboard from its own pages, else the visitors' home page."""
    if request.path.startswith("/admin") and "admin.home" in current_app.view_functions:
        return url_for("admin.home")
    return url_for("home.index")


def _island_name() -> str:
    return islandos_state(current_app).settings.island(current_language())


def _answer(error: HTTPException) -> Response:
    code = error.code or 500
    title, advice = TEXTS.get(code, OTHER)
    # Headers the error itself carries (405's Allow, 429's Retry-After); not its HTML type.
    headers = [(key, value) for key, value in error.get_headers()
               if key.lower() != "content-type"]
    if request.path.startswith(TEXT_PREFIXES):
        body = f"{code} {error.name}\n"
        response = current_app.response_class(body, code, headers,
                                              content_type="text/plain; charset=utf-8")
    elif request.path.startswith(JSON_PREFIXES):
        response = jsonify(error=_code_name(error), message=_(title), request_id=request_id())
        response.status_code = code
        response.headers.extend(headers)
    else:
        page = render_template("errors/page.html", code=code, title=_(title),
                               advice=_(advice), island_name=_island_name(), home=home_url(),
                               request_id=request_id() if code >= 500 else None)
        response = current_app.response_class(page, code, headers,
                                              content_type="text/html; charset=utf-8")
    return response


def _http_error(error: HTTPException) -> Response | HTTPException:
    if error.code is None or error.code < 400:
        return error  # redirects raised as exceptions stay what they are
    if error.code >= 500:
        _log_server_error(error)
    return _answer(error)


def _server_error(error: InternalServerError) -> Response:
    """An unhandled exception: log it with the request id, answer without touching the data."""
    _log_server_error(error)
    try:
        return _answer(error)
    except Exception:  # the error page itself failed: still answer, still with the id
        log.exception("error page failed request_id=%s", request_id())
        return current_app.response_class(
            f"500 Internal Server Error\nrequest id: {request_id()}\n", 500,
            content_type="text/plain; charset=utf-8")


def _log_server_error(error: HTTPException) -> None:
    cause = error.original_exception if isinstance(error, InternalServerError) else None
    log.error("%s on %s %s request_id=%s", error.code, request.method, request.path,
              request_id(), exc_info=cause)


class IslandFlask(Flask):
    """Flask, with the traceback of an unhandled error logged once, with the request id."""

    def log_exception(self, exc_info: Any) -> None:
        # The 500 handler logs it (with the request id); Flask would log it a second time.
        if not self.error_handler_spec.get(None, {}).get(500):
            super().log_exception(exc_info)


def init_app(app: Flask) -> None:
    app.after_request(_stamp)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
