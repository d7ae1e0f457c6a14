"""Events in the dashboard: create and edit (the invitation goes at once), the live tally
with names and the waitlist, answers taken by phone, cancel and postpone (with what the
month's quota allows shown first), CSV and the printable sign-in sheet (出席簿)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from islandos.clock import TOKYO, now
from islandos.extensions import islandos_state
from islandos.i18n import N_, format_datetime
from islandos.models.admin import AdminRole
from islandos.models.asking import AskRecipient, AudienceKind
from islandos.models.events import Event, EventStatus
from islandos.models.map import Spot
from islandos.models.people import District, Person, Role, Status
from islandos.registry import PersonPanel
from islandos.services import audit
from islandos.services.asking import audience as aud
from islandos.services.asking import tally as core_tally
from islandos.services.asking.asks import AskError
from islandos.services.events import answering, editing, reports
from islandos.services.events import disclosure as event_disclosure
from islandos.services.events.messages import ANSWER_LABELS, OPTIONS
from islandos.web.admin import admin_actor, feature_blueprint, login_required, role_required
from islandos.web.admin.forms import optional_int, tokyo_datetime
from islandos.web.admin.notice_form import audience_words
from islandos.web.admin.quota import quota_for
from islandos.web.locale import _, current_language

bp = feature_blueprint("events", __name__)

EDITOR = AdminRole.EDITOR
AUDIENCE_LABELS = {AudienceKind.ISLANDERS: N_("島民全員"), AudienceKind.DISTRICTS: N_("集落を選ぶ"),
                   AudienceKind.EVERYONE: N_("全員（島民・観光客・家族）"),
                   AudienceKind.FAMILY: N_("家族")}
STATUS_LABELS = {EventStatus.OPEN: N_("受付中"), EventStatus.CANCELLED: N_("中止")}


class CsrfForm(FlaskForm):
    """The event forms are read by hand (onto EventInput); this checks CSRF."""


def _local(moment: datetime | None) -> str:
    return moment.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _read_form(form: Any) -> tuple[editing.EventInput, dict[str, str]]:
    """The posted fields, plus errors the service cannot see (unreadable numbers, dates)."""
    errors: dict[str, str] = {}
    for name in ("starts_at", "ends_at", "answer_deadline"):
        if form.get(name) and tokyo_datetime(form.get(name)) is None:
            errors[name] = N_("日時を正しく入力してください。")
    for name in ("capacity", "max_guests", "remind_days_before"):
        if form.get(name) and optional_int(form.get(name)) is None:
            errors[name] = N_("数字で入力してください。")
    guests = optional_int(form.get("max_guests")) or 0
    data = editing.EventInput(
        title=form.get("title", ""), title_en=form.get("title_en"),
        description_ja=form.get("description_ja", ""), description_en=form.get("description_en"),
        starts_at=tokyo_datetime(form.get("starts_at")),
        ends_at=tokyo_datetime(form.get("ends_at")),
        answer_deadline=tokyo_datetime(form.get("answer_deadline")), place=form.get("place", ""),
        spot_id=optional_int(form.get("spot_id")), capacity=optional_int(form.get("capacity")),
        max_guests=guests if form.get("guests_allowed") else 0,
        audience_kind=form.get("audience_kind", ""),
        district_ids=tuple(i for i in (optional_int(v) for v in form.getlist("district_ids")) if i),
        remind_days_before=(optional_int(form.get("remind_days_before"))
                            if form.get("remind") else None),
        remind_time=form.get("remind_time", "18:00") or "18:00",
        remind_not_answered=bool(form.get("remind_not_answered")))
    return data, errors


def _values(event: Event | None) -> dict[str, Any]:
    if event is None:
        return {"audience_kind": AudienceKind.ISLANDERS, "district_ids": [], "remind": "1",
                "remind_days_before": 1, "remind_time": "18:00", "max_guests": 0}
    return {
        "title": event.title, "title_en": event.title_en or "",
        "description_ja": event.description_ja, "description_en": event.description_en or "",
        "starts_at": _local(event.starts_at), "ends_at": _local(event.ends_at),
        "answer_deadline": _local(event.answer_deadline), "place": event.place,
        "spot_id": event.spot_id or "", "capacity": event.capacity or "",
        "guests_allowed": "1" if event.max_guests else "", "max_guests": event.max_guests,
        "audience_kind": event.audience_kind,
        "district_ids": [str(i) for i in event.audience_district_ids or []],
        "remind": "1" if event.remind_days_before is not None else "",
        "remind_days_before": event.remind_days_before if event.remind_days_before is not None
        else 1, "remind_time": event.remind_time,
        "remind_not_answered": "1" if event.remind_not_answered else ""}


def _edit_page(event: Event | None, values: dict[str, Any], errors: dict[str, str],
               status: int = 200, review: dict[str, Any] | None = None) -> ResponseReturnValue:
    language = current_language()
    with islandos_state(current_app).db.transaction() as session:
        districts = list(session.scalars(select(District).order_by(District.sort_order)))
        spots = [(spot.id, spot.text(language).name)
                 for spot in session.scalars(select(Spot).order_by(Spot.sort_order, Spot.id))]
    return render_template("admin/events/edit.html", event=event, values=values, errors=errors,
                           districts=districts, spots=spots, form=CsrfForm(), review=review,
                           audience_labels=AUDIENCE_LABELS), status


def _review_page(values: dict[str, Any], data: editing.EventInput) -> ResponseReturnValue:
    """A new event before its invitation goes out: whom it reaches in which language and the
    messages it uses of the month's quota. Nothing is stored yet."""
    moment = now()
    with islandos_state(current_app).db.transaction() as session:
        errors = editing.validate(session, data, moment)
        if errors:
            return _edit_page(None, values, errors, 400)
        audience = aud.Audience(AudienceKind(data.audience_kind), tuple(data.district_ids))
        count = aud.count_audience(session, audience, moment, with_family=False)
        names = {d.id: d.name(current_language()) for d in session.scalars(select(District))}
    review = {"event": data, "count": count, "quota": quota_for(count.total),
              "audience": audience_words(data.audience_kind, data.district_ids, None, names)}
    return _edit_page(None, values, {}, review=review)


@bp.route("/events/new", methods=["GET", "POST"])
@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"], endpoint="event_edit")
@role_required(EDITOR)
def event_new(event_id: int | None = None) -> ResponseReturnValue:
    state = islandos_state(current_app)
    existing = None
    if event_id is not None:
        with state.db.transaction() as session:
            existing = session.get(Event, event_id)
        if existing is None:
            abort(404)
    if request.method == "GET":
        return _edit_page(existing, _values(existing), {})
    if not CsrfForm().validate_on_submit():
        abort(400)
    values = {**request.form.to_dict(), "district_ids": request.form.getlist("district_ids")}
    action = values.pop("action", "review")
    data, errors = _read_form(request.form)
    if errors:
        return _edit_page(existing, values, errors, 400)
    if existing is None and action == "edit":
        return _edit_page(None, values, {})
    if existing is None and action != "send":
        return _review_page(values, data)
    try:
        with state.db.transaction() as session:
            if existing is None:
                saved = editing.create_event(session, data, admin_actor())
                saved_id, done = saved.id, _("行事を作り、案内を送りました（%(count)s人）。",
                                             count=saved.recipient_count)
            else:
                change = editing.update_event(session, existing.id, data, admin_actor(),
                                              tell_changes=bool(request.form.get("tell")))
                saved_id, done = existing.id, _("保存しました。お知らせした人：%(count)s人",
                                                count=change.told)
    except editing.EventInvalid as exc:
        return _edit_page(existing, values, exc.errors, 400)
    except editing.EventError as exc:
        flash(_(exc.msgid), "error")
        return _edit_page(existing, values, {}, 400)
    flash(done, "success")
    return redirect(url_for("events.event", event_id=saved_id))


@bp.get("/events")
@login_required
def events() -> ResponseReturnValue:
    with islandos_state(current_app).db.transaction() as session:
        rows, answered = reports.event_list(session)
    return render_template("admin/events/list.html", events=rows, answered=answered,
                           status_labels=STATUS_LABELS, now=now())


def _event_or_404(session: Session, event_id: int) -> tuple[Event, Any]:
    event = session.get(Event, event_id)
    ask = editing.event_ask(session, event_id) if event is not None else None
    if event is None or ask is None:
        abort(404)
    return event, ask


@bp.get("/events/<int:event_id>")
@login_required
def event(event_id: int) -> ResponseReturnValue:
    language = current_language()
    with islandos_state(current_app).db.transaction() as session:
        found, ask = _event_or_404(session, event_id)
        tally = core_tally.tally(session, ask, language)
        answered = {option: list(reports.rows(session, ask, language, choice=option,
                                              limit=reports.NAMES_SHOWN))
                    for option in OPTIONS}
        waiting = reports.waitlist(session, ask)
        not_answered = core_tally.not_answered(session, ask, language)
        attending = reports.attending_count(session, ask)
        concerned = editing.count_concerned(session, event_id)
        audience = [(p.id, p.full_name or "", p.district.name(language) if p.district else "")
                    for p in _answerable(session, found)]
        districts = {d.id: d.name(language) for d in session.scalars(select(District))}
        place = editing.spot_name(session, found, language) or found.place
        audit.record_read(session, admin_actor(), "event.page", len(audience),
                          subject=f"event:{event_id}")
    quota = quota_for(concerned)
    return render_template(
        "admin/events/show.html", event=found, ask=ask, tally=tally, answered=answered,
        waiting=waiting, not_answered=not_answered, attending=attending, quota=quota,
        concerned=concerned, audience=audience, districts=districts, place=place,
        form=CsrfForm(), labels=ANSWER_LABELS, options=OPTIONS,
        audience_labels=AUDIENCE_LABELS, status_labels=STATUS_LABELS,
        closed=now() >= found.answer_deadline)


def _answerable(session: Session, event: Event) -> list[Person]:
    """People staff may answer for: the audience, with or without LINE (by district, name)."""
    ask = editing.event_ask(session, event.id)
    asked = select(AskRecipient.person_id).where(AskRecipient.ask_id == (ask.id if ask else 0))
    candidates = session.scalars(
        select(Person).where(Person.status == Status.ACTIVE, Person.role != Role.UNKNOWN)
        .where(Person.id.in_(asked) | (Person.role == Role.ISLANDER) | (Person.role == Role.FAMILY))
        .order_by(Person.district_id, Person.full_name, Person.id).limit(2000))
    asked_ids = set(session.scalars(asked))
    return [p for p in candidates if p.id in asked_ids or answering.in_audience(event, p)]


def _act(event_id: int, action: Callable[[Session], str]) -> ResponseReturnValue:
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        with islandos_state(current_app).db.transaction() as session:
            done = action(session)
    except editing.EventInvalid as exc:
        for msgid in exc.errors.values():
            flash(_(msgid), "error")
        return redirect(url_for("events.event", event_id=event_id))
    except (editing.EventError, AskError) as exc:
        flash(_(exc.msgid), "error")
        return redirect(url_for("events.event", event_id=event_id))
    flash(done, "success")
    return redirect(url_for("events.event", event_id=event_id))


@bp.post("/events/<int:event_id>/answer")
@role_required(EDITOR)
def event_answer(event_id: int) -> ResponseReturnValue:
    """An answer taken by phone or in person, entered by staff (audited by the core)."""
    person_id = optional_int(request.form.get("person_id"))
    choice = request.form.get("choice", "")
    people = optional_int(request.form.get("people")) or 1

    def enter(session: Session) -> str:
        if person_id is None or choice not in OPTIONS or people < 1:
            raise editing.EventError(N_("人と回答を選んでください。"))
        answered = answering.answer_event(session, event_id, person_id, choice, people,
                                          entered_by=admin_actor())
        if answered.waitlisted:
            return _("キャンセル待ちとして記録しました（%(place)s番目）。",
                     place=answered.result.waitlist_place)
        return _("回答を記録しました。")
    return _act(event_id, enter)


@bp.post("/events/<int:event_id>/cancel")
@role_required(EDITOR)
def event_cancel(event_id: int) -> ResponseReturnValue:
    def cancel(session: Session) -> str:
        change = editing.cancel_event(session, event_id, admin_actor())
        return _("中止にしました。お知らせした人：%(count)s人", count=change.told)
    return _act(event_id, cancel)


@bp.post("/events/<int:event_id>/postpone")
@role_required(EDITOR)
def event_postpone(event_id: int) -> ResponseReturnValue:
    form = request.form

    def postpone(session: Session) -> str:
        change = editing.postpone_event(
            session, event_id, admin_actor(), tokyo_datetime(form.get("starts_at")),
            tokyo_datetime(form.get("ends_at")), tokyo_datetime(form.get("answer_deadline")),
            keep_answers=form.get("answers") != "ask_again")
        return _("延期しました。お知らせした人：%(count)s人", count=change.told)
    return _act(event_id, postpone)


def _labels() -> dict[str, str]:
    return {option: _(label) for option, label in ANSWER_LABELS.items()}


@bp.get("/events/<int:event_id>/answers.csv")
@login_required
def event_csv(event_id: int) -> ResponseReturnValue:
    """UTF-8 with a BOM, so Excel opens the Japanese correctly."""
    state = islandos_state(current_app)
    with state.db.transaction() as session:
        _found, ask = _event_or_404(session, event_id)
        audit.record_read(session, admin_actor(), "event.csv",
                          session.scalar(select(func.count()).select_from(AskRecipient).where(
                              AskRecipient.ask_id == ask.id)) or 0, subject=f"event:{event_id}")
    labels = _labels()

    def generate() -> Any:
        with state.db.transaction() as session:
            _found, ask = _event_or_404(session, event_id)
            yield from reports.csv_text(session, ask, labels,
                                        lambda moment: format_datetime(moment, "ja"))
    return Response(generate(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="event-{event_id}.csv"'})


@bp.get("/events/<int:event_id>/sheet")
@login_required
def event_sheet(event_id: int) -> ResponseReturnValue:
    """The printable sign-in sheet: those attending, per district, a line to sign."""
    language = current_language()
    with islandos_state(current_app).db.transaction() as session:
        found, ask = _event_or_404(session, event_id)
        sheet = reports.sign_in_sheet(session, ask, language)
        audit.record_read(session, admin_actor(), "event.sign_in_sheet",
                          sum(len(people) for _district, people in sheet),
                          subject=f"event:{event_id}")
        place = editing.spot_name(session, found, language) or found.place
    return render_template("admin/events/sheet.html", event=found, sheet=sheet, place=place)


def attended_events(session: Session, person: Person) -> PersonPanel:
    """On a person's page: their answers to events, latest first."""
    rows = event_disclosure.answers_of(session, person.id, current_language())
    return PersonPanel(title=N_("行事の出欠"), rows=rows, empty=N_("行事の案内はまだありません。"))
