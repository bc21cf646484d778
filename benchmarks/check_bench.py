"""Time ``qraudit check URL`` as a user runs it, on every sandbox merchant.

Usage::

    python benchmarks/check_bench.py [--ids m01,m13] [--repeat 1]

For each merchant, a new process runs ``qraudit check URL --format json`` (Python
start, browser launch, the audit, judging, writing the evidence) one after the
other, while the sandbox serves on loopback.  Prints seconds per merchant with its
verdict and its findings, then the median, 90th percentile and maximum (wall
clock, seconds).  A merchant whose verdict differs from the ground truth is marked
``MISMATCH`` and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox.server import SandboxServer


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ids", default="", help="comma-separated merchant ids (default: all)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per merchant (the median is kept)")
    ap.add_argument("--live", action="store_true", help="audit as a live site (the sandbox host not declared)")
    args = ap.parse_args()


    cmd = [sys.executable, "-c", "from app.main import main; main()", "check"]
    bad = 0
    with SandboxServer() as sb, tempfile.TemporaryDirectory() as tmp:
        gt = {m["id"]: m for m in sb.ground_truth()["merchants"]}
        ids = [mid for mid in gt if not args.ids or mid in args.ids.split(",")]
        secs: dict[str, float] = {}
        for mid in ids:
            runs = []
            for k in range(max(1, args.repeat)):
                out = Path(tmp) / f"{mid}-{k}"
                t0 = time.monotonic()
                mode = [] if args.live else ["--sandbox-host", "127.0.0.1"]
                p = subprocess.run([*cmd, sb.merchant_url(mid), "--format", "json", "--out", str(out),
                                    "--data", str(Path(tmp) / "data"), *mode],
                                   capture_output=True, text=True, timeout=120)
                runs.append(time.monotonic() - t0)
            secs[mid] = statistics.median(runs)
            try:
                res = json.loads(p.stdout)
                verdict, rules = res["verdict"], sorted({f["rule"] for f in res["findings"]})
            except (ValueError, KeyError):
                verdict, rules = f"error (exit {p.returncode}): {p.stderr.strip()[:120]}", []
            want = gt[mid]["expected_verdict"]
            flag = "" if verdict == want else f"  MISMATCH (expected {want})"
            bad += bool(flag)
            print(f"{mid}  {secs[mid]:5.1f}s  {verdict:12} {' '.join(rules)}{flag}", flush=True)
    vals = sorted(secs.values())
    p90 = vals[min(len(vals) - 1, int(round(0.9 * (len(vals) - 1))))]
    print(f"\nqraudit check ({'live' if args.live else 'privileged'} mode), {len(vals)} merchants, one new process each: "
          f"median {statistics.median(vals):.1f}s  p90 {p90:.1f}s  max {vals[-1]:.1f}s "
          f"({max(secs, key=secs.get)})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
