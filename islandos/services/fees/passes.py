"""Entry passes: a short code to read aloud and a token signed with ECDSA P-256.

The token is `IP1.<payload>.<signature>` (base64url, no padding): the payload is compact
JSON (code, arrival date, counts per category), the signature is ECDSA P-256 with SHA-256
over the ASCII of `<payload>`, as 64 raw bytes r‖s, the form WebCrypto's
`crypto.subtle.verify({name: "ECDSA", hash: "SHA-256"}, ...)` takes. A staff phone holding
only the public key can so check a pass offline and cannot make one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import secrets
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import qrcode
import qrcode.image.svg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from islandos.settings import Settings, SettingsError

PREFIX = "IP1"
# Short codes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B: easy to read aloud and to type.
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY34679"
CODE_LENGTH = 6
_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # P-256's n


class ForgedPass(ValueError):
    """The token is malformed or its signature does not verify."""


@dataclass(frozen=True)
class PassClaims:
    code: str
    arrival_date: date
    counts: dict[str, int]


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(typed: str) -> str:
    """What staff typed (spaces, lower case, a dash) as a stored code."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


@lru_cache(maxsize=8)
def _key_from(pem: str, secret_key: str) -> ec.EllipticCurvePrivateKey:
    if pem:
        try:
            key = serialization.load_pem_private_key(pem.encode(), password=None)
        except (ValueError, TypeError) as exc:
            raise SettingsError("PASS_SIGNING_KEY is not a PEM private key") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise SettingsError("PASS_SIGNING_KEY must be an ECDSA P-256 (prime256v1) key")
        return key
    # Development and tests: one key per SECRET_KEY, never written anywhere.
    seed = hashlib.sha256(b"islandos pass signing key\0" + secret_key.encode()).digest()
    return ec.derive_private_key(int.from_bytes(seed) % (_ORDER - 1) + 1, ec.SECP256R1())


def signing_key(settings: Settings) -> ec.EllipticCurvePrivateKey:
    """The key from PASS_SIGNING_KEY; without it, outside production, one derived per app."""
    if not settings.pass_signing_key and settings.env == "production":
        raise SettingsError("PASS_SIGNING_KEY is not set")
    return _key_from(settings.pass_signing_key, settings.secret_key)


def public_jwk(settings: Settings) -> dict[str, Any]:
    """The public key as a JWK, for `crypto.subtle.importKey("jwk", ...)` on the verify page."""
    numbers = signing_key(settings).public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": _b64(numbers.x.to_bytes(32)),
            "y": _b64(numbers.y.to_bytes(32)), "alg": "ES256", "use": "sig",
            "key_ops": ["verify"]}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ForgedPass("not base64url") from exc


def sign_pass(settings: Settings, claims: PassClaims) -> str:
    body = {"c": claims.code, "d": claims.arrival_date.isoformat(),
            "n": {code: count for code, count in sorted(claims.counts.items())}}
    payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode())
    der = signing_key(settings).sign(payload.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{PREFIX}.{payload}.{_b64(r.to_bytes(32) + s.to_bytes(32))}"


def verify_pass(settings: Settings, token: str) -> PassClaims:
    """The claims of a genuine token; raises ForgedPass otherwise."""
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX or len(token) > 1000:
        raise ForgedPass("not a pass token")
    signature = _unb64(parts[2])
    if len(signature) != 64:
        raise ForgedPass("bad signature length")
    der = encode_dss_signature(int.from_bytes(signature[:32]), int.from_bytes(signature[32:]))
    try:
        signing_key(settings).public_key().verify(der, parts[1].encode(),
                                                  ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise ForgedPass("signature does not verify") from exc
    try:
        body = json.loads(_unb64(parts[1]))
        return PassClaims(code=str(body["c"]), arrival_date=date.fromisoformat(body["d"]),
                          counts={str(k): int(v) for k, v in body["n"].items()})
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ForgedPass("malformed payload") from exc


def qr_svg(data: str) -> str:
    """The QR code of `data` as an inline <svg> element."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10,
                        border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg"):]


def qr_png(data: str) -> bytes:
    image = qrcode.make(data, box_size=10, border=3)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()
