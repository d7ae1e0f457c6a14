"""What the map tells visitors: category names, the island's rules, links to the web pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from islandos.i18n import N_, format_datetime, gettext
from islandos.models.map import RulesSeen, Spot, SpotCategory, SpotPhoto
from islandos.models.people import Person
from islandos.registry import Disclosure
from islandos.services.map.places import closures_today

CATEGORY_LABELS = {
    SpotCategory.SIGHT: N_("見どころ"),
    SpotCategory.BEACH: N_("浜・海"),
    SpotCategory.FOOD: N_("食事"),
    SpotCategory.TOILET: N_("トイレ"),
    SpotCategory.PORT: N_("港"),
    SpotCategory.RENTAL: N_("レンタサイクル"),
    SpotCategory.SHELTER: N_("避難所"),
    SpotCategory.SACRED: N_("聖地"),
}

RULES_TITLE = N_("島のルール")
RULES = (
    N_("島の石・砂・貝・サンゴ・植物は、ひとつも持ち帰らないでください。"),
    N_("御嶽（うたき）や拝所など、立入禁止の場所には入らないでください。"),
    N_("祈りの場や祭祀の様子は、撮影しないでください。"),
    N_("集落では、肌を出しすぎない服装で、静かに歩いてください。"),
    N_("畑や家の庭は私有地です。入らないでください。"),
    N_("ごみは持ち帰ってください。"),
)


def rules_seen(session: Session, person_id: int) -> bool:
    return session.get(RulesSeen, person_id) is not None


def mark_rules_seen(session: Session, person_id: int, moment: datetime) -> None:
    """Remember that the rules were shown (once; a redelivery or a second tap is harmless)."""
    insert = (postgresql.insert if session.bind is not None
              and session.bind.dialect.name == "postgresql" else sqlite.insert)
    session.execute(insert(RulesSeen).values(person_id=person_id, seen_at=moment)
                    .on_conflict_do_nothing(index_elements=["person_id"]))


def erase_map_data(session: Session, person: Person) -> None:
    """「データを削除」: forget that the person was shown the rules."""
    session.execute(delete(RulesSeen).where(RulesSeen.person_id == person.id))


def map_disclosure(session: Session, person: Person, language: str) -> Disclosure | None:
    """「登録内容を見る」: when the person was shown the island's rules."""
    seen = session.scalar(select(RulesSeen.seen_at).where(RulesSeen.person_id == person.id))
    if seen is None:
        return None
    return Disclosure(gettext(language, "観光マップ"), [gettext(
        language, "島のルールを見た日時：%(value)s", value=format_datetime(seen, language))])


def https_base(base_url: str) -> str | None:
    """LINE loads pictures and opens links only over https."""
    return base_url.rstrip("/") if base_url.startswith("https://") else None


def spot_page_url(base_url: str, spot: Spot, language: str) -> str:
    return f"{base_url.rstrip('/')}/spots/{spot.slug}?lang={language}"


def photo_url(base_url: str, photo: SpotPhoto) -> str:
    return f"{base_url.rstrip('/')}/media/spots/{photo.token}.jpg"


def public_photo_url(session: Session, base_url: str, spot: Spot) -> str | None:
    """The spot's photo where LINE can load it (https only), or None."""
    base = https_base(base_url)
    if base is None or spot.photo_id is None:
        return None
    token = session.scalar(select(SpotPhoto.token).where(SpotPhoto.id == spot.photo_id))
    return f"{base}/media/spots/{token}.jpg" if token else None


CLOSED_TODAY = N_("「%(name)s」は本日、%(reason)s閉鎖しています。入らないでください。")


def closure_banner(session: Session, moment: datetime, language: str) -> list[str]:
    """A line for each place or area closed at some time today (the public pages' banner)."""
    return [gettext(language, CLOSED_TODAY, name=closure.name(language),
                    reason=closure.reason(language))
            for closure in closures_today(session, moment)]
