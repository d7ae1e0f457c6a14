"""What the office reads about an event: the tally (the core's one grouped query), who
answered what with names, the waitlist, the call list, the CSV and the sign-in sheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from islandos.models.asking import Answer, AnswerStatus, Ask, AskRecipient
from islandos.models.events import Event
from islandos.models.people import District, Person
from islandos.services.asking import tally as core_tally
from islandos.services.asking.asks import options_in
from islandos.services.events.editing import SUBJECT
from islandos.services.events.messages import YES

NAMES_SHOWN = 1000


def event_list(session: Session, limit: int = 100) -> tuple[list[Event], dict[int, int]]:
    """Events, latest start first, with how many answered each (one grouped query)."""
    events = list(session.scalars(select(Event).order_by(Event.starts_at.desc()).limit(limit)))
    return events, core_tally.answered_counts(session, SUBJECT, [e.id for e in events])


@dataclass(frozen=True)
class Row:
    """One person asked, with their answer (choice None: not answered)."""

    person_id: int | None
    name: str
    phone: str
    district: str
    choice: str | None
    people: int
    waitlisted: bool
    waitlist_seq: int | None
    proxy: bool
    by_staff: str | None
    answered_at: datetime | None
    has_line: bool


def rows(session: Session, ask: Ask, language: str, *, choice: str | None = None,
         only_answered: bool = False, limit: int | None = None) -> Iterator[Row]:
    """Everyone asked (by district, then name), with their answers; streamed."""
    districts = {d.id: d for d in session.scalars(select(District))}
    query = (
        select(AskRecipient.person_id, AskRecipient.district_id, Person.full_name, Person.phone,
               Person.line_user_id, Answer.choices, Answer.guests, Answer.status,
               Answer.waitlist_seq, Answer.proxy_person_id, Answer.entered_by,
               Answer.answered_at)
        .select_from(AskRecipient)
        .outerjoin(Person, Person.id == AskRecipient.person_id)
        .outerjoin(Answer, Answer.recipient_id == AskRecipient.id)
        .where(AskRecipient.ask_id == ask.id))
    if only_answered or choice is not None:
        query = query.where(Answer.id.is_not(None))
    if choice is not None:
        bit = 1 << list(ask.options).index(choice)
        query = query.where(Answer.choices.op("&")(bit) != 0)
    query = query.order_by(AskRecipient.district_id, Person.full_name, AskRecipient.id)
    if limit is not None:
        query = query.limit(limit)
    for (pid, did, name, phone, line_id, choices, guests, status, seq, proxy, staff,
         answered_at) in session.execute(query.execution_options(yield_per=1000)):
        chosen = options_in(ask, choices)[0] if choices else None
        district = districts.get(did) if did is not None else None
        yield Row(pid, name or "", phone or "", district.name(language) if district else "",
                  chosen, 1 + (guests or 0), status == AnswerStatus.WAITLISTED, seq,
                  proxy is not None, staff, answered_at, line_id is not None)


def waitlist(session: Session, ask: Ask) -> list[tuple[int, str, int]]:
    """The waitlist in order: place, name, people."""
    found = session.execute(
        select(Person.full_name, Answer.guests)
        .select_from(Answer).join(AskRecipient, AskRecipient.id == Answer.recipient_id)
        .outerjoin(Person, Person.id == AskRecipient.person_id)
        .where(Answer.ask_id == ask.id, Answer.status == AnswerStatus.WAITLISTED)
        .order_by(Answer.waitlist_seq)).all()
    return [(place, name or "", 1 + guests) for place, (name, guests) in enumerate(found, 1)]


def attending_count(session: Session, ask: Ask) -> int:
    """People (guests included) counted as attending."""
    return int(session.scalar(
        select(func.coalesce(func.sum(1 + Answer.guests), 0)).where(
            Answer.ask_id == ask.id, Answer.status == AnswerStatus.COUNTED,
            Answer.choices.op("&")(1 << list(ask.options).index(YES)) != 0)) or 0)


CSV_HEADER = ("集落", "名前", "電話", "回答", "人数", "キャンセル待ち", "回答した人", "回答日時",
              "LINE")


def csv_text(session: Session, ask: Ask, labels: dict[str, str],
             format_time: object = None) -> Iterator[str]:
    """The CSV (UTF-8 with a BOM, so Excel reads the Japanese): one line per person asked."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_HEADER)
    yield buffer.getvalue()
    for row in rows(session, ask, "ja"):
        buffer.seek(0)
        buffer.truncate()
        who = "代理（家族）" if row.proxy else f"職員（{row.by_staff}）" if row.by_staff else (
            "本人" if row.choice else "")
        when = format_time(row.answered_at) if callable(format_time) and row.answered_at else ""
        writer.writerow((row.district, row.name, row.phone,
                         labels.get(row.choice or "", "未回答"),
                         row.people if row.choice == YES else "",
                         "はい" if row.waitlisted else "", who, when,
                         "あり" if row.has_line else "なし"))
        yield buffer.getvalue()


def sign_in_sheet(session: Session, ask: Ask, language: str
                  ) -> list[tuple[str, list[Row]]]:
    """Those counted as attending, per district (出席簿)."""
    sheet: dict[str, list[Row]] = {}
    for row in rows(session, ask, language, choice=YES):
        if not row.waitlisted:
            sheet.setdefault(row.district, []).append(row)
    return list(sheet.items())
