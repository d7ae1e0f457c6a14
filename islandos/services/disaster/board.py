"""The office's live view of a safety check, per district: 無事 / 助けが必要 / まだ, with names,
phones and the time of the last answer; the door-to-door list of those who have not
answered; the record as CSV.

Who is listed: every islander (residents without LINE too, entered by the office) and
anyone else the check was sent to (tourists still on the island). The figures come from one
grouped query; the list from one query joined to the current answers and locations.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.i18n import format_datetime
from islandos.models.asking import Answer, AskRecipient
from islandos.models.disaster import DisasterMode, SafetyChoice, SafetyLocation
from islandos.models.people import District, Person, Role, Status
from islandos.services import audit
from islandos.services.disaster.answers import choice_of

SAFE, HELP, WAITING = "safe", "help", "waiting"
STATES = (HELP, WAITING, SAFE)  # the order of the list: those needing help first
SAFE_BIT = 1  # SafetyChoice.SAFE is the ask's first option


def _listed(mode: DisasterMode) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """People outer-joined to their recipient row and answer of this check."""
    ask_id = mode.ask_id if mode.ask_id is not None else -1
    recipient_join = and_(AskRecipient.ask_id == ask_id, AskRecipient.person_id == Person.id,
                          AskRecipient.is_family.is_(False))
    who = or_(and_(Person.role == Role.ISLANDER, Person.status != Status.DELETED),
              AskRecipient.id.is_not(None))
    return recipient_join, who


def _state() -> ColumnElement[str]:
    return case((Answer.choices.is_(None), literal(WAITING)),
                (Answer.choices == SAFE_BIT, literal(SAFE)), else_=literal(HELP))


def counts(session: Session, mode: DisasterMode) -> dict[int | None, dict[str, int]]:
    """Per district id: how many are safe, need help, have not answered (one query)."""
    recipient_join, who = _listed(mode)
    state = _state()
    rows = session.execute(
        select(Person.district_id, state, func.count(Person.id))
        .select_from(Person).outerjoin(AskRecipient, recipient_join)
        .outerjoin(Answer, Answer.recipient_id == AskRecipient.id)
        .where(who).group_by(Person.district_id, state)).all()
    found: dict[int | None, dict[str, int]] = {}
    for district_id, key, count in rows:
        found.setdefault(district_id, dict.fromkeys(STATES, 0))[key] = int(count)
    return found


@dataclass(frozen=True)
class Row:
    person_id: int
    name: str
    phone: str | None
    has_line: bool
    district_id: int | None
    state: str
    choice: str | None
    by_family: bool
    by_staff: bool
    answered_at: datetime | None
    latitude: float | None
    longitude: float | None


@dataclass
class DistrictBoard:
    district_id: int | None
    name: str
    figures: dict[str, int]
    rows: list[Row] = field(default_factory=list)


def rows(session: Session, mode: DisasterMode, *, only: str | None = None) -> Iterator[Row]:
    """Everyone listed, with their current answer and last location, by district, those
    needing help first, then those who have not answered."""
    recipient_join, who = _listed(mode)
    state = _state()
    order = case((state == HELP, 0), (state == WAITING, 1), else_=2)
    query = (select(Person.id, Person.full_name, Person.phone, Person.line_user_id,
                    Person.district_id, state, Answer.choices, Answer.proxy_person_id,
                    Answer.entered_by, Answer.answered_at, SafetyLocation.latitude,
                    SafetyLocation.longitude)
             .select_from(Person).outerjoin(AskRecipient, recipient_join)
             .outerjoin(Answer, Answer.recipient_id == AskRecipient.id)
             .outerjoin(District, District.id == Person.district_id)
             .outerjoin(SafetyLocation, and_(SafetyLocation.mode_id == mode.id,
                                             SafetyLocation.person_id == Person.id))
             .where(who)
             .order_by(District.sort_order, Person.district_id, order, Person.full_name,
                       Person.id))
    if only is not None:
        query = query.where(state == only)
    for (person_id, name, phone, line_id, district_id, key, choices, proxy, staff, at, lat,
         lng) in session.execute(query.execution_options(yield_per=1000)):
        yield Row(person_id, name or "", phone, line_id is not None, district_id, key,
                  choice_of(choices) if choices else None, proxy is not None,
                  staff is not None, at, lat, lng)


def board(session: Session, mode: DisasterMode, language: str) -> list[DistrictBoard]:
    districts = {d.id: d for d in session.scalars(select(District))}
    figures = counts(session, mode)
    boards: dict[int | None, DistrictBoard] = {}
    for district_id, found in sorted(
            figures.items(), key=lambda item: (districts[item[0]].sort_order
                                               if item[0] in districts else 10**6)):
        name = districts[district_id].name(language) if district_id in districts else "—"
        boards[district_id] = DistrictBoard(district_id, name, found)
    for row in rows(session, mode):
        if row.district_id in boards:
            boards[row.district_id].rows.append(row)
    return list(boards.values())


def totals(figures: dict[int | None, dict[str, int]]) -> dict[str, int]:
    return {state: sum(found[state] for found in figures.values()) for state in STATES}


STATE_LABELS = {SAFE: "無事", HELP: "助けが必要", WAITING: "まだ"}
REASON_LABELS = {SafetyChoice.INJURY: "けが・体調", SafetyChoice.HOUSE: "家が危ない",
                 SafetyChoice.STUCK: "動けない", SafetyChoice.OTHER: "その他"}


def export_csv(session: Session, mode: DisasterMode, actor: str) -> bytes:
    """The check's record as CSV (UTF-8 with a BOM, for Excel); marks the mode exported
    (audited)."""
    districts = {d.id: d.name_ja for d in session.scalars(select(District))}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["集落", "氏名", "電話", "LINE", "安否", "内容", "答えた人", "最後の回答",
                     "緯度", "経度"])
    for row in rows(session, mode):
        by = "家族" if row.by_family else "職員" if row.by_staff else (
            "本人" if row.answered_at else "")
        writer.writerow([
            districts.get(row.district_id, "") if row.district_id else "", row.name,
            row.phone or "", "あり" if row.has_line else "なし", STATE_LABELS[row.state],
            REASON_LABELS.get(SafetyChoice(row.choice), "") if row.choice else "", by,
            format_datetime(row.answered_at, "ja") if row.answered_at else "",
            "" if row.latitude is None else f"{row.latitude:.6f}",
            "" if row.longitude is None else f"{row.longitude:.6f}"])
    mode.exported_at = now()
    audit.record(session, actor, "disaster.exported", f"disaster:{mode.id}")
    return ("\ufeff" + out.getvalue()).encode("utf-8")
