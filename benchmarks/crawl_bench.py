"""Crawl speed and memory: the demo district replicated to N merchants, at several concurrencies.

    python benchmarks/crawl_bench.py [--merchants 300] [--concurrency 1 2 4 8] [--stub] [--json out.json]

The sandbox serves every demo merchant under distinct URLs (the ground-truth
landing URL plus ``&copy=K``: a different canonical URL, so a different
merchant for the crawl, the same page for the browser).  For each concurrency C:

1. ``qraudit crawl`` of a district file listing those N URLs (``sandbox = true``:
   the crawl starts its own sandbox), in a subprocess with a fresh data folder;
   the resident memory of its whole process tree (Python + Playwright driver +
   Chromium) is sampled every 0.25 s, and noted when 100, 200, 300... results
   are stored.
2. In the same run, a bare Playwright load + screenshot of every landing page
   (``goto(wait_until="load")`` then ``screenshot()``, a fresh context with the
   same in-app profile each) with the same browser (``crawler.browser.launch_options``),
   C pages at a time, against a sandbox started here.

Printed per concurrency: merchants audited, wall seconds, merchants per minute
(wall clock, browser start included), seconds per merchant of the audit
(trace start to end: navigation, agent, evidence; median and p95), the same for
the bare load, the headline ratio audit/bare-load (median over merchants of
each merchant's ratio), peak RSS of the crawl's process tree and its RSS when
a third, two thirds and all of the merchants were stored (100/200/300 for
300; the highest sample of the second before each count), and how many
results equal the ground truth (verdict and rules), then each result that
does not (path, expected, got, reason code).  ``--stub`` audits with the test
stub engine (crawl overhead only).  ``python benchmarks/merchant_profile.py``
shows where one merchant's audit time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawler.browser import get_profile, launch_options
from results.store import Store
from sandbox.server import GROUND_TRUTH_PATH, SandboxServer

REPO = Path(__file__).resolve().parents[1]

try:
    import psutil
except ImportError:  # the /proc fallback below
    psutil = None


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
    """Resident memory in bytes of ``pid`` and all its descendants (psutil, else /proc)."""
    if psutil is None:
        return _tree_rss_proc(pid)
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


def landing_pages(n: int) -> list[tuple[str, dict]]:
    """``n`` landing paths (ground-truth path + ``&copy=K``) with their ground-truth merchant, in
    round-robin order over the 41 demo merchants."""
    gt = json.loads(GROUND_TRUTH_PATH.read_text(encoding="utf-8"))["merchants"]
    out = []
    k = 0
    while len(out) < n:
        k += 1
        for m in gt:
            if len(out) == n:
                break
            sep = "&" if "?" in m["path"] else "?"
            out.append((f"{m['path']}{sep}copy={k}", m))
    return out


def write_district(folder: Path, pages: list[tuple[str, dict]]) -> Path:
    """A sandbox district file listing ``pages`` as a ``urls`` source."""
    urls = ",\n".join(f'  "{{sandbox}}{path}"' for path, _m in pages)
    path = folder / "bench-district.toml"
    path.write_text(
        '[district]\nname = "bench"\nlabel = "demo district, replicated"\nenv = "wechat"\nsandbox = true\n\n'
        f'[[sources]]\ntype = "urls"\nurls = [\n{urls}\n]\n\n'
        "[limits]\nmax_merchants = 100000\nper_host_concurrency = 16\ndownload_delay = 0\ntimeout_s = 60\n"
        "obey_robots = false\n", encoding="utf-8")
    return path


def _path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3] if url.count("/") >= 3 else url


def run_crawl(concurrency: int, district: Path, stub: bool, n: int) -> dict:
    """One ``qraudit crawl`` in a subprocess: wall time, memory, per-merchant audit seconds and verdicts."""
    with tempfile.TemporaryDirectory(prefix="qraudit-bench-") as tmp:
        data = Path(tmp) / "data"
        cmd = [sys.executable, "-c", "from app.main import main; main()", "crawl", "--district", str(district),
               "--data", str(data), "--concurrency", str(concurrency), "--no-progress"]
        env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        env.pop("QRAUDIT_DATA", None)
        if stub:
            env["QRAUDIT_AUDIT_ENGINE"] = "tests.crawl.stub_engine"
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        marks = sorted({max(1, round(n * k / 3)) for k in (1, 2, 3)})  # 100/200/300 for 300 merchants
        peak, at, last_count = 0, {}, -1.0
        # the RSS at a mark is the highest of the last second's samples: the n-th result is
        # counted up to a second late, and after the last one the crawl closes its browser
        recent: collections.deque[tuple[float, int]] = collections.deque()
        while proc.poll() is None:
            rss = tree_rss(proc.pid)
            peak = max(peak, rss)
            now = time.monotonic()
            recent.append((now, rss))
            while recent and now - recent[0][0] > 1.0:
                recent.popleft()
            if now - last_count >= 0.5:
                last_count = now
                done = sum(1 for _ in data.glob("runs/*/merchants/*/result.json"))
                while marks and done >= marks[0]:
                    at[marks.pop(0)] = max(r for _t, r in recent)
            time.sleep(0.25)
        seconds = time.monotonic() - t0
        err = proc.stderr.read() if proc.stderr else ""
        if proc.returncode not in (0, 1):
            raise SystemExit(f"crawl failed (exit {proc.returncode}): {err[-2000:]}")
        store = Store(data_dir=data, read_only=True)
        (run,) = store.runs().run_id
        audits = store.query("SELECT url, verdict, rules, duration_s, reason_code FROM audits WHERE run_id = ?", [run])
    per = {_path_of(u): (v, sorted(r) if r is not None else [], d)
           for u, v, r, d in zip(audits.url, audits.verdict, audits.rules, audits.duration_s, strict=True)}
    reasons = {_path_of(u): c for u, c in zip(audits.url, audits.reason_code, strict=True) if isinstance(c, str)}
    return {"concurrency": concurrency, "merchants": len(audits), "seconds": round(seconds, 1),
            "per_min": round(len(audits) / seconds * 60, 1), "peak_rss_mb": round(peak / 2**20),
            "rss_at_mb": {k: round(v / 2**20) for k, v in sorted(at.items())}, "audits": per, "reasons": reasons}


async def bare_loads(base: str, paths: list[str], concurrency: int) -> dict[str, float]:
    """Seconds per landing page of a bare load + screenshot, ``concurrency`` pages at a time (a page
    whose screenshot fails is left out and counted on stderr)."""
    from playwright.async_api import async_playwright  # noqa: PLC0415  (heavy: loaded only when needed)

    profile = get_profile("wechat")
    out: dict[str, float] = {}
    failed: list[str] = []
    sem = asyncio.Semaphore(concurrency)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**launch_options())
        shots = Path(tempfile.mkdtemp(prefix="qraudit-bare-"))

        async def one(i: int, path: str) -> None:
            async with sem:
                t0 = time.monotonic()
                ctx = await browser.new_context(**profile.context_kwargs())
                try:
                    page = await ctx.new_page()
                    try:
                        await page.goto(base + path, wait_until="load", timeout=30000)
                    except Exception:  # a page that redirects to an app link or a dead OAuth host
                        pass
                    try:
                        await page.screenshot(path=str(shots / f"{i}.png"), timeout=15000)
                    except Exception:  # noqa: BLE001 - no picture, no comparison point: left out, counted
                        failed.append(path)
                        return
                finally:
                    await ctx.close()
                out[path] = time.monotonic() - t0

        await asyncio.gather(*(one(i, p) for i, p in enumerate(paths)))
        await browser.close()
    if failed:
        print(f"bare loads: {len(failed)} page(s) gave no screenshot, left out of the ratio "
              f"(first: {failed[0]})", file=sys.stderr, flush=True)
    return out


def _num(x: object) -> bool:
    return isinstance(x, int | float) and x == x


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--merchants", type=int, default=300, help="merchants (replicas of the 41 demo merchants)")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--stub", action="store_true", help="stub audit engine (crawl overhead only)")
    ap.add_argument("--no-bare", action="store_true", help="skip the bare page loads")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = ap.parse_args(argv)
    pages = landing_pages(args.merchants)
    gt_of = {path: m for path, m in pages}
    rows = []
    with tempfile.TemporaryDirectory(prefix="qraudit-bench-district-") as tmp:
        district = write_district(Path(tmp), pages)
        for c in args.concurrency:
            print(f"concurrency {c}: crawling {len(pages)} merchants...", file=sys.stderr, flush=True)
            row = run_crawl(c, district, args.stub, args.merchants)
            bare: dict[str, float] = {}
            if not args.no_bare:
                print(f"concurrency {c}: bare loads...", file=sys.stderr, flush=True)
                with SandboxServer() as sb:
                    bare = asyncio.run(bare_loads(sb.base_url.rstrip("/"), [p for p, _ in pages], c))
            audit_s = [d for (_v, _r, d) in row["audits"].values() if _num(d)]
            ratios = [row["audits"][p][2] / bare[p] for p in row["audits"]
                      if p in bare and bare[p] > 0 and _num(row["audits"][p][2])]
            wrong = {p: {"expected": [gt_of[p]["expected_verdict"], sorted({f["rule"] for f in gt_of[p]["findings"]})],
                         "got": [v, r, row["reasons"].get(p)]}
                     for p, (v, r, _d) in row["audits"].items() if p in gt_of
                     and (v, r) != (gt_of[p]["expected_verdict"], sorted({f["rule"] for f in gt_of[p]["findings"]}))}
            match = sum(1 for p in row["audits"] if p in gt_of) - len(wrong)
            row.update({
                "audit_median_s": round(statistics.median(audit_s), 2) if audit_s else None,
                "audit_p95_s": round(_pct(audit_s, 0.95), 2) if audit_s else None,
                "bare_median_s": round(statistics.median(bare.values()), 2) if bare else None,
                "bare_p95_s": round(_pct(list(bare.values()), 0.95), 2) if bare else None,
                "ratio_median": round(statistics.median(ratios), 1) if ratios else None,
                "ground_truth_match": match,
                "not_ground_truth": wrong,
            })
            row.pop("audits")
            row.pop("reasons")
            rows.append(row)
            print(f"concurrency {c}: {row['merchants']} merchants in {row['seconds']} s; "
                  f"{json.dumps(row, ensure_ascii=False)}", file=sys.stderr, flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    mem = (psutil.virtual_memory().total / 2**30) if psutil is not None else float("nan")
    print(f"\nqraudit crawl, demo district replicated to {args.merchants} merchants "
          f"({'stub engine' if args.stub else 'real agent'}); {platform.machine()}, {os.cpu_count()} CPUs, "
          f"{mem:.0f} GB RAM, load {load:.1f} at the end")
    head = (f"{'conc':>4} {'merch':>5} {'wall s':>7} {'merch/min':>9} {'audit s med/p95':>16} "
            f"{'bare s med/p95':>15} {'audit/bare':>10} {'peak RSS MB':>11}  {'RSS MB at n/3, 2n/3, n':<25} "
            f"{'= truth':>7}")
    print(head)
    for r in rows:
        at = " ".join(f"{k}:{v}" for k, v in r["rss_at_mb"].items()) or "-"
        audit = f"{r['audit_median_s']}/{r['audit_p95_s']}"
        bare = f"{r['bare_median_s']}/{r['bare_p95_s']}" if r["bare_median_s"] is not None else "-"
        ratio = f"{r['ratio_median']}x" if r["ratio_median"] is not None else "-"
        print(f"{r['concurrency']:>4} {r['merchants']:>5} {r['seconds']:>7} {r['per_min']:>9} {audit:>16} "
              f"{bare:>15} {ratio:>10} {r['peak_rss_mb']:>11}  {at:<25} {r['ground_truth_match']:>7}")
    for r in rows:
        for path, w in r["not_ground_truth"].items():
            print(f"concurrency {r['concurrency']}: {path} expected {w['expected'][0]} {w['expected'][1]}, "
                  f"got {w['got'][0]} {w['got'][1]} ({w['got'][2] or 'no reason'})")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
