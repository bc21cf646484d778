"""Time ``qraudit check URL`` as a user runs it, on every sandbox merchant.

Usage::

    python benchmarks/check_bench.py [--ids m01,m13] [--repeat 1] [--live] [--against 11a2ddc]

For each merchant, a new process runs ``qraudit check URL --format json`` (Python
start, browser launch, the audit, judging, writing the evidence and the one-page
reports) one after the other, while the sandbox serves on loopback.  Prints
seconds per merchant with its verdict and its findings, then the median, 90th
percentile and maximum (wall clock, seconds).  A merchant whose verdict differs
from the ground truth is marked ``MISMATCH`` and makes the exit status 1.

``--against COMMIT``: the same checks with that commit of the repository too (a
temporary ``git worktree``, its own entry point: ``app.main`` or, before the
architecture move, ``crawler.cli``), the two alternating merchant by merchant so
that both see the same machine load; prints both medians and their ratio (the
1.5x bound of issue 10 is measured against 11a2ddc).  Only this commit's
verdicts are held against the ground truth.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox.server import SandboxServer

REPO = Path(__file__).resolve().parents[1]


def _entry(tree: Path) -> list[str]:
    """The command that runs ``qraudit`` from the source tree ``tree``."""
    module = "app.main" if (tree / "app" / "main.py").is_file() else "crawler.cli"
    return [sys.executable, "-c", f"from {module} import main; main()", "check"]


def _check(tree: Path, url: str, tmp: Path, mode: list[str]) -> tuple[float, str, list[str], int, str]:
    """One ``check`` of ``url`` with the tree's code: (seconds, verdict, rules, exit status, stderr tail)."""
    t0 = time.monotonic()
    p = subprocess.run([*_entry(tree), url, "--format", "json", "--out", str(tmp / "out"), *mode],
                       capture_output=True, text=True, timeout=180, cwd=tree, env=_env(tree, tmp / "data"))
    secs = time.monotonic() - t0
    try:
        res = json.loads(p.stdout)
        return secs, res["verdict"], sorted({f["rule"] for f in res["findings"]}), p.returncode, ""
    except (ValueError, KeyError):
        return secs, f"error (exit {p.returncode})", [], p.returncode, p.stderr.strip()[-120:]


def _env(tree: Path, data: Path) -> dict[str, str]:
    """The tree's code first on the path; the store in ``data`` (``QRAUDIT_DATA``: older commits have no ``--data``)."""
    return {**os.environ, "PYTHONPATH": str(tree), "QRAUDIT_DATA": str(data)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ids", default="", help="comma-separated merchant ids (default: all)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per merchant (the median is kept)")
    ap.add_argument("--live", action="store_true", help="audit as a live site (the sandbox host not declared)")
    ap.add_argument("--against", metavar="COMMIT", help="also time this commit's check, alternating")
    args = ap.parse_args()

    mode = [] if args.live else ["--sandbox-host", "127.0.0.1"]
    bad = 0
    with SandboxServer() as sb, tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        trees = {"this": REPO}
        if args.against:
            other = tmp / "against"
            done = subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(other), args.against],
                                  capture_output=True, text=True)
            if done.returncode:
                print(f"check_bench: error: cannot check out {args.against}: {done.stderr.strip()}", file=sys.stderr)
                return 2
            trees[args.against] = other
        try:
            gt = {m["id"]: m for m in sb.ground_truth()["merchants"]}
            ids = [mid for mid in gt if not args.ids or mid in args.ids.split(",")]
            secs: dict[str, dict[str, float]] = {name: {} for name in trees}
            for i, mid in enumerate(ids):
                order = list(trees) if i % 2 == 0 else list(trees)[::-1]
                cells = []
                for name in order:
                    runs, verdict, rules, err = [], "", [], ""
                    for k in range(max(1, args.repeat)):
                        work = tmp / f"{name[:12]}-{mid}-{k}"
                        s, verdict, rules, _rc, err = _check(trees[name], sb.merchant_url(mid), work, mode)
                        runs.append(s)
                    secs[name][mid] = statistics.median(runs)
                    flag = ""
                    if verdict.startswith("error"):  # an error's time is not a check's time
                        del secs[name][mid]
                        flag = f"  ERROR {err}"
                        bad += 1
                    elif name == "this" and verdict != gt[mid]["expected_verdict"]:
                        flag = f"  MISMATCH (expected {gt[mid]['expected_verdict']}) {err}"
                        bad += 1
                    cells.append(f"{name[:8]:8} {secs[name][mid]:5.1f}s {verdict:12} {' '.join(rules)}{flag}")
                print(f"{mid}  " + "  |  ".join(cells), flush=True)
        finally:
            if args.against:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tmp / "against")],
                               capture_output=True)
    label = "live" if args.live else "privileged"
    for name, per in secs.items():
        vals = sorted(per.values())
        p90 = vals[min(len(vals) - 1, int(round(0.9 * (len(vals) - 1))))]
        print(f"\nqraudit check at {name} ({label} mode), {len(vals)} merchants, one new process each: "
              f"median {statistics.median(vals):.2f}s  p90 {p90:.2f}s  max {vals[-1]:.2f}s ({max(per, key=per.get)})")
    if args.against:
        ratio = statistics.median(secs["this"].values()) / statistics.median(secs[args.against].values())
        print(f"ratio of medians this/{args.against}: {ratio:.2f}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
