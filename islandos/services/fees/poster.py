"""The port poster: a large QR code to PUBLIC_BASE_URL/fee?src=<source>, in Japanese and English.

One poster per source (port, ferry, inn), so the office can compare payment rates. PNG (A4 at
about 150 dpi, drawn with Pillow and a CJK font from fonts-noto-cjk) and SVG (the text as
text, the QR as a path).
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

import qrcode
from PIL import Image, ImageDraw, ImageFont

from islandos.line.richmenu_images import FONT_CANDIDATES
from islandos.services.fees.passes import qr_svg
from islandos.settings import Settings

SOURCES = ("port", "ferry", "inn")
WIDTH, HEIGHT = 1240, 1754  # A4 portrait at 150 dpi
INK, ACCENT, PAPER = "#111111", "#1E7F4F", "#FFFFFF"
PLACE = {"port": ("港", "Port"), "ferry": ("フェリー", "Ferry"), "inn": ("宿", "Inn")}
TITLE_JA = "入島協力金のお願い"
TITLE_EN = "Island entry contribution"
STEPS_JA = ("スマホのカメラでQRコードを読み取ってください。",
            "人数を入れて、カードやPayPayでお支払いください。",
            "表示されたパスを、港で係の人に見せてください。")
STEPS_EN = ("Scan the QR code with your phone's camera.",
            "Enter how many you are; pay by card, wallet or PayPay.",
            "Show the pass on your screen to the port staff.")
WHY_JA = "協力金は、島の自然と港・道の手入れに使われます。"
WHY_EN = "It pays for the island's nature, port and paths. Thank you."


def poster_url(settings: Settings, source: str) -> str:
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}: one of {', '.join(SOURCES)}")
    return f"{settings.public_base_url}/fee?src={source}"


def font_path() -> str:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    raise FileNotFoundError("no CJK font found: apt-get install -y fonts-noto-cjk")


def poster_png(settings: Settings, source: str) -> bytes:
    url = poster_url(settings, source)
    path = font_path()

    def font(size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(path, size, index=0)

    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 230), fill=ACCENT)
    draw.text((WIDTH // 2, 95), TITLE_JA, fill=PAPER, font=font(92), anchor="mm")
    draw.text((WIDTH // 2, 185), TITLE_EN, fill=PAPER, font=font(56), anchor="mm")
    island = settings.island("ja")
    draw.text((WIDTH // 2, 290), f"{island}へようこそ / Welcome to {settings.island('en')}",
              fill=INK, font=font(40), anchor="mm")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         box_size=1)
    code.add_data(url)
    code.make(fit=True)
    qr = code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    side = 760
    qr = qr.resize((side, side), Image.Resampling.NEAREST)
    image.paste(qr, ((WIDTH - side) // 2, 340))
    y = 340 + side + 30
    draw.text((WIDTH // 2, y), url, fill=INK, font=font(30), anchor="mm")
    y += 70
    for number, (ja, en) in enumerate(zip(STEPS_JA, STEPS_EN, strict=True), start=1):
        draw.ellipse((90, y - 8, 160, y + 62), fill=ACCENT)
        draw.text((125, y + 27), str(number), fill=PAPER, font=font(44), anchor="mm")
        draw.text((190, y), ja, fill=INK, font=font(40))
        draw.text((190, y + 52), en, fill=INK, font=font(30))
        y += 125
    draw.text((WIDTH // 2, y + 20), WHY_JA, fill=INK, font=font(34), anchor="mm")
    draw.text((WIDTH // 2, y + 70), WHY_EN, fill=INK, font=font(28), anchor="mm")
    place_ja, place_en = PLACE[source]
    draw.text((WIDTH - 60, HEIGHT - 50), f"{place_ja} / {place_en}", fill="#555555",
              font=font(26), anchor="rm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def poster_svg(settings: Settings, source: str) -> str:
    url = poster_url(settings, source)
    qr = qr_svg(url)
    qr = qr.replace("<svg ", '<svg x="240" y="340" width="760" height="760" ', 1)
    font = "font-family=\"'Noto Sans CJK JP','Hiragino Sans',sans-serif\""
    texts = [
        f'<rect width="{WIDTH}" height="230" fill="{ACCENT}"/>',
        f'<text x="620" y="125" font-size="92" fill="{PAPER}" {font} text-anchor="middle" '
        f'font-weight="bold">{TITLE_JA}</text>',
        f'<text x="620" y="205" font-size="56" fill="{PAPER}" {font} text-anchor="middle">'
        f'{TITLE_EN}</text>',
        f'<text x="620" y="1160" font-size="30" fill="{INK}" {font} text-anchor="middle">'
        f'{escape(url)}</text>',
    ]
    y = 1230
    for number, (ja, en) in enumerate(zip(STEPS_JA, STEPS_EN, strict=True), start=1):
        texts.append(f'<circle cx="125" cy="{y + 27}" r="35" fill="{ACCENT}"/>'
                     f'<text x="125" y="{y + 42}" font-size="44" fill="{PAPER}" {font} '
                     f'text-anchor="middle">{number}</text>'
                     f'<text x="190" y="{y + 35}" font-size="40" fill="{INK}" {font}>{ja}</text>'
                     f'<text x="190" y="{y + 80}" font-size="30" fill="{INK}" {font}>{en}</text>')
        y += 125
    texts.append(f'<text x="620" y="{y + 30}" font-size="34" fill="{INK}" {font} '
                 f'text-anchor="middle">{WHY_JA}</text>')
    texts.append(f'<text x="620" y="{y + 80}" font-size="28" fill="{INK}" {font} '
                 f'text-anchor="middle">{WHY_EN}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}"><rect width="{WIDTH}" height="{HEIGHT}" '
            f'fill="{PAPER}"/>{"".join(texts)}{qr}</svg>')
