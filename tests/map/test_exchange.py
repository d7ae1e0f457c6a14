"""The office moves spots in and out: CSV (UTF-8 or Excel's Shift_JIS) and GeoJSON."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from islandos.models.map import Spot
from islandos.services.map.editing import MapInputInvalid, SpotInput, SpotTexts, save_spot
from islandos.services.map.exchange import (
    ImportRejected,
    import_csv,
    import_geojson,
    spots_to_csv,
    to_geojson,
)
from islandos.services.map.places import public_spots


def _count(db) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Spot)) or 0


def _snapshot(db) -> dict[str, tuple]:
    with db.transaction() as session:
        return {spot.slug: (str(spot.category), round(spot.latitude, 6),
                            round(spot.longitude, 6), str(spot.access), spot.area,
                            {t.language: (t.name, t.description, t.hours, t.rules)
                             for t in spot.texts})
                for spot in session.scalars(select(Spot))}


def test_csv_export_and_import_round_trip(db, island_map):
    before = _snapshot(db)
    with db.transaction() as session:
        exported = spots_to_csv(session.scalars(select(Spot).order_by(Spot.id)))
        session.query(Spot).delete()
    assert _count(db) == 0
    with db.transaction() as session:
        result = import_csv(session, exported.encode("utf-8"), "admin:1")
    assert result.created == len(before) and result.changed == 0
    assert _snapshot(db) == before


def test_excel_shift_jis_csv_is_read(db):
    rows = ("slug,category,latitude,longitude,name_ja,name_en\r\n"
            "shop,food,26.2,127.98,島の売店,Island shop\r\n")
    with db.transaction() as session:
        import_csv(session, rows.encode("cp932"), "admin:1")
        spot = session.scalars(select(Spot)).one()
        assert spot.text("ja").name == "島の売店" and spot.text("en").name == "Island shop"


def test_a_bad_row_names_row_and_field_and_stores_nothing(db, island_map):
    before = _count(db)
    rows = ("slug,category,latitude,longitude,name_ja\r\n"
            "good-one,sight,26.2,127.98,よい場所\r\n"
            "bad-one,sight,126.2,127.98,緯度が変\r\n"
            "no-name,sight,26.2,127.98,\r\n")
    with db.transaction() as session, pytest.raises(ImportRejected) as rejected:
        import_csv(session, rows.encode("utf-8"), "admin:1")
    problems = "\n".join(rejected.value.problems)
    assert "3行目 latitude" in problems and "4行目 name_ja" in problems
    assert _count(db) == before


def test_undecodable_bytes_and_missing_columns_are_refused(db):
    with db.transaction() as session:
        with pytest.raises(ImportRejected) as undecodable:
            import_csv(session, b"slug,category\r\n\xff\xfe\xfa,x\r\n", "admin:1")
        assert "読めない文字" in undecodable.value.problems[0]
        with pytest.raises(ImportRejected) as columns:
            import_csv(session, b"slug,category\r\nx,sight\r\n", "admin:1")
        assert "latitude" in columns.value.problems[0]


def test_geojson_is_open_data_with_no_entry_places_marked(db, island_map):
    with db.transaction() as session:
        document = to_geojson(public_spots(session), licence="CC BY 4.0")
    assert document["type"] == "FeatureCollection" and document["license"] == "CC BY 4.0"
    by_slug = {feature["id"]: feature for feature in document["features"]}
    port = by_slug["port"]
    assert port["geometry"] == {"type": "Point", "coordinates": [127.9790, 26.2010]}
    assert port["properties"]["name"] == {"en": "Haenu Port", "ja": "南風港"}
    grove = by_slug["fuu-utaki"]
    assert grove["properties"]["access"] == "no_entry"
    assert grove["geometry"]["type"] == "Polygon"
    ring = grove["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and ring[0] == [127.9885, 26.2150]  # [longitude, latitude]
    assert by_slug["agari-haisho"]["properties"]["access"] == "no_entry"


def test_a_no_entry_place_the_community_keeps_off_maps_is_not_published(db, island_map):
    with db.transaction() as session:
        save_spot(session, SpotInput(
            slug="secret-grove", category="sacred", latitude=26.21, longitude=127.99,
            access="no_entry", public_shape="hidden",
            texts={"ja": SpotTexts("奥の御嶽")}), "admin:1")
        slugs = {feature["id"] for feature in to_geojson(public_spots(session))["features"]}
    assert "secret-grove" not in slugs and "fuu-utaki" in slugs


def test_geojson_round_trip(db, island_map):
    before = _snapshot(db)
    with db.transaction() as session:
        data = json.dumps(to_geojson(public_spots(session))).encode()
        session.query(Spot).delete()
    with db.transaction() as session:
        result = import_geojson(session, data, "admin:1")
    assert result.created == len(before)
    after = _snapshot(db)
    assert after.keys() == before.keys()
    assert after["port"] == before["port"]


def test_spot_input_errors_name_every_field():
    from islandos.services.map.editing import check_spot
    with pytest.raises(MapInputInvalid) as invalid:
        check_spot(SpotInput(slug="Bad Slug", category="castle", latitude="north",
                             longitude="200", access="maybe", texts={}))
    assert set(invalid.value.errors) >= {"slug", "category", "latitude", "longitude",
                                         "access", "name_ja"}
