"""Security headers on every HTML page (admin, simulator, error pages), a CSP that a real browser
enforces without complaint, and `next=` targets that cannot leave the site or break a header."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from islandos import create_app
from islandos.db import Database
from islandos.extensions import islandos_state
from islandos.settings import PROJECT_ROOT
from tests.conftest import CHANNEL_SECRET, _empty_tables, app_overrides
from tests.support.admin import csrf_token_in, log_in
from tests.support.browser import serve
from tests.support.factories import ADMIN_PASSWORD, make_admin


def policy_of(response: TestResponse) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request.path} has no Content-Security-Policy"
    return {name: sources for name, *sources in
            (part.split() for part in header.split(";") if part.strip())}


def assert_secured(response: TestResponse) -> None:
    assert response.mimetype == "text/html"
    policy = policy_of(response)
    assert policy["script-src"] == ["'self'"]  # no inline scripts, no eval, no other hosts
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "https://cyberjapandata.gsi.go.jp" in policy["img-src"]
    assert "https://cyberjapandata.gsi.go.jp" in policy["connect-src"]
    assert "data:" in policy["img-src"]
    permissions = response.headers["Permissions-Policy"]
    assert "camera=(self)" in permissions and "geolocation=(self)" in permissions
    assert "microphone=()" in permissions
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def dev_app(schema: Database, database_url: str) -> Iterator[Flask]:
    """The development app: the simulator, a recording transport instead of LINE."""
    application = create_app({"env": "development", "database_url": database_url,
                              "secret_key": "dev-secret-key-" + "y" * 32,
                              "line_channel_secret": CHANNEL_SECRET})
    yield application
    islandos_state(application).db.dispose()
    _empty_tables(schema)


def test_admin_pages_carry_the_security_headers(client, admin_client):
    assert_secured(client.get("/admin/login"))
    office = admin_client()
    for url in ("/admin/", "/admin/people", "/admin/account", "/admin/notices/new"):
        response = office.get(url)
        assert response.status_code == 200, url
        assert_secured(response)
    assert "Strict-Transport-Security" not in office.get("/admin/").headers  # not production


def test_error_pages_carry_the_security_headers(app, client):
    def broken() -> str:
        raise RuntimeError("a bug")

    app.add_url_rule("/broken", "broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer 500 as in production
    not_found = client.get("/no-such-page")
    wrong_method = client.get("/admin/logout")
    failed = client.get("/broken")
    assert (not_found.status_code, wrong_method.status_code, failed.status_code) == (
        404, 405, 500)
    for response in (not_found, wrong_method, failed):
        assert_secured(response)


def test_the_simulator_carries_the_security_headers(dev_app):
    client = dev_app.test_client()
    page = client.get("/dev/simulator/")
    assert page.status_code == 200
    assert_secured(page)


def test_the_map_tile_host_is_the_configured_one(schema, database_url, fake_line):
    app = create_app(app_overrides(
        database_url, fake_line, map_tile_url="https://{s}.tiles.island.example/{z}/{x}/{y}.png"))
    try:
        policy = policy_of(app.test_client().get("/admin/login"))
    finally:
        islandos_state(app).db.dispose()
    assert "https://*.tiles.island.example" in policy["img-src"]
    assert "https://*.tiles.island.example" in policy["connect-src"]
    assert "https://cyberjapandata.gsi.go.jp" not in policy["img-src"]


def test_production_over_https_adds_hsts_and_plain_http_does_not(schema, database_url,
                                                                 fake_line):
    app = create_app(app_overrides(database_url, fake_line, env="production",
                                   proxy_fix_hops=1))
    try:
        client = app.test_client()
        secure = client.get("/admin/login", headers={"X-Forwarded-Proto": "https"})
        plain = client.get("/admin/login")
    finally:
        islandos_state(app).db.dispose()
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert_secured(secure)
    assert "Strict-Transport-Security" not in plain.headers


def test_no_template_has_an_inline_script_style_or_event_handler():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|<[a-z][^>]*\s(style|on[a-z]+)="
                        r"|javascript:", re.IGNORECASE)
    found = [f"{path.relative_to(PROJECT_ROOT)}: {match.group(0)}"
             for path in sorted((PROJECT_ROOT / "templates").rglob("*.html"))
             for match in inline.finditer(path.read_text(encoding="utf-8"))]
    assert not found, "the CSP would block:\n" + "\n".join(found)


# next= after signing in ----------------------------------------------------------------

HOSTILE_NEXT = ["/\r\nSet-Cookie: stolen=1", "//evil.example/", "/\\evil.example/",
                "https://evil.example/", "/\t/evil.example/", "\r\n"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_a_next_with_a_line_break_or_another_host_is_ignored(client, db, target):
    with db.transaction() as session:
        make_admin(session, username="clerk", role="editor", totp=False)
    page = client.get("/admin/login?next=" + quote(target, safe=""))
    assert page.status_code == 200
    assert "evil" not in page.get_data(as_text=True)  # not carried in the form either
    signed_in = client.post("/admin/login", data={
        "csrf_token": csrf_token_in(page.get_data(as_text=True)),
        "username": "clerk", "password": ADMIN_PASSWORD, "next": target})
    assert signed_in.status_code == 302
    assert signed_in.location == "/admin/"
    assert "Set-Cookie: stolen" not in str(signed_in.headers)
    again = client.get("/admin/login?next=" + quote(target, safe=""))
    assert again.status_code == 302
    assert again.location == "/admin/"


def test_a_next_on_this_site_is_followed(client, db):
    with db.transaction() as session:
        make_admin(session, username="clerk", role="editor", totp=False)
    bounced = client.get("/admin/people?page=2")
    assert bounced.status_code == 302
    page = client.get(bounced.location)
    signed_in = client.post("/admin/login", data={
        "csrf_token": csrf_token_in(page.get_data(as_text=True)),
        "username": "clerk", "password": ADMIN_PASSWORD, "next": "/admin/people?page=2"})
    assert signed_in.location == "/admin/people?page=2"


def test_a_next_is_kept_across_the_two_factor_step_only_when_it_is_safe(client, db):
    with db.transaction() as session:
        make_admin(session, username="kudaka")
    page = client.get("/admin/login?next=" + quote("//evil.example/", safe=""))
    response = log_in(client, "kudaka")
    assert response.location == "/admin/login/code"
    assert "evil" not in page.get_data(as_text=True)
    code_page = client.get("/admin/login/code?next=" + quote("https://evil.example/", safe=""))
    assert code_page.status_code == 200
    assert "evil" not in code_page.get_data(as_text=True)


# In a real browser -------------------------------------------------------------------------


def csp_reports(page: Any) -> list[str]:
    """Collects what Chromium reports in the console about the Content-Security-Policy."""
    reports: list[str] = []
    page.on("console", lambda message: reports.append(message.text)
            if "Content Security Policy" in message.text else None)
    return reports


@pytest.mark.browser
def test_the_browser_sees_no_csp_violation_on_the_admin_pages(app, db, browser_page):
    with db.transaction() as session:
        make_admin(session, username="henshu", role="editor", totp=False)
    page = browser_page
    reports = csp_reports(page)
    with serve(app) as base:
        page.goto(f"{base}/admin/login")
        page.get_by_label("ユーザー名").fill("henshu")
        page.get_by_label("パスワード").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_url(f"{base}/admin/")
        page.goto(f"{base}/admin/notices/new")
        page.get_by_label("タイトル", exact=True).fill("台風の接近")
        page.get_by_label("本文（日本語）").fill("今夜、台風が近づきます。")
        page.get_by_role("radio", name="島民全員").check()
        page.get_by_role("radio", name="緊急").check()
        page.get_by_role("button", name="確認へ進む").click()
        label = page.locator(".line-phone .flex-text[data-color]").first
        label.wait_for()
        # The Flex text's colour is set by static/js/line-preview.js, not an inline style.
        colour = label.get_attribute("data-color") or ""
        red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        assert label.evaluate("text => getComputedStyle(text).color") == (
            f"rgb({red}, {green}, {blue})")
        page.goto(f"{base}/admin/account")
        page.get_by_text("ログイン中の端末").wait_for()
        assert reports == []
        # The check itself sees a violation when there is one: an injected inline script.
        page.evaluate("""() => { const script = document.createElement("script");
                                 script.textContent = "window.injected = true";
                                 document.head.appendChild(script); }""")
        page.wait_for_timeout(200)
        assert any("inline script" in report for report in reports), reports
        assert page.evaluate("() => window.injected === undefined")


@pytest.mark.browser
def test_the_browser_sees_no_csp_violation_in_the_simulator(dev_app, browser_page):
    page = browser_page
    reports = csp_reports(page)
    user_id = "U" + "0123456789abcdef" * 2
    with serve(dev_app) as base:
        # The simulator's script runs: it asks this site what the bot sent (a fetch to self).
        with page.expect_response(lambda response: response.request.resource_type == "fetch"
                                  and response.url.startswith(base)) as polled:
            page.goto(f"{base}/dev/simulator/?user={user_id}")
        assert polled.value.status == 200
        page.wait_for_load_state("load")
        assert reports == []
