"""Pictures for notices: checked, resized to a JPEG, kept in the database, served by token."""

from __future__ import annotations

import io
import secrets
import warnings
from datetime import datetime, timedelta

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from islandos.models.notices import Notice, NoticeImage

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1024  # LINE shows images up to 1040 px wide on phones
MAX_STORED_BYTES = 1_000_000  # LINE's limit for a preview image
MAX_PIXELS = 40_000_000  # refuse decompression bombs
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
UNUSED_IMAGE_LIFETIME = timedelta(days=1)  # a picture no notice uses (uploaded for a preview)
NOT_A_PICTURE = "画像ファイルではないようです。JPEGかPNGの画像を選んでください。"


class ImageRejected(ValueError):
    """The upload is not a picture we can use; `msgid` says why, for the form."""

    def __init__(self, msgid: str) -> None:
        super().__init__(msgid)
        self.msgid = msgid


def _decode(data: bytes) -> Image.Image:
    if not data:
        raise ImageRejected("画像ファイルを選んでください。")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRejected("画像が大きすぎます（10MBまで）。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data))
            if picture.format not in ACCEPTED_FORMATS:
                raise ImageRejected("JPEG・PNG・GIF・WebPの画像を選んでください。")
            if picture.width * picture.height > MAX_PIXELS:
                raise ImageRejected("画像が大きすぎます（10MBまで）。")
            picture.load()
    except ImageRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(NOT_A_PICTURE) from exc
    return picture


def prepare_image(data: bytes) -> tuple[bytes, int, int]:
    """Check an upload and turn it into a JPEG of at most 1024 px and 1 MB; raises ImageRejected."""
    decoded = _decode(data)
    picture = ImageOps.exif_transpose(decoded) or decoded
    if picture.mode not in ("RGB", "L"):
        background = Image.new("RGB", picture.size, (255, 255, 255))
        rgba = picture.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        picture = background
    picture = picture.convert("RGB")
    picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    for quality in (85, 75, 60, 45):
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
        if out.tell() <= MAX_STORED_BYTES:
            return out.getvalue(), picture.width, picture.height
    raise ImageRejected("画像が大きすぎます（10MBまで）。")


def store_image(session: Session, data: bytes) -> NoticeImage:
    """Check, resize and store an uploaded picture (flushes); raises ImageRejected."""
    jpeg, width, height = prepare_image(data)
    image = NoticeImage(token=secrets.token_urlsafe(24), content_type="image/jpeg", data=jpeg,
                        width=width, height=height)
    session.add(image)
    session.flush()
    return image


def image_by_token(session: Session, token: str) -> NoticeImage | None:
    return session.scalar(select(NoticeImage).where(NoticeImage.token == token))


def image_url(base_url: str, image: NoticeImage | None) -> str | None:
    """Where LINE fetches the picture: PUBLIC_BASE_URL/media/notices/<token>.jpg.

    None without a picture, or when PUBLIC_BASE_URL is not https:// (LINE shows images only
    from https URLs; the notice then goes without its picture). The one place of this rule.
    """
    if image is None or not base_url.startswith("https://"):
        return None
    return f"{base_url.rstrip('/')}/media/notices/{image.token}.jpg"


def picture_url(session: Session, base_url: str, image_id: int | None) -> str | None:
    """image_url of a notice's picture by its id (None: no picture, or no https)."""
    return image_url(base_url, session.get(NoticeImage, image_id) if image_id else None)


def delete_unused_images(session: Session, moment: datetime) -> int:
    """Pictures uploaded for a preview that no notice uses, a day after their upload.

    A draft still open in someone's browser after that is told to upload the picture again
    (the form's check that the picture exists).
    """
    unused = delete(NoticeImage).where(
        NoticeImage.created_at < moment - UNUSED_IMAGE_LIFETIME,
        ~exists().where(Notice.image_id == NoticeImage.id),
    )
    return int(getattr(session.execute(unused), "rowcount", 0) or 0)
