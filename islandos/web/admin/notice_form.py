"""The notice compose form: its choices in words, reading what was posted into a
`NoticeInput` (with the format errors the service cannot see), and the values a page shows
again. The views are in `web/admin/notices.py`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from islandos.clock import TOKYO
from islandos.i18n import N_, format_datetime
from islandos.models.notices import AudienceKind, Notice
from islandos.services.asking.audience import DEFAULT_TOURIST_DAYS
from islandos.services.notices import drafts as drafts
from islandos.web.admin.forms import optional_int as _int
from islandos.web.admin.forms import tokyo_datetime as _time
from islandos.web.locale import _, current_language

AUDIENCE_LABELS: dict[str, str] = {
    AudienceKind.ISLANDERS: N_("島民全員"), AudienceKind.DISTRICTS: N_("集落を選ぶ"),
    AudienceKind.EVERYONE: N_("全員（島民・観光客・家族）"),
    AudienceKind.TOURISTS: N_("観光客"), AudienceKind.FAMILY: N_("家族")}
# The audience as the list and the confirmation say it (districts are named instead).
AUDIENCE_WORDS: dict[str, str] = {**AUDIENCE_LABELS, AudienceKind.FAMILY: N_("島の外の家族"),
                  AudienceKind.TOURISTS: N_("観光客（%(days)s日以内に登録した人）")}
TIMING_LABELS = {"now": N_("今すぐ"), "at": N_("日時を決めて"), "weekly": N_("毎週くり返す")}
PRIORITY_LABELS = {"normal": N_("通常"), "important": N_("重要"), "emergency": N_("緊急")}
WEEKDAYS = [N_("月曜"), N_("火曜"), N_("水曜"), N_("木曜"), N_("金曜"), N_("土曜"), N_("日曜")]


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def read_form(form: Any) -> tuple[drafts.NoticeInput, dict[str, str]]:
    """The posted fields as a NoticeInput, plus errors the service cannot see (bad formats)."""
    errors: dict[str, str] = {}
    timing = form.get("timing", "now")
    send_at = _time(form.get("send_at")) if timing in ("at", "weekly") else None
    if timing in ("at", "weekly") and send_at is None:
        errors["send_at"] = "送信日時を入力してください。"
    weekdays = "".join(sorted(d for d in form.getlist("weekdays") if d in "0123456" and d))
    if timing == "weekly" and not weekdays:
        errors["repeat_weekdays"] = "曜日を選んでください。"
    not_after = _time(form.get("not_after"))
    if form.get("not_after") and not_after is None:
        errors["not_after"] = "日時を正しく入力してください。"
    for name, message in (("tourist_days", "日数は1〜365で入力してください。"),
                          ("reminder_hours", "リマインドは0〜336時間で入力してください。")):
        if form.get(name) and _int(form.get(name)) is None:
            errors[name] = message
    data = drafts.NoticeInput(
        title=form.get("title", ""), body_ja=form.get("body_ja", ""),
        title_en=form.get("title_en"), body_en=form.get("body_en"),
        audience_kind=form.get("audience_kind", ""),
        district_ids=tuple(i for i in (_int(v) for v in form.getlist("district_ids")) if i),
        tourist_days=_int(form.get("tourist_days")), priority=form.get("priority", ""),
        send_at=send_at, repeat_weekdays=weekdays if timing == "weekly" else None,
        repeat_until=_day(form.get("repeat_until")) if timing == "weekly" else None,
        not_after=not_after,
        reminder_hours=_int(form.get("reminder_hours"), 24) or 0,
        image_id=_int(form.get("image_id")))
    return drafts.clean(data), errors


def form_values(notice: Notice | None) -> dict[str, Any]:
    if notice is None:
        return {"audience_kind": AudienceKind.ISLANDERS, "priority": "normal", "timing": "now",
                "reminder_hours": 24, "district_ids": [], "weekdays": []}
    def local(moment: datetime | None) -> str:
        return moment.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M") if moment else ""
    return {
        "title": notice.title, "body_ja": notice.body_ja, "title_en": notice.title_en or "",
        "body_en": notice.body_en or "", "audience_kind": notice.audience_kind,
        "district_ids": [str(i) for i in notice.audience_district_ids or []],
        "tourist_days": notice.tourist_days or "", "priority": notice.priority,
        "timing": "weekly" if notice.repeat_weekdays else "at" if notice.send_at else "now",
        "send_at": local(notice.send_at), "weekdays": list(notice.repeat_weekdays or ""),
        "repeat_until": str(notice.repeat_until or ""), "not_after": local(notice.not_after),
        "reminder_hours": notice.reminder_hours, "image_id": notice.image_id or ""}


def audience_words(kind: str, district_ids: Any, tourist_days: int | None,
                   districts: dict[int, str]) -> str:
    """The audience in words: 「東集落・西集落」, 「島民全員」 (not the form's label)."""
    if kind == AudienceKind.DISTRICTS:
        names = [districts.get(int(i), str(i)) for i in district_ids or []]
        return ("・" if current_language() == "ja" else ", ").join(names) or "-"
    if kind == AudienceKind.TOURISTS:
        return _(AUDIENCE_WORDS[kind], days=tourist_days or DEFAULT_TOURIST_DAYS)
    return _(AUDIENCE_WORDS[kind]) if kind in AUDIENCE_WORDS else kind


def timing_words(data: drafts.NoticeInput) -> str:
    """When it goes, in words: 今すぐ, a time, or 毎週 月・木 7:00（2027-01-31まで）."""
    if data.send_at is None:
        return _("今すぐ")
    when = format_datetime(data.send_at, current_language())
    if not data.repeat_weekdays:
        return when
    days = "・".join(_(WEEKDAYS[int(d)]) for d in data.repeat_weekdays)
    return _("毎週 %(days)s（初回 %(when)s、%(day)sまで）", days=days, when=when,
             day=str(data.repeat_until or ""))


class FormValues:
    """Form values kept in a dict (a page shown again) read like a posted form."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name, default)
        return default if isinstance(value, list) else (
            str(value) if value is not None else None)

    def getlist(self, name: str) -> list[str]:
        value = self.values.get(name)
        return [str(v) for v in value] if isinstance(value, list) else (
            [str(value)] if value not in (None, "") else [])


def hidden_values(values: dict[str, Any]) -> list[tuple[str, str]]:
    """What the confirmation step carries to the send (every field but the token and the
    step's own)."""
    skip = {"csrf_token", "action", "previewed", "confirm_send", "image"}
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        if name in skip:
            continue
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, "" if item is None else str(item)))
    return pairs
