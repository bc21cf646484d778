"""Benchmark the order agent over the whole sandbox district.

Usage::

    python benchmarks/agent_bench.py [--concurrency 2] [--ids m01,m02] [--check]

Audits every sandbox merchant (one browser, fresh context each) and prints
seconds per merchant (median, max), the total, the order-path completion rate
and the outcome per merchant.  ``--check`` also times ``qraudit check`` on one
sandbox URL as a user would run it (a new process; must finish well inside 10 s).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.jobs import audit_many
from crawler.engine import AuditConfig
from sandbox.server import SandboxServer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--ids", default="", help="comma-separated merchant ids (default: all)")
    ap.add_argument("--timeout", type=float, default=45.0)
    ap.add_argument("--check", action="store_true", help="also time `qraudit check` on one sandbox URL")
    args = ap.parse_args()


    with SandboxServer() as sb, tempfile.TemporaryDirectory() as tmp:
        gt = sb.ground_truth()["merchants"]
        ids = [m["id"] for m in gt if not args.ids or m["id"] in args.ids.split(",")]
        targets = {mid: sb.merchant_url(mid) for mid in ids}
        t0 = time.monotonic()
        res = asyncio.run(audit_many(targets, AuditConfig(out_dir=Path(tmp), timeout_s=args.timeout,
                                                             sandbox_hosts=["127.0.0.1"]),
                                     concurrency=args.concurrency))
        total = time.monotonic() - t0
        secs = {}
        for mid, (trace, result) in res.items():
            steps = trace.steps
            secs[mid] = (steps[-1].t_ms / 1000) if steps else 0.0
            print(f"{mid}  {secs[mid]:5.1f}s  {trace.outcome:11} reached={trace.order_reached:9} "
                  f"verdict={result.verdict:12} {trace.reason or ''}")
        vals = list(secs.values())
        auditable = [m for m in gt if m["id"] in res and m["expected_verdict"] in ("violation", "compliant")]
        done = [m for m in auditable if res[m["id"]][0].order_reached in ("checkout", "submitted")
                or res[m["id"]][0].outcome == "blocked"]
        print(f"\nmerchants: {len(vals)}  concurrency: {args.concurrency}")
        print(f"seconds per merchant (visit time): median {statistics.median(vals):.1f}  max {max(vals):.1f}")
        print(f"total wall time: {total:.1f}s  ({total / max(1, len(vals)):.1f}s per merchant at this concurrency)")
        print(f"order-path completion: {len(done)}/{len(auditable)}")
        print(f"pay events in the sandbox: {sum(1 for e in sb.events if e.get('type') == 'pay')}")
        if args.check:
            url = sb.merchant_url(ids[0])
            t1 = time.monotonic()
            p = subprocess.run([sys.executable, "-c", "from app.main import main; main()", "check", url, "--format", "json",
                                "--out", str(Path(tmp) / "check"), "--sandbox-host", "127.0.0.1"], capture_output=True, text=True, timeout=120)
            dt = time.monotonic() - t1
            print(f"qraudit check {ids[0]}: {dt:.1f}s (exit {p.returncode})")


if __name__ == "__main__":
    main()
