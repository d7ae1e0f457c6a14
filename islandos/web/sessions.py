"""Flask's signed-cookie sessions, with the signer built once per app."""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

_SIGNER = "islandos_session_signer"


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask builds the cookie signer on every request, in case the secret key changed; ours is
    read once in the factory, so every request (LINE's webhook included) reuses one."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        signer: URLSafeTimedSerializer | None = app.extensions.get(_SIGNER)
        if signer is None:
            signer = super().get_signing_serializer(app)
            app.extensions[_SIGNER] = signer
        return signer
