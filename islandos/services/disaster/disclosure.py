"""The safety check's part of a person's record (「登録内容を見る」, a 開示請求): their latest
answer to each check, and how many locations they sent that are still kept."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from islandos.i18n import format_datetime, gettext
from islandos.models.asking import Answer, AskRecipient
from islandos.models.disaster import DisasterMode, SafetyChoice, SafetyLocation
from islandos.models.people import Person
from islandos.registry import Disclosure
from islandos.services.disaster.answers import choice_of
from islandos.services.disaster.messages import CHOICE_LABELS, KIND_LABELS


def safety_disclosure(session: Session, person: Person, language: str) -> Disclosure | None:
    def _(msgid: str, **values: object) -> str:
        return gettext(language, msgid, **values)

    answers = session.execute(
        select(DisasterMode.kind, DisasterMode.started_at, Answer.choices, Answer.answered_at,
               Answer.proxy_person_id)
        .join(Answer, Answer.ask_id == DisasterMode.ask_id)
        .join(AskRecipient, AskRecipient.id == Answer.recipient_id)
        .where(AskRecipient.person_id == person.id)
        .order_by(DisasterMode.started_at.desc())).all()
    locations = session.scalar(select(func.count(SafetyLocation.id))
                               .where(SafetyLocation.person_id == person.id)) or 0
    if not answers and not locations:
        return None
    lines = []
    for kind, started_at, choices, answered_at, proxy in answers:
        choice = choice_of(choices)
        answer = _(CHOICE_LABELS[SafetyChoice(choice)]) if choice else ""
        line = "・" + _("%(when)sの%(kind)s：%(answer)s", kind=_(KIND_LABELS[kind]),
                       when=format_datetime(started_at, language), answer=answer)
        if answered_at is not None:
            line += _("（%(when)s）", when=format_datetime(answered_at, language))
        if proxy is not None:
            line += _("・家族が回答")
        lines.append(line)
    if locations:
        lines.append(_("送っていただいた位置情報：%(count)s件", count=locations))
    return Disclosure(_("安否確認"), lines)
