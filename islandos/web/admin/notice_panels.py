"""On a person's page in the dashboard: the notices they received and when they confirmed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from islandos.i18n import N_, format_datetime
from islandos.models.notices import NoticeStatus
from islandos.models.people import Person
from islandos.services import notice_reports
from islandos.web.admin.people import PersonPanel, register_person_panel
from islandos.web.locale import _, current_language

PRIORITY_MARKS = {"important": N_("重要"), "emergency": N_("緊急")}


def received_notices(session: Session, person: Person) -> PersonPanel:
    """Latest first: when it was sent and its title → confirmed when, not yet, or no need."""
    language = current_language()
    received, total = notice_reports.received_by(session, person.id)
    rows: list[tuple[str, str]] = []
    for notice, delivery in received:
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


register_person_panel(received_notices)
