"""Registration's errors (each with the answer for the user) and code throttling."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.i18n import N_, format_datetime, gettext
from islandos.models.people import Person
from islandos.models.registration import CodeAttempt

MAX_WRONG_CODES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
# No look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B): codes are read aloud and typed by elderly users.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
INVITE_CODE_LENGTH = 8


class RegistrationError(Exception):
    """A registration step that cannot go on; `text(language)` says why, for the user."""

    msgid = N_("登録できませんでした。もう一度お試しください。")

    def __init__(self, msgid: str | None = None, **values: Any) -> None:
        if msgid is not None:
            self.msgid = msgid
        self.values = values
        super().__init__(self.msgid)

    def text(self, language: str) -> str:
        return gettext(language, self.msgid, **self.values)


class InvalidCode(RegistrationError):
    msgid = N_("コードが見つかりません。もう一度、よく確かめて入力してください。")


class CodeAlreadyUsed(RegistrationError):
    msgid = N_("この招待コードはもう使われています。役場に新しいコードをお問い合わせください。")


class CodeExpired(RegistrationError):
    msgid = N_("この招待コードは有効期限が切れています。役場に新しいコードをお問い合わせください。")


class CodeRevoked(RegistrationError):
    msgid = N_("この招待コードは役場が取り消しました。役場に新しいコードをお問い合わせください。")


class InviteCodeNotFound(RegistrationError):
    msgid = N_("その招待コードは見つかりません。")


class CodeNotRevocable(RegistrationError):
    msgid = N_("使用済み・期限切れ・取り消し済みのコードは取り消せません。")


class TooManyAttempts(RegistrationError):
    msgid = N_("まちがいが続いたため、しばらく受け付けできません。"
               "%(time)s 以降に、もう一度お試しください。")

    def __init__(self, retry_at: datetime) -> None:
        super().__init__()
        self.retry_at = retry_at

    def text(self, language: str) -> str:
        return gettext(language, self.msgid, time=format_datetime(self.retry_at, language))


class InvalidName(RegistrationError):
    msgid = N_("お名前を入力してください（60文字まで）。例：比嘉 花子")


class InvalidPhone(RegistrationError):
    msgid = N_("電話番号の形がちがうようです。数字で入力してください。例：098-123-4567")


class UnknownDistrict(RegistrationError):
    msgid = N_("その集落は見つかりません。一覧から選んでください。")


class UnknownRole(RegistrationError):
    msgid = N_("その種類は選べません。")


class PersonNotFound(RegistrationError):
    msgid = N_("その利用者は見つかりません。")


class RequestNotFound(RegistrationError):
    msgid = N_("その申請は見つかりません。")


class RequestAlreadyDecided(RegistrationError):
    msgid = N_("この申請はすでに処理されています。")


class NotAnIslander(RegistrationError):
    msgid = N_("この機能は島民として登録された方だけが使えます。")


# Codes and throttling -------------------------------------------------------------------


def normalize_code(raw: str) -> str:
    """What people type, as stored: full-width, case, spaces and hyphens ignored."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", raw).upper() if ch.isalnum())


def random_code(length: int = INVITE_CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def throttle_until(session: Session, person: Person) -> datetime | None:
    """When this person may type codes again, or None if they may now."""
    since = now() - THROTTLE_WINDOW
    times = list(session.scalars(
        select(CodeAttempt.at).where(CodeAttempt.person_id == person.id, CodeAttempt.at > since)
        .order_by(CodeAttempt.at.desc()).limit(MAX_WRONG_CODES)
    ))
    if len(times) < MAX_WRONG_CODES:
        return None
    return times[-1] + THROTTLE_WINDOW


def check_throttle(session: Session, person: Person) -> None:
    """Raise TooManyAttempts after MAX_WRONG_CODES wrong codes within THROTTLE_WINDOW."""
    until = throttle_until(session, person)
    if until is not None:
        raise TooManyAttempts(until)


def record_wrong_code(session: Session, person: Person, kind: str) -> None:
    """Count one wrong code typed by this person (flushes)."""
    session.add(CodeAttempt(person_id=person.id, kind=kind, at=now()))
    session.flush()


class OwnFamilyCode(RegistrationError):
    msgid = N_("これはご自身の家族コードです。島の外のご家族にお伝えください。")


class IslanderCannotBeFamily(RegistrationError):
    msgid = N_("島民として登録済みの方は、家族として登録できません。")
