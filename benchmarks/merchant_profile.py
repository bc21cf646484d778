"""Where one merchant's audit time goes: waits, screenshots, DOM snapshots, scans, detectors...

    python benchmarks/merchant_profile.py [--merchant m01] [--repeat 3]

Audits one sandbox merchant with the standalone engine (``app.jobs.audit_url``:
the same agent, browser profile and evidence as a crawl; the browser launch is
timed on its own) with timing wrappers around the engine's functions -- nothing
in the agent changes.  Every call of a wrapped function is an interval on a
timeline; each instant of the audit is given to the innermost interval covering
it (intervals of concurrent tasks included, never counted twice), so the
categories add up to the audit's wall time:

* ``navigation`` -- ``Visit.goto`` (first load and later navigations)
* ``waits: settle`` -- ``Visit.settle``/``Visit.idle``/``ensure_responsive``: waiting for the page to
  answer an action (DOM, timers, fetches, animations, network quiet)
* ``waits: gate`` -- the agent waiting to see whether a gate goes away by itself
* ``waits: sleep`` -- ``asyncio.sleep`` outside the above
* ``screenshots`` -- ``Visit._screenshot``; ``DOM snapshots`` -- ``Visit._snapshot``/``frames_snapshot``
* ``scans`` -- ``scan_page`` (controls and their scores) and ``probe_blocking``
* ``actions`` -- clicks, taps, typing (``Pressing.click``/``tap``/``act``, minus the waits inside)
* ``record (rest)`` -- the rest of ``Visit.record`` (cookies, storage, step bookkeeping)
* ``setup`` / ``finish`` -- ``Visit.attach`` (collectors, scripts) / ``Visit.finish`` (drain, trace.json)
* ``detectors`` -- ``detectors.judge`` on the trace; ``other`` -- anything else (agent logic, Playwright calls)
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import functools
import inspect
import os
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import app.jobs as jobs
import crawler.agent.getting_past as getting_past
import crawler.agent.pressing as pressing
import crawler.agent.scan as scan
import crawler.agent.session as session
import crawler.browser.visit as visit
import crawler.engine as engine
from crawler.engine import AuditConfig
from sandbox.server import SandboxServer

_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("qraudit_profile_depth", default=0)


class Timeline:
    """Intervals ``(start, end, depth, category)`` of wrapped calls, and their exclusive split."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float, int, str]] = []
        self.calls: dict[str, int] = defaultdict(int)
        self.on = False

    def wrap(self, category: str, fn, *, only_outside: bool = False):
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def awrapper(*a, **k):
                depth = _DEPTH.get()
                if not self.on or (only_outside and depth > 0):
                    return await fn(*a, **k)
                token = _DEPTH.set(depth + 1)
                t0 = time.perf_counter()
                try:
                    return await fn(*a, **k)
                finally:
                    self.spans.append((t0, time.perf_counter(), depth + 1, category))
                    self.calls[category] += 1
                    _DEPTH.reset(token)
            return awrapper

        @functools.wraps(fn)
        def wrapper(*a, **k):
            depth = _DEPTH.get()
            if not self.on:
                return fn(*a, **k)
            token = _DEPTH.set(depth + 1)
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.spans.append((t0, time.perf_counter(), depth + 1, category))
                self.calls[category] += 1
                _DEPTH.reset(token)
        return wrapper

    def split(self, start: float, end: float) -> dict[str, float]:
        """Seconds per category between ``start`` and ``end``: each instant to the deepest (then the
        latest started) interval covering it; ``other`` for instants no interval covers."""
        cuts = sorted({start, end, *(t for s in self.spans for t in s[:2] if start <= t <= end)})
        out: dict[str, float] = defaultdict(float)
        spans = sorted(self.spans)
        for a, b in zip(cuts, cuts[1:], strict=False):
            mid = (a + b) / 2
            best = None
            for s in spans:
                if s[0] > mid:
                    break
                if s[1] >= mid and (best is None or (s[2], s[0]) > (best[2], best[0])):
                    best = s
            out[best[3] if best else "other"] += b - a
        return dict(out)


def instrument(tl: Timeline) -> None:
    """Put the timing wrappers in place (module attributes and methods; nothing else changes)."""
    V = visit.Visit
    for name, cat in (("goto", "navigation"), ("settle", "waits: settle"), ("idle", "waits: settle"),
                      ("ensure_responsive", "waits: settle"), ("_screenshot", "screenshots"),
                      ("_snapshot", "DOM snapshots"), ("frames_snapshot", "DOM snapshots"),
                      ("record", "record (rest)"), ("attach", "setup"), ("finish", "finish")):
        setattr(V, name, tl.wrap(cat, getattr(V, name)))
    S = pressing.Pressing
    for name in ("click", "tap", "act"):
        setattr(S, name, tl.wrap("actions", getattr(S, name)))
    getting_past.GettingPast._wait_unless_idle = tl.wrap("waits: gate", getting_past.GettingPast._wait_unless_idle)
    session.scan_page = tl.wrap("scans", scan.scan_page)
    getting_past.probe_blocking = tl.wrap("scans", scan.probe_blocking)
    jobs.judge = tl.wrap("detectors", jobs.judge)
    asyncio.sleep = tl.wrap("waits: sleep", asyncio.sleep, only_outside=True)


async def profile_once(tl: Timeline, url: str, out_dir: Path, host: str) -> tuple[dict[str, float], float, object]:
    """Audit ``url`` once with the wrappers on; ``(seconds per category, wall seconds, result)``."""
    config = AuditConfig(out_dir=out_dir, timeout_s=60, sandbox_hosts=[host])
    tl.spans.clear()
    tl.on = True
    t0 = time.perf_counter()
    try:
        _trace, result = await jobs.audit_url(url, config)
    finally:
        tl.on = False
    t1 = time.perf_counter()
    # the visit and its judgment: from the first wrapped call to the last (the browser's launch,
    # which a crawl pays once for all merchants, stays outside)
    start = min((sp[0] for sp in tl.spans), default=t0)
    end = max((sp[1] for sp in tl.spans), default=t1)
    return tl.split(start, end), t1 - t0, result


async def _launch_seconds() -> float:
    """Seconds to start and stop the browser alone (part of each standalone audit, not of a crawl's)."""
    from playwright.async_api import async_playwright  # noqa: PLC0415  (heavy: loaded only when needed)

    t0 = time.perf_counter()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**engine.launch_options())
        t1 = time.perf_counter()
        await browser.close()
    return t1 - t0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--merchant", default="m01", help="ground-truth id of the sandbox merchant (default m01)")
    ap.add_argument("--repeat", type=int, default=3, help="audits to average over (default 3)")
    args = ap.parse_args(argv)
    tl = Timeline()
    instrument(tl)
    runs: list[dict[str, float]] = []
    walls: list[float] = []
    with SandboxServer() as sb, tempfile.TemporaryDirectory(prefix="qraudit-profile-") as tmp:
        url = sb.merchant_url(args.merchant)
        host = urlsplit(sb.base_url).hostname or "127.0.0.1"
        launch = asyncio.run(_launch_seconds())
        result = None
        for i in range(args.repeat):
            split, wall, result = asyncio.run(profile_once(tl, url, Path(tmp) / str(i), host))
            runs.append(split)
            walls.append(wall)
    cats = sorted({c for r in runs for c in r}, key=lambda c: -statistics.mean(r.get(c, 0.0) for r in runs))
    wall = statistics.mean(sum(r.values()) for r in runs)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\none audit of sandbox merchant {args.merchant} ({getattr(result, 'verdict', '?')}, "
          f"{len(getattr(result, 'steps', []) or [])} steps), mean of {args.repeat}; {os.cpu_count()} CPUs, "
          f"load {load:.1f}")
    print(f"audit (visit + judgment): {wall:.2f} s; the standalone audit's wall time with the browser's start "
          f"and stop: {statistics.mean(walls):.2f} s (browser launch alone {launch:.2f} s; a crawl pays it once)")
    print(f"{'where the time goes':<18} {'seconds':>8} {'share':>6} {'calls':>6}")
    for c in cats:
        s = statistics.mean(r.get(c, 0.0) for r in runs)
        calls = tl.calls.get(c, 0) / max(1, args.repeat)
        print(f"{c:<18} {s:>8.2f} {s / wall:>6.0%} {calls:>6.0f}")
    print(f"{'audit':<18} {wall:>8.2f} {1:>6.0%}")


if __name__ == "__main__":
    main()
