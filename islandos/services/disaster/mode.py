"""Starting and ending disaster mode, and the safety check a second admin confirms.

Starting writes the mode (one at a time: a unique column) and arms the menu switch job;
the safety check is asked for by one admin and sent when another confirms (the CLI's
`--yes` is the server operator's confirmation). Ending closes the check's ask and arms the
switch back. Everything is audited and happens in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from islandos import scheduler
from islandos.clock import now
from islandos.i18n import N_
from islandos.models.asking import Ask, AudienceKind
from islandos.models.disaster import CheckStatus, DisasterKind, DisasterMode, SafetyChoice
from islandos.models.jobs import Job, JobStatus
from islandos.models.outbox import Priority
from islandos.models.people import Person
from islandos.services import audit
from islandos.services.asking import audience as aud
from islandos.services.asking import delivery
from islandos.services.asking.asks import open_ask
from islandos.services.disaster.messages import check_messages, reminder_messages

SUBJECT = "safety"  # the check's ask is (SUBJECT, mode.id)
OPTIONS = tuple(choice.value for choice in SafetyChoice)
SWITCH_JOB = "disaster.menus"
SWITCH_KEY = "disaster.menus"  # one job: re-armed on every start and end


class DisasterError(ValueError):
    """Not allowed now; `msgid` is the Japanese text to show."""

    def __init__(self, msgid: str) -> None:
        super().__init__(msgid)
        self.msgid = msgid


def active_mode(session: Session) -> DisasterMode | None:
    return session.scalar(select(DisasterMode).where(DisasterMode.active.is_(True)))


def latest_mode(session: Session) -> DisasterMode | None:
    return session.scalar(select(DisasterMode).order_by(DisasterMode.id.desc()).limit(1))


def arm_menu_switch(session: Session) -> None:
    """Have the worker bring every user's menu to what the mode says now (flushes). A run
    in progress is re-armed: it stops at its next page and runs again from the start."""
    job = session.scalar(select(Job).where(Job.unique_key == SWITCH_KEY))
    if job is None:
        scheduler.schedule(session, SWITCH_JOB, now(), {}, unique_key=SWITCH_KEY)
        return
    job.kind, job.run_at, job.payload = SWITCH_JOB, now(), {}
    if job.status != JobStatus.PENDING:
        job.status, job.attempts, job.last_error = JobStatus.PENDING, 0, None
        job.finished_at = job.lease_until = None
    session.flush()


def start(session: Session, kind: str, actor: str, *, safety_check: bool = False,
          tourists: bool = False, confirmed: bool = False) -> DisasterMode:
    """Switch the island into disaster mode (or keep the one running: starting twice is
    harmless). With safety_check the check is asked for; `confirmed` sends it at once."""
    if kind not in DisasterKind.__members__.values():
        raise DisasterError(N_("災害の種類を選んでください。"))
    mode = active_mode(session) or _begin(session, DisasterKind(kind), actor)
    arm_menu_switch(session)
    if safety_check and mode.check_status == CheckStatus.NONE:
        request_check(session, mode, actor, tourists=tourists, confirmed=confirmed)
    return mode


def _begin(session: Session, kind: DisasterKind, actor: str) -> DisasterMode:
    """A new running mode, audited; or, when another admin started one at the same moment
    (PostgreSQL refuses a second active row once theirs commits), theirs."""
    mode = DisasterMode(kind=kind, active=True, started_at=now(), started_by=actor,
                        check_status=CheckStatus.NONE)
    try:
        with session.begin_nested():
            session.add(mode)
    except IntegrityError:
        theirs = active_mode(session)
        if theirs is None:
            raise
        return theirs
    audit.record(session, actor, "disaster.started", f"disaster:{mode.id}",
                 after={"kind": kind.value})
    return mode


def request_check(session: Session, mode: DisasterMode, actor: str, *, tourists: bool,
                  confirmed: bool = False) -> None:
    """Ask for a safety check of everyone; a second admin sends it (or `confirmed`)."""
    if mode.active is not True:
        raise DisasterError(N_("災害時モードは終わっています。"))
    if mode.check_status != CheckStatus.NONE:
        raise DisasterError(N_("安否確認はすでに始めています。"))
    mode.check_status, mode.check_requested_by = CheckStatus.AWAITING, actor
    mode.check_tourists = tourists
    audit.record(session, actor, "disaster.check_requested", f"disaster:{mode.id}",
                 after={"tourists": tourists})
    if confirmed:
        send_check(session, mode, actor)


def confirm_check(session: Session, mode_id: int, actor: str) -> int:
    """A second admin confirms: the check goes out. Returns how many were asked."""
    mode = session.get(DisasterMode, mode_id, with_for_update=True)
    if mode is None or mode.active is not True or mode.check_status != CheckStatus.AWAITING:
        raise DisasterError(N_("確認を待っている安否確認はありません。"))
    if mode.check_requested_by == actor:
        raise DisasterError(N_("安否確認は、始めた人とは別の管理者が確認してから送られます。"))
    return send_check(session, mode, actor)


def cancel_check(session: Session, mode_id: int, actor: str) -> None:
    mode = session.get(DisasterMode, mode_id)
    if mode is None or mode.check_status != CheckStatus.AWAITING:
        raise DisasterError(N_("確認を待っている安否確認はありません。"))
    mode.check_status, mode.check_requested_by = CheckStatus.NONE, None
    audit.record(session, actor, "disaster.check_cancelled", f"disaster:{mode.id}")


def check_dispatch(mode: DisasterMode) -> delivery.Dispatch:
    """Emergency priority: the worker sends it before anything else queued."""
    return delivery.Dispatch(
        lambda language, family: check_messages(mode.id, mode.kind, language, family),
        priority=Priority.EMERGENCY, source=f"safety:{mode.id}")


def _audience(mode: DisasterMode, moment: datetime) -> Callable[[str], Select]:
    """Islanders, and tourists registered in the last days when the office chose them."""
    condition = aud.audience_condition(aud.Audience(AudienceKind.ISLANDERS), moment)
    if mode.check_tourists:
        condition = or_(condition, aud.audience_condition(
            aud.Audience(AudienceKind.TOURISTS), moment))
    return lambda language: (aud.recipient_columns()
                             .where(aud.receivable(), condition, aud.language_condition(language))
                             .order_by(Person.id))


def send_check(session: Session, mode: DisasterMode, actor: str) -> int:
    """Open the check's ask and enqueue it to islanders (and tourists registered in the
    last days, if chosen), and copies to their families, in one transaction."""
    moment = now()
    ask = open_ask(session, SUBJECT, mode.id, options=OPTIONS)
    dispatch = check_dispatch(mode)
    direct = delivery.send(session, ask, _audience(mode, moment), dispatch, moment)
    family = delivery.send_family_copies(session, ask, dispatch, moment)
    mode.ask_id, mode.check_status, mode.check_sent_at = ask.id, CheckStatus.SENT, moment
    mode.check_confirmed_by = actor
    audit.record(session, actor, "disaster.check_sent", f"disaster:{mode.id}",
                 after={"recipients": direct, "family": family,
                        "requested_by": mode.check_requested_by})
    session.flush()
    return direct + family


def remind(session: Session, mode_id: int, actor: str) -> int:
    """One reminder to those LINE took the check for who have not answered (audited)."""
    mode = session.get(DisasterMode, mode_id)
    if mode is None or mode.active is not True or mode.ask_id is None:
        raise DisasterError(N_("いまは安否確認をしていません。"))
    ask = session.get(Ask, mode.ask_id)
    assert ask is not None
    dispatch = delivery.Dispatch(lambda language, family: reminder_messages(
        mode.id, mode.kind, language), priority=Priority.EMERGENCY,
        source=f"safety:{mode.id}:remind")
    count = delivery.remind(session, ask, dispatch, now(), family_copies=False)
    audit.record(session, actor, "disaster.reminded", f"disaster:{mode.id}",
                 after={"reminded": count})
    return count


def end(session: Session, actor: str) -> DisasterMode | None:
    """End the mode (None if none runs): the check closes, menus switch back."""
    mode = active_mode(session)
    if mode is None:
        arm_menu_switch(session)  # harmless: puts anybody left on the wrong menu right
        return None
    moment = now()
    mode.active, mode.ended_at, mode.ended_by = None, moment, actor
    if mode.check_status == CheckStatus.AWAITING:
        mode.check_status = CheckStatus.NONE
    elif mode.check_status == CheckStatus.SENT:
        mode.check_status = CheckStatus.CLOSED
    if mode.ask_id is not None:
        ask = session.get(Ask, mode.ask_id)
        if ask is not None:
            ask.closes_at = moment
    session.flush()
    audit.record(session, actor, "disaster.ended", f"disaster:{mode.id}")
    arm_menu_switch(session)
    return mode
