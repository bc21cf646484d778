"""Decode the ordering URL printed as a QR code on a table, from a photo.

Uses zxing-cpp through Pillow.  :func:`decode_qr_photo` returns the one URL
in a photo; it raises :class:`core.errors.QrauditError` for a file that is
missing or not an image, a photo with no QR code, or one with several
different codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.errors import QrauditError

PHOTO_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".heic"}


def _open_image(path: str | Path, mode: str) -> Any:
    """The image at ``path`` (upright per its EXIF orientation) converted to ``mode``.

    Raises ``QrauditError`` when the file is missing or is not a readable image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError  # noqa: PLC0415  (heavy: loaded only when needed)

    path = Path(path)
    if not path.is_file():
        raise QrauditError(f"{path}: no such file")
    try:
        with Image.open(path) as img:
            return ImageOps.exif_transpose(img).convert(mode)
    except (UnidentifiedImageError, OSError) as exc:
        raise QrauditError(f"{path}: not a readable image ({exc.__class__.__name__})") from None


def _is_qr(code: Any) -> bool:
    return "QR" in str(code.format) or "QR" in str(getattr(code, "symbology", ""))


def read_qr_codes(path: str | Path) -> list[str]:
    """Return the distinct QR payloads found in the image at ``path`` (text, in reading order).

    Raises ``QrauditError`` when the file is missing or is not a readable image.
    """
    import zxingcpp  # noqa: PLC0415  (heavy: loaded only when needed)
    from PIL import ImageOps  # noqa: PLC0415  (heavy: loaded only when needed)

    img = _open_image(path, "RGB")
    found: list[str] = []
    for attempt in (img, ImageOps.grayscale(img), ImageOps.autocontrast(ImageOps.grayscale(img))):
        for code in zxingcpp.read_barcodes(attempt):
            if _is_qr(code) and code.text and code.text not in found:
                found.append(code.text)
        if found:
            break
    return found


def read_qr_codes_at(path: str | Path) -> list[tuple[str, tuple[float, float]]]:
    """The QR codes in the image at ``path`` with their centres: ``[(text, (x, y)), …]``
    in image pixels (for a screenshot taken with ``scale="css"``: CSS px of the viewport).

    Raises ``QrauditError`` when the file is missing or is not a readable image.
    """
    import zxingcpp  # noqa: PLC0415  (heavy: loaded only when needed)

    out: list[tuple[str, tuple[float, float]]] = []
    for code in zxingcpp.read_barcodes(_open_image(path, "L")):
        if not _is_qr(code) or not code.text:
            continue
        pos = code.position
        corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
        out.append((code.text, (sum(c.x for c in corners) / 4, sum(c.y for c in corners) / 4)))
    return out


def decode_qr_photo(path: str | Path) -> str:
    """Return the single QR payload of a photo.

    Raises ``QrauditError`` for no code (``"no QR code found in …"``) or several
    different codes (``"… holds 2 different QR codes: …"``).
    """
    codes = read_qr_codes(path)
    if not codes:
        raise QrauditError(f"no QR code found in {path}")
    if len(codes) > 1:
        raise QrauditError(f"{path} holds {len(codes)} different QR codes: {', '.join(codes)}; crop the photo to one")
    return codes[0]


def looks_like_photo(target: str) -> bool:
    """True when ``target`` names an image file (by suffix) rather than a URL."""
    if "://" in target:
        return False
    return Path(target).suffix.lower() in PHOTO_SUFFIXES or Path(target).is_file()
