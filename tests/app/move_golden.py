"""Field-by-field comparison of results across the architecture move (issue 11), kept while the move lasts.

``before-move.json`` holds, per sandbox merchant, what a demo crawl stored at the
commit before the move (ec8b28a), reduced by :func:`normalise` to the fields that two
crawls of one commit agree on (measured there: two crawls, identical).  The crawl
test, the check test and the rescore test compare their results with it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).with_name("before-move.json")
PORT = re.compile(r"(https?://127\.0\.0\.\d+):\d+")
#: the browser's name of a network error closing a reason: it depends on the Chromium build
#: (the headless shell loads an HTTP 401 page that the full browser fails with ERR_INVALID_AUTH_CREDENTIALS)
NET_ERROR = re.compile(r" \(ERR_[A-Z_]+\)$")


def _p(value: Any) -> Any:
    return PORT.sub(r"\1:PORT", value) if isinstance(value, str) else value


def _reason(value: Any) -> Any:
    return NET_ERROR.sub("", _p(value)) if isinstance(value, str) else value


def key_of(result: dict[str, Any]) -> str:
    """The merchant's sandbox id from its URL (``/m/wc/m24/`` -> ``m24``)."""
    m = re.search(r"/m/\w+/(m\d+)/", result.get("url") or "")
    return m.group(1) if m else str(_p(result.get("url") or ""))


def normalise(result: dict[str, Any]) -> dict[str, Any]:
    """The fields of one result that two crawls of the same commit agree on.

    Left out because they differ between two crawls of one commit (measured before
    the move): the canary values inside evidence, the browser's name of a network error
    ending a reason (see :data:`NET_ERROR`), the scanner's element numbers
    (selectors), the steps (a slow render adds a scroll), which of two equal
    findings of one rule and stage is kept (its explanation and evidence), and the
    stage of a leak fired while the order is being submitted (checkout or post_order).
    """
    findings = sorted(
        [f.get("rule"), f.get("group"), f.get("severity"), list(f.get("legal_basis") or [])]
        for f in result.get("findings") or []
    )
    return {
        "verdict": result.get("verdict"), "reason": _reason(result.get("reason")),
        "order_reached": result.get("order_reached"), "order_mode": result.get("order_mode"),
        "findings": findings,
    }


def normalise_run(run_dir: Path) -> dict[str, Any]:
    """``{merchant id: normalised result}`` of every ``merchants/*/result.json`` under ``run_dir``."""
    out = {}
    for f in sorted(Path(run_dir).glob("merchants/*/result.json")):
        res = json.loads(f.read_text(encoding="utf-8"))
        out[key_of(res)] = normalise(res)
    return out


def golden() -> dict[str, Any]:
    """The golden results, their reasons normalised as :func:`normalise` does."""
    out = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for res in out.values():
        res["reason"] = _reason(res.get("reason"))
    return out


def differences(got: dict[str, Any], want: dict[str, Any] | None = None) -> list[str]:
    """One line per merchant and field where ``got`` differs from the golden results (merchants
    added to the sandbox after the move have no golden result and are judged by the ground truth)."""
    want = golden() if want is None else want
    out = []
    for mid in sorted(want):
        a, b = want[mid], got.get(mid)
        if b is None:
            out.append(f"{mid}: missing")
            continue
        out.extend(f"{mid}.{k}: before {a[k]!r}, now {b.get(k)!r}" for k in a if a[k] != b.get(k))
    return out
