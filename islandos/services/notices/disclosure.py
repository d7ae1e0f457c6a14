"""The notices feature's part of a person's record (「登録内容を見る」, a 開示請求)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from islandos.i18n import format_datetime, gettext
from islandos.models.people import Person
from islandos.registry import Disclosure
from islandos.services.notices.reports import received_by

SHOWN = 5  # the latest notices listed; the count covers all


def notice_disclosure(session: Session, person: Person, language: str) -> Disclosure | None:
    """How many notices reached the person, and the latest with when they confirmed."""
    received, total = received_by(session, person.id, limit=SHOWN)
    if not total:
        return None
    lines = [gettext(language, "受け取ったお知らせ：%(count)s件", count=total)]
    for delivery in received:
        line = "・" + format_datetime(delivery.created_at, language) + " " + \
            delivery.notice.title_for(language)
        if delivery.confirmed_at is not None:
            line += gettext(language, "（確認：%(when)s）",
                            when=format_datetime(delivery.confirmed_at, language))
        lines.append(line)
    return Disclosure(gettext(language, "お知らせ"), lines)
