"""Notices (お知らせ): write, send to an audience, confirm, remind, read past ones."""

from __future__ import annotations

from datetime import timedelta

from handlers import notices as notice_handlers
from islandos.cli.notices import group as notice_cli
from islandos.demo.notices import seed_notices
from islandos.i18n import N_
from islandos.models.admin import AdminRole
from islandos.registry import Feature, NavItem, Offer
from islandos.scheduler import JobRegistry
from islandos.services.notices import home, images, sending
from islandos.services.notices.changes import erase_notice_data
from islandos.services.notices.disclosure import notice_disclosure
from islandos.web.admin import notices as notice_admin


def _jobs(registry: JobRegistry) -> None:
    registry.add("notice.send", sending.job_send)
    registry.add("notice.occurrence", sending.job_occurrence)  # one weekday of a series
    registry.add("notice.remind", sending.job_remind)
    registry.every(timedelta(hours=1), "notice.images.unused", images.delete_unused_images)


FEATURE = Feature(
    name="notices",
    routes=notice_handlers.register,
    jobs=_jobs,
    erasers=(erase_notice_data,),
    admin_blueprints=(notice_admin.bp,),
    nav=(NavItem(N_("お知らせ"), "notices.notices", min_role=AdminRole.VIEWER, order=20),),
    person_panels=(notice_admin.received_notices,),
    cli=notice_cli,
    demo=seed_notices,
    offers=(Offer(N_("お知らせ"), erases=N_("お知らせを受け取った記録と「確認しました」"),
                  order=10),),
    attention=(home.unconfirmed_notices,),
    home_panels=(home.recent_notices,),
    audit_labels={
        "notice.drafted": N_("お知らせの下書きを作成"),
        "notice.edited": N_("お知らせの下書きを編集"),
        "notice.scheduled": N_("お知らせの送信を予約"),
        "notice.sent": N_("お知らせを送信"),
        "notice.expired": N_("お知らせが期限切れで送られず"),
        "notice.reminded": N_("お知らせのリマインドを送信"),
        "notice.call_list_printed": N_("電話連絡リストを印刷"),
        "notice.withdrawn": N_("お知らせを取り下げ"),
        "notice.cancelled": N_("お知らせの予約を取り消し"),
        "notice.resent": N_("届かなかった人にお知らせを再送"),
    },
    disclosures=(notice_disclosure,),
)
