"""A stand-in audit engine for crawl tests (same ``scrapy_meta``/``capture_page`` contract as crawler.engine).

It drives nothing: it waits ``QRAUDIT_STUB_DELAY`` seconds (default 0.2) on the
page scrapy-playwright handed over, saves a minimal trace, closes the context
and returns it: a completed visit (judged ``compliant``), or ``inconclusive`` when
the page never loaded.
Each call appends ``<visit_id> <url>`` to ``$QRAUDIT_STUB_LOG`` when set, so tests
can count audits independently of the store.

``$QRAUDIT_STUB_REASONS`` (a JSON object ``{url substring: reason}``) makes the
audits of matching URLs end ``inconclusive`` with that reason, given in the words
of the reason's English rendering (read back into a code with
``core.reasons.from_legacy_text``): ``"page could not be loaded: connection refused (ERR_CONNECTION_REFUSED)"``,
``"closed: the merchant is not taking orders now (休息/打烊/closed)"``...
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from core.reasons import from_legacy_text
from core.trace import Trace


def scrapy_meta(visit_id, config):
    return {
        "playwright": True,
        "playwright_include_page": True,
        "playwright_context": visit_id,
        "playwright_context_kwargs": {"viewport": {"width": 390, "height": 844}},
        "qraudit_config": config,
        "qraudit_visit_id": visit_id,
    }


async def capture_page(page, url, config, visit_id=None):
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
    loaded = final.startswith("http")
    reason = None if loaded else "page did not load"
    forced = json.loads(os.environ.get("QRAUDIT_STUB_REASONS") or "{}")
    for part, why in forced.items():
        if part in url:
            reason = why
            break
    code = from_legacy_text(reason)
    trace = Trace(url=url, visit_id=visit_id or "", env=config.env, final_url=final, started_at=started,
                  ended_at=datetime.now(UTC).isoformat(), outcome="error" if reason else "completed",
                  order_reached="checkout" if not reason else "landing", meta={"title": title},
                  reason=code.text() if code else None, reason_code=str(code.code) if code else None,
                  reason_params=dict(code.params) if code else {})
    trace.save(Path(config.out_dir) / (visit_id or ""))  # per-visit folder, as crawler.engine does
    await page.context.close()
    return trace
