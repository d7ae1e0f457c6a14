"""Spots in and out as CSV (Excel's Shift_JIS or UTF-8) and GeoJSON (open data).

An import is all or nothing: every row is checked first, and one bad row stores nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from islandos.models.map import Access, PublicShape, Spot
from islandos.services.map.editing import (
    LANGUAGES,
    TEXT_FIELDS,
    MapInputInvalid,
    SpotInput,
    SpotTexts,
    check_spot,
    save_spot,
)
from islandos.services.map.places import spot_by_slug

BASE_COLUMNS = ("slug", "category", "latitude", "longitude", "access", "public_shape", "phone",
                "sort_order", "area")
CSV_COLUMNS = BASE_COLUMNS + tuple(
    f"{name}_{language}" for language in LANGUAGES for name in TEXT_FIELDS)
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000


class ImportRejected(ValueError):
    """The file cannot be imported; `problems` name the row (or feature) and field of each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class ImportResult:
    created: int
    changed: int


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else CP932 (Excel's Shift_JIS in Japan)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRejected(["ファイルが大きすぎます（5MBまで）。"])
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    line = data[: _first_bad_byte(data)].count(b"\n") + 1
    raise ImportRejected(
        [f"{line}行目: 読めない文字があります（UTF-8かShift_JISで保存してください）。"])


def _first_bad_byte(data: bytes) -> int:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return exc.start
    return 0


def spots_to_csv(spots: Iterable[Spot]) -> str:
    """Every column, UTF-8; the caller adds a BOM for Excel."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for spot in spots:
        row: dict[str, Any] = {
            "slug": spot.slug, "category": str(spot.category), "latitude": spot.latitude,
            "longitude": spot.longitude, "access": str(spot.access),
            "public_shape": str(spot.public_shape), "phone": spot.phone or "",
            "sort_order": spot.sort_order,
            "area": json.dumps(spot.area) if spot.area else "",
        }
        for text in spot.texts:
            for name in TEXT_FIELDS:
                row[f"{name}_{text.language}"] = getattr(text, name) or ""
        writer.writerow(row)
    return out.getvalue()


def _input_from_row(row: dict[str, str]) -> SpotInput:
    area = None
    if (row.get("area") or "").strip():
        try:
            area = json.loads(row["area"])
        except ValueError:
            raise MapInputInvalid({"area": "範囲は [[緯度, 経度], ...] の形で入れてください。"}) \
                from None
    try:
        order = int((row.get("sort_order") or "0").strip() or 0)
    except ValueError:
        raise MapInputInvalid({"sort_order": "並び順は整数で入れてください。"}) from None
    texts = {
        language: SpotTexts(*((row.get(f"{name}_{language}") or "") for name in TEXT_FIELDS))
        for language in LANGUAGES}
    return SpotInput(
        slug=row.get("slug") or "", category=row.get("category") or "",
        latitude=row.get("latitude") or "", longitude=row.get("longitude") or "",
        access=row.get("access") or Access.OPEN,
        public_shape=row.get("public_shape") or PublicShape.POINT,
        phone=row.get("phone") or "", area=area, sort_order=order, texts=texts)


def import_csv(session: Session, data: bytes, actor: str) -> ImportResult:
    """Create or update spots by slug from a CSV file; all or nothing (flushes)."""
    reader = csv.DictReader(io.StringIO(decode_csv(data)))
    missing = [name for name in ("slug", "category", "latitude", "longitude", "name_ja")
               if name not in (reader.fieldnames or [])]
    if missing:
        raise ImportRejected([f"1行目: 列がありません: {', '.join(missing)}"])
    inputs: list[SpotInput] = []
    problems: list[str] = []
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            raise ImportRejected([f"行が多すぎます（{MAX_IMPORT_ROWS}行まで）。"])
        if None in row:  # more cells than the header names
            problems.append(f"{number}行目: 列の数が見出しより多くなっています。")
            continue
        try:
            spot_input = _input_from_row(row)
            check_spot(spot_input)
        except MapInputInvalid as invalid:
            problems.extend(f"{number}行目 {name}: {msgid}"
                            for name, msgid in invalid.errors.items())
            continue
        inputs.append(spot_input)
    return _store_all(session, inputs, problems, actor, "行目")


def _store_all(session: Session, inputs: list[SpotInput], problems: list[str], actor: str,
               unit: str) -> ImportResult:
    slugs = [spot_input.slug.strip().lower() for spot_input in inputs]
    repeated = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    problems.extend(f"識別名 {slug} が2回以上あります。" for slug in repeated)
    if problems:
        raise ImportRejected(problems)
    if not inputs:
        raise ImportRejected(["取り込む場所がありません。"])
    created = changed = 0
    with session.begin_nested():  # one bad save undoes the whole import
        for number, spot_input in enumerate(inputs, start=1):
            existing = spot_by_slug(session, spot_input.slug.strip().lower())
            try:
                save_spot(session, spot_input, actor, existing.id if existing else None)
            except MapInputInvalid as invalid:
                raise ImportRejected([f"{number}{unit} {name}: {msgid}"
                                      for name, msgid in invalid.errors.items()]) from None
            created, changed = (created + 1, changed) if existing is None \
                else (created, changed + 1)
    return ImportResult(created, changed)


# GeoJSON -------------------------------------------------------------------------------


def _lnglat(points: Sequence[Sequence[float]]) -> list[list[float]]:
    ring = [[float(p[1]), float(p[0])] for p in points]
    return [*ring, ring[0]] if ring and ring[0] != ring[-1] else ring


def spot_feature(spot: Spot) -> dict[str, Any]:
    """One spot as a GeoJSON Feature ([longitude, latitude]; a no-entry place shown as an
    area is its polygon only, never a point to walk to)."""
    properties: dict[str, Any] = {
        "slug": spot.slug, "category": str(spot.category), "access": str(spot.access),
        "name": {text.language: text.name for text in spot.texts},
        "description": {t.language: t.description for t in spot.texts if t.description},
        "hours": {t.language: t.hours for t in spot.texts if t.hours},
        "rules": {t.language: t.rules for t in spot.texts if t.rules},
    }
    if spot.phone:
        properties["phone"] = spot.phone
    if spot.access == Access.NO_ENTRY and spot.public_shape == PublicShape.AREA and spot.area:
        geometry: dict[str, Any] = {"type": "Polygon", "coordinates": [_lnglat(spot.area or [])]}
    else:
        geometry = {"type": "Point", "coordinates": [spot.longitude, spot.latitude]}
    return {"type": "Feature", "id": spot.slug, "geometry": geometry, "properties": properties}


def to_geojson(spots: Iterable[Spot], closed_areas: Iterable[dict[str, Any]] = (),
               licence: str = "") -> dict[str, Any]:
    """A FeatureCollection of the spots (and any closed areas given as features)."""
    collection: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [spot_feature(spot) for spot in spots] + list(closed_areas),
    }
    if licence:
        collection["license"] = licence
    return collection


def import_geojson(session: Session, data: bytes, actor: str) -> ImportResult:
    """Create or update spots from a FeatureCollection as `to_geojson` writes it (Point
    features; a Polygon feature is stored as an area around its first point's centre)."""
    try:
        document = json.loads(decode_csv(data))
    except ValueError:
        raise ImportRejected(["GeoJSONとして読めません。"]) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" \
            or not isinstance(document.get("features"), list):
        raise ImportRejected(["GeoJSONの FeatureCollection ではありません。"])
    inputs: list[SpotInput] = []
    problems: list[str] = []
    for number, feature in enumerate(document["features"], start=1):
        try:
            spot_input = _input_from_feature(feature)
            check_spot(spot_input)
        except MapInputInvalid as invalid:
            problems.extend(f"{number}番目 {name}: {msgid}"
                            for name, msgid in invalid.errors.items())
            continue
        inputs.append(spot_input)
    return _store_all(session, inputs, problems, actor, "番目")


def _input_from_feature(feature: Any) -> SpotInput:
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict) \
            or not isinstance(feature.get("geometry"), dict):
        raise MapInputInvalid({"geometry": "Feature の形になっていません。"})
    properties, geometry = feature["properties"], feature["geometry"]
    area = None
    if geometry.get("type") == "Point":
        coordinates = geometry.get("coordinates")
        if not isinstance(coordinates, list) or len(coordinates) < 2:
            raise MapInputInvalid({"geometry": "座標がありません。"})
        longitude, latitude = coordinates[0], coordinates[1]
    elif geometry.get("type") == "Polygon":
        rings = geometry.get("coordinates")
        if not isinstance(rings, list) or not rings or not isinstance(rings[0], list):
            raise MapInputInvalid({"geometry": "範囲の座標がありません。"})
        try:
            area = [[float(p[1]), float(p[0])] for p in rings[0][:-1]]
        except (TypeError, ValueError, IndexError):
            raise MapInputInvalid({"geometry": "範囲の座標が読めません。"}) from None
        latitude = sum(p[0] for p in area) / max(len(area), 1)
        longitude = sum(p[1] for p in area) / max(len(area), 1)
    else:
        raise MapInputInvalid({"geometry": "Point か Polygon にしてください。"})

    def per_language(key: str) -> dict[str, str]:
        value = properties.get(key)
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    names, descriptions = per_language("name"), per_language("description")
    hours, rules = per_language("hours"), per_language("rules")
    texts = {language: SpotTexts(names.get(language, ""), descriptions.get(language, ""),
                                 hours.get(language, ""), rules.get(language, ""))
             for language in LANGUAGES}
    return SpotInput(
        slug=str(properties.get("slug") or feature.get("id") or ""),
        category=str(properties.get("category") or ""), latitude=latitude,
        longitude=longitude, access=str(properties.get("access") or Access.OPEN),
        public_shape=PublicShape.AREA if area else PublicShape.POINT,
        phone=str(properties.get("phone") or ""), area=area, texts=texts)
