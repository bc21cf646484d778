"""Scrapy settings of a qraudit crawl: fixed defaults here, per-district values in :func:`build_settings`.

Discovery requests (directory pages, sitemaps, robots.txt) go through Scrapy's
HTTP client with retries; audit requests go through scrapy-playwright
(Chromium from ``crawler.browser.launch_options()``; one browser for http and https,
:mod:`crawler.scrapy.handler`), one fresh browser context
per visit (``PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 1``), at most ``concurrency``
contexts at a time.  Politeness: robots.txt obeyed unless the district or
``--ignore-robots`` says otherwise, AutoThrottle on, per-host concurrency and
delay from the district's ``[limits]`` (hosts of the built-in sandbox are ours:
no delay, full concurrency).

A worker of a shared run (``shared=``) uses scrapy-redis's scheduler with the
leased queue of :mod:`crawler.scrapy.shared` instead of a JOBDIR.  The
environment variable ``QRAUDIT_AUDIT_ENGINE`` names the audit engine module when
the caller gives none (tests run the shipped scheduled-run command with a stub).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from core import __version__
from crawler.browser.launch import launch_options
from crawler.scrapy.items import FEED_FIELDS
from crawler.scrapy.shared import shared_settings

BOT_NAME = "qraudit"

#: Defaults shared by every crawl (upper-case names, as in a Scrapy project's settings.py).
DEFAULTS: dict[str, Any] = {
    "BOT_NAME": BOT_NAME,
    "USER_AGENT": f"qraudit/{__version__} (personal-information audit of scan-to-order pages; research)",
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    "DOWNLOAD_HANDLERS": {
        # one handler (one driver, one browser) for both schemes
        "http": "crawler.scrapy.handler.SharedPlaywrightHandler",
        "https": "crawler.scrapy.handler.SharedPlaywrightHandler",
    },
    "PLAYWRIGHT_BROWSER_TYPE": "chromium",
    "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 1,
    # the browser's own headers (the in-app profile's User-Agent, Accept-Language...), never Scrapy's
    "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None,
    "ROBOTSTXT_OBEY": True,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_MAX_DELAY": 10.0,
    "RETRY_ENABLED": True,
    "RETRY_TIMES": 2,
    "COOKIES_ENABLED": True,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
    "REQUEST_FINGERPRINTER_CLASS": "crawler.scrapy.middlewares.MerchantFingerprinter",
    "DUPEFILTER_CLASS": "crawler.scrapy.middlewares.MemoryDupeFilter",
    "DOWNLOADER_MIDDLEWARES": {"crawler.scrapy.middlewares.AuditGuardMiddleware": 50},
    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
    "MEMUSAGE_ENABLED": False,
}


def build_settings(
    district: Any,
    *,
    run_id: str,
    data_dir: Path,
    db_path: Path,
    run_dir: Path,
    concurrency: int = 2,
    obey_robots: bool | None = None,
    verbose: bool = False,
    jobdir: bool = True,
    audit: bool = True,
    engine: str | None = None,
    pipelines: dict[str, int] | None = None,
    extensions: dict[str, int] | None = None,
    shared: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The settings dict of one crawl of a live district (see :func:`crawler.district.open_district`).

    ``concurrency``: audits at once (browser contexts); ``obey_robots``: None
    means the district's ``obey_robots``; ``engine``: audit engine module (default
    ``crawler.engine``); ``pipelines`` / ``extensions``: Scrapy's ``ITEM_PIPELINES`` /
    ``EXTENSIONS`` (dotted class paths -> order), given by whoever runs the crawl:
    judging and storing the items is not capture's business.  ``shared``: make the
    crawl a worker of a shared run, ``{"redis_url", "run_id", "worker", "lease_s",
    "seed_only"}`` (see :func:`crawler.scrapy.shared.shared_settings`; no JOBDIR then).
    """
    limits = district.limits
    concurrency = max(1, int(concurrency))
    per_host = max(1, limits.per_host_concurrency)
    s = dict(DEFAULTS)
    s.update({
        "QRAUDIT_RUN_ID": run_id,
        "QRAUDIT_DATA_DIR": str(data_dir),
        "QRAUDIT_DB_PATH": str(db_path),
        "QRAUDIT_AUDIT_ENGINE": engine or os.environ.get("QRAUDIT_AUDIT_ENGINE") or "crawler.engine",
        "ITEM_PIPELINES": dict(pipelines or {}),
        "EXTENSIONS": dict(extensions or {}),
        "CONCURRENT_REQUESTS": concurrency + 4,
        "CONCURRENT_REQUESTS_PER_DOMAIN": per_host,
        "DOWNLOAD_DELAY": float(limits.download_delay),
        "AUTOTHROTTLE_START_DELAY": max(float(limits.download_delay), 0.5),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(per_host),
        "DOWNLOAD_TIMEOUT": float(limits.timeout_s),
        "ROBOTSTXT_OBEY": limits.obey_robots if obey_robots is None else bool(obey_robots),
        "LOG_LEVEL": "INFO" if verbose else "WARNING",
        "PLAYWRIGHT_MAX_CONTEXTS": concurrency,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": float(limits.timeout_s) * 1000.0,
        "DOWNLOAD_SLOTS": {
            host: {"concurrency": max(concurrency, per_host) + 2, "delay": 0.0}
            for host in district.sandbox_hosts
        },
        "FEEDS": {
            str(run_dir / "results.jsonl"): {
                "format": "jsonlines",
                "item_classes": ["crawler.scrapy.items.AuditItem"],
                "fields": FEED_FIELDS,
                "overwrite": False,
                "encoding": "utf8",
            }
        },
    })
    if audit:
        s["PLAYWRIGHT_LAUNCH_OPTIONS"] = launch_options()
    else:
        # discovery only: plain HTTP, no browser is started
        s["DOWNLOAD_HANDLERS"] = {}
    if shared:
        s.update(shared_settings(shared["redis_url"], shared["run_id"], shared["worker"],
                                 lease_s=shared.get("lease_s") or float(limits.timeout_s),
                                 seed_only=bool(shared.get("seed_only")), audits=concurrency))
        s["EXTENSIONS"] = {**s["EXTENSIONS"], "crawler.scrapy.shared.SharedRunExtension": 400}
    elif jobdir:
        s["JOBDIR"] = str(run_dir / "jobdir")
    return s
