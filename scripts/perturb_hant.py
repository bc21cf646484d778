"""Regenerate ``sandbox/static/perturb/hant.json``: the Simplified<->Traditional tables of the
``zh_hant`` and ``english`` sandbox perturbations (:mod:`sandbox.perturb`).

The tables cover exactly the Chinese the sandbox shows: every run of Han characters in
``sandbox/**/*.py`` and ``sandbox/static/*.js``.  ``s2t``: OpenCC's ``s2tw`` conversion, per
character plus the phrases whose conversion depends on context (面 → 麵 in 牛肉面, 面 in 页面);
``t2s``: OpenCC's ``t2s``, used by ``english`` to read the sandbox's Traditional pages.

Needs ``opencc-python-reimplemented`` (not a dependency of qraudit: run it in any venv)::

    python scripts/perturb_hant.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parent.parent
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
OUT = ROOT / "sandbox" / "static" / "perturb" / "hant.json"


def runs() -> list[str]:
    found: set[str] = set()
    files = list((ROOT / "sandbox").rglob("*.py")) + list((ROOT / "sandbox" / "static").glob("*.js"))
    for p in files:
        if p.name.startswith("perturb"):
            continue
        found.update(HAN.findall(p.read_text(encoding="utf-8")))
    return sorted(found)


def table(conv: opencc.OpenCC, rs: list[str]) -> dict[str, dict[str, str]]:
    chars = {}
    for c in sorted({c for r in rs for c in r}):
        t = conv.convert(c)
        if t != c and len(t) == 1:
            chars[c] = t
    # never map onto a character that is itself mapped (the tables must be idempotent)
    chars = {c: t for c, t in chars.items() if t not in chars}
    phrases = {}
    for r in rs:
        full = conv.convert(r)
        if full != "".join(chars.get(c, c) for c in r):
            phrases[r] = full
    return {"chars": chars, "phrases": phrases}


def main() -> None:
    rs = runs()
    data = {"s2t": table(opencc.OpenCC("s2tw"), rs), "t2s": table(opencc.OpenCC("t2s"), rs)}
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(data['s2t']['chars'])} + {len(data['s2t']['phrases'])} s2t, "
          f"{len(data['t2s']['chars'])} + {len(data['t2s']['phrases'])} t2s")


if __name__ == "__main__":
    main()
