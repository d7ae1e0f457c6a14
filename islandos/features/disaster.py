"""Disaster mode (災害時モード) and the safety check (安否確認): the disaster menu for
everyone, the check with family, shelters, the office's live list, data kept 30 days."""

from __future__ import annotations

from datetime import timedelta

from handlers import disaster as disaster_handlers
from islandos.cli.disaster import group as disaster_cli
from islandos.demo.disaster import seed_disaster
from islandos.i18n import N_
from islandos.models.admin import AdminRole
from islandos.registry import Feature, NavItem, Offer
from islandos.scheduler import JobRegistry
from islandos.services.disaster import menus, mode, retention
from islandos.services.disaster.answers import erase_safety_data
from islandos.services.disaster.disclosure import safety_disclosure
from islandos.web.admin import disaster as disaster_admin


def _jobs(registry: JobRegistry) -> None:
    registry.add_line_job(mode.SWITCH_JOB, menus.run_switch_job)
    registry.every(timedelta(days=1), "disaster.retention", retention.reduce_old_checks)


FEATURE = Feature(
    name="disaster",
    routes=disaster_handlers.register,
    jobs=_jobs,
    erasers=(erase_safety_data,),
    admin_blueprints=(disaster_admin.bp,),
    nav=(NavItem(N_("災害時モード"), "disaster.index", min_role=AdminRole.VIEWER, order=15),),
    cli=disaster_cli,
    demo=seed_disaster,
    disclosures=(safety_disclosure,),
    offers=(Offer(erases=N_("安否確認への回答と送った位置")),),
    audit_labels={
        "disaster.started": N_("災害時モードを開始"),
        "disaster.ended": N_("災害時モードを終了"),
        "disaster.check_requested": N_("安否確認の送信を依頼（確認待ち）"),
        "disaster.check_cancelled": N_("安否確認の依頼を取り消し"),
        "disaster.check_sent": N_("安否確認を送信"),
        "disaster.reminded": N_("安否確認のリマインドを送信"),
        "disaster.exported": N_("安否確認の記録をCSVで出力"),
        "disaster.visit_list": N_("訪問リストを印刷"),
        "shelter.updated": N_("避難所の状況を変更"),
    },
)
