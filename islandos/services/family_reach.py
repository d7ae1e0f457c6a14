"""Which notices reach an islander's linked family, and the one sentence that says so.

Sending (`services/notices/sending.py`), the recipient count, the family link message, the
family's settings and the dashboard's compose form all read this module, so what the bot and
the office say about it is what happens.
"""

from __future__ import annotations

from islandos.i18n import N_, gettext, join_words
from islandos.models.notices import NoticePriority

# Of the notices for islanders, these priorities also go to their linked family.
FAMILY_PRIORITIES: tuple[NoticePriority, ...] = (NoticePriority.EMERGENCY,)
PRIORITY_WORDS = {NoticePriority.EMERGENCY: N_("緊急"), NoticePriority.IMPORTANT: N_("重要"),
                  NoticePriority.NORMAL: N_("通常")}
FAMILY_REACH = N_(
    "島民あてのお知らせのうち、ご家族に届くのは「%(priorities)s」のお知らせだけです。")


def reaches_family(priority: str) -> bool:
    return priority in FAMILY_PRIORITIES


def family_reach(language: str) -> str:
    """「島民あてのお知らせのうち、ご家族に届くのは「緊急」のお知らせだけです。」"""
    words = join_words([PRIORITY_WORDS[p] for p in FAMILY_PRIORITIES], language)
    return gettext(language, FAMILY_REACH, priorities=words)
