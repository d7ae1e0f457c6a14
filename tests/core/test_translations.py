"""Every text a user can see is in the catalogs, and the English catalog is complete."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from islandos.i18n import format_datetime, format_day, gettext, translator
from islandos.settings import PROJECT_ROOT

KEYWORDS = {"_": None, "gettext": (2,), "ngettext": (1, 2), "N_": None}
METHODS = [("**/translations/**", "ignore"), ("**.py", "python"),
           ("**.html", "jinja2.ext:babel_extract")]


def source_msgids() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in ("islandos", "handlers", "templates"):
        root = PROJECT_ROOT / folder
        if not root.exists():
            continue
        for filename, lineno, message, _comments, _context in extract_from_dir(
                str(root), METHODS, keywords=KEYWORDS,
                options_map={"**.html": {"extensions": "jinja2.ext.i18n"}}):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid and any("\u3040" <= ch <= "\u9fff" for ch in msgid):
                found.setdefault(msgid, f"{Path(folder) / filename}:{lineno}")
    return found


def test_every_japanese_text_has_an_english_translation():
    english = translator("en")
    missing = [f"{where}: {msgid}" for msgid, where in source_msgids().items()
               if english.gettext(msgid) == msgid]
    assert not missing, "missing English for:\n" + "\n".join(sorted(missing))


def test_japanese_is_the_source_and_unknown_languages_fall_back_to_it():
    prompt = "ご用件を下のボタンから選んでください。"
    assert gettext("ja", prompt) == prompt
    assert gettext("fr", "ご用件を下のボタンから選んでください。").startswith("ご用件")
    assert gettext("en", "ご用件を下のボタンから選んでください。").startswith("What would")


def test_times_are_shown_in_tokyo_in_japanese_format():
    from datetime import UTC, datetime
    moment = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)
    assert format_datetime(moment, "ja") == "2026年11月25日(水) 14:30"
    assert format_day(moment, "ja") == "2026年11月25日(水)"
    assert format_datetime(moment, "en") == "Wed, Nov 25, 2026, 14:30"
