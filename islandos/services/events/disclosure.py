"""A person's answers to events, in words: their page in the dashboard and their record
(「登録内容を見る」, a 開示請求) show the same lines."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.i18n import format_datetime, gettext
from islandos.models.asking import Ask, AskRecipient
from islandos.models.events import Event
from islandos.models.people import Person
from islandos.registry import Disclosure
from islandos.services.events import answering, editing
from islandos.services.events.messages import ANSWER_LABELS, YES

SHOWN = 20  # the latest events listed


def answers_of(session: Session, person_id: int, language: str) -> list[tuple[str, str]]:
    """(when and which event, the answer in words), latest event first."""
    def _(msgid: str, **values: object) -> str:
        return gettext(language, msgid, **values)

    rows: list[tuple[str, str]] = []
    for event, ask in session.execute(
            select(Event, Ask)
            .join(Ask, (Ask.subject_kind == editing.SUBJECT) & (Ask.subject_id == Event.id))
            .join(AskRecipient, AskRecipient.ask_id == Ask.id)
            .where(AskRecipient.person_id == person_id)
            .order_by(Event.starts_at.desc()).limit(SHOWN)):
        current = answering.current_of(session, ask, person_id)
        answer = _(ANSWER_LABELS[current.choice]) if current.choice else _("未回答")
        if current.choice == YES and current.people > 1:
            answer += _("（%(count)s人）", count=current.people)
        if current.waitlist_place:
            answer += _("・キャンセル待ち")
        if current.proxy:
            answer += _("・家族が代理で回答")
        if current.by_staff:
            answer += _("・職員が記録")
        rows.append((f"{format_datetime(event.starts_at, language)}　{event.title}", answer))
    return rows


def event_disclosure(session: Session, person: Person, language: str) -> Disclosure | None:
    rows = answers_of(session, person.id, language)
    if not rows:
        return None
    return Disclosure(gettext(language, "行事の出欠"),
                      [f"・{event}：{answer}" for event, answer in rows])
