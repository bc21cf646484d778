"""The one text normaliser: full width to half width, Traditional to Simplified Chinese, case.

Every word list of the agent and the detectors is written in Simplified Chinese and English;
a page in Traditional Chinese (zh-TW, zh-HK) is read through :func:`simplified` first.  The
character table is OpenCC's (``opencc-python-reimplemented``, which ships its dictionaries):
``TSCharacters`` (Traditional → Simplified, first candidate) after ``TWVariantsRev`` and
``HKVariantsRev`` (regional variant → standard Traditional), about 4,100 characters, built
once per process.  It is character for character: phrase conversions (乾燥 / 幹部) do not
matter to matching, where both sides go through the same table.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

#: Where ordering pages read one word where OpenCC keeps two (檯號 / 枱號 = 台号, 帳 = 账 as in 结账).
_EXTRA = {"檯": "台", "枱": "台", "臺": "台", "帳": "账", "暱": "昵"}


def _pairs(name: str) -> dict[str, str]:
    """One OpenCC dictionary file as {character: first candidate}; multi-character keys skipped."""
    out: dict[str, str] = {}
    text = (resources.files("opencc") / "dictionary" / name).read_text(encoding="utf-8")
    for line in text.splitlines():
        key, _, vals = line.partition("\t")
        if len(key) == 1 and vals:
            out[key] = vals.split()[0]
    return out


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    """The translate table: {code point: simplified character}."""
    ts = _pairs("TSCharacters.txt")
    table = dict(ts)
    for variants in ("TWVariantsRev.txt", "HKVariantsRev.txt"):
        for var, std in _pairs(variants).items():
            table.setdefault(var, ts.get(std, std))
    table.update(_EXTRA)
    return {ord(k): v for k, v in table.items() if len(v) == 1 and k != v}


def simplified(text: str | None) -> str:
    """``text`` with every Traditional Chinese character replaced by its Simplified form
    (same length, character for character); ``None`` → ``""``.  Latin text is unchanged."""
    return (text or "").translate(_table())


def fold(text: str | None) -> str:
    """``text`` for matching: NFKC (full-width digits and letters → half width), then
    :func:`simplified`, then lower case; ``None`` → ``""``.  Not cached: callers that match
    the same text often cache their own normal form (``detectors.text.norm``)."""
    if not text:
        return ""
    return simplified(unicodedata.normalize("NFKC", text)).lower()


__all__ = ["fold", "simplified"]
