"""Bad input is refused with a message and stores nothing; the command line; pictures."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from islandos.cli import notices as notices_cli
from islandos.clock import now
from islandos.models.notices import Notice, NoticeImage
from islandos.services.notices.drafts import NoticeInput, NoticeInvalid
from islandos.services.notices.images import ImageRejected, image_url, store_image
from islandos.services.notices.sending import create_and_submit
from tests.notices.conftest import BASE_URL, outbox_count, reached


def notices_stored(db) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Notice)) or 0


def attempt(db, **fields) -> dict[str, str]:
    data = NoticeInput(**{"title": "断水", "body_ja": "断水します。", **fields})
    with pytest.raises(NoticeInvalid) as caught, db.transaction() as session:
        create_and_submit(session, data, "admin:1", BASE_URL)
    assert notices_stored(db) == 0
    assert outbox_count(db) == 0
    return caught.value.errors


def test_an_empty_title_is_refused(db, island):
    assert attempt(db, title="  ") == {"title": "タイトルを入力してください。"}


def test_a_body_over_lines_limit_counted_in_utf16_is_refused(db, island):
    title = "断水"
    room = 5000 - len("【断水】\n")
    assert attempt(db, body_ja="🌊" * (room // 2 + 1)) == {
        "body_ja": "本文が長すぎます。LINEの上限（5,000文字）を超えています。"}
    with db.transaction() as session:  # exactly at the limit it goes
        create_and_submit(session, NoticeInput(title=title, body_ja="あ" * room,
                                               audience_kind="islanders"), "admin:1", BASE_URL)


def test_a_long_important_body_fits_in_the_card_without_losing_a_character(
        db, island, worker, fake_line):
    body = "\n".join(["お知らせ" * 100] * 12)
    with db.transaction() as session:
        create_and_submit(session, NoticeInput(title="長文", body_ja=body, priority="important",
                                               audience_kind="islanders"), "admin:1", BASE_URL)
    worker.run_once()
    card = fake_line.calls("/v2/bot/message/multicast")[0].json["messages"][0]
    blocks = [c["text"] for c in card["contents"]["body"]["contents"][1:]]
    assert "\n".join(blocks) == body


def test_a_time_in_the_past_is_refused(db, island, frozen_clock):
    assert attempt(db, send_at=now() - timedelta(hours=1)) == {"send_at": "送信日時が過去です。"}


def test_an_unknown_district_is_refused(db, island):
    errors = attempt(db, audience_kind="districts", district_ids=(9999,))
    assert list(errors) == ["audience"]


def test_english_needs_both_title_and_body(db, island):
    assert list(attempt(db, title_en="Water")) == ["title_en"]


def png(size: tuple[int, int] = (2000, 1500)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_a_picture_is_resized_stored_and_served_at_an_unguessable_url(db, client):
    with db.transaction() as session:
        image = store_image(session, png())
        token, width = image.token, image.width
        url = image_url(BASE_URL, image)
    assert width == 1024
    assert url == f"{BASE_URL}/media/notices/{token}.jpg" and len(token) >= 32
    response = client.get(f"/media/notices/{token}.jpg")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(response.data)).size == (1024, 768)
    assert client.get("/media/notices/" + "x" * 32 + ".jpg").status_code == 404


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4 not a picture", b"\x89PNG\r\n\x1a\n broken",
                                  b"x" * (10 * 1024 * 1024 + 1)])
def test_a_file_that_is_not_a_usable_picture_is_refused_and_nothing_stored(db, data):
    with pytest.raises(ImageRejected), db.transaction() as session:
        store_image(session, data)
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(NoticeImage)) == 0


def test_a_notice_with_a_picture_sends_it_from_public_base_url(db, island, worker, fake_line):
    with db.transaction() as session:
        image = store_image(session, png((800, 600)))
        create_and_submit(session, NoticeInput(title="港の様子", body_ja="写真です。",
                                               audience_kind="islanders", image_id=image.id),
                          "admin:1", BASE_URL)
        token = image.token
    worker.run_once()
    first = fake_line.calls("/v2/bot/message/multicast")[0].json["messages"]
    assert first[0] == {"type": "image",
                        "originalContentUrl": f"{BASE_URL}/media/notices/{token}.jpg",
                        "previewImageUrl": f"{BASE_URL}/media/notices/{token}.jpg"}


# The command line -------------------------------------------------------------------------


def run_cli(app, *args: str):
    return app.test_cli_runner().invoke(notices_cli.group, ["send", *args])


def test_cli_sends_to_a_district_by_name(app, db, island, worker, fake_line):
    result = run_cli(app, "--audience", "district:南集落", "--title", "回覧", "--body", "回覧です",
                     "--priority", "important")
    assert result.exit_code == 0, result.output
    assert "sent to 1 people" in result.output
    worker.run_once()
    assert reached(fake_line) == [island.uid("jiro")]


def test_cli_schedules_with_at(app, db, island, frozen_clock):
    result = run_cli(app, "--audience", "islanders", "--title", "回覧", "--body", "回覧です",
                     "--at", "2026-11-26T07:00")
    assert result.exit_code == 0, result.output
    assert "scheduled" in result.output
    with db.transaction() as session:
        stored = session.scalars(select(Notice)).one()
    assert stored.send_at.isoformat() == "2026-11-25T22:00:00+00:00"


@pytest.mark.parametrize(("args", "message"), [
    (["--audience", "district:nowhere"], "That district is not registered."),
    (["--audience", "islanders", "--title", ""], "Please enter a title."),
    (["--audience", "islanders", "--at", "2020-01-01T00:00"], "The sending time is in the past."),
])
def test_cli_refuses_bad_input_and_stores_nothing(app, db, island, args, message):
    base = {"--title": "回覧", "--body": "回覧です"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    flat = [part for pair in base.items() for part in pair]
    result = run_cli(app, *flat)
    assert result.exit_code == 1
    assert message in result.output
    assert notices_stored(db) == 0


def test_cli_rejects_an_unknown_audience(app, db, island):
    result = run_cli(app, "--audience", "aliens", "--title", "t", "--body", "b")
    assert result.exit_code != 0
    assert notices_stored(db) == 0


def test_pictures_uploaded_only_for_a_preview_are_deleted_a_day_later(
        db, island, worker, frozen_clock):
    with db.transaction() as session:
        abandoned = store_image(session, png((400, 300))).id
        used = store_image(session, png((400, 300)))
        create_and_submit(session, NoticeInput(title="港の様子", body_ja="写真です。",
                                               audience_kind="islanders", image_id=used.id),
                          "admin:1", BASE_URL)
        used_id = used.id
    worker.run_once()  # the hourly tidy-up runs when the worker starts: nothing is old yet
    frozen_clock(hours=25)
    with db.transaction() as session:
        recent = store_image(session, png((400, 300))).id
    worker.run_once()
    with db.transaction() as session:
        assert set(session.scalars(select(NoticeImage.id))) == {used_id, recent}
        late = store_image(session, png((400, 300)))
        late.created_at = frozen_clock() - timedelta(days=2)
        late_id = late.id
    worker.run_once()  # within the hour it does not run again
    with db.transaction() as session:
        assert session.get(NoticeImage, late_id) is not None
    frozen_clock(hours=1)
    worker.run_once()
    with db.transaction() as session:
        assert set(session.scalars(select(NoticeImage.id))) == {used_id, recent}
    # A preview still open after that is told to upload the picture again; nothing is stored.
    with pytest.raises(NoticeInvalid) as caught, db.transaction() as session:
        create_and_submit(session, NoticeInput(title="港", body_ja="写真です。",
                                               audience_kind="islanders", image_id=abandoned),
                          "admin:1", BASE_URL)
    assert list(caught.value.errors) == ["image"]
    assert notices_stored(db) == 1
