"""Visitors on the web: the home page, the map, a spot's page, open data; the office edits."""

from __future__ import annotations

import io

from sqlalchemy import select

from islandos.models.audit import AuditEntry
from islandos.models.map import Closure, Spot
from tests.support.admin import admin_client  # noqa: F401


def test_the_home_page_links_the_map_and_the_rules_and_says_what_is_closed(client, island_map):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/map"' in page and 'href="/rules"' in page and 'href="/privacy"' in page
    assert "アガリ拝所の周りの小道" in page and "閉鎖しています" in page
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Welcome to Haenu Island" in english and "closed today" in english


def test_the_banner_goes_once_the_closure_is_over(client, island_map, frozen_clock):
    frozen_clock(days=3)
    page = client.get("/").get_data(as_text=True)
    assert "アガリ拝所の周りの小道" not in page
    assert "アガリ拝所" in page and "祭祀のため" in page  # the ritual itself starts today


def test_open_data_is_geojson_with_a_licence(client, island_map):
    response = client.get("/api/spots.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    document = response.get_json()
    assert document["license"] == "CC BY 4.0"
    access = {feature["id"]: feature["properties"]["access"] for feature in document["features"]}
    assert access["fuu-utaki"] == "no_entry" and access["port"] == "open"


def test_a_spots_page_and_a_hidden_place_that_has_none(client, db, island_map):
    page = client.get("/spots/haenu-beach").get_data(as_text=True)
    assert "南風ビーチ" in page and "持ち帰らないでください" in page
    assert "立入禁止" in client.get("/spots/fuu-utaki").get_data(as_text=True)
    with db.transaction() as session:
        session.scalars(select(Spot).where(Spot.slug == "fuu-utaki")).one().public_shape = \
            "hidden"
    assert client.get("/spots/fuu-utaki").status_code == 404
    assert client.get("/spots/no-such-place").status_code == 404


def test_an_editor_adds_a_spot_with_a_photo_and_a_viewer_may_only_look(
        admin_client, db, island_map):  # noqa: F811
    from PIL import Image
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(picture, "PNG")
    editor = admin_client(role="editor", totp=False)
    form = {"slug": "new-view", "category": "sight", "latitude": "26.2101",
            "longitude": "127.9870", "access": "open", "public_shape": "point",
            "name_ja": "新しい見晴らし台", "name_en": "New lookout", "sort_order": "0",
            "photo": (io.BytesIO(picture.getvalue()), "view.png")}
    response = editor.client.post("/admin/spots/new", data={
        "csrf_token": editor.csrf_token("/admin/spots"), **form},
        content_type="multipart/form-data")
    assert response.status_code == 302
    with db.transaction() as session:
        spot = session.scalars(select(Spot).where(Spot.slug == "new-view")).one()
        assert spot.photo_id is not None and spot.text("en").name == "New lookout"
        assert session.scalar(select(AuditEntry.action).where(
            AuditEntry.target == f"spot:{spot.id}")) == "spot.created"
    page = editor.get(f"/admin/spots/{spot.id}/edit")
    assert page.status_code == 200 and "新しい見晴らし台" in page.get_data(as_text=True)
    viewer = admin_client(role="viewer", totp=False)
    assert viewer.get("/admin/spots").status_code == 200
    assert viewer.submit("/admin/spots/new", form | {"photo": ""}).status_code == 403


def test_bad_input_gets_a_form_error_and_stores_nothing(admin_client, db, island_map):  # noqa: F811
    editor = admin_client(role="editor", totp=False)
    response = editor.submit("/admin/spots/new", {
        "slug": "bad", "category": "sight", "latitude": "126.5", "longitude": "127.98",
        "access": "open", "public_shape": "point", "name_ja": "変な場所"}, page="/admin/spots")
    assert response.status_code == 400
    assert "緯度は -90 から 90" in response.get_data(as_text=True)
    not_a_picture = editor.client.post("/admin/spots/new", data={
        "csrf_token": editor.csrf_token("/admin/spots"), "slug": "pic", "category": "sight",
        "latitude": "26.2", "longitude": "127.98", "name_ja": "写真", "access": "open",
        "public_shape": "point", "photo": (io.BytesIO(b"not an image"), "x.jpg")},
        content_type="multipart/form-data")
    assert not_a_picture.status_code == 400
    assert "画像ファイルではないようです" in not_a_picture.get_data(as_text=True)
    with db.transaction() as session:
        assert session.scalars(select(Spot).where(Spot.slug.in_(("bad", "pic")))).all() == []


def test_the_office_imports_a_csv_and_a_bad_one_changes_nothing(admin_client, db, island_map):  # noqa: F811
    editor = admin_client(role="editor", totp=False)
    good = "slug,category,latitude,longitude,name_ja\r\nnew-shop,food,26.21,127.98,新しい店\r\n"
    response = editor.client.post("/admin/spots/import", data={
        "csrf_token": editor.csrf_token("/admin/spots"),
        "file": (io.BytesIO(good.encode("cp932")), "spots.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    bad = "slug,category,latitude,longitude,name_ja\r\nworse,food,xx,127.98,店\r\n"
    refused = editor.client.post("/admin/spots/import", data={
        "csrf_token": editor.csrf_token("/admin/spots"),
        "file": (io.BytesIO(bad.encode()), "spots.csv")}, content_type="multipart/form-data")
    assert refused.status_code == 400 and "2行目 latitude" in refused.get_data(as_text=True)
    exported = editor.get("/admin/spots/export.csv")
    assert exported.data.startswith("\ufeff".encode()) and "新しい店" in exported.get_data(
        as_text=True)
    with db.transaction() as session:
        assert session.scalars(select(Spot.slug).where(Spot.slug == "worse")).all() == []


def test_the_office_closes_a_spot_for_a_ritual(admin_client, db, island_map, client):  # noqa: F811
    editor = admin_client(role="editor", totp=False)
    with db.transaction() as session:
        well = session.scalars(select(Spot).where(Spot.slug == "old-well")).one().id
    wrong = editor.submit("/admin/closures", {
        "spot_id": str(well), "starts_at": "2026-11-25T12:00", "ends_at": "2026-11-25T10:00",
        "reason_ja": "祭祀のため"}, page="/admin/closures")
    assert wrong.status_code == 400 and "終わりは始まりより後" in wrong.get_data(as_text=True)
    done = editor.submit("/admin/closures", {
        "spot_id": str(well), "starts_at": "2026-11-25T06:00", "ends_at": "2026-11-25T20:00",
        "reason_ja": "祭祀のため", "reason_en": "a ritual"}, page="/admin/closures")
    assert done.status_code == 302
    assert "ウブガー" in client.get("/").get_data(as_text=True)
    with db.transaction() as session:
        assert session.scalars(select(Closure).where(Closure.spot_id == well)).one()


def test_the_privacy_page_says_what_a_payment_keeps(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "Stripe" in page and "到着日" in page and "データを削除" in page
    assert "Stripe" in client.get("/privacy?lang=en").get_data(as_text=True)
