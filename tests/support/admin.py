"""Signed-in dashboard clients for tests: through the real login form, CSRF tokens and TOTP.

Use from any test folder:  `from tests.support.admin import admin_client  # noqa: F401`
in that folder's conftest.py, then `client = admin_client(role="editor")` in a test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from islandos.clock import now
from islandos.db import Database
from islandos.models.admin import AdminUser
from tests.support.factories import ADMIN_PASSWORD, make_admin

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_in(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now (the test clock's now)."""
    return pyotp.TOTP(secret).at(now())


class AdminClient:
    """A test client of one dashboard account; `submit` posts a form with its CSRF token."""

    def __init__(self, client: FlaskClient, admin: AdminUser, totp_secret: str | None) -> None:
        self.client = client
        self.admin = admin
        self.totp_secret = totp_secret

    @property
    def actor(self) -> str:
        return f"admin:{self.admin.id}"

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def csrf_token(self, page: str = "/admin/") -> str:
        return csrf_token_in(self.client.get(page).get_data(as_text=True))

    def submit(self, url: str, data: dict[str, Any] | None = None, *, page: str = "/admin/",
               follow_redirects: bool = False) -> TestResponse:
        """POST `data` plus a CSRF token taken from `page` (any admin page of this session)."""
        payload = {"csrf_token": self.csrf_token(page), **(data or {})}
        return self.client.post(url, data=payload, follow_redirects=follow_redirects)


def log_in(client: FlaskClient, username: str, password: str = ADMIN_PASSWORD,
           totp_secret: str | None = None) -> TestResponse:
    """Sign in through the real forms (password, then the TOTP code when one is set up)."""
    page = client.get("/admin/login")
    response = client.post("/admin/login", data={
        "csrf_token": csrf_token_in(page.get_data(as_text=True)),
        "username": username, "password": password})
    if totp_secret and response.status_code == 302 and "/admin/login/code" in response.location:
        page = client.get("/admin/login/code")
        response = client.post("/admin/login/code", data={
            "csrf_token": csrf_token_in(page.get_data(as_text=True)),
            "code": totp_code(totp_secret)})
    return response


@pytest.fixture
def admin_client(app: Flask, db: Database) -> Callable[..., AdminClient]:
    """Make a signed-in AdminClient: admin_client(role="editor", username=None, totp=True)."""
    counter = iter(range(1, 10_000))

    def make(role: str = "admin", username: str | None = None, totp: bool = True) -> AdminClient:
        name = username or f"{role}{next(counter)}"
        with db.transaction() as session:
            admin, secret = make_admin(session, username=name, role=role, totp=totp)
        client = app.test_client()
        response = log_in(client, name, ADMIN_PASSWORD, secret)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return AdminClient(client, admin, secret)

    return make
