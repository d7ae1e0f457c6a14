"""Changing the map: spots (checked as a whole), their photos, closures; every change audited."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from islandos.models.map import (
    Access,
    Closure,
    PublicShape,
    Spot,
    SpotCategory,
    SpotPhoto,
    SpotText,
)
from islandos.services import audit
from islandos.services.notices.images import prepare_image

LANGUAGES = ("ja", "en", "zh-Hant", "ko")
TEXT_FIELDS = ("name", "description", "hours", "rules")
MAX_LENGTHS = {"name": 120, "description": 2000, "hours": 200, "rules": 2000}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
MAX_AREA_POINTS = 200


class MapInputInvalid(ValueError):
    """What was entered cannot be stored; `errors` maps each field to a msgid."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(", ".join(f"{name}: {msgid}" for name, msgid in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class SpotTexts:
    name: str = ""
    description: str = ""
    hours: str = ""
    rules: str = ""


@dataclass(frozen=True)
class SpotInput:
    """A spot as entered in the dashboard or read from a file, before it is checked."""

    slug: str
    category: str
    latitude: str | float
    longitude: str | float
    access: str = Access.OPEN
    public_shape: str = PublicShape.POINT
    phone: str = ""
    area: Sequence[Sequence[float]] | None = None
    sort_order: int = 0
    texts: Mapping[str, SpotTexts] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckedSpot:
    slug: str
    category: SpotCategory
    latitude: float
    longitude: float
    access: Access
    public_shape: PublicShape
    phone: str | None
    area: list[list[float]] | None
    sort_order: int
    texts: dict[str, SpotTexts]


def _coordinate(value: str | float, low: float, high: float) -> float | None:
    try:
        number = float(str(value).strip().replace("，", "."))
    except ValueError:
        return None
    return number if low <= number <= high and number == number else None


def check_polygon(points: object) -> list[list[float]] | None:
    """[[lat, lng], ...] with 3–200 points in range, or None when it is not one."""
    if not isinstance(points, list | tuple) or not 3 <= len(points) <= MAX_AREA_POINTS:
        return None
    polygon: list[list[float]] = []
    for point in points:
        if not isinstance(point, list | tuple) or len(point) != 2:
            return None
        lat, lng = _coordinate(point[0], -90, 90), _coordinate(point[1], -180, 180)
        if lat is None or lng is None:
            return None
        polygon.append([lat, lng])
    return polygon


def check_spot(data: SpotInput) -> CheckedSpot:
    """Every field checked at once; raises MapInputInvalid naming each bad field."""
    errors: dict[str, str] = {}
    slug = data.slug.strip().lower()
    if not SLUG.match(slug):
        errors["slug"] = "英小文字・数字・ハイフンで60文字までにしてください（例: minato-port）。"
    category = data.category.strip().lower()
    if category not in SpotCategory.__members__.values():
        errors["category"] = "種類を選んでください。"
    latitude = _coordinate(data.latitude, -90, 90)
    if latitude is None:
        errors["latitude"] = "緯度は -90 から 90 の数で入れてください。"
    longitude = _coordinate(data.longitude, -180, 180)
    if longitude is None:
        errors["longitude"] = "経度は -180 から 180 の数で入れてください。"
    access = data.access.strip().lower()
    if access not in Access.__members__.values():
        errors["access"] = "立ち入りを選んでください。"
    shape = (data.public_shape or PublicShape.POINT).strip().lower()
    if shape not in PublicShape.__members__.values():
        errors["public_shape"] = "地図での見せ方を選んでください。"
    area = None
    if data.area:
        area = check_polygon(data.area)
        if area is None:
            errors["area"] = "範囲は3点以上の [緯度, 経度] の並びで入れてください。"
    if shape == PublicShape.AREA and area is None and "area" not in errors:
        errors["area"] = "範囲で見せるときは、範囲を入れてください。"
    texts: dict[str, SpotTexts] = {}
    for language, given in data.texts.items():
        if language not in LANGUAGES:
            errors[f"name_{language}"] = "この言語には対応していません。"
            continue
        cleaned = SpotTexts(*(getattr(given, name).strip() for name in TEXT_FIELDS))
        for name in TEXT_FIELDS:
            if len(getattr(cleaned, name)) > MAX_LENGTHS[name]:
                errors[f"{name}_{language}"] = "長すぎます。"
        if any(getattr(cleaned, name) for name in TEXT_FIELDS):
            if not cleaned.name:
                errors[f"name_{language}"] = "名前を入れてください。"
            texts[language] = cleaned
    if "ja" not in texts and "name_ja" not in errors:
        errors["name_ja"] = "日本語の名前を入れてください。"
    phone = data.phone.strip()
    if phone and not re.fullmatch(r"[0-9+\-() ]{6,40}", phone):
        errors["phone"] = "電話番号は数字とハイフンで入れてください。"
    if errors:
        raise MapInputInvalid(errors)
    assert latitude is not None and longitude is not None
    return CheckedSpot(slug, SpotCategory(category), latitude, longitude, Access(access),
                       PublicShape(shape), phone or None, area, int(data.sort_order), texts)


def save_spot(session: Session, data: SpotInput, actor: str,
              spot_id: int | None = None) -> Spot:
    """Create a spot, or replace one's fields and texts (flushes, audited).

    Raises MapInputInvalid, also when another spot already has the slug."""
    checked = check_spot(data)
    spot = session.get(Spot, spot_id) if spot_id is not None else None
    if spot_id is not None and spot is None:
        raise MapInputInvalid({"slug": "この場所は見つかりませんでした。"})
    taken = session.scalar(select(Spot.id).where(Spot.slug == checked.slug))
    if taken is not None and taken != spot_id:
        raise MapInputInvalid({"slug": "この識別名はほかの場所で使われています。"})
    before = _summary(spot) if spot is not None else None
    if spot is None:
        spot = Spot(slug=checked.slug, category=checked.category, latitude=checked.latitude,
                    longitude=checked.longitude)
        session.add(spot)
    _apply(spot, checked)
    session.flush()
    audit.record(session, actor, "spot.created" if before is None else "spot.changed",
                 f"spot:{spot.id}", before=before, after=_summary(spot))
    return spot


def _apply(spot: Spot, checked: CheckedSpot) -> None:
    spot.slug, spot.category = checked.slug, checked.category
    spot.latitude, spot.longitude = checked.latitude, checked.longitude
    spot.access, spot.public_shape = checked.access, checked.public_shape
    spot.phone, spot.area, spot.sort_order = checked.phone, checked.area, checked.sort_order
    current = {text.language: text for text in spot.texts}
    for language in list(current):
        if language not in checked.texts:
            spot.texts.remove(current.pop(language))
    for language, given in checked.texts.items():
        row = current.get(language)
        if row is None:
            row = SpotText(language=language, name=given.name)
            spot.texts.append(row)
        row.name = given.name
        row.description = given.description or None
        row.hours = given.hours or None
        row.rules = given.rules or None


def _summary(spot: Spot) -> dict[str, object]:
    return {"slug": spot.slug, "category": str(spot.category), "access": str(spot.access),
            "public_shape": str(spot.public_shape),
            "position": [round(spot.latitude, 6), round(spot.longitude, 6)],
            "name": spot.text("ja").name}


def delete_spot(session: Session, spot_id: int, actor: str) -> None:
    spot = session.get(Spot, spot_id)
    if spot is None:
        return
    before = _summary(spot)
    session.delete(spot)
    session.flush()
    audit.record(session, actor, "spot.deleted", f"spot:{spot_id}", before=before)


def store_spot_photo(session: Session, spot: Spot, data: bytes, actor: str) -> SpotPhoto:
    """Check, resize and keep a photo for the spot (replacing its old one); raises
    ImageRejected for anything that is not a usable picture."""
    jpeg, width, height = prepare_image(data)
    photo = SpotPhoto(token=secrets.token_urlsafe(24), content_type="image/jpeg", data=jpeg,
                      width=width, height=height)
    session.add(photo)
    session.flush()
    old = spot.photo_id
    spot.photo_id = photo.id
    if old is not None:
        session.execute(delete(SpotPhoto).where(SpotPhoto.id == old))
    audit.record(session, actor, "spot.photo_changed", f"spot:{spot.id}")
    return photo


def photo_by_token(session: Session, token: str) -> SpotPhoto | None:
    return session.scalar(select(SpotPhoto).where(SpotPhoto.token == token))


# Closures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosureInput:
    starts_at: datetime | None
    ends_at: datetime | None
    reason_ja: str
    reason_en: str = ""
    spot_id: int | None = None
    area: Sequence[Sequence[float]] | None = None
    name_ja: str = ""
    name_en: str = ""


def add_closure(session: Session, data: ClosureInput, actor: str) -> Closure:
    """A spot or an area closed for a period (flushes, audited); raises MapInputInvalid."""
    errors: dict[str, str] = {}
    if data.starts_at is None:
        errors["starts_at"] = "始まりの日時を入れてください。"
    if data.ends_at is None:
        errors["ends_at"] = "終わりの日時を入れてください。"
    elif data.starts_at is not None and data.ends_at <= data.starts_at:
        errors["ends_at"] = "終わりは始まりより後にしてください。"
    if not data.reason_ja.strip():
        errors["reason_ja"] = "理由を入れてください（例: 祭祀のため）。"
    area = check_polygon(data.area) if data.area else None
    if data.area and area is None:
        errors["area"] = "範囲は3点以上の [緯度, 経度] の並びで入れてください。"
    if data.spot_id is None and area is None and "area" not in errors:
        errors["spot_id"] = "閉じる場所か範囲を選んでください。"
    if data.spot_id is not None and session.get(Spot, data.spot_id) is None:
        errors["spot_id"] = "この場所は見つかりませんでした。"
    if data.spot_id is None and area is not None and not data.name_ja.strip():
        errors["name_ja"] = "範囲の名前を入れてください。"
    if errors:
        raise MapInputInvalid(errors)
    assert data.starts_at is not None and data.ends_at is not None
    closure = Closure(spot_id=data.spot_id, area=area, name_ja=data.name_ja.strip() or None,
                      name_en=data.name_en.strip() or None, reason_ja=data.reason_ja.strip(),
                      reason_en=data.reason_en.strip() or None, starts_at=data.starts_at,
                      ends_at=data.ends_at, created_by=actor)
    session.add(closure)
    session.flush()
    audit.record(session, actor, "closure.created", f"closure:{closure.id}",
                 after={"spot_id": closure.spot_id, "area": area is not None,
                        "starts_at": closure.starts_at.isoformat(),
                        "ends_at": closure.ends_at.isoformat(), "reason": closure.reason_ja})
    return closure


def delete_closure(session: Session, closure_id: int, actor: str) -> None:
    closure = session.get(Closure, closure_id)
    if closure is None:
        return
    session.delete(closure)
    session.flush()
    audit.record(session, actor, "closure.deleted", f"closure:{closure_id}")
