"""Photo-like PNGs of table QR codes (for the QR-photo intake path).

Each photo: the QR code of a merchant's table URL on a white sticker, on a
larger tinted, noisy "table" background, slightly rotated and scaled, with a
caption -- decodable by zxing-cpp but not a clean QR image.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

#: (merchant id, table code, tint RGB, rotation degrees, scale)
PHOTOS = [
    ("m02", "B7", (196, 164, 120), 6, 1.0),
    ("m02", "B12", (150, 120, 90), -9, 0.85),
    ("m05", "D1", (120, 150, 170), 4, 1.1),
    ("m11", "A6", (170, 190, 150), -5, 0.95),
    ("m16", "G4", (205, 180, 160), 11, 0.9),
]


def _font(size: int):
    from PIL import ImageFont  # noqa: PLC0415  (heavy: loaded only when needed)

    for p in ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(p, size)
        except OSError:
            continue
    return ImageFont.load_default()


def write_photos(sb: Any, folder: Path) -> list[Path]:
    """Write one PNG per entry of :data:`PHOTOS` into ``folder``; return the paths."""
    import qrcode  # noqa: PLC0415  (heavy: loaded only when needed)
    from PIL import Image, ImageDraw, ImageFilter  # noqa: PLC0415  (heavy: loaded only when needed)

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    rng = random.Random(7)
    for mid, table, tint, angle, scale in PHOTOS:
        url = sb.merchant_url(mid, table=table)
        qr = qrcode.make(url, box_size=6, border=2).convert("RGB")
        side = int(qr.size[0] * scale)
        qr = qr.resize((side, side), Image.NEAREST)
        sticker = Image.new("RGB", (side + 40, side + 90), (250, 250, 246))
        sticker.paste(qr, (20, 20))
        d = ImageDraw.Draw(sticker)
        name = next(m["name"] for m in sb.ground_truth()["merchants"] if m["id"] == mid)
        d.text((20, side + 28), f"{name} 扫码点餐 桌号 {table}", fill=(40, 40, 40), font=_font(18))
        sticker = sticker.rotate(angle, expand=True, fillcolor=tint, resample=Image.BICUBIC)
        w, h = sticker.size[0] + 260, sticker.size[1] + 220
        bg = Image.new("RGB", (w, h), tint)
        px = bg.load()
        for y in range(0, h, 2):
            for x in range(0, w, 2):
                n = rng.randint(-18, 18)
                c = (max(0, min(255, tint[0] + n)), max(0, min(255, tint[1] + n)), max(0, min(255, tint[2] + n)))
                px[x, y] = c
        bg = bg.filter(ImageFilter.GaussianBlur(1.2))
        bg.paste(sticker, (130 + rng.randint(-40, 40), 110 + rng.randint(-30, 30)))
        ImageDraw.Draw(bg).text((16, h - 40), "欢迎光临 · 请扫码点餐", fill=(255, 255, 255), font=_font(22))
        path = folder / f"{mid}-{table}.png"
        bg.save(path)
        out.append(path)
    return out
