"""Signed links from LINE to /fee: tie a payment to the LINE user who asked, for the push."""

from __future__ import annotations

from datetime import datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer

from islandos.settings import Settings

SALT = "islandos.fees.line-link"
MAX_AGE_SECONDS = 3 * 86400


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT)


def fee_link(settings: Settings, person_id: int, language: str) -> str:
    """/fee for one LINE user, opened in the phone's browser (wallets and PayPay work there)."""
    token = _serializer(settings).dumps(person_id)
    return (f"{settings.public_base_url}/fee?src=line&u={token}&lang={language}"
            "&openExternalBrowser=1")


def person_from_link(settings: Settings, token: str, moment: datetime) -> int | None:
    """The person id of a genuine, recent link; None for anything else."""
    serializer = _serializer(settings)
    try:
        value, signed_at = serializer.loads(token, max_age=None, return_timestamp=True)
    except BadSignature:
        return None
    if (moment - signed_at).total_seconds() > MAX_AGE_SECONDS or not isinstance(value, int):
        return None
    return value
