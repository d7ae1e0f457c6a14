"""Translations from gettext catalogs (Japanese is the source language) and Japanese dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.pofile import read_po

from islandos.clock import TOKYO, as_utc

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
CATALOG_DIR = Path(__file__).parent / "translations"


class Translator:
    """gettext for one language; every .po file of that language is one catalog."""

    def __init__(self, language: str, messages: dict[str, str | tuple[str, ...]]) -> None:
        self.language = language
        self._messages = messages

    def gettext(self, msgid: str, **values: Any) -> str:
        found = self._messages.get(msgid)
        translated = found if isinstance(found, str) and found else msgid
        return translated % values if values else translated

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        found = self._messages.get(singular)
        if isinstance(found, tuple) and all(found):
            chosen = found[0] if n == 1 or self.language == "ja" else found[-1]
        else:
            chosen = singular if n == 1 else plural
        return chosen % {"num": n, **values}


def normalize_language(language: str | None) -> str:
    code = (language or "").lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=8)
def translator(language: str) -> Translator:
    language = normalize_language(language)
    messages: dict[str, str | tuple[str, ...]] = {}
    for path in sorted((CATALOG_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            key = message.id[0] if isinstance(message.id, tuple | list) else message.id
            value = message.string
            if isinstance(value, tuple | list):
                messages[key] = tuple(value)
            elif value:
                messages[key] = value
    return Translator(language, messages)


def gettext(language: str, msgid: str, **values: Any) -> str:
    return translator(language).gettext(msgid, **values)


def format_datetime(moment: datetime, language: str) -> str:
    """A time in Asia/Tokyo: 2026年11月25日(水) 14:30 / Wed, Nov 25, 2026, 14:30."""
    local = as_utc(moment).astimezone(TOKYO)
    if normalize_language(language) == "ja":
        return babel_format_datetime(local, "y年M月d日(E) H:mm", tzinfo=TOKYO, locale="ja")
    return babel_format_datetime(local, "EEE, MMM d, y, H:mm", tzinfo=TOKYO, locale="en")


def format_day(moment: datetime, language: str) -> str:
    """A date in Asia/Tokyo: 2026年11月25日(水) / Wed, Nov 25, 2026."""
    local = as_utc(moment).astimezone(TOKYO)
    if normalize_language(language) == "ja":
        return babel_format_date(local.date(), "y年M月d日(E)", locale="ja")
    return babel_format_date(local.date(), "EEE, MMM d, y", locale="en")


def join_words(msgids: Iterable[str], language: str) -> str:
    """Names of features (msgids) as one phrase: 「お知らせ、行事やアンケート」 /
    "Notices, Events and Polls" (English copy names them as the menu does); "" for none."""
    words = list(dict.fromkeys(gettext(language, msgid) for msgid in msgids))
    if normalize_language(language) == "ja":
        return "、".join(words[:-1]) + "や" + words[-1] if len(words) > 1 else "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def sentences(language: str, *parts: str) -> str:
    """Sentences in a row: run on in Japanese, a space apart in English; empty ones skipped."""
    glue = "" if normalize_language(language) == "ja" else " "
    return glue.join(part for part in parts if part)


def N_(msgid: str) -> str:
    """Mark text for the catalogs where it is translated later (e.g. help labels)."""
    return msgid
