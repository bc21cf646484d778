"""A stand-in audit engine for crawl tests (same ``scrapy_meta``/``audit_page`` contract as crawler.audit).

It drives nothing: it waits ``QRAUDIT_STUB_DELAY`` seconds (default 0.2) on the
page scrapy-playwright handed over, saves a minimal trace, closes the context
and returns a ``compliant`` result (``inconclusive`` when the page never loaded).
Each call appends ``<visit_id> <url>`` to ``$QRAUDIT_STUB_LOG`` when set, so tests
can count audits independently of the store.

``$QRAUDIT_STUB_REASONS`` (a JSON object ``{url substring: reason}``) makes the
audits of matching URLs end ``inconclusive`` with that reason, as the real agent
words them: ``"page could not be loaded: connection refused (ERR_CONNECTION_REFUSED)"``,
``"closed: the merchant is not taking orders now (休息/打烊/closed)"``...
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from crawler.trace import Trace
from detectors.base import AuditResult


def scrapy_meta(visit_id, config):
    return {
        "playwright": True,
        "playwright_include_page": True,
        "playwright_context": visit_id,
        "playwright_context_kwargs": {"viewport": {"width": 390, "height": 844}},
        "qraudit_config": config,
        "qraudit_visit_id": visit_id,
    }


async def audit_page(page, url, config, visit_id=None):
    log = os.environ.get("QRAUDIT_STUB_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{visit_id} {url}\n")
    started = datetime.now(UTC).isoformat()
    await asyncio.sleep(float(os.environ.get("QRAUDIT_STUB_DELAY", "0.2")))
    final = page.url
    title = ""
    try:
        title = await page.title()
    except Exception:
        pass
    trace = Trace(url=url, visit_id=visit_id or "", env=config.env, final_url=final, started_at=started,
                  ended_at=datetime.now(UTC).isoformat(), outcome="completed", order_reached="checkout",
                  meta={"title": title})
    trace.save(Path(config.out_dir) / (visit_id or ""))  # per-visit folder, as crawler.audit does
    loaded = final.startswith("http")
    verdict, reason = ("compliant", None) if loaded else ("inconclusive", "page did not load")
    forced = json.loads(os.environ.get("QRAUDIT_STUB_REASONS") or "{}")
    for part, why in forced.items():
        if part in url:
            verdict, reason = "inconclusive", why
            break
    result = AuditResult(url=url, final_url=final, verdict=verdict, reason=reason, order_reached="checkout",
                         findings=[], steps=[], visit_id=visit_id or "", env=config.env)
    await page.context.close()
    return trace, result
