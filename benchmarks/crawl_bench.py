"""Crawl throughput and memory over the sandbox district at several concurrencies.

    python benchmarks/crawl_bench.py [--concurrency 1 2 4] [--limit 12] [--stub] [--json out.json]

For each concurrency, runs ``qraudit crawl`` (the demo district, a fresh data
folder) in a subprocess and reports merchants audited per minute (audits
stored / wall time of the crawl, browser start included) and the peak resident
memory of the whole process tree (qraudit + Chromium processes), sampled every
0.25 s with psutil (or /proc when psutil is missing).  ``--stub`` uses the
test stub engine (crawl overhead only, no agent).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from results.store import Store

REPO = Path(__file__).resolve().parents[1]


def _tree_rss_psutil(pid: int) -> int:

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _tree_rss_proc(pid: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(stat[1]), []).append(int(d.name))
            rss[int(d.name)] = int((d / "statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total


def tree_rss(pid: int) -> int:
    """Resident memory in bytes of ``pid`` and all its descendants."""
    try:
        return _tree_rss_psutil(pid)
    except ImportError:
        return _tree_rss_proc(pid)


def run_once(concurrency: int, limit: int | None, stub: bool, district: str) -> dict:
    """One crawl; returns ``{"concurrency", "merchants", "seconds", "per_min", "peak_rss_mb", "verdicts"}``."""
    sys.path.insert(0, str(REPO))

    with tempfile.TemporaryDirectory(prefix="qraudit-bench-") as tmp:
        data = Path(tmp) / "data"
        cmd = [sys.executable, "-c", "from app.main import main; main()", "crawl", "--district", district,
               "--data", str(data), "--concurrency", str(concurrency), "--no-progress"]
        if limit:
            cmd += ["--limit", str(limit)]
        env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        if stub:
            cmd += ["--engine", "tests.crawl.stub_engine"]
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.25)
        seconds = time.monotonic() - t0
        err = proc.stderr.read() if proc.stderr else ""
        if proc.returncode != 0:
            raise SystemExit(f"crawl failed (exit {proc.returncode}): {err[-2000:]}")
        store = Store(data_dir=data, read_only=True)
        (run,) = store.runs().run_id
        info = store.get_run(run)
        n = sum(info["verdicts"].values())
    return {"concurrency": concurrency, "merchants": n, "seconds": round(seconds, 1),
            "per_min": round(n / seconds * 60, 2), "peak_rss_mb": round(peak / 2**20), "verdicts": info["verdicts"]}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--limit", type=int, default=None, help="merchants per crawl (default: all)")
    ap.add_argument("--district", default="demo")
    ap.add_argument("--stub", action="store_true", help="stub audit engine (crawl overhead only)")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = ap.parse_args(argv)
    rows = []
    for c in args.concurrency:
        row = run_once(c, args.limit, args.stub, args.district)
        rows.append(row)
        print(f"concurrency {c}: {row['merchants']} merchants in {row['seconds']} s", file=sys.stderr)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nqraudit crawl over the {args.district} district ({'stub engine' if args.stub else 'real agent'}), "
          f"{os.cpu_count()} CPUs, load {load:.1f}")
    print(f"{'concurrency':>11} {'merchants':>9} {'seconds':>8} {'merchants/min':>13} {'peak RSS MB':>11}")
    for r in rows:
        print(f"{r['concurrency']:>11} {r['merchants']:>9} {r['seconds']:>8} {r['per_min']:>13} {r['peak_rss_mb']:>11}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
