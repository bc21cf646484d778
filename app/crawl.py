"""Run a district crawl in-process: discovery and audits with Scrapy, results into the store.

:func:`run_crawl` loads the district file, creates (or resumes) a run in the
store, starts the built-in sandbox in a background thread when the district
says ``sandbox = true``, builds the settings (:mod:`crawler.scrapy.settings`) and runs
:class:`crawler.scrapy.spider.DistrictSpider` with
``scrapy.crawler.CrawlerProcess``.  The reactor can run once per process, so
call it once per process (the CLI does).

Interruption and resume.  The first SIGINT/SIGTERM makes Scrapy stop
gracefully; Scrapy closes the browser under the audits in flight, so an audit
that ends after the shutdown began is not stored (``audit_log`` event
``interrupted``) and the run ends as ``interrupted`` (``CrawlOutcome.signal``
says which signal; the CLI exits 128 + signal).  A SIGKILL leaves the run ``running``.  Either way
``run_crawl(resume=RUN)`` re-runs discovery, merges the merchants stored by
the earlier attempt and audits only merchants without a stored audit
(``Store.done_merchants``: audits stored with a crawl/engine ``error`` and
pages that could not be loaded for a transient reason -- DNS, refused
connection, timeout, HTTP 5xx -- do not count and are retried; pages that
loaded but ended inconclusive, closed or sold out, are not); the audit guard
drops requests for merchants done or started.  A JOBDIR left by a process killed hard is moved aside
(``jobdir.stale-N``): its queue files are not trustworthy, and discovery
rebuilds everything they held.  A sandbox district's JOBDIR is discarded on
every resume (its queue holds the previous sandbox's ports), and the resume's
QR photos go to ``qr_photos-resume-N`` so the listed ones are never rewritten.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.districts import open_district
from app.pipelines import ITEM_PIPELINES
from core.errors import QrauditError
from crawler.district import District, load_district
from crawler.scrapy.items import AuditItem, MerchantItem
from crawler.scrapy.settings import build_settings
from crawler.scrapy.shared import rebase_url, shared_status
from crawler.scrapy.spider import DistrictSpider
from results.store import Store


@dataclass
class CrawlOutcome:
    """What a crawl did: ``status`` (finished | interrupted | failed), ``reason`` (Scrapy's
    close reason), counts, seconds, and the Scrapy stats."""

    run_id: str
    status: str
    reason: str
    run_dir: Path
    db_path: Path
    merchants: int = 0
    audited_now: int = 0
    elapsed_s: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)
    #: the shutdown signal (2 = SIGINT, 15 = SIGTERM) when the crawl was interrupted by one
    signal: int | None = None
    #: one line per discovery page that could not be fetched ("source directory URL: DNS lookup failed")
    source_failures: list[str] = field(default_factory=list)
    #: a worker of a shared run: its id, the run's state in Redis at its end (``SharedRun.status``),
    #: its own store's folder, and what the merge into the main store did (``results.store.MergeOutcome``)
    worker: str | None = None
    shared: dict[str, Any] | None = None
    worker_dir: Path | None = None
    merge: Any = None


#: Progress callables by run id (Scrapy deep-copies settings, so objects with locks cannot go there).
PROGRESS: dict[str, Any] = {}


class ProgressExtension:
    """Scrapy extension: feeds the progress callable registered in :data:`PROGRESS` for the
    ``QRAUDIT_RUN_ID`` setting, ``(event, data)``.

    Events: ``merchant`` (``{"record", "known": n, "already_done"}``) when discovery
    finds a new merchant (``already_done``: audited by an earlier attempt of a resumed run), ``result`` (``{"merchant_id", "name", "verdict", "rules"}``)
    when an audit is stored, ``closed`` (``{"reason"}``), and for a worker of a shared
    run ``shared`` (:meth:`crawler.scrapy.shared.SharedRun.status`) on every heartbeat.
    """

    def __init__(self, crawler: Any, callback: Any) -> None:
        from scrapy import signals  # noqa: PLC0415  (heavy: loaded only when needed)

        self.crawler = crawler
        self.callback = callback
        self.merchants: set[str] = set()
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.shared_status, signal=shared_status)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressExtension:
        from scrapy.exceptions import NotConfigured  # noqa: PLC0415  (heavy: loaded only when needed)

        cb = PROGRESS.get(crawler.settings.get("QRAUDIT_RUN_ID") or "")
        if not callable(cb):
            raise NotConfigured
        return cls(crawler, cb)

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:

        try:
            if isinstance(item, MerchantItem):
                mid = item.record["merchant_id"]
                if mid not in self.merchants:
                    self.merchants.add(mid)
                    spider = spider or getattr(self.crawler, "spider", None)
                    already = bool(spider is not None and mid in getattr(spider, "done", ()))
                    self.callback("merchant", {"record": item.record, "known": len(self.merchants),
                                               "already_done": already})
            elif isinstance(item, AuditItem):
                self.callback("result", {"merchant_id": item.merchant_id, "name": item.name,
                                         "verdict": item.verdict, "rules": item.rules, "error": item.error})
        except Exception:  # a display problem must not stop the crawl
            pass

    def spider_closed(self, spider: Any = None, reason: str = "") -> None:
        try:
            self.callback("closed", {"reason": reason})
        except Exception:
            pass

    def shared_status(self, status: dict[str, Any] | None = None, **_: Any) -> None:
        """A shared run's heartbeat (:data:`crawler.scrapy.shared.shared_status`): event ``shared``."""
        try:
            self.callback("shared", dict(status or {}))
        except Exception:
            pass


def _pid_alive(pid: int | None) -> bool:
    if not pid or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_crawl(
    district: str | Path | None = None,
    *,
    concurrency: int | None = None,
    env: str | None = None,
    resume: str | None = None,
    limit: int | None = None,
    ignore_robots: bool = False,
    allow_submit: bool = False,
    data_dir: Path | None = None,
    verbose: bool = False,
    discover_only: bool = False,
    progress: Any = None,
    engine: str | None = None,
    on_start: Any = None,
    schedule: str | None = None,
) -> CrawlOutcome:
    """Crawl a district (name, path or None for ``demo``) or resume run ``resume``.

    ``concurrency``: audits at once (default: the district's per-host
    concurrency, at least 2); ``env``: browser profile (default: the
    district's); ``limit``: max merchants; ``progress``: ``(event, data)``
    callable (see :class:`ProgressExtension`); ``on_start(run_id, district)``
    is called before the crawl starts; ``schedule``: the name of the schedule the
    run belongs to (``settings.schedule``, see :mod:`app.schedule`; a resumed run
    keeps its own).  Returns a :class:`CrawlOutcome`.
    Raises QrauditError for bad input (unknown district or run, bad values, a
    run still running elsewhere).
    """

    if district is not None and not str(district).strip():
        raise QrauditError("--district is empty: give a district name (seeds/NAME.toml) or a district file, "
                           "or leave --district out for the demo district")
    if concurrency is not None and concurrency < 1:
        raise QrauditError("--concurrency must be at least 1")
    if limit is not None and limit < 1:
        raise QrauditError("--limit must be at least 1")
    if env is not None and env not in ("wechat", "alipay", "mobile"):
        raise QrauditError(f"unknown --env {env!r}: choose one of wechat, alipay, mobile")
    store = Store(data_dir=data_dir)

    old_origins: list[str] = []
    if resume:
        info = store.get_run(resume)
        if info["kind"] != "crawl":
            raise QrauditError(f"run {resume} is a {info['kind']} run; only crawl runs can be resumed")
        if info.get("host") in (None, socket.gethostname()) and info["status"] == "running" and _pid_alive(
            info.get("pid")
        ):
            raise QrauditError(f"run {resume} is still running (pid {info['pid']}); stop it first")
        saved = info.get("settings") or {}
        dfile = district or info.get("district_file") or info.get("district")
        d = load_district(dfile)
        concurrency = concurrency or saved.get("concurrency")
        env = env or info.get("env")
        limit = limit or saved.get("limit")
        ignore_robots = ignore_robots or bool(saved.get("ignore_robots"))
        allow_submit = allow_submit or bool(saved.get("allow_submit"))
        discover_only = discover_only or bool(saved.get("discover_only"))
        old_origins = list(saved.get("sandbox_origins") or [])
        run_id = resume
        run_dir = store.run_dir(run_id)
        jobdir = run_dir / "jobdir"
        if jobdir.exists() and (d.sandbox or info["status"] == "running"):
            # killed hard: the queue files are not trustworthy; sandbox district: the queue holds
            # URLs of the previous sandbox's ports (new ports at every start).  Discovery rebuilds it.
            if d.sandbox:

                shutil.rmtree(jobdir, ignore_errors=True)
            else:
                n = 1
                while (run_dir / f"jobdir.stale-{n}").exists():
                    n += 1
                jobdir.rename(run_dir / f"jobdir.stale-{n}")
        settings_doc = dict(saved)
    else:
        d = load_district(district)
        env = env or d.env
        concurrency = concurrency or max(2, min(d.limits.per_host_concurrency, 4))
        settings_doc = {}
        run_id = ""
    settings_doc.update({
        "concurrency": concurrency, "limit": limit, "ignore_robots": ignore_robots,
        "allow_submit": allow_submit, "discover_only": discover_only, "timeout_s": d.limits.timeout_s,
        "per_host_concurrency": d.limits.per_host_concurrency, "download_delay": d.limits.download_delay,
        "obey_robots": d.limits.obey_robots and not ignore_robots,
    })
    if schedule is not None and not settings_doc.get("schedule"):
        settings_doc["schedule"] = schedule
    if not resume:
        run_id = store.create_run("crawl", district=d.name, district_file=d.file, env=env, settings=settings_doc)
    run_dir = store.run_dir(run_id)

    status, reason = "failed", "not started"
    t0 = time.monotonic()
    stats: dict[str, Any] = {}
    spider_ref: dict[str, Any] = {}
    try:
        qr_dir = None
        if d.sandbox:
            # listed in the manifest once written: a resume writes its (new-port) photos beside them
            qr_dir = run_dir / "qr_photos"
            n = 1
            while resume and qr_dir.exists() and any(qr_dir.iterdir()):
                n += 1
                qr_dir = run_dir / f"qr_photos-resume-{n}"
        with open_district(d, qr_dir=qr_dir) as live:
            settings_doc["sandbox_origins"] = live.sandbox_origins
            store.update_run(run_id, status="running", pid=os.getpid(), host=socket.gethostname(),
                             settings=settings_doc, env=env)
            known = store.merchants(run_id) if resume else []
            if old_origins and live.sandbox_origins:
                for rec in known:
                    rec["url"] = rebase_url(rec.get("url"), old_origins, live.sandbox_origins)
                    rec["audit_url"] = rebase_url(rec.get("audit_url"), old_origins, live.sandbox_origins)
            for rec in known:
                rec["audit_url"] = rec.get("audit_url") or rec.get("url")
            done = store.done_merchants(run_id) if resume else set()
            if on_start:
                on_start(run_id, live)
            status, reason, stats = _run_process(
                live, run_id=run_id, store=store, run_dir=run_dir, concurrency=concurrency, env=env,
                limit=limit, obey_robots=False if ignore_robots else None, allow_submit=allow_submit,
                verbose=verbose, audit=not discover_only, progress=progress, engine=engine,
                known=known, done=done, spider_ref=spider_ref,
            )
            if stats.get("qraudit/store_deferred"):
                store.ingest(run_id)  # results written to result.json only while the DB was locked
    except KeyboardInterrupt:
        status, reason = "interrupted", "keyboard interrupt"
        raise
    finally:
        store.finish_run(run_id, status)
    spider = spider_ref.get("spider")
    return CrawlOutcome(
        run_id=run_id, status=status, reason=reason, run_dir=run_dir, db_path=store.db_path,
        merchants=len(spider.records) if spider else 0,
        audited_now=int(stats.get("qraudit/audited", 0)),
        elapsed_s=time.monotonic() - t0, stats=stats, signal=stats.get("qraudit/signal"),
        source_failures=list(getattr(spider, "source_failures", None) or []),
    )


def crawl_failure(outcome: CrawlOutcome, store: Any = None) -> str | None:
    """One line saying why a crawl that ran to its end has nothing to read, or None.

    ``"no merchant found: ..."`` when discovery found no merchant at all;
    ``"no merchant could be audited: ..."`` when merchants were found but no web
    page was audited: every stored audit is a page that could not be loaded
    (``Store.audit_outcomes``) or a crawl/engine error, apart from links that are
    no web page.  A single web page really audited (any verdict, including
    inconclusive for a page that was there: closed, sold out...) is enough for
    None.  A discovery-only run is judged on discovery alone.  Judged over the
    whole run, so after a resume the merchants audited before count.
    Interrupted or failed crawls return None (they have their own exit status).
    Nothing stored is changed.
    """
    if outcome.status != "finished":
        return None
    if store is None:

        store = Store(db_path=outcome.db_path, data_dir=outcome.db_path.parent, read_only=True)
    info = store.get_run(outcome.run_id)
    counts = store.audit_outcomes(outcome.run_id)
    n = counts["merchants"]
    if n == 0:
        why = f"no merchant found: discovery found no merchant in district {info.get('district') or '?'}"
        if outcome.source_failures:
            why += f" ({len(outcome.source_failures)} discovery page(s) could not be fetched)"
        return why
    if (info.get("settings") or {}).get("discover_only") or counts["judged"]:
        return None
    failed, not_web = counts["failed"], counts["not_web"]
    missing = max(n - counts["audits"], 0)
    if failed == 0 and missing == 0:
        return None  # only links that are no web page: stored as unsupported, nothing failed
    line = "no merchant could be audited: "
    if failed:
        causes = list(counts["causes"].items())
        detail = "; ".join(c if len(causes) == 1 else f"{c} x{k}" for c, k in causes[:3])
        if len(causes) > 3:
            detail += f"; {len(causes) - 3} other cause(s)"
        what = "failed to load" if counts["load_failed"] == failed else "failed to load or ended with a crawl error"
        who = f"{failed} of {n}" if failed < n else f"all {n}" if n > 1 else "the only merchant"
        line += f"{who} {what} ({detail})"
    else:
        line += f"none of {n} was audited"
    others = []
    if not_web:
        others.append(f"{not_web} not a web page")
    if missing and failed:
        others.append(f"{missing} not audited")
    if others:
        line += ", " + ", ".join(others)
    line += f"; results stored in run {outcome.run_id}"
    if counts["retryable"] or missing:
        line += f", 'qraudit crawl --resume {outcome.run_id}' retries them"
    return line


def _run_process(live: District, *, run_id: str, store: Any, run_dir: Path, concurrency: int, env: str,
                 limit: int | None, obey_robots: bool | None, allow_submit: bool, verbose: bool, audit: bool,
                 progress: Any, engine: str | None, known: list[dict], done: set[str],
                 spider_ref: dict[str, Any], shared: dict[str, Any] | None = None,
                 browser: bool | None = None) -> tuple[str, str, dict[str, Any]]:
    from scrapy.crawler import CrawlerProcess  # noqa: PLC0415  (heavy: loaded only when needed)


    settings = build_settings(
        live, run_id=run_id, data_dir=store.data_dir, db_path=store.db_path, run_dir=run_dir,
        concurrency=concurrency, obey_robots=obey_robots, verbose=verbose,
        audit=audit if browser is None else browser,
        engine=engine, pipelines=ITEM_PIPELINES, extensions={"app.crawl.ProgressExtension": 500},
        shared=shared,
    )
    if progress is not None:
        PROGRESS[run_id] = progress
    settings["LOG_INSTALL_ROOT_HANDLER"] = True

    class _Process(CrawlerProcess):
        """Remembers the shutdown signal and flags the crawlers at once (audits ending after it are not stored)."""

        def _signal_shutdown(self, signum: int, frame: Any) -> None:
            signals_seen.append(signum)
            for c in list(getattr(self, "crawlers", ())):
                c.qraudit_shutdown = signum
            super()._signal_shutdown(signum, frame)

    signals_seen: list[int] = []
    process = _Process(settings)
    quiet = None if verbose else _QuietLog()
    crawler = process.create_crawler(DistrictSpider)
    closed: dict[str, str] = {}

    def on_closed(spider: Any = None, reason: str = "") -> None:
        closed["reason"] = reason

    def on_opened(spider: Any = None) -> None:
        spider_ref["spider"] = spider
        _quiet_orphan_futures(crawler)
        if quiet is not None:  # Scrapy (re)installs its root handler when the crawl starts
            for h in logging.root.handlers:
                h.addFilter(quiet)

    from scrapy import signals  # noqa: PLC0415  (heavy: loaded only when needed)

    crawler.signals.connect(on_closed, signal=signals.spider_closed)
    crawler.signals.connect(on_opened, signal=signals.spider_opened)
    process.crawl(
        crawler, district=live, run_id=run_id, store=store, audit=audit, limit=limit, env=env,
        timeout_s=live.limits.timeout_s, allow_submit=allow_submit, known=known, done=done,
    )
    try:
        process.start()
    finally:
        PROGRESS.pop(run_id, None)
        if quiet is not None:
            for h in logging.root.handlers:
                h.removeFilter(quiet)
    reason = closed.get("reason", "not closed")
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    if signals_seen:
        stats["qraudit/signal"] = signals_seen[0]
    if reason == "finished" and not signals_seen:
        status = "finished"
    elif reason in ("shutdown", "not closed", "finished"):
        status = "interrupted"
    else:
        status = "failed" if not stats.get("item_scraped_count") else "interrupted"
    return status, reason, stats


def _quiet_orphan_futures(crawler: Any) -> None:
    """Drop asyncio's "Future exception was never retrieved" reports of Playwright errors.

    When Scrapy closes the browser under audits in flight (shutdown), Playwright
    fails the pending futures of their pages (``TargetClosedError``) that
    nobody awaits any more; asyncio then logs each one with a traceback.  Those
    audits are not stored (see ``DistrictSpider.shutting_down``), so the noise
    says nothing; other loop errors still go to the default handler.
    """

    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        return
    previous = loop.get_exception_handler()

    def handler(lp: Any, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        msg = str(context.get("message") or "")
        if msg.startswith("Future exception was never retrieved") and exc is not None:
            mod = type(exc).__module__ or ""
            if mod.startswith("playwright") or "TargetClosed" in type(exc).__name__ or getattr(
                crawler, "qraudit_shutdown", None
            ):
                return
        if previous is not None:
            previous(lp, context)
        else:
            lp.default_exception_handler(context)

    loop.set_exception_handler(handler)


class _QuietLog(logging.Filter):
    """Scrapy's log without ``--verbose``: errors only, one line each, no download noise.

    Download failures (DNS, refused connections, retries given up, robots.txt
    fetches) are reported by the crawl itself -- one line per failed discovery
    source, failed audits stored with their error -- so Scrapy's own records of
    them (with tracebacks) are dropped; other errors keep one line with the
    exception's message instead of the traceback.
    """

    NOISY = ("scrapy.downloadermiddlewares", "scrapy_playwright", "twisted", "asyncio", "py.warnings",
             "scrapy.core.downloader")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR or record.name.startswith(self.NOISY):
            return False
        msg = record.getMessage()
        if msg.startswith(("Error downloading", "Gave up retrying")):
            return False
        if record.exc_info:
            exc = record.exc_info[1]
            if exc is not None:
                msg = f"{msg} ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
            record.msg, record.args = msg, ()
            record.exc_info = None
            record.exc_text = None
        return True
