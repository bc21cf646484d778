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

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class AuditConfig:
    """Settings of one visit.

    ``env``: ``wechat`` | ``alipay`` | ``mobile``; ``timeout_s``: the whole
    visit's time budget in seconds; ``out_dir``: folder for ``trace.json`` and
    evidence files; ``sandbox_hosts``: hosts (besides loopback addresses) where
    the agent may press "send code" and the final submit; ``allow_submit``: allow
    that everywhere; ``canary_seed``: makes the per-visit canary values
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
