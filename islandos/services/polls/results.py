"""A poll's results: counts and percentages per option, overall and (named polls) per
district, from the asking core's one grouped query; the named answers; the CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.i18n import format_datetime, gettext
from islandos.models.asking import Answer, AskRecipient
from islandos.models.people import District, Person
from islandos.models.polls import Poll
from islandos.services.asking import tally as tallies
from islandos.services.polls.creating import option_keys, poll_ask

BOM = "\ufeff"  # so that Excel reads the CSV as UTF-8 (Japanese)


@dataclass(frozen=True)
class OptionCount:
    label: str
    count: int
    percent: float  # of those who answered (multiple choice: may add up to more than 100)


@dataclass(frozen=True)
class ResultLine:
    """Everyone (name ""), or one district of a named poll."""

    name: str
    asked: int
    answered: int
    options: list[OptionCount]


@dataclass(frozen=True)
class Results:
    total: ResultLine
    districts: list[ResultLine]  # named polls only: anonymous answers have no district


def _line(poll: Poll, language: str, name: str, line: tallies.TallyLine) -> ResultLine:
    keys = option_keys(len(poll.options_ja))
    labels = poll.options_for(language)
    return ResultLine(name, line.asked, line.answered, [
        OptionCount(label, line.answers.get(key, 0),
                    round(100 * line.answers.get(key, 0) / line.answered, 1)
                    if line.answered else 0.0)
        for key, label in zip(keys, labels, strict=True)])


def results(session: Session, poll: Poll, language: str) -> Results:
    """Counts per option from one grouped SQL statement (plus the districts' names)."""
    ask = poll_ask(session, poll.id)
    if ask is None:
        empty = tallies.TallyLine(None, "")
        return Results(_line(poll, language, "", empty), [])
    found = tallies.tally(session, ask, language)
    districts = [] if poll.anonymous else [
        _line(poll, language, line.name or gettext(language, "集落なし"), line)
        for line in found.lines]
    return Results(_line(poll, language, "", found.total), districts)


@dataclass(frozen=True)
class NamedAnswer:
    person_id: int
    name: str
    district: str
    answer: list[str]


def named_answers(session: Session, poll: Poll, language: str) -> Iterator[NamedAnswer]:
    """Who chose what, by district and name (named polls; nothing for an anonymous one)."""
    ask = poll_ask(session, poll.id)
    if poll.anonymous or ask is None:
        return
    names = {d.id: d.name(language) for d in session.scalars(select(District))}
    labels = poll.options_for(language)
    rows = session.execute(
        select(Person.id, Person.full_name, AskRecipient.district_id, Answer.choices)
        .join(AskRecipient, AskRecipient.id == Answer.recipient_id)
        .join(Person, Person.id == AskRecipient.person_id)
        .where(Answer.ask_id == ask.id)
        .order_by(AskRecipient.district_id, Person.full_name, Person.id)
        .execution_options(yield_per=500))
    for person_id, name, district_id, choices in rows:
        yield NamedAnswer(person_id, name or "", names.get(district_id, "") if district_id else "",
                          [label for i, label in enumerate(labels) if choices >> i & 1])


def csv_text(session: Session, poll: Poll, language: str = "ja") -> str:
    """The results as CSV, with a BOM: the question, counts per option (overall and per
    district), and for a named poll who answered what."""
    _ = lambda msgid: gettext(language, msgid)  # noqa: E731
    found = results(session, poll, language)
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([_("質問"), poll.question_for(language)])
    writer.writerow([_("締め切り"), format_datetime(poll.ends_at, language)])
    writer.writerow([_("回答方法"), _("匿名") if poll.anonymous else _("記名")])
    writer.writerow([])
    writer.writerow([_("集落"), _("送った人数"), _("回答"),
                     *(f"{o.label}" for o in found.total.options),
                     *(f"{o.label} (%)" for o in found.total.options)])
    for line in [*found.districts, found.total]:
        writer.writerow([line.name or _("合計"), line.asked, line.answered,
                         *(o.count for o in line.options), *(o.percent for o in line.options)])
    if not poll.anonymous:
        writer.writerow([])
        writer.writerow([_("名前"), _("集落"), _("回答")])
        for named in named_answers(session, poll, language):
            writer.writerow([named.name, named.district, "、".join(named.answer)])
    return out.getvalue()
