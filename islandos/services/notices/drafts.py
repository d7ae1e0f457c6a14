"""Writing a notice: the input, its checks (as form errors), drafts, district names."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.clock import TOKYO, now
from islandos.line.messages import utf16_len
from islandos.models.notices import AudienceKind, Notice, NoticeImage, NoticePriority, NoticeStatus
from islandos.models.people import District
from islandos.services import audit
from islandos.services.asking import audience as aud
from islandos.services.notices.messages import MAX_TITLE, body_limit

MAX_REMINDER_HOURS = 24 * 14


class NoticeError(ValueError):
    """A notice cannot be saved or changed; `msgid` is the Japanese text to show."""

    def __init__(self, msgid: str, field: str | None = None) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.field = field


class NoticeInvalid(NoticeError):
    """Bad input; `errors` maps form fields to messages. Nothing was stored."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())), next(iter(errors)))
        self.errors = errors


@dataclass(frozen=True)
class NoticeInput:
    """What an admin (or a script) writes."""

    title: str
    body_ja: str
    title_en: str | None = None
    body_en: str | None = None
    audience_kind: str = AudienceKind.ISLANDERS
    district_ids: tuple[int, ...] = ()
    tourist_days: int | None = None
    priority: str = NoticePriority.NORMAL
    send_at: datetime | None = None  # None: now
    repeat_weekdays: str | None = None  # "024": Monday, Wednesday, Friday (Japan time)
    repeat_until: date | None = None
    not_after: datetime | None = None
    reminder_hours: int = 24
    image_id: int | None = None


def clean(data: NoticeInput) -> NoticeInput:
    """Trimmed texts with browser line ends (CRLF) as LINE shows them, sorted weekdays."""
    def strip(value: str | None) -> str | None:
        return value.strip().replace("\r\n", "\n") if value and value.strip() else None
    return replace(data, title=strip(data.title) or "", body_ja=strip(data.body_ja) or "",
                   title_en=strip(data.title_en), body_en=strip(data.body_en),
                   repeat_weekdays="".join(sorted(set(data.repeat_weekdays or ""))) or None)


def validate(session: Session, data: NoticeInput, moment: datetime) -> dict[str, str]:
    """Everything wrong with `data` once cleaned, by form field (empty when it can be saved)."""
    data = clean(data)
    errors: dict[str, str] = {}
    for field, title, body in (("title", data.title, data.body_ja),
                               ("title_en", data.title_en, data.body_en)):
        body_field = "body_ja" if field == "title" else "body_en"
        if field == "title" and not title:
            errors[field] = "タイトルを入力してください。"
        if field == "title" and not body:
            errors[body_field] = "本文を入力してください。"
        if field == "title_en" and bool(title) != bool(body):
            errors[field] = "英語はタイトルと本文の両方を入力してください。"
        if title and utf16_len(title) > MAX_TITLE:
            errors[field] = "タイトルは100文字までです。"
        if title and body and utf16_len(body) > body_limit(title):
            errors[body_field] = "本文が長すぎます。LINEの上限（5,000文字）を超えています。"
    errors.update(aud.audience_errors(session, data.audience_kind, data.district_ids,
                                      data.tourist_days))
    if data.priority not in tuple(NoticePriority):
        errors["priority"] = "重要度を選んでください。"
    if data.send_at is not None and data.send_at < moment - timedelta(minutes=1):
        errors["send_at"] = "送信日時が過去です。"
    if data.repeat_weekdays:
        if any(c not in "0123456" for c in data.repeat_weekdays):
            errors["repeat_weekdays"] = "曜日を選んでください。"
        if data.repeat_until is None or data.repeat_until < moment.astimezone(TOKYO).date():
            errors["repeat_until"] = "くり返しの終わりの日を今日以降で入力してください。"
    start = data.send_at or moment
    if data.not_after is not None and data.not_after <= start:
        errors["not_after"] = "「この時刻を過ぎたら送らない」は送信日時より後にしてください。"
    if not 0 <= data.reminder_hours <= MAX_REMINDER_HOURS:
        errors["reminder_hours"] = "リマインドは0〜336時間で入力してください。"
    if data.image_id is not None and session.get(NoticeImage, data.image_id) is None:
        errors["image"] = "画像が見つかりません。もう一度選んでください。"
    return errors


def resolve_districts(session: Session, names: list[str]) -> tuple[int, ...]:
    """District ids for codes or names (Japanese or English); raises NoticeInvalid."""
    ids = []
    for name in names:
        district = session.scalar(select(District).where(
            (District.code == name) | (District.name_ja == name) | (District.name_en == name)))
        if district is None:
            raise NoticeInvalid({"audience": "その集落は登録されていません。"})
        ids.append(district.id)
    return tuple(ids)


def save_draft(session: Session, data: NoticeInput, actor: str,
               notice: Notice | None = None) -> Notice:
    """Create a draft, or change one (flushes, audited as notice.drafted / notice.edited);
    raises NoticeInvalid or NoticeError."""
    data = clean(data)
    errors = validate(session, data, now())
    if errors:
        raise NoticeInvalid(errors)
    action = "notice.edited"
    if notice is None:
        notice, action = Notice(created_by=actor, status=NoticeStatus.DRAFT), "notice.drafted"
        session.add(notice)
    elif notice.status != NoticeStatus.DRAFT:
        raise NoticeError("下書きだけが編集できます。")
    notice.title, notice.body_ja = data.title, data.body_ja
    notice.title_en, notice.body_en = data.title_en, data.body_en
    notice.audience_kind = AudienceKind(data.audience_kind)
    notice.audience_district_ids = (sorted(data.district_ids)
                                    if data.audience_kind == AudienceKind.DISTRICTS else None)
    notice.tourist_days = (data.tourist_days or aud.DEFAULT_TOURIST_DAYS
                           if data.audience_kind == AudienceKind.TOURISTS else None)
    notice.priority = NoticePriority(data.priority)
    notice.send_at, notice.not_after = data.send_at, data.not_after
    notice.repeat_weekdays, notice.repeat_until = data.repeat_weekdays, data.repeat_until
    notice.reminder_hours, notice.image_id = data.reminder_hours, data.image_id
    session.flush()
    audit.record(session, actor, action, f"notice:{notice.id}",
                 after={"audience": notice.audience_kind, "priority": notice.priority})
    return notice

