"""Audit one merchant: the public entry points of the audit engine.

Two ways in, one engine:

* standalone (``qraudit check``): :func:`audit_url` launches Chromium, opens a
  fresh context with the in-app browser profile, walks the order path and
  returns ``(trace, result)``;
* inside a Scrapy crawl (scrapy-playwright): the spider builds each request's
  meta with :func:`scrapy_meta`; scrapy-playwright creates a fresh context with
  the profile's kwargs, calls :func:`instrument` as ``playwright_page_init_callback``
  before navigation, navigates, and the spider's callback (or errback, when the
  first navigation failed, e.g. on an OAuth redirect to an unreachable host) calls
  :func:`audit_page` with the page it was handed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.errors import QrauditError


@dataclass
class AuditConfig:
    """Settings of one visit.

    ``env``: ``wechat`` | ``alipay`` | ``mobile``; ``timeout_s``: the whole
    visit's time budget in seconds; ``out_dir``: folder for ``trace.json`` and
    evidence files; ``sandbox_hosts``: the hosts declared as sandbox (privileged
    mode: the agent may press "send code", login/register/join/follow and the final
    submit there; every other host, loopback included, is live); ``allow_submit``:
    allow that everywhere; ``canary_seed``: makes the per-visit canary values
    reproducible (default: random).
    """

    env: str = "wechat"
    timeout_s: float = 60.0
    out_dir: Path = Path("data/checks")
    sandbox_hosts: list[str] = field(default_factory=list)
    allow_submit: bool = False
    canary_seed: str | None = None
    screenshots: bool = True


# Entry points (implemented by the audit engine; signatures are the contract):
#
#   async def audit_url(url: str, config: AuditConfig) -> tuple[Trace, AuditResult]
#       Launch Chromium (crawler.browser.launch_options()), one fresh context with the
#       profile, audit, judge with detectors.judge, save trace.json + result.json into
#       config.out_dir, close everything.  Never raises for page problems: they end as
#       an inconclusive/unsupported result.  Raises QrauditError for bad input (not a URL).
#
#   async def audit_many(targets: dict[str, str], config: AuditConfig, concurrency: int = 2)
#           -> dict[str, tuple[Trace, AuditResult]]
#       One browser, one fresh context per target; target id -> its result; each target's
#       evidence goes to config.out_dir / <id>.
#
#   def scrapy_meta(visit_id: str, config: AuditConfig) -> dict
#       The Request.meta for scrapy-playwright: playwright=True, playwright_include_page=True,
#       playwright_context=<visit_id>, playwright_context_kwargs=<profile kwargs>,
#       playwright_page_init_callback=instrument, playwright_page_goto_kwargs=...,
#       plus "qraudit_config" and "qraudit_visit_id".
#
#   async def instrument(page, request) -> None        # scrapy-playwright page init callback
#   async def audit_page(page, url: str, config: AuditConfig, visit_id: str | None = None)
#           -> tuple[Trace, AuditResult]
#       Drive a page that may already be navigated (or whose first navigation failed);
#       closes the page's context when done.


#: Keeps the Visit/Trace made by :func:`instrument` for :func:`audit_page`, keyed by ``id(page)``.
_INSTRUMENTED: dict[int, tuple[Any, Any, Any]] = {}

WEB_SCHEMES = ("http", "https")
#: Schemes of apps and mini-programs that a table QR code may carry instead of a web
#: page: audited as ``unsupported`` (WeChat, Alipay, QQ, Taobao, Meituan, Dianping, Ele.me, JD, Douyin).
APP_SCHEMES = (
    "weixin", "alipays", "alipay", "mqqapi", "mqq", "taobao", "tbopen", "imeituan", "meituanwaimai",
    "dianping", "eleme", "openapp.jdmobile", "snssdk1128",
)


def is_sandbox_host(host: str, config: AuditConfig | None = None) -> bool:
    """True when ``host`` was declared a sandbox host: one of ``config.sandbox_hosts``
    (exact, case-insensitive).  Nothing else is: a loopback address or ``localhost``
    is audited as a live site too (a localhost tunnel to a real shop must never
    receive orders).  On sandbox hosts (privileged mode) the agent may press
    "send code", login/register/join/follow and the final submit (never pay);
    everywhere else (live mode) those presses are made only with the network held."""
    h = (host or "").strip().lower().strip("[]")
    if not h:
        return False
    extra = [x.strip().lower().strip("[]") for x in (config.sandbox_hosts if config else []) or []]
    return h in extra


def check_url(url: str) -> str:
    """Validate a target URL; return it stripped.

    Raises :class:`QrauditError` when ``url`` is not a URL (no scheme, an http(s)
    URL without a host, or a scheme that is neither web nor a known app's, e.g. a
    typo like ``htp://``).  App and mini-program links (:data:`APP_SCHEMES`, e.g.
    ``weixin://``) are accepted: they end as ``unsupported``.
    """
    if not isinstance(url, str) or not url.strip():
        raise QrauditError("not a URL: empty target")
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not scheme or "://" not in url and scheme not in APP_SCHEMES:
        raise QrauditError(f"not a URL: {url!r}")
    if scheme not in WEB_SCHEMES and scheme not in APP_SCHEMES:
        raise QrauditError(
            f"unknown URL scheme {parts.scheme!r} in {url!r}: give an http(s) URL, a QR photo, "
            "or an app link (weixin://, alipays://, …)"
        )
    if scheme in WEB_SCHEMES and not parts.hostname:
        raise QrauditError(f"not a URL: {url!r}")
    return url


def _new_visit_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def new_trace(url: str, config: AuditConfig, visit_id: str | None = None):
    """A fresh :class:`~crawler.trace.Trace` for ``url`` with this visit's canaries and flags."""
    from crawler.agent.canary import canaries
    from crawler.trace import Trace

    vid = visit_id or _new_visit_id()
    host = urlsplit(url).hostname or ""
    try:
        from importlib.metadata import version

        tool = version("qraudit")
    except Exception:
        tool = ""
    return Trace(url=url, visit_id=vid, env=config.env, sandbox=is_sandbox_host(host, config),
                 allow_submit=config.allow_submit, canaries=canaries(vid, config.canary_seed), tool_version=tool)


def judge_trace(trace) -> Any:
    """``detectors.judge(trace)``, or a minimal result (no findings) if the detectors are unavailable."""
    try:
        from detectors import judge  # type: ignore[attr-defined]
    except ImportError:
        judge = None
    if judge is not None:
        return judge(trace)
    from detectors.base import AuditResult

    if trace.outcome == "unsupported":
        verdict, reason = "unsupported", trace.reason or "unsupported"
    elif trace.outcome == "completed":
        verdict, reason = "compliant", None
    else:
        verdict, reason = "inconclusive", trace.reason or trace.outcome
    steps = [{"n": s.n, "action": s.action, "url": s.url, "screenshot": s.screenshot} for s in trace.steps]
    return AuditResult(url=trace.url, final_url=trace.final_url, verdict=verdict, reason=reason,
                       order_reached=trace.order_reached, findings=[], steps=steps, visit_id=trace.visit_id,
                       env=trace.env, order_mode=trace.order_mode)


def save_outputs(trace, result, out_dir: Path) -> None:
    """Write ``trace.json`` and ``result.json`` (UTF-8, non-ASCII kept) into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    trace.save(out_dir)
    (out_dir / "result.json").write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")


def _unsupported_scheme(url: str, config: AuditConfig, out_dir: Path, visit_id: str | None = None):
    from datetime import UTC, datetime

    trace = new_trace(url, config, visit_id)
    trace.started_at = trace.ended_at = datetime.now(UTC).isoformat()
    scheme = urlsplit(url).scheme.lower()
    kind = "mini-program or app link" if scheme in ("weixin", "alipays", "alipay") else "non-web link"
    trace.outcome, trace.reason = "unsupported", f"{kind} ({scheme}://): not a web page; mini-program/app only"
    trace.final_url = url
    result = judge_trace(trace)
    save_outputs(trace, result, out_dir)
    return trace, result


async def _drive(page, visit, trace, config: AuditConfig, url: str, *, navigated: bool = False):
    """Run the order agent on ``page`` within the time budget; always finish the visit."""
    from crawler.agent.agent import RANK, Finished, OrderAgent

    agent = OrderAgent(page, visit, trace, config, trace.canaries)
    outcome, reason = "error", "agent did not run"
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
        outcome, reason = "error", f"timeout after {config.timeout_s:g} s while {agent.ctx.doing}"
        trace.complete = False
    except Exception as exc:  # a crash must not lose the trace
        outcome, reason = "error", f"agent error while {agent.ctx.doing}: {type(exc).__name__}: {str(exc)[:200]}"
        trace.complete = False
    reached = agent.ctx.reached
    if outcome == "completed" and RANK[reached] < RANK["checkout"]:
        outcome, reason = "error", f"dead end while {agent.ctx.doing}"
    if outcome == "blocked" and RANK[reached] >= RANK["submitted"]:
        outcome = "completed"
    trace.meta.setdefault("agent", {})["doing"] = agent.ctx.doing
    try:
        await asyncio.wait_for(visit.finish(outcome=outcome, reason=reason, order_reached=reached), 20)
    except Exception:
        trace.outcome, trace.reason, trace.order_reached = outcome, reason, reached
        trace.complete = False
    trace.outcome, trace.reason, trace.order_reached = outcome, reason, reached
    return trace


async def _audit_in_context(browser, url: str, config: AuditConfig, out_dir: Path, visit_id: str | None = None,
                            warm: Any = None):
    from crawler.browser import Visit, get_profile

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
    if warm is not None:
        with contextlib.suppress(Exception):
            await warm
    result = judge_trace(trace)
    save_outputs(trace, result, out_dir)
    return trace, result


async def audit_url(url: str, config: AuditConfig):
    """Audit one URL in a fresh browser; return ``(trace, result)`` (see the contract above).

    Evidence, ``trace.json`` and ``result.json`` go to ``config.out_dir``.
    Raises :class:`QrauditError` for a target that is not a URL.
    """
    url = check_url(url)
    out_dir = Path(config.out_dir)
    if urlsplit(url).scheme.lower() not in WEB_SCHEMES:
        return _unsupported_scheme(url, config, out_dir)
    from playwright.async_api import async_playwright

    import crawler.agent.agent  # noqa: F401  (imported here, not while the rules load in a thread)
    from crawler.browser import launch_options

    # The detectors load on another core while the browser starts (about 0.2 s saved).
    warm = asyncio.get_running_loop().run_in_executor(None, _load_detectors)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**launch_options())
        try:
            return await _audit_in_context(browser, url, config, out_dir, warm=warm)
        finally:
            with contextlib.suppress(Exception):
                await browser.close()


def _load_detectors() -> None:
    """Import the detectors and their rules (done ahead, in a worker thread)."""
    with contextlib.suppress(Exception):
        from detectors.base import load_rules

        load_rules()


async def audit_many(targets: dict[str, str], config: AuditConfig, concurrency: int = 2):
    """Audit many targets with one browser, a fresh context each, at most ``concurrency`` at a time.

    ``targets``: id -> URL.  Returns id -> ``(trace, result)``; each target's
    evidence goes to ``config.out_dir / <id>``.  Raises :class:`QrauditError` when
    a target is not a URL (before anything is opened).
    """
    checked = {tid: check_url(u) for tid, u in targets.items()}
    base = Path(config.out_dir)
    results: dict[str, tuple[Any, Any]] = {}
    web = {tid: u for tid, u in checked.items() if urlsplit(u).scheme.lower() in WEB_SCHEMES}
    for tid, u in checked.items():
        if tid not in web:
            results[tid] = _unsupported_scheme(u, config, base / tid)
    if not web:
        return results
    from playwright.async_api import async_playwright

    from crawler.browser import launch_options

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
                results[tid] = await _audit_in_context(browser, u, config, base / tid)

        try:
            await asyncio.gather(*(one(t, u) for t, u in web.items()))
        finally:
            with contextlib.suppress(Exception):
                await browser.close()
    return {tid: results[tid] for tid in targets}


def scrapy_meta(visit_id: str, config: AuditConfig) -> dict:
    """The scrapy-playwright ``Request.meta`` for one visit (see the contract above)."""
    from crawler.browser import get_profile

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


async def instrument(page, request) -> None:
    """scrapy-playwright page init callback: make the Trace + Visit and attach it before navigation."""
    from crawler.browser import Visit, get_profile

    meta = getattr(request, "meta", {}) or {}
    config: AuditConfig = meta.get("qraudit_config") or AuditConfig()
    visit_id = meta.get("qraudit_visit_id") or _new_visit_id()
    trace = new_trace(request.url, config, visit_id)
    profile = get_profile(config.env)
    visit = Visit(page, trace, Path(config.out_dir) / visit_id, profile, screenshots=config.screenshots)
    await visit.attach()
    _INSTRUMENTED[id(page)] = (visit, trace, config)


async def audit_page(page, url: str, config: AuditConfig, visit_id: str | None = None):
    """Drive a page handed over by scrapy-playwright (already navigated, or its first
    navigation failed); close its context when done; return ``(trace, result)``.

    Evidence goes to ``config.out_dir / <visit_id>``."""
    url = check_url(url)
    found = _INSTRUMENTED.pop(id(page), None)
    if found is not None:
        visit, trace, _cfg = found
        out_dir = visit.out_dir
    else:
        from crawler.browser import Visit, get_profile

        trace = new_trace(url, config, visit_id)
        out_dir = Path(config.out_dir) / trace.visit_id
        visit = Visit(page, trace, out_dir, get_profile(config.env), screenshots=config.screenshots)
        await visit.attach()
    try:
        await _drive(page, visit, trace, config, url, navigated=found is not None)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(page.context.close(), 10)
    result = judge_trace(trace)
    save_outputs(trace, result, out_dir)
    return trace, result
