"""What the office sees before a notice goes: the messages per language as LINE shows them,
the exact number of recipients, and what it (and its reminders) will use of LINE's quota."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.line.gateway import LineTransport
from islandos.line.messages import Message
from islandos.models.notices import AudienceKind, Notice, NoticeImage, NoticePriority
from islandos.services.asking import audience as aud
from islandos.services.notices import reports
from islandos.services.notices.drafts import NoticeInput
from islandos.services.notices.images import image_url
from islandos.services.notices.messages import notice_messages
from islandos.services.notices.sending import sends_this_month


@dataclass(frozen=True)
class Preview:
    languages: dict[str, list[Message]]  # "ja" always, "en" when written
    count: aud.AudienceCount  # exact, now (family copies of an emergency included)
    sends: int  # 1, or each send of a weekly series' first month
    reminder_hours: int  # 0: no reminder
    reminders_at_most: int  # one per send to everyone, if nobody confirms
    image_path: str | None  # the picture on this site, for the page
    needs_second_confirmation: bool  # an emergency, or to everyone
    digest: str  # what was previewed (sending needs the same)

    @property
    def needed(self) -> int:
        """Messages LINE counts against the month: one per recipient per send."""
        return self.count.total * self.sends


def preview_digest(data: NoticeInput) -> str:
    """What the office saw in the preview; sending needs the same, so nothing unseen goes."""
    canonical = json.dumps(asdict(data), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _messages(session: Session, data: NoticeInput, base_url: str
              ) -> tuple[Notice, NoticeImage | None, dict[str, list[Message]]]:
    sample = Notice(id=0, title=data.title, body_ja=data.body_ja, title_en=data.title_en,
                    body_en=data.body_en, priority=data.priority, send_at=data.send_at,
                    repeat_weekdays=data.repeat_weekdays, repeat_until=data.repeat_until)
    picture = session.get(NoticeImage, data.image_id) if data.image_id else None
    url = image_url(base_url, picture)
    languages = {"ja": notice_messages(sample, "ja", image_url=url)}
    if data.title_en and data.body_en:
        languages["en"] = notice_messages(sample, "en", image_url=url)
    return sample, picture, languages


def draft_messages(session: Session, data: NoticeInput, base_url: str
                   ) -> tuple[dict[str, list[Message]], str | None]:
    """The messages per language of a notice being written (the live preview: any input,
    even half written, the caller filling in blanks), and its picture's path on this site."""
    priority = data.priority if data.priority in tuple(NoticePriority) else "normal"
    image_id = data.image_id if data.image_id and session.get(NoticeImage, data.image_id) else None
    _sample, picture, languages = _messages(
        session, replace(data, priority=priority, image_id=image_id), base_url)
    return languages, media_path(picture)


def media_path(picture: NoticeImage | None) -> str | None:
    """Where this site serves a notice's picture (for the dashboard's pages)."""
    return f"/media/notices/{picture.token}.jpg" if picture else None


def preview(session: Session, data: NoticeInput, base_url: str) -> Preview:
    """The preview of a valid (cleaned) input; reads only."""
    sample, picture, languages = _messages(session, data, base_url)
    count = reports.recipient_count(
        session, aud.Audience(data.audience_kind, data.district_ids, data.tourist_days),
        data.priority, data.send_at or now())
    sends = sends_this_month(sample)
    reminds = sample.needs_confirmation and data.reminder_hours > 0
    return Preview(
        languages=languages, count=count, sends=sends,
        reminder_hours=data.reminder_hours if reminds else 0,
        reminders_at_most=count.total * sends if reminds else 0,
        image_path=media_path(picture),
        needs_second_confirmation=(data.priority == NoticePriority.EMERGENCY
                                   or data.audience_kind == AudienceKind.EVERYONE),
        digest=preview_digest(data))


def quota(transport: LineTransport, preview: Preview) -> reports.QuotaCheck:
    """LINE's monthly quota as LINE reports it against what the previewed notice needs.
    Asks LINE: call it outside a database transaction."""
    figures: dict[str, Any] | None
    try:
        figures, error = transport.quota(), None
    except Exception as exc:  # LINE unreachable: the admin still sees the count
        figures, error = None, exc.__class__.__name__
    return reports.quota_check(figures, preview.needed, error, preview.reminders_at_most)
