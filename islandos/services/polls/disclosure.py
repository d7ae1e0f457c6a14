"""The polls' part of a person's record (「登録内容を見る」, a 開示請求): their named answers.
Anonymous answers are not linked to anyone, so they cannot be shown (only that they answered
is kept, to stop a second answer)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.i18n import gettext
from islandos.models.asking import Answer, Ask, AskRecipient
from islandos.models.people import Person
from islandos.models.polls import Poll
from islandos.registry import Disclosure
from islandos.services.polls.creating import SUBJECT

SHOWN = 20


def poll_disclosure(session: Session, person: Person, language: str) -> Disclosure | None:
    rows = session.execute(
        select(Poll, Answer.choices)
        .join(Ask, (Ask.subject_kind == SUBJECT) & (Ask.subject_id == Poll.id))
        .join(AskRecipient, AskRecipient.ask_id == Ask.id)
        .join(Answer, Answer.recipient_id == AskRecipient.id)
        .where(AskRecipient.person_id == person.id, Poll.anonymous.is_(False))
        .order_by(Poll.id.desc()).limit(SHOWN)).all()
    if not rows:
        return None
    lines = []
    for poll, choices in rows:
        chosen = [label for i, label in enumerate(poll.options_for(language)) if choices >> i & 1]
        glue = "、" if language == "ja" else ", "
        lines.append(f"・{poll.question_for(language)}：{glue.join(chosen)}")
    return Disclosure(gettext(language, "アンケートへの回答"), lines)
