"""Metamorphic benchmark: audit the sandbox served under each markup perturbation.

Usage::

    python benchmarks/perturb_bench.py [--only icons,english] [--merchants m01,m02 | --sample]
                                       [--jobs 2] [--timeout 45] [--live] [--out DIR] [--json FILE]

For each transform of :data:`sandbox.perturb.TRANSFORMS` (``--only`` picks some; ``none``, the
untransformed sandbox, is a reference row run only when named), the sandbox is started with
that one transform, every merchant is audited, and the verdict and the set of rules found are
compared with the ground truth, which is the same for every transform.  Prints a table:
transform, merchants, verdict kept, rules kept (rule names), rule@stage kept (the stricter
second figure), invariance (verdict and rule names both kept) and wall time; then, per
transform, the merchants whose verdict or rules changed, with the reason the audit gave or the
rules that changed.  Figures only: nothing is asserted.

``--sample`` audits a stratified sample of 15 merchants that covers every vendor style and
every expected verdict.  ``--live`` audits without declaring the sandbox's host a sandbox host
(as a live site: no final submit, no send-code).

The auditor is called through one function, :func:`audit`; change it when the auditor's
package layout moves.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from app.jobs import audit_many
from crawler.engine import AuditConfig
from sandbox.perturb import TRANSFORMS
from sandbox.server import SandboxServer

SANDBOX_HOSTS = ["127.0.0.1"]


@dataclass
class Outcome:
    """What one audit concluded: verdict, reason, and the findings as (rule, stage) pairs."""

    verdict: str
    reason: str | None = None
    findings: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    @property
    def rules(self) -> set[str]:
        return {r for r, _ in self.findings}

    @property
    def pairs(self) -> set[str]:
        return {f"{r}@{s}" for r, s in self.findings}


def audit(targets: dict[str, str], out_dir: Path, *, jobs: int = 2, timeout_s: float = 45.0,
          live: bool = False) -> dict[str, Outcome]:
    """THE adapter to the auditor: audit ``{merchant_id: url}``, return ``{merchant_id: Outcome}``.

    Unless ``live``, the sandbox's host is declared a sandbox host (when the auditor's config
    has that setting), so the auditor may press the final submit there.
    """
    kwargs = {"out_dir": Path(out_dir), "timeout_s": timeout_s}
    if not live:
        kwargs["sandbox_hosts"] = list(SANDBOX_HOSTS)
    results = asyncio.run(audit_many(targets, AuditConfig(**kwargs), concurrency=jobs))
    out = {}
    for mid in targets:
        if mid not in results:
            out[mid] = Outcome("error", "no result from the auditor")
            continue
        trace, res = results[mid]
        out[mid] = Outcome(res.verdict, res.reason, [(f.rule, f.stage) for f in res.findings],
                           list(getattr(trace, "console_errors", []) or []))
    return out


# ---- comparison -------------------------------------------------------------------------------

def expected(m: dict) -> Outcome:
    return Outcome(m["expected_verdict"], m["expected_reason"], [(f["rule"], f["stage"]) for f in m["findings"]])


def change(want: Outcome, got: Outcome) -> str:
    """One line: how ``got`` differs from ``want`` ("" when verdict and rule@stage agree)."""
    parts = []
    if got.verdict != want.verdict:
        parts.append(f"{want.verdict} -> {got.verdict}")
    lost, extra = sorted(want.pairs - got.pairs), sorted(got.pairs - want.pairs)
    if lost:
        parts.append("missed " + " ".join(lost))
    if extra:
        parts.append("added " + " ".join(extra))
    if got.verdict != want.verdict and got.reason:
        parts.append(f"reason: {got.reason}")
    if parts and got.page_errors:
        parts.append(f"page errors: {got.page_errors[0][:100]}" + (f" (+{len(got.page_errors) - 1})" if len(got.page_errors) > 1 else ""))
    return "; ".join(parts)


def stratified(merchants: list[dict], n: int = 15) -> list[dict]:
    """A sample covering every vendor style, every expected verdict and as many vendor x verdict
    pairs as ``n`` allows, each pair's merchant picked for the rules it adds; then more merchants
    while a rule of the ground truth is still uncovered.  In ground-truth order."""
    by_pair: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for m in merchants:
        by_pair[(m["vendor"], m["expected_verdict"])].append(m)
    rules = lambda m: {f["rule"] for f in m["findings"]}  # noqa: E731
    chosen: list[dict] = []
    covered: set[str] = set()
    for pair in sorted(by_pair, key=lambda p: (len(by_pair[p]), p)):   # rare pairs first
        if len(chosen) >= n:
            break
        best = max(by_pair[pair], key=lambda m: len(rules(m) - covered))
        chosen.append(best)
        covered |= rules(best)
    for m in merchants:   # every vendor and verdict even if n was small
        if not any(c["vendor"] == m["vendor"] for c in chosen) or not any(
                c["expected_verdict"] == m["expected_verdict"] for c in chosen):
            chosen.append(m)
            covered |= rules(m)
    left = {f["rule"] for m in merchants for f in m["findings"]} - covered
    while left:
        best = max((m for m in merchants if m not in chosen), key=lambda m: len(rules(m) & left))
        chosen.append(best)
        left -= rules(best)
    ids = {c["id"] for c in chosen}
    return [m for m in merchants if m["id"] in ids]


def main(argv: list[str] | None = None) -> int:

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated transforms (default: all; 'none' = untransformed)")
    ap.add_argument("--merchants", default="", help="comma-separated merchant ids (default: all)")
    ap.add_argument("--sample", action="store_true", help="a stratified sample of 15 merchants (every vendor, every verdict)")
    ap.add_argument("--jobs", type=int, default=2, help="audits at once (one browser)")
    ap.add_argument("--timeout", type=float, default=45.0, help="time budget of one audit, seconds")
    ap.add_argument("--live", action="store_true", help="do not declare the sandbox host a sandbox host")
    ap.add_argument("--out", default="", help="keep the audits' evidence under DIR/<transform>/<merchant>")
    ap.add_argument("--json", default="", help="write every outcome to this JSON file")
    args = ap.parse_args(argv)

    names = [t.strip() for t in args.only.split(",") if t.strip()] or list(TRANSFORMS)
    unknown = [t for t in names if t != "none" and t not in TRANSFORMS]
    if unknown:
        ap.error(f"unknown transform(s) {', '.join(unknown)}; one of: none, {', '.join(TRANSFORMS)}")
    with SandboxServer() as sb:
        gt = sb.ground_truth()["merchants"]
    if args.merchants:
        wanted = {x.strip() for x in args.merchants.split(",") if x.strip()}
        missing = wanted - {m["id"] for m in gt}
        if missing:
            ap.error(f"unknown merchant(s) {', '.join(sorted(missing))}")
        gt = [m for m in gt if m["id"] in wanted]
    elif args.sample:
        gt = stratified(gt)
    want = {m["id"]: expected(m) for m in gt}
    print(f"{len(names)} transform(s) x {len(gt)} merchant(s): {' '.join(want)}", flush=True)

    rows, report = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(args.out) if args.out else Path(tmp)
        for name in names:
            t0 = time.monotonic()
            with SandboxServer(perturb=None if name == "none" else name) as sb:
                targets = {mid: sb.merchant_url(mid) for mid in want}
                got = audit(targets, base / name, jobs=args.jobs, timeout_s=args.timeout, live=args.live)
            wall = time.monotonic() - t0
            n = len(want)
            v = sum(got[mid].verdict == want[mid].verdict for mid in want)
            r = sum(got[mid].verdict == want[mid].verdict and got[mid].rules == want[mid].rules for mid in want)
            rs = sum(got[mid].pairs == want[mid].pairs for mid in want)
            rules_only = sum(got[mid].rules == want[mid].rules for mid in want)
            rows.append((name, n, v, rules_only, rs, r / n if n else 0.0, wall))
            report[name] = {mid: {"expected": dataclasses.asdict(want[mid]), "got": dataclasses.asdict(got[mid]),
                                  "change": change(want[mid], got[mid])} for mid in want}
            print(f"{name:15} verdict {v}/{n}  rules {rules_only}/{n}  invariance {r / n if n else 0:.2f}  "
                  f"{wall:.0f}s", flush=True)

    print()
    head = f"{'transform':15} {'merchants':>9} {'verdict kept':>12} {'rules kept':>10} {'rule@stage kept':>15} " \
           f"{'invariance':>10} {'wall s':>7}"
    print(head)
    print("-" * len(head))
    for name, n, v, rl, rs, inv, wall in rows:
        print(f"{name:15} {n:>9} {v:>12} {rl:>10} {rs:>15} {inv:>10.2f} {wall:>7.0f}")
    print("\nrules kept: the same rule names; rule@stage kept: the same rule@stage pairs; "
          "invariance: verdict and rule names both as in the ground truth")
    for name, *_ in rows:
        changed = {mid: x for mid, x in report[name].items() if x["change"]}
        verdicts = [mid for mid, x in changed.items() if x["got"]["verdict"] != x["expected"]["verdict"]]
        print(f"\n[{name}] verdict changed: {', '.join(verdicts) if verdicts else 'none'}")
        for mid, x in changed.items():
            print(f"  {mid}: {x['change']}")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": [dict(zip(
            ["transform", "merchants", "verdict_kept", "rules_kept", "rule_stage_kept", "invariance", "wall_s"], r,
            strict=True)) for r in rows], "outcomes": report}, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
