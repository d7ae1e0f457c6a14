"""Polls in the dashboard: create and send one, read its results (counts, percentages, a
bar chart, per district for named polls), download them as CSV, edit the wording or the
deadline, close it early. The domain lives in islandos.services.polls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.clock import TOKYO, now
from islandos.extensions import islandos_state
from islandos.i18n import N_
from islandos.models.admin import AdminRole
from islandos.models.asking import AskMode, AudienceKind
from islandos.models.people import District
from islandos.models.polls import Poll
from islandos.services import audit
from islandos.services.asking import audience as aud
from islandos.services.asking.tally import answered_counts
from islandos.services.polls import creating, results
from islandos.web.admin import admin_actor, feature_blueprint, login_required, role_required
from islandos.web.admin.notice_form import AUDIENCE_LABELS, audience_words
from islandos.web.admin.quota import quota_for
from islandos.web.locale import _, current_language

bp = feature_blueprint("polls", __name__)

EDITOR = AdminRole.EDITOR
OPTION_ROWS = creating.MAX_OPTIONS
MODE_LABELS = {AskMode.SINGLE: N_("一つだけ選ぶ"), AskMode.MULTIPLE: N_("いくつでも選べる")}
BAD_TIME = N_("日時を正しく入力してください。")


class CsrfForm(FlaskForm):
    """The poll form is read by hand (its fields map onto PollInput); this checks CSRF."""


def _time(value: str | None) -> datetime | None:
    """A datetime-local value, in Japan time."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=TOKYO) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _read_form(form: Any) -> creating.PollInput:
    extra: dict[str, str] = {}
    closes_at = _time(form.get("closes_at"))
    if form.get("closes_at") and closes_at is None:
        extra["closes_at"] = BAD_TIME
    if form.get("tourist_days") and _int(form.get("tourist_days")) is None:
        extra["tourist_days"] = "日数は1〜365で入力してください。"
    return creating.PollInput(
        question_ja=form.get("question_ja", ""), question_en=form.get("question_en"),
        options_ja=tuple(form.getlist("option_ja")), options_en=tuple(form.getlist("option_en")),
        closes_at=closes_at, mode=form.get("mode", ""), anonymous=form.get("anonymous") == "yes",
        audience_kind=form.get("audience_kind", ""),
        district_ids=tuple(i for i in (_int(v) for v in form.getlist("district_ids")) if i),
        tourist_days=_int(form.get("tourist_days")), extra=extra)


def _local(moment: datetime | None) -> str:
    return moment.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _districts(session: Session) -> list[District]:
    return list(session.scalars(select(District).order_by(District.sort_order)))


def _form_page(values: dict[str, Any], errors: dict[str, str], status: int = 200,
               review: dict[str, Any] | None = None) -> ResponseReturnValue:
    with islandos_state(current_app).db.transaction() as session:
        districts = _districts(session)
    options_ja = list(values.get("option_ja", []))
    options_en = list(values.get("option_en", []))
    rows = [(options_ja[i] if i < len(options_ja) else "",
             options_en[i] if i < len(options_en) else "") for i in range(OPTION_ROWS)]
    return render_template("admin/polls/new.html", values=values, errors=errors, rows=rows,
                           districts=districts, form=CsrfForm(), review=review,
                           audience_labels=AUDIENCE_LABELS, mode_labels=MODE_LABELS), status


def _review_page(values: dict[str, Any], data: creating.PollInput) -> ResponseReturnValue:
    """Step 2: what goes to whom, how many messages it uses of the month's quota; send or
    go back. Nothing is stored yet."""
    moment = now()
    with islandos_state(current_app).db.transaction() as session:
        errors = creating.validate(session, data, moment)
        if errors:
            return _form_page(values, errors, status=400)
        cleaned = creating.clean(data)
        count = aud.count_audience(session, creating.audience_of_input(cleaned), moment,
                                   with_family=False)
        names = {d.id: d.name(current_language()) for d in _districts(session)}
    review = {"poll": cleaned, "count": count, "quota": quota_for(count.total),
              "audience": audience_words(cleaned.audience_kind, cleaned.district_ids,
                                         cleaned.tourist_days, names)}
    return _form_page(values, {}, review=review)


@bp.route("/polls/new", methods=["GET", "POST"])
@role_required(EDITOR)
def poll_new() -> ResponseReturnValue:
    if request.method == "GET":
        return _form_page({"audience_kind": AudienceKind.ISLANDERS, "mode": AskMode.SINGLE,
                           "district_ids": []}, {})
    if not CsrfForm().validate_on_submit():
        abort(400)
    values: dict[str, Any] = {**request.form.to_dict(),
                              "district_ids": request.form.getlist("district_ids"),
                              "option_ja": request.form.getlist("option_ja"),
                              "option_en": request.form.getlist("option_en")}
    action = values.pop("action", "review")
    if action == "edit":
        return _form_page(values, {})
    if action != "send":
        return _review_page(values, _read_form(request.form))
    try:
        with islandos_state(current_app).db.transaction() as session:
            poll = creating.create_and_send(session, _read_form(request.form), admin_actor())
            poll_id, count = poll.id, poll.recipient_count
    except creating.PollInvalid as exc:
        return _form_page(values, exc.errors, status=400)
    flash(_("アンケートを %(count)s 人に送りました。", count=count), "success")
    return redirect(url_for("polls.poll", poll_id=poll_id))


@bp.get("/polls")
@login_required
def polls() -> ResponseReturnValue:
    with islandos_state(current_app).db.transaction() as session:
        rows = list(session.scalars(select(Poll).order_by(Poll.id.desc()).limit(100)))
        answered = answered_counts(session, creating.SUBJECT, [p.id for p in rows])
    return render_template("admin/polls/list.html", polls=rows, answered=answered,
                           moment=now())


def _poll_or_404(session: Session, poll_id: int) -> Poll:
    found = session.get(Poll, poll_id)
    if found is None:
        abort(404)
    return found


@bp.get("/polls/<int:poll_id>")
@login_required
def poll(poll_id: int) -> ResponseReturnValue:
    language = current_language()
    with islandos_state(current_app).db.transaction() as session:
        found = _poll_or_404(session, poll_id)
        outcome = results.results(session, found, language)
        named = list(results.named_answers(session, found, language))
        districts = {d.id: d.name(language) for d in _districts(session)}
        if named:
            audit.record_read(session, admin_actor(), "poll.page", len(named),
                              subject=f"poll:{poll_id}")
    return render_template(
        "admin/polls/show.html", poll=found, results=outcome, named=named,
        districts=districts, form=CsrfForm(), is_open=found.is_open(now()),
        audience_labels=AUDIENCE_LABELS, mode_labels=MODE_LABELS,
        edit_values={"question_ja": found.question_ja, "question_en": found.question_en or "",
                     "closes_at": _local(found.closes_at)}, errors={})


@bp.get("/polls/<int:poll_id>/results.csv")
@login_required
def poll_csv(poll_id: int) -> Response:
    with islandos_state(current_app).db.transaction() as session:
        found = _poll_or_404(session, poll_id)
        text = results.csv_text(session, found, current_language())
        if not found.anonymous:
            audit.record_read(session, admin_actor(), "poll.csv",
                              len(list(results.named_answers(session, found, "ja"))),
                              subject=f"poll:{poll_id}")
    response = Response(text, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f"attachment; filename=poll-{poll_id}.csv"
    return response


def _act(poll_id: int, change: Callable[[Session], object], done: str) -> ResponseReturnValue:
    """Apply one change in its own transaction, say how it went, and go back to the poll."""
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        with islandos_state(current_app).db.transaction() as session:
            change(session)
    except creating.PollInvalid as exc:
        for msgid in exc.errors.values():
            flash(_(msgid), "error")
    except creating.PollError as exc:
        flash(_(exc.msgid), "error")
    else:
        flash(_(done), "success")
    return redirect(url_for("polls.poll", poll_id=poll_id))


@bp.post("/polls/<int:poll_id>/edit")
@role_required(EDITOR)
def poll_edit(poll_id: int) -> ResponseReturnValue:
    form = request.form
    return _act(poll_id, lambda session: creating.edit(
        session, poll_id, admin_actor(), question_ja=form.get("question_ja", ""),
        question_en=form.get("question_en"), closes_at=_time(form.get("closes_at"))),
        N_("変更しました。"))


@bp.post("/polls/<int:poll_id>/close")
@role_required(EDITOR)
def poll_close(poll_id: int) -> ResponseReturnValue:
    return _act(poll_id, lambda session: creating.close(session, poll_id, admin_actor()),
                N_("締め切りました。"))
