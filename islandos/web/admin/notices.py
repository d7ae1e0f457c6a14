"""Notices in the dashboard: write with a preview as LINE shows it, send or schedule, follow
who confirmed, withdraw, cancel, resend. The domain lives in islandos.services.notices."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.i18n import N_, format_datetime
from islandos.models.admin import AdminRole
from islandos.models.notices import Notice, NoticeImage, NoticeStatus
from islandos.models.people import District, Person
from islandos.registry import PersonPanel
from islandos.services import audit
from islandos.services.family_reach import family_reach
from islandos.services.notices import changes as changes
from islandos.services.notices import drafts as drafts
from islandos.services.notices import preview as previews
from islandos.services.notices import reports as notice_reports
from islandos.services.notices import sending as sending
from islandos.services.notices.images import ImageRejected, store_image
from islandos.web.admin import (
    admin_actor,
    current_admin,
    feature_blueprint,
    login_required,
    notice_form,
    role_required,
    signed_in_admin,
)
from islandos.web.admin.forms import ButtonForm
from islandos.web.admin.forms import optional_int as _int
from islandos.web.locale import _, current_language

bp = feature_blueprint("notices", __name__)


@bp.context_processor
def _family_reach() -> dict[str, str]:
    """The one sentence on which notices reach family, as LINE says it to families."""
    return {"family_reach": family_reach(current_language())}

EDITOR = AdminRole.EDITOR
PAGE_SIZE = 50
STATUS_LABELS = {NoticeStatus.DRAFT: N_("下書き"), NoticeStatus.SCHEDULED: N_("予約中"),
                 NoticeStatus.SENDING: N_("送信中"), NoticeStatus.SENT: N_("送信済み"),
                 NoticeStatus.WITHDRAWN: N_("取り消し済み"), NoticeStatus.CANCELLED: N_("中止"),
                 NoticeStatus.EXPIRED: N_("期限切れ（未送信）")}
UPLOAD_TOO_LARGE = "画像が大きすぎて受け取れませんでした（10MBまで）。もう一度入力してください。"
CHANGED_SINCE_PREVIEW = N_(
    "プレビューのあとで内容が変わりました。もう一度プレビューを確かめてから送ってください。")
SECOND_CONFIRMATION = N_("緊急または全員あてのお知らせは、確認の画面で確かめてから送ってください。")
DONE = {NoticeStatus.DRAFT: "下書きを保存しました。", NoticeStatus.SCHEDULED: "予約しました。",
        NoticeStatus.SENT: "送信しました。"}


class CsrfForm(FlaskForm):
    """The compose form is read by hand (its fields map onto NoticeInput); this checks CSRF."""


def _district_names(session: Session) -> dict[int, str]:
    language = current_language()
    return {d.id: d.name(language) for d in session.scalars(select(District))}


def _compose_page(notice: Notice | None, values: dict[str, Any], errors: dict[str, str],
                  preview: previews.Preview | None = None, status: int = 200,
                  form: CsrfForm | None = None,
                  quota: notice_reports.QuotaCheck | None = None) -> ResponseReturnValue:
    state = islandos_state(current_app)
    with state.db.transaction() as session:
        districts = list(session.scalars(select(District).order_by(District.sort_order)))
        data, _errors = notice_form.read_form(notice_form.FormValues(values))
        # the preview beside the form, as far as it is written
        draft_preview = _draft_preview(session, data) if preview is None else None
    names = {d.id: d.name(current_language()) for d in districts}
    audience = notice_form.audience_words(
        values.get("audience_kind", ""), values.get("district_ids"),
        _int(str(values.get("tourist_days") or "")), names)
    return render_template(
        "admin/notices/compose.html", notice=notice, values=values, errors=errors,
        preview=preview, quota=quota, districts=districts, form=form or CsrfForm(),
        audience_labels=notice_form.AUDIENCE_LABELS, priority_labels=notice_form.PRIORITY_LABELS,
        timing_labels=notice_form.TIMING_LABELS, weekdays=notice_form.WEEKDAYS, audience=audience,
        draft_preview=draft_preview, hidden_values=notice_form.hidden_values(values),
        timing_words=notice_form.timing_words(data)), status


def _draft_preview(session: Session, data: drafts.NoticeInput) -> dict[str, Any]:
    """The live preview of what is written so far: blanks filled in, never an error."""
    filled = replace(data, title=data.title or _("（タイトル）"),
                     body_ja=data.body_ja or _("（本文をここに書きます）"))
    try:
        languages, image_path = previews.draft_messages(
            session, filled, islandos_state(current_app).settings.public_base_url)
    except ValueError:  # longer than LINE takes: the form says so when it is checked
        return {"languages": {}, "image_path": None, "too_long": True}
    return {"languages": languages, "image_path": image_path, "too_long": False}


@bp.errorhandler(RequestEntityTooLarge)
def _upload_too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """A post over MAX_CONTENT_LENGTH (a huge picture) to the compose page: the form again
    with the error at the picture; nothing was read, so nothing is stored."""
    admin = signed_in_admin()
    if (request.endpoint not in ("notices.notice_new", "notices.notice_edit") or admin is None
            or not admin.at_least(EDITOR)):
        return error
    notice_id = (request.view_args or {}).get("notice_id")
    with islandos_state(current_app).db.transaction() as session:
        found = session.get(Notice, notice_id) if notice_id else None
    draft = found if found is not None and found.status == NoticeStatus.DRAFT else None
    return _compose_page(draft, notice_form.form_values(draft), {"image": UPLOAD_TOO_LARGE},
                         status=413, form=CsrfForm(formdata=None))


def _draft_or_404(session: Session, notice_id: int | None) -> Notice | None:
    if notice_id is None:
        return None
    notice = session.get(Notice, notice_id)
    if notice is None:
        abort(404)
    return notice


@bp.route("/notices/new", methods=["GET", "POST"])
@bp.route("/notices/<int:notice_id>/edit", methods=["GET", "POST"], endpoint="notice_edit")
@role_required(EDITOR)
def notice_new(notice_id: int | None = None) -> ResponseReturnValue:
    state = islandos_state(current_app)
    with state.db.transaction() as session:
        existing = _draft_or_404(session, notice_id)
    if existing is not None and existing.status != NoticeStatus.DRAFT:
        flash(_("下書きだけが編集できます。"), "error")
        return redirect(url_for("notices.notice", notice_id=existing.id))
    if request.method == "GET":
        return _compose_page(existing, notice_form.form_values(existing), {})
    if not CsrfForm().validate_on_submit():
        abort(400)
    values: dict[str, Any] = {**request.form.to_dict(),
                              "district_ids": request.form.getlist("district_ids"),
                              "weekdays": request.form.getlist("weekdays")}
    data, errors = notice_form.read_form(request.form)
    action = request.form.get("action", "preview")
    if action == "edit":  # back from the confirmation step to the form, as it was
        return _compose_page(existing, values, {})
    upload = request.files.get("image")
    preview: previews.Preview | None = None
    try:
        with state.db.transaction() as session:
            errors = {**drafts.validate(session, data, now()), **errors}
            if errors:
                raise drafts.NoticeInvalid(errors)
            if upload is not None and upload.filename:
                picture = store_image(session, upload.read())
                data = replace(data, image_id=picture.id)
                values["image_id"] = picture.id
            preview = previews.preview(session, data, state.settings.public_base_url)
            unconfirmed = (preview.needs_second_confirmation
                           and request.form.get("confirm_send") != "yes")
            unseen = request.form.get("previewed") != preview.digest
            if action == "preview" or (action == "send" and (unconfirmed or unseen)):
                if action == "send" and unseen:
                    errors["previewed"] = CHANGED_SINCE_PREVIEW
                elif action == "send":
                    errors["confirm_send"] = SECOND_CONFIRMATION
            else:
                draft = _draft_or_404(session, notice_id)
                notice = drafts.save_draft(session, data, admin_actor(), draft)
                if action == "send":
                    sending.submit(session, notice, admin_actor(), state.settings.public_base_url)
                saved_id, status = notice.id, notice.status
    except ImageRejected as exc:
        return _compose_page(existing, values, {**errors, "image": exc.msgid}, status=400)
    except drafts.NoticeInvalid as exc:
        return _compose_page(existing, values, exc.errors, status=400)
    except drafts.NoticeError as exc:
        flash(_(exc.msgid), "error")
        return _compose_page(existing, values, {}, status=400)
    if preview is not None and (action == "preview" or errors):
        # LINE is asked outside the transaction
        quota = previews.quota(state.transport, preview)
        return _compose_page(existing, values, errors, preview, quota=quota)
    flash(_(DONE.get(status, "保存しました。")), "success")
    return redirect(url_for("notices.notice", notice_id=saved_id))


@bp.post("/notices/preview")
@role_required(EDITOR)
def notice_live_preview() -> ResponseReturnValue:
    """The preview beside the compose form, redrawn as the office types (static/js/compose.js
    posts the form here and puts the answer in place)."""
    if not CsrfForm().validate_on_submit():
        abort(400)
    data, _errors = notice_form.read_form(request.form)
    with islandos_state(current_app).db.transaction() as session:
        draft_preview = _draft_preview(session, data)
    return render_template("admin/notices/_draft_preview.html", draft_preview=draft_preview)


@bp.get("/notices")
@login_required
def notices() -> ResponseReturnValue:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    with islandos_state(current_app).db.transaction() as session:
        rows, confirmed = notice_reports.notice_list(session, page, PAGE_SIZE)
        series = notice_reports.series_figures(session, rows)
        names = _district_names(session)
    audiences = {n.id: notice_form.audience_words(n.audience_kind, n.audience_district_ids,
                                                  n.tourist_days, names) for n in rows}
    return render_template("admin/notices/list.html", notices=rows, confirmed=confirmed,
                           series=series, audiences=audiences,
                           page=page, more=len(rows) == PAGE_SIZE,
                           priority_labels=notice_form.PRIORITY_LABELS, status_labels=STATUS_LABELS)


@bp.get("/notices/<int:notice_id>")
@login_required
def notice(notice_id: int) -> ResponseReturnValue:
    with islandos_state(current_app).db.transaction() as session:
        found = _draft_or_404(session, notice_id)
        assert found is not None
        report = notice_reports.delivery_report(session, found, current_language())
        names = _district_names(session)
        occurrences = list(session.scalars(select(Notice).where(
            Notice.series_id == notice_id).order_by(Notice.send_at.desc()).limit(20)))
        picture = session.get(NoticeImage, found.image_id) if found.image_id else None
        series = notice_reports.series_figures(session, [found]).get(found.id)
        remindable, last_reminded = (sending.remindable(session, found.id)
                                     if found.needs_confirmation else (0, None))
        if report.not_yet_people:
            audit.record_read(session, admin_actor(), "notice.not_confirmed",
                              len(report.not_yet_people), subject=f"notice:{notice_id}")
    return render_template(
        "admin/notices/show.html", notice=found, report=report, series=series,
        audience=notice_form.audience_words(found.audience_kind, found.audience_district_ids,
                                found.tourist_days, names),
        occurrences=occurrences, button=ButtonForm(), form=CsrfForm(),
        image_path=previews.media_path(picture), remindable=remindable,
        last_reminded=last_reminded, priority_labels=notice_form.PRIORITY_LABELS,
        status_labels=STATUS_LABELS, weekdays=notice_form.WEEKDAYS)


@bp.post("/notices/<int:notice_id>/call-list")
@login_required
def notice_call_list(notice_id: int) -> ResponseReturnValue:
    """The printable call list of those who have not confirmed (取扱注意): a POST, so that
    every list made is audited with who, when, which notice and how many people."""
    if not CsrfForm().validate_on_submit():
        abort(400)
    with islandos_state(current_app).db.transaction() as session:
        found = _draft_or_404(session, notice_id)
        assert found is not None
        calls = notice_reports.call_list(session, found, current_language(), admin_actor())
    return render_template("admin/notices/call_list.html", notice=found, calls=calls,
                           made_at=now(), made_by=current_admin().username)


@bp.post("/notices/<int:notice_id>/remind")
@role_required(EDITOR)
def notice_remind(notice_id: int) -> ResponseReturnValue:
    """「今すぐリマインド」: at most once an hour per notice (audited)."""
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        with islandos_state(current_app).db.transaction() as session:
            count = sending.remind_now(session, notice_id, admin_actor())
    except sending.RemindTooSoon as exc:
        flash(_(exc.msgid, when=format_datetime(exc.next_at, current_language())), "error")
    except drafts.NoticeError as exc:
        flash(_(exc.msgid), "error")
    else:
        flash(_("まだ確認していない %(count)s 人にリマインドを送ります。", count=count), "success")
    return redirect(url_for("notices.notice", notice_id=notice_id))


def _act(notice_id: int, action: Any, done_msgid: str) -> ResponseReturnValue:
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        with islandos_state(current_app).db.transaction() as session:
            action(session)
    except drafts.NoticeInvalid as exc:
        for msgid in exc.errors.values():
            flash(_(msgid), "error")
        return redirect(url_for("notices.notice", notice_id=notice_id))
    except drafts.NoticeError as exc:
        flash(_(exc.msgid), "error")
        return redirect(url_for("notices.notice", notice_id=notice_id))
    flash(_(done_msgid), "success")
    return redirect(url_for("notices.notice", notice_id=notice_id))


@bp.post("/notices/<int:notice_id>/withdraw")
@role_required(EDITOR)
def notice_withdraw(notice_id: int) -> ResponseReturnValue:
    title = request.form.get("correction_title", "").strip()
    body = request.form.get("correction_body", "").strip()
    correction = (drafts.NoticeInput(title=title, body_ja=body) if title or body else None)
    base = islandos_state(current_app).settings.public_base_url
    return _act(notice_id, lambda s: changes.withdraw(s, notice_id, admin_actor(), base,
                                                      correction),
                "取り消しました。" if correction is None else "取り消して、訂正を送りました。")


@bp.post("/notices/<int:notice_id>/cancel")
@role_required(EDITOR)
def notice_cancel(notice_id: int) -> ResponseReturnValue:
    return _act(notice_id, lambda s: changes.cancel(s, notice_id, admin_actor()), "中止しました。")


@bp.post("/notices/<int:notice_id>/resend")
@role_required(EDITOR)
def notice_resend(notice_id: int) -> ResponseReturnValue:
    base = islandos_state(current_app).settings.public_base_url
    return _act(notice_id, lambda s: changes.resend_failed(s, notice_id, admin_actor(), base),
                "送れなかった人に、もう一度送ります。")


# On a person's page ------------------------------------------------------------------

PRIORITY_MARKS = {"important": N_("重要"), "emergency": N_("緊急")}


def received_notices(session: Session, person: Person) -> PersonPanel:
    """Latest first: when it was sent and its title → confirmed when, not yet, or no need."""
    language = current_language()
    received, total = notice_reports.received_by(session, person.id)
    rows: list[tuple[str, str]] = []
    for delivery in received:
        notice = delivery.notice
        title = notice.title
        if notice.priority in PRIORITY_MARKS:
            title = f"【{_(PRIORITY_MARKS[notice.priority])}】{title}"
        notes = [_("家族として")] if delivery.is_family else []
        if notice.status == NoticeStatus.WITHDRAWN:
            notes.append(_("取り消し済み"))
        if notes:
            title += "（" + "・".join(notes) + "）"
        sent = format_datetime(notice.sent_at or delivery.created_at, language)
        if delivery.confirmed_at is not None:
            answer = _("確認済み：%(when)s", when=format_datetime(delivery.confirmed_at, language))
        elif notice.needs_confirmation:
            answer = _("まだ確認していません")
        else:
            answer = _("確認は不要")
        rows.append((f"{sent}　{title}", answer))
    if total > len(rows):
        rows.append(("…", _("ほか %(count)s 件", count=total - len(rows))))
    return PersonPanel(title=N_("受け取ったお知らせ"), rows=rows,
                       empty=N_("受け取ったお知らせはありません。"))
