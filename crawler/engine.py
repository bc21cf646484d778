"""Capture one merchant visit: the public entry points of the audit engine.

Two ways in, one engine; both return a :class:`~core.trace.Trace` (saved as
``trace.json`` beside its evidence) and never judge it — ``detectors.judge`` does
that, and ``results.store`` writes the result (see ``app.jobs``):

* standalone (``qraudit check``): :func:`capture_url` launches Chromium, opens a
  fresh context with the in-app browser profile and walks the order path;
  :func:`capture_many` does that for many targets with one browser;
* inside a Scrapy crawl (scrapy-playwright): the spider builds each request's
  meta with :func:`scrapy_meta`; scrapy-playwright creates a fresh context with
  the profile's kwargs, calls :func:`instrument` as ``playwright_page_init_callback``
  before navigation, navigates, and the spider's callback (or errback, when the
  first navigation failed, e.g. on an OAuth redirect to an unreachable host) calls
  :func:`capture_page` with the page it was handed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.reasons import Code, Reason
from core.trace import Trace
from crawler.agent.agent import RANK, Finished, OrderAgent
from crawler.agent.canary import canaries
from crawler.browser import Visit, get_profile, launch_options
from crawler.config import WEB_SCHEMES, AuditConfig, check_url, is_sandbox_host

__all__ = ["AuditConfig", "capture_many", "capture_page", "capture_url", "check_url", "end_trace", "failed_trace",
           "instrument", "is_sandbox_host", "new_trace", "scrapy_meta"]


#: Keeps the Visit/Trace made by :func:`instrument` for :func:`audit_page`, keyed by ``id(page)``.
_INSTRUMENTED: dict[int, tuple[Any, Any, Any]] = {}

def _new_visit_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def new_trace(url: str, config: AuditConfig, visit_id: str | None = None) -> Trace:
    """A fresh :class:`~core.trace.Trace` for ``url`` with this visit's canaries and flags."""
    vid = visit_id or _new_visit_id()
    host = urlsplit(url).hostname or ""
    try:
        tool = version("qraudit")
    except PackageNotFoundError:
        tool = ""
    return Trace(url=url, visit_id=vid, env=config.env, sandbox=is_sandbox_host(host, config),
                 allow_submit=config.allow_submit, canaries=canaries(vid, config.canary_seed), tool_version=tool)


def end_trace(trace: Trace, outcome: str, reason: Reason | None) -> None:
    """Set the trace's ``outcome`` and reason (code, parameters and its English words)."""
    trace.outcome = outcome
    trace.reason_code = str(reason.code) if reason else None
    trace.reason_params = dict(reason.params) if reason else {}
    trace.reason = reason.text("en") if reason else None


def failed_trace(url: str, config: AuditConfig, visit_id: str | None, outcome: str, reason: Reason,
                 final_url: str | None = None) -> Trace:
    """A trace of a visit that never ran (a link that is not a web page, a crawl error)."""
    trace = new_trace(url, config, visit_id)
    trace.started_at = trace.ended_at = datetime.now(UTC).isoformat()
    trace.final_url = final_url or url
    trace.complete = outcome == "unsupported"
    end_trace(trace, outcome, reason)
    return trace


def _unsupported_scheme(url: str, config: AuditConfig, out_dir: Path, visit_id: str | None = None) -> Trace:
    scheme = urlsplit(url).scheme.lower()
    kind = "app" if scheme in ("weixin", "alipays", "alipay") else "other"
    trace = failed_trace(url, config, visit_id, "unsupported", Reason(Code.APP_LINK, {"scheme": scheme, "kind": kind}))
    trace.save(out_dir)
    return trace


async def _drive(page: Any, visit: Visit, trace: Trace, config: AuditConfig, url: str, *,
                 navigated: bool = False) -> Trace:
    """Run the order agent on ``page`` within the time budget; always finish the visit."""
    agent = OrderAgent(page, visit, trace, config, trace.canaries)
    outcome, reason = "error", Reason(Code.AGENT_DID_NOT_RUN)
    try:
        async with asyncio.timeout(config.timeout_s):
            try:
                if navigated:
                    await agent.resume(url)
                else:
                    await agent.run(url)
                outcome, reason = "completed", None
            except Finished as f:
                outcome, reason = f.outcome, f.reason
    except TimeoutError:
        outcome, reason = "error", Reason(Code.TIMEOUT, {"seconds": config.timeout_s, **agent.doing_params()})
        trace.complete = False
    except Exception as exc:  # a crash must not lose the trace
        outcome = "error"
        reason = Reason(Code.AGENT_ERROR, {**agent.doing_params(), "error": f"{type(exc).__name__}: {str(exc)[:200]}"})
        trace.complete = False
    reached = agent.ctx.reached
    if outcome == "completed" and RANK[reached] < RANK["checkout"]:
        outcome, reason = "error", Reason(Code.DEAD_END, agent.doing_params())
    if outcome == "blocked" and RANK[reached] >= RANK["submitted"]:
        outcome = "completed"
    trace.meta.setdefault("agent", {})["doing"] = agent.doing_params()
    try:
        await asyncio.wait_for(visit.finish(order_reached=reached), 20)
    except Exception:
        trace.complete = False
    trace.order_reached = reached
    end_trace(trace, outcome, reason)
    trace.save(visit.out_dir)
    return trace


async def _capture_in_context(browser: Any, url: str, config: AuditConfig, out_dir: Path,
                              visit_id: str | None = None) -> Trace:
    profile = get_profile(config.env)
    trace = new_trace(url, config, visit_id)
    context = await browser.new_context(**profile.context_kwargs())
    try:
        page = await context.new_page()
        visit = Visit(page, trace, out_dir, profile, screenshots=config.screenshots)
        await visit.attach()
        await _drive(page, visit, trace, config, url)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(context.close(), 10)
    return trace


async def capture_url(url: str, config: AuditConfig) -> Trace:
    """Walk one URL's order path in a fresh browser; return the trace.

    ``trace.json`` and the evidence go to ``config.out_dir``.  Never raises for
    page problems (they end in ``trace.outcome`` / ``reason_code``); raises
    :class:`QrauditError` for a target that is not a URL.
    """
    url = check_url(url)
    out_dir = Path(config.out_dir)
    if urlsplit(url).scheme.lower() not in WEB_SCHEMES:
        return _unsupported_scheme(url, config, out_dir)
    from playwright.async_api import async_playwright  # noqa: PLC0415  (heavy: only when a browser is needed)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**launch_options())
        try:
            return await _capture_in_context(browser, url, config, out_dir)
        finally:
            with contextlib.suppress(Exception):
                await browser.close()


async def capture_many(targets: dict[str, str], config: AuditConfig, concurrency: int = 2,
                       on_trace: Callable[[str, Trace], Awaitable[None] | None] | None = None) -> dict[str, Trace]:
    """Walk many targets with one browser, a fresh context each, at most ``concurrency`` at a time.

    ``targets``: id -> URL.  Returns id -> trace (in ``targets`` order); each
    target's evidence goes to ``config.out_dir / <id>``.  ``on_trace(id, trace)`` is
    called as each visit ends.  Raises :class:`QrauditError` when a target is not a
    URL (before anything is opened).
    """
    checked = {tid: check_url(u) for tid, u in targets.items()}
    base = Path(config.out_dir)
    traces: dict[str, Trace] = {}

    async def done(tid: str, trace: Trace) -> None:
        traces[tid] = trace
        if on_trace is not None:
            r = on_trace(tid, trace)
            if asyncio.iscoroutine(r):
                await r

    web = {tid: u for tid, u in checked.items() if urlsplit(u).scheme.lower() in WEB_SCHEMES}
    for tid, u in checked.items():
        if tid not in web:
            await done(tid, _unsupported_scheme(u, config, base / tid))
    if web:
        from playwright.async_api import async_playwright  # noqa: PLC0415  (heavy: only when a browser is needed)

        sem = asyncio.Semaphore(max(1, concurrency))
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**launch_options())
            lock = asyncio.Lock()

            async def one(tid: str, u: str) -> None:
                nonlocal browser
                async with sem:
                    async with lock:
                        if not browser.is_connected():
                            browser = await pw.chromium.launch(**launch_options())
                    await done(tid, await _capture_in_context(browser, u, config, base / tid))

            try:
                await asyncio.gather(*(one(t, u) for t, u in web.items()))
            finally:
                with contextlib.suppress(Exception):
                    await browser.close()
    return {tid: traces[tid] for tid in targets}


def scrapy_meta(visit_id: str, config: AuditConfig) -> dict:
    """The scrapy-playwright ``Request.meta`` for one visit: ``playwright=True``,
    ``playwright_include_page=True``, a context of its own (``playwright_context`` =
    ``visit_id``) made with the profile's kwargs, :func:`instrument` as the page
    init callback, plus ``qraudit_config`` and ``qraudit_visit_id``."""
    profile = get_profile(config.env)
    return {
        "playwright": True,
        "playwright_include_page": True,
        "playwright_context": visit_id,
        "playwright_context_kwargs": profile.context_kwargs(),
        "playwright_page_init_callback": instrument,
        "playwright_page_goto_kwargs": {"wait_until": "commit", "timeout": 15000},
        "qraudit_config": config,
        "qraudit_visit_id": visit_id,
    }


async def instrument(page: Any, request: Any) -> None:
    """scrapy-playwright page init callback: make the Trace + Visit and attach it before navigation."""
    meta = getattr(request, "meta", {}) or {}
    config: AuditConfig = meta.get("qraudit_config") or AuditConfig()
    visit_id = meta.get("qraudit_visit_id") or _new_visit_id()
    trace = new_trace(request.url, config, visit_id)
    profile = get_profile(config.env)
    visit = Visit(page, trace, Path(config.out_dir) / visit_id, profile, screenshots=config.screenshots)
    await _drop_handler_route(page)
    await visit.attach()
    _INSTRUMENTED[id(page)] = (visit, trace, config)


#: The route scrapy-playwright puts on each page it makes (``page.route("**", ...)``): it
#: continues every request of the page with Scrapy's method and body, costing the browser,
#: the driver and Python a round trip per request.  A qraudit request is a GET without a
#: body, so the route has nothing to do; and while it stands it must not be what decides a
#: held request (the hold routes the page too, newest first, see ``NetworkHold``).
_HANDLER_ROUTE = "**"


async def _drop_handler_route(page: Any) -> None:
    with contextlib.suppress(Exception):
        await page.unroute(_HANDLER_ROUTE)


async def capture_page(page: Any, url: str, config: AuditConfig, visit_id: str | None = None) -> Trace:
    """Drive a page handed over by scrapy-playwright (already navigated, or its first
    navigation failed); close its context when done; return the trace.

    Evidence goes to ``config.out_dir / <visit_id>``."""
    url = check_url(url)
    await _drop_handler_route(page)
    found = _INSTRUMENTED.pop(id(page), None)
    if found is not None:
        visit, trace, _cfg = found
    else:
        trace = new_trace(url, config, visit_id)
        visit = Visit(page, trace, Path(config.out_dir) / trace.visit_id, get_profile(config.env),
                      screenshots=config.screenshots)
        await visit.attach()
    try:
        await _drive(page, visit, trace, config, url, navigated=found is not None)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(page.context.close(), 10)
    return trace
