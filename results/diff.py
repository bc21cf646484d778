"""Compare two runs: what was rectified, what is new, which merchants came or went.

``diff_runs(run_a, run_b)`` builds a :class:`RunDiff` from the store (``run_a`` is
the earlier audit, ``run_b`` the re-check); ``qraudit diff A B`` prints it as a
table, JSON or CSV.  The per-rule statuses are those of
:meth:`results.api.Results.rectification`: ``new``, ``fixed`` (rectified),
``unclear`` (absent in B only because B could not finish the order path),
``unchanged``, ``appeared``, ``disappeared``.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from typing import Any

import pandas as pd

from results.api import RECTIFICATION_STATUSES, Results

FORMATS = ("table", "json", "csv")


@dataclass
class RunDiff:
    """The difference between two runs.

    ``rules``: the rectification DataFrame (one row per merchant and rule, see
    :meth:`results.api.Results.rectification`).  ``merchants``: one row per
    merchant: merchant_id, name, presence (``both``/``appeared``/``disappeared``),
    verdict_a, verdict_b, verdict_changed, and the rule lists new, fixed,
    unclear, unchanged.
    """

    run_a: str
    run_b: str
    rules: pd.DataFrame
    merchants: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """Counts: merchants in both runs / appeared / disappeared, rule rows per status,
        verdict changes (``{"violation->compliant": 1, ...}``)."""
        pres = self.merchants["presence"].value_counts().to_dict() if not self.merchants.empty else {}
        ruled = self.rules[self.rules["rule"].notna()]
        status = {s: int((ruled["status"] == s).sum()) for s in RECTIFICATION_STATUSES}
        changes: dict[str, int] = {}
        for rec in self.merchants[self.merchants["verdict_changed"]].to_dict("records"):
            key = f"{rec['verdict_a']}->{rec['verdict_b']}"
            changes[key] = changes.get(key, 0) + 1
        return {
            "run_a": self.run_a,
            "run_b": self.run_b,
            "merchants_both": int(pres.get("both", 0)),
            "merchants_appeared": int(pres.get("appeared", 0)),
            "merchants_disappeared": int(pres.get("disappeared", 0)),
            "rules": status,
            "verdict_changes": changes,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"run_a", "run_b", "summary", "merchants": [...], "rules": [...]}``."""
        return {
            "run_a": self.run_a,
            "run_b": self.run_b,
            "summary": self.summary(),
            "merchants": _records(self.merchants),
            "rules": _records(self.rules.drop(columns=["run_a", "run_b"])),
        }


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in df.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, list):
                clean[k] = v
            elif v is None or (not isinstance(v, str | bool) and pd.isna(v)):
                clean[k] = None
            elif hasattr(v, "item"):
                clean[k] = v.item()
            else:
                clean[k] = v
        out.append(clean)
    return out


def diff_runs(run_a: str, run_b: str, data_dir: str | os.PathLike[str] | None = None,
              results: Results | None = None) -> RunDiff:
    """Compare ``run_a`` (before) with ``run_b`` (after).  Raises ``QrauditError`` for unknown runs."""
    res = results or Results(data_dir)
    rules = res.rectification(run_a, run_b)
    ra, rb = res.resolve_run(run_a), res.resolve_run(run_b)
    rows = []
    for mid, grp in rules.groupby("merchant_id", sort=True):
        first = grp.iloc[0]
        status_set = set(grp["status"])
        presence = "appeared" if "appeared" in status_set else "disappeared" if "disappeared" in status_set else "both"
        named = grp[grp["rule"].notna()]

        def rules_with(status: str, named: pd.DataFrame = named) -> list[str]:
            return sorted(str(r) for r in named.loc[named["status"] == status, "rule"])

        rows.append({
            "merchant_id": mid,
            "name": first["name"],
            "presence": presence,
            "verdict_a": first["verdict_a"],
            "verdict_b": first["verdict_b"],
            "verdict_changed": bool(first["verdict_changed"]),
            "new": rules_with("new"),
            "fixed": rules_with("fixed"),
            "unclear": rules_with("unclear"),
            "unchanged": rules_with("unchanged"),
        })
    cols = ["merchant_id", "name", "presence", "verdict_a", "verdict_b", "verdict_changed", "new", "fixed",
            "unclear", "unchanged"]
    return RunDiff(ra, rb, rules, pd.DataFrame(rows, columns=cols))


def render(diff: RunDiff, fmt: str = "table", show_all: bool = False) -> str:
    """Render a diff as ``table`` (text for a terminal), ``json`` or ``csv`` (the rule rows)."""
    if fmt == "json":
        return json.dumps(diff.to_dict(), ensure_ascii=False, indent=1, default=str)
    if fmt == "csv":
        buf = io.StringIO()
        diff.rules.to_csv(buf, index=False)
        return buf.getvalue()
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}")
    return _table(diff, show_all)


def _cell(v: Any) -> str:
    if v is None or (not isinstance(v, str | list) and pd.isna(v)):
        return "—"
    return str(v)


def _table(diff: RunDiff, show_all: bool) -> str:
    from rich.console import Console  # noqa: PLC0415  (heavy: loaded only when needed)
    from rich.table import Table  # noqa: PLC0415  (heavy: loaded only when needed)

    s = diff.summary()
    buf = io.StringIO()
    console = Console(file=buf, width=140, force_terminal=False, color_system=None)
    r = s["rules"]
    console.print(f"{diff.run_a} -> {diff.run_b}")
    console.print(
        f"merchants: {s['merchants_both']} in both, {s['merchants_appeared']} appeared, "
        f"{s['merchants_disappeared']} disappeared"
    )
    console.print(
        f"rules: {r['fixed']} fixed, {r['new']} new, {r['unclear']} unclear, {r['unchanged']} unchanged"
    )
    vc = ", ".join(f"{k}: {v}" for k, v in sorted(s["verdict_changes"].items())) or "none"
    console.print(f"verdict changes: {vc}")
    order = {st: i for i, st in enumerate(RECTIFICATION_STATUSES)}
    rows = diff.rules.copy()
    if not show_all:
        rows = rows[~((rows["status"] == "unchanged") & ~rows["verdict_changed"])]
    rows = rows.assign(_o=rows["status"].map(order)).sort_values(["_o", "merchant_id", "rule"], na_position="first")
    hidden = len(diff.rules) - len(rows)
    if not rows.empty:
        table = Table(show_lines=False)
        for col in ("status", "merchant", "name", "rule", "stage A", "stage B", "verdict A", "verdict B"):
            table.add_column(col)
        for rec in rows.to_dict("records"):
            table.add_row(
                rec["status"], rec["merchant_id"], _cell(rec["name"]), _cell(rec["rule"]),
                _cell(rec["stage_a"]), _cell(rec["stage_b"]), _cell(rec["verdict_a"]), _cell(rec["verdict_b"]),
            )
        console.print(table)
    if hidden:
        console.print(f"({hidden} unchanged rows not shown; --all shows them)")
    return buf.getvalue()
