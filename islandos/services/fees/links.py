"""Signed links from LINE to /fee: tie a payment to the LINE user who asked, for the push."""

from __future__ import annotations

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


def person_from_link(settings: Settings, token: str) -> int | None:
    """The person id of a genuine link less than three days old; None for anything else."""
    try:
        value = _serializer(settings).loads(token, max_age=MAX_AGE_SECONDS)
    except BadSignature:  # also SignatureExpired
        return None
    return value if isinstance(value, int) else None
