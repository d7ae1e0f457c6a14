"""Privacy (個人情報): the daily retention run, and the printable record for a 開示請求.

Deleting a person's data is the registration feature's 「データを削除」 (and the person page's
button); every feature contributes its erasers and its part of the record (`disclosures`).
"""

from __future__ import annotations

from datetime import timedelta

from islandos.cli.privacy import group as privacy_cli
from islandos.i18n import N_
from islandos.registry import Feature
from islandos.scheduler import JobRegistry
from islandos.services import retention
from islandos.web.admin import privacy as privacy_admin


def _jobs(registry: JobRegistry) -> None:
    registry.add("privacy.prune", retention.job_prune)
    registry.every(timedelta(days=1), "privacy.prune.daily", retention.arm_daily_prune)


FEATURE = Feature(
    name="privacy",
    jobs=_jobs,
    admin_blueprints=(privacy_admin.bp,),
    cli=privacy_cli,
    audit_labels={"privacy.pruned": N_("保存期間を過ぎたデータを削除")},
)
