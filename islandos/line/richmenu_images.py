"""Draws the rich-menu PNGs shipped in static/richmenus/ (run once after changing a layout).

    python -m islandos.line.richmenu_images [--font PATH]

Big white icons and large bold labels on strong colours, readable for elderly users.
Japanese needs a CJK font (Debian: `apt-get install fonts-noto-cjk`); it is only needed
here, never at run time: deploying reads the shipped PNGs.
"""

from __future__ import annotations

import argparse
import io
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from islandos.i18n import LANGUAGES, gettext
from islandos.line.richmenus import IMAGE_DIR, LAYOUTS, ROW_HEIGHT, WIDTH, Layout, tile_bounds

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/System/Library/Fonts/ヒラギノ角ゴシック W6.ttc",
)
WHITE = "#FFFFFF"
GAP = 12


def find_font(path: str | None = None) -> str:
    for candidate in ([path] if path else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("no CJK font found: apt-get install -y fonts-noto-cjk, or pass --font")


def _icon(draw: ImageDraw.ImageDraw, kind: str, cx: int, cy: int, r: int, bg: str,
          font_path: str) -> None:
    """A simple, bold pictogram of radius ~r centred on (cx, cy)."""
    if kind == "bell":
        draw.pieslice((cx - r, cy - r, cx + r, cy + r), 180, 360, fill=WHITE)
        draw.rectangle((cx - r, cy - 2, cx + r, cy + r * 0.55), fill=WHITE)
        draw.rounded_rectangle((cx - r * 1.25, cy + r * 0.45, cx + r * 1.25, cy + r * 0.75),
                               radius=12, fill=WHITE)
        draw.ellipse((cx - r * 0.25, cy + r * 0.75, cx + r * 0.25, cy + r * 1.2), fill=WHITE)
    elif kind == "calendar":
        box = (cx - r, cy - r * 0.8, cx + r, cy + r)
        draw.rounded_rectangle(box, radius=24, fill=WHITE)
        draw.rectangle((cx - r + 14, cy - r * 0.35, cx + r - 14, cy + r - 14), fill=bg)
        for dx in (-0.55, 0.55):
            draw.rounded_rectangle((cx + r * dx - 12, cy - r * 1.05, cx + r * dx + 12,
                                    cy - r * 0.55), radius=8, fill=WHITE)
        for row in range(2):
            for col in range(3):
                x = cx - r * 0.6 + col * r * 0.6
                y = cy + r * 0.05 + row * r * 0.45
                draw.rectangle((x - 18, y - 14, x + 18, y + 14), fill=WHITE)
    elif kind == "map":
        draw.ellipse((cx - r * 0.8, cy - r, cx + r * 0.8, cy + r * 0.6), fill=WHITE)
        draw.polygon([(cx - r * 0.7, cy - r * 0.05), (cx + r * 0.7, cy - r * 0.05),
                      (cx, cy + r * 1.15)], fill=WHITE)
        draw.ellipse((cx - r * 0.32, cy - r * 0.52, cx + r * 0.32, cy + r * 0.12), fill=bg)
    elif kind == "gear":
        for i in range(8):  # eight square teeth around a disc
            angle = math.pi * 2 * i / 8
            ux, uy = math.cos(angle), math.sin(angle)
            px, py = -uy, ux
            half = r * 0.2
            points = [(cx + ux * r * a + px * half * b, cy + uy * r * a + py * half * b)
                      for a, b in ((0.5, -1), (1.0, -1), (1.0, 1), (0.5, 1))]
            draw.polygon(points, fill=WHITE)
        draw.ellipse((cx - r * 0.78, cy - r * 0.78, cx + r * 0.78, cy + r * 0.78), fill=WHITE)
        draw.ellipse((cx - r * 0.32, cy - r * 0.32, cx + r * 0.32, cy + r * 0.32), fill=bg)
    elif kind == "family":
        for dx, scale in ((-0.5, 1.0), (0.55, 0.8)):
            x, hr = cx + r * dx, r * 0.32 * scale
            top = cy - r * 0.55 + (1 - scale) * r
            draw.ellipse((x - hr, top - hr, x + hr, top + hr), fill=WHITE)
            draw.pieslice((x - hr * 1.9, top + hr * 1.2, x + hr * 1.9, top + hr * 5.2), 180, 360,
                          fill=WHITE)
    elif kind == "check":  # 安否: a white disc with a bold tick
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=WHITE)
        draw.line([(cx - r * 0.5, cy + r * 0.02), (cx - r * 0.12, cy + r * 0.42),
                   (cx + r * 0.55, cy - r * 0.4)], fill=bg, width=int(r * 0.24), joint="curve")
    elif kind == "house":  # 避難所: a roof and walls with a door
        draw.polygon([(cx - r * 1.1, cy - r * 0.05), (cx, cy - r * 1.0),
                      (cx + r * 1.1, cy - r * 0.05)], fill=WHITE)
        draw.rectangle((cx - r * 0.8, cy - r * 0.1, cx + r * 0.8, cy + r * 0.95), fill=WHITE)
        draw.rectangle((cx - r * 0.22, cy + r * 0.3, cx + r * 0.22, cy + r * 0.95), fill=bg)
    else:  # yen, rules, help: a white disc with a big sign
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=WHITE)
        sign = {"yen": "¥", "rules": "!"}.get(kind, "?")
        font = ImageFont.truetype(font_path, int(r * 1.5), index=0)
        draw.text((cx, cy), sign, fill=bg, font=font, anchor="mm")


def _label_font(font_path: str, text: str, max_width: int, start: int) -> ImageFont.FreeTypeFont:
    size = start
    while size > 40:
        font = ImageFont.truetype(font_path, size, index=0)
        if font.getlength(text) <= max_width:
            return font
        size -= 6
    return ImageFont.truetype(font_path, size, index=0)


def render(layout: Layout, language: str, font_path: str) -> bytes:
    """The PNG of one layout in one language (2500×843 or 2500×1686)."""
    image = Image.new("RGB", (WIDTH, ROW_HEIGHT * layout.rows), "#F4F1EA")
    draw = ImageDraw.Draw(image)
    for tile, bounds in zip(layout.tiles, tile_bounds(layout), strict=True):
        x, y, w, h = bounds["x"], bounds["y"], bounds["width"], bounds["height"]
        draw.rounded_rectangle((x + GAP, y + GAP, x + w - GAP, y + h - GAP), radius=48,
                               fill=tile.color)
        _icon(draw, tile.icon, x + w // 2, y + int(h * 0.36), 150, tile.color, font_path)
        label = gettext(language, tile.label)
        font = _label_font(font_path, label, w - 90, 150 if language == "ja" else 130)
        if font.size < 100 and "/" in label:  # two big lines read better than one small one
            label = label.replace("/", "/\n", 1)
            font = _label_font(font_path, max(label.split("\n"), key=len), w - 90, 110)
        draw.multiline_text((x + w // 2, y + int(h * 0.78)), label, fill=WHITE, font=font,
                            anchor="mm", align="center", spacing=8)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def write_all(font_path: str, directory: Path = IMAGE_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for layout in LAYOUTS:
        for language in LANGUAGES:
            path = directory / f"{layout.name}-{language}.png"
            path.write_bytes(render(layout, language, font_path))
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--font", help="a bold CJK font file (.ttc/.otf/.ttf)")
    parser.add_argument("--out", type=Path, default=IMAGE_DIR)
    args = parser.parse_args(argv)
    for path in write_all(find_font(args.font), args.out):
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
