"""Security headers on every page: a Content-Security-Policy without inline scripts, and more.

Pages load scripts and styles only as files from this site (static/js, static/css), so the
policy needs no 'unsafe-inline' and no nonces. It still lets the pages that need them use the
camera (staff verifying passes), geolocation (the map) and the map tiles of MAP_TILE_URL.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, Response, request

from islandos.settings import Settings

# Stripe Checkout is reached by a redirect after the entry-fee form is posted; browsers check
# such a redirect against form-action.
STRIPE_CHECKOUT = "https://checkout.stripe.com"

PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"
HSTS = "max-age=31536000"


def source_of(url: str) -> str:
    """The CSP source of a URL or URL template: its scheme and host ("{s}." becomes "*.")."""
    parts = urlsplit(url)
    host = re.sub(r"^\{[a-z]+\}\.", "*.", parts.netloc)
    return f"{parts.scheme}://{host}"


def content_security_policy(settings: Settings) -> str:
    """The policy of every HTML page (one string, built once per app)."""
    tiles = source_of(settings.map_tile_url)
    images = ["'self'", "data:", tiles]
    if settings.public_base_url:  # images in LINE messages (previews) are addressed by it
        images.append(source_of(settings.public_base_url))
    checkout = [STRIPE_CHECKOUT]
    if settings.stripe_api_base_url:  # a stand-in for Stripe (tests) serves Checkout itself
        checkout.append(source_of(settings.stripe_api_base_url))
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": list(dict.fromkeys(images)),
        "connect-src": ["'self'", tiles],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'", *checkout],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def init_app(app: Flask, settings: Settings) -> None:
    """Add the headers to every response of `app` (the policies to HTML pages)."""
    policy = content_security_policy(settings)
    production = settings.env == "production"

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if production and request.is_secure:  # behind a proxy: PROXY_FIX_HOPS sets is_secure
            headers.setdefault("Strict-Transport-Security", HSTS)
        if response.mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", policy)
            headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
            headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
            headers.setdefault("X-Frame-Options", "DENY")
            headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response
