"""The district spider: discover a district's merchants and audit each one, in one crawl.

Discovery: every source of the (live) district becomes requests or records --
directory pages (:func:`~crawler.scrapy.discovery.parse_listing`, following
next pages), sitemaps (and sitemap indexes), CSV files, QR-code photos and URL
lists.  Each merchant found is merged by id (:func:`merge_records`) and yielded
as a :class:`~crawler.scrapy.items.MerchantItem`.

Audit: a new merchant (not already stored for this run, within the limit) gets
one scrapy-playwright request built with ``crawler.engine.scrapy_meta``; its
callback -- or its errback when the first navigation failed (the page is then in
``failure.request.meta["playwright_page"]``) -- calls ``crawler.engine.audit_page``
and yields an :class:`~crawler.scrapy.items.AuditItem`.  Whatever goes wrong (engine
exception, no page, robots.txt, timeout) the merchant is still stored, as
``inconclusive`` with the error.  Links that are not web pages (``weixin://``,
``alipays://``) are stored as ``unsupported`` without a visit.

The audit engine module is ``crawler.engine`` unless the setting
``QRAUDIT_AUDIT_ENGINE`` names another module with the same ``scrapy_meta`` and
``audit_page`` (tests use a stub to exercise the crawl without the agent).

Shared runs (:mod:`crawler.scrapy.shared`, ``qraudit crawl --redis``): one worker
takes the discovery lock and runs discovery; the others wait for the queue.  An
audit request is queued in Redis as a job (:meth:`DistrictSpider.job_for_request`)
and the worker that leases it builds its own request
(:meth:`DistrictSpider.request_for_job`).
"""

from __future__ import annotations

import asyncio
import importlib
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from core.reasons import Code, Reason
from core.trace import Trace
from crawler.district import District
from crawler.engine import AuditConfig, end_trace, failed_trace
from crawler.scrapy.discovery import (
    decode_html,
    guess_vendor,
    make_record,
    merge_records,
    parse_listing,
    parse_sitemap,
    read_csv_source,
    read_qr_photos,
    vendor_from_trace,
)
from crawler.scrapy.items import AuditItem, MerchantItem
from crawler.scrapy.middlewares import META_GIVE_UP, META_MERCHANT, AlreadyAudited
from crawler.scrapy.shared import rebase_url, shared_run

URL_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
DISCOVERY_PRIORITY = 100
#: Seconds added to the visit budget before the crawl gives up on audit_page.
AUDIT_GRACE_S = 30.0
#: How often a worker of a shared run looks whether discovery ended or needs a new worker, seconds.
SEED_POLL_S = 2.0


class DistrictSpider(scrapy.Spider):
    """Discover and audit one district.

    Arguments (given by :func:`app.crawl.run_crawl`): ``district`` (a live
    :class:`District`), ``run_id``, ``store`` (:class:`results.store.Store`),
    ``audit`` (False: discovery only), ``limit`` (max merchants), ``env``,
    ``timeout_s``, ``allow_submit``, ``known`` (records stored by an earlier
    attempt of this run), ``done`` (ids already audited in this run).
    Attributes read by the middlewares/extensions: ``records``, ``done``,
    ``started``, ``scheduled``.
    """

    name = "district"

    def __init__(
        self,
        district: District,
        run_id: str,
        store: Any,
        *,
        audit: bool = True,
        limit: int | None = None,
        env: str | None = None,
        timeout_s: float | None = None,
        allow_submit: bool = False,
        known: list[dict[str, Any]] | None = None,
        done: set[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.district = district
        self.run_id = run_id
        self.store = store
        self.audit = audit
        self.limit = limit or district.limits.max_merchants
        self.env = env or district.env
        self.timeout_s = timeout_s or district.limits.timeout_s
        self.allow_submit = allow_submit
        self.known = list(known or [])
        self.done: set[str] = set(done or ())
        self.started: set[str] = set()
        self.scheduled: set[str] = set()
        self.records: dict[str, dict[str, Any]] = {}
        self.pages_seen: dict[int, int] = {}
        self.source_failures: list[str] = []
        self._engine: Any = None

    # ---- the engine ----------------------------------------------------------

    @property
    def engine_module(self) -> Any:
        """The audit engine module (``crawler.engine`` or ``QRAUDIT_AUDIT_ENGINE``)."""
        if self._engine is None:
            name = self.settings.get("QRAUDIT_AUDIT_ENGINE") or "crawler.engine"
            self._engine = importlib.import_module(name)
        return self._engine

    # ---- start ---------------------------------------------------------------

    @property
    def shared(self) -> Any:
        """The :class:`~crawler.scrapy.shared.SharedRun` of a worker of a shared run, else None."""
        return shared_run(getattr(self, "crawler", None))

    async def start(self):
        """Yield known records first (resume), then every source's requests and records.

        In a shared run only the worker holding the discovery lock runs discovery;
        the others keep polling (their audits go on meanwhile) until discovery ended,
        and take the lock over if its holder died."""
        shared = self.shared
        if shared is None:
            for rec in self.known:
                for out in self._add(rec):
                    yield out
            for out in self._discovery():
                yield out
            return
        while not shared.seeded():
            if shared.try_seed():
                self.logger.info("worker %s runs discovery for run %s", shared.worker, shared.run_id)
                for out in self._discovery():
                    yield out
                return
            await asyncio.sleep(SEED_POLL_S)

    def _discovery(self):
        """Every source's requests and records."""
        for i, src in enumerate(self.district.sources):
            if src.type == "directory":
                self.pages_seen[i] = 0
                for url in src.start_urls:
                    yield self._discovery_request(url, self.parse_listing, i)
            elif src.type == "sitemap" and src.url:
                yield self._discovery_request(src.url, self.parse_sitemap, i)
            elif src.type == "csv":
                for row in read_csv_source(src.path or "", self.district.placeholders):
                    for out in self._add(make_record(self.district, row["url"], src.label, name=row["name"],
                                                     address=row["address"])):
                        yield out
            elif src.type == "qr_photos":
                for payload, photo in read_qr_photos(src.path or ""):
                    if not URL_SCHEME_RE.match(payload):
                        self.logger.warning("QR code in %s is not a link: %r", photo, payload[:80])
                        continue
                    for out in self._add(make_record(self.district, payload, src.label, found_on=photo)):
                        yield out
            elif src.type == "urls":
                for url in src.urls:
                    for out in self._add(make_record(self.district, url, src.label)):
                        yield out

    def _discovery_request(self, url: str, callback: Any, src_index: int, *, filter_dupes: bool = False):
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.discovery_failed,
            priority=DISCOVERY_PRIORITY,
            dont_filter=not filter_dupes,
            cb_kwargs={"src_index": src_index},
            meta=self._slot_meta(url),
        )

    def _slot_meta(self, url: str) -> dict[str, Any]:
        host = urlsplit(url).hostname or ""
        if host in self.district.sandbox_hosts:
            return {"autothrottle_dont_adjust_delay": True}
        return {}

    # ---- discovery callbacks -----------------------------------------------

    def parse_listing(self, response: Any, src_index: int):
        """A directory page: merchant links become records; next pages are followed."""
        src = self.district.sources[src_index]
        self.pages_seen[src_index] = self.pages_seen.get(src_index, 0) + 1
        cands, next_pages = parse_listing(decode_html(response.body, response.headers.get("Content-Type")),
                                          response.url, src.link_pattern)
        for c in cands:
            rec = make_record(self.district, c["url"], src.label, name=c["name"], address=c["address"],
                              found_on=response.url)
            yield from self._add(rec)
        if self.pages_seen[src_index] < src.max_pages:
            for url in next_pages:
                yield self._discovery_request(url, self.parse_listing, src_index, filter_dupes=True)

    def parse_sitemap(self, response: Any, src_index: int):
        """A sitemap (page URLs become records) or a sitemap index (followed)."""
        src = self.district.sources[src_index]
        try:
            pages, subs = parse_sitemap(response.body, src.include)
        except ValueError as exc:
            self.logger.warning("%s: %s", response.url, exc)
            return
        for url in subs:
            yield self._discovery_request(url, self.parse_sitemap, src_index, filter_dupes=True)
        for url in pages:
            yield from self._add(make_record(self.district, url, src.label, found_on=response.url))

    def discovery_failed(self, failure: Any) -> None:
        """A directory/sitemap page could not be fetched (after retries): note it and go on.

        ``source_failures`` gets one line per failed page, ``"source <type> <url>: <why>"``
        (printed by ``qraudit crawl`` after the crawl).
        """
        self.crawler.stats.inc_value("qraudit/discovery_failed")
        request = failure.request
        msg = failure.getErrorMessage() or failure.type.__name__
        if failure.check(HttpError):
            msg = f"HTTP {failure.value.response.status}"
        elif msg.startswith("DNS lookup failed"):
            msg = "DNS lookup failed"
        idx = (request.cb_kwargs or {}).get("src_index")
        kind = self.district.sources[idx].type if isinstance(idx, int) else "page"
        self.source_failures.append(f"source {kind} {request.url}: {msg}")
        self.logger.warning("discovery page failed: %s (%s)", request.url, failure.getErrorMessage())

    # ---- merge and schedule ------------------------------------------------

    def _add(self, rec: dict[str, Any]):
        mid = rec["merchant_id"]
        old = self.records.get(mid)
        if old is None:
            if len(self.records) >= self.limit:
                self.crawler.stats.inc_value("qraudit/merchants_over_limit")
                return
            self.records[mid] = rec
            self.crawler.stats.inc_value("qraudit/merchants")
            if self.shared is not None:
                self.shared.add_merchant(mid)
            yield MerchantItem(dict(rec))
            if self.audit and mid not in self.done:
                yield from self._schedule(mid)
            return
        merged = merge_records(old, rec)
        if merged != old:
            self.records[mid] = merged
            yield MerchantItem(dict(merged))

    def _config(self, mid: str) -> AuditConfig:
        return AuditConfig(env=self.env, timeout_s=self.timeout_s, out_dir=self.store.merchant_dir(self.run_id, mid),
                           sandbox_hosts=list(self.district.sandbox_hosts), allow_submit=self.allow_submit)

    def _schedule(self, mid: str):
        rec = self.records[mid]
        url = rec["audit_url"]
        visit_id = f"{mid}-{uuid.uuid4().hex[:8]}"
        if not url.lower().startswith(("http://", "https://")):
            scheme = url.split(":", 1)[0].lower()
            self.done.add(mid)
            kind = "app" if scheme in ("weixin", "alipays", "alipay") else "other"
            trace = failed_trace(url, self._config(mid), visit_id, "unsupported",
                                 Reason(Code.APP_LINK, {"scheme": scheme, "kind": kind}))
            self.crawler.stats.inc_value("qraudit/audited")
            yield AuditItem(mid, dict(rec), trace)
            return
        self.scheduled.add(mid)
        yield self._audit_request(mid, rec, visit_id)

    def _audit_request(self, mid: str, rec: dict[str, Any], visit_id: str | None = None) -> Any:
        """The scrapy-playwright request that audits merchant ``mid`` (its ``audit_url``)."""
        url = rec["audit_url"]
        visit_id = visit_id or f"{mid}-{uuid.uuid4().hex[:8]}"
        config = self._config(mid)
        meta = dict(self.engine_module.scrapy_meta(visit_id, config))
        meta.update(self._slot_meta(url))
        meta.update({
            META_MERCHANT: mid,
            "qraudit_visit_id": visit_id,
            "qraudit_config": config,
            "qraudit_record": dict(rec),
            "dont_retry": True,
            "handle_httpstatus_all": True,
            "dont_redirect": True,
            "download_timeout": self.timeout_s + AUDIT_GRACE_S,
        })
        return scrapy.Request(url, callback=self.audit_response, errback=self.audit_failed, meta=meta)

    # ---- shared runs: jobs in the Redis queue ----------------------------------

    def job_for_request(self, request: Any) -> dict[str, Any]:
        """What the shared queue keeps of an audit request: the merchant's record and the
        sandbox origins its URLs were found under (plain JSON; no worker's folders)."""
        mid = request.meta[META_MERCHANT]
        rec = dict(request.meta.get("qraudit_record") or self.records.get(mid) or {})
        rec.setdefault("merchant_id", mid)
        rec["audit_url"] = rec.get("audit_url") or request.url
        return {"record": rec, "origins": list(getattr(self.district, "sandbox_origins", None) or [])}

    def request_for_job(self, mid: str, job: dict[str, Any], requeued: int = 0) -> Any:
        """This worker's audit request for a job leased from the shared queue.

        URLs found under another worker's sandbox are moved to this worker's.  A
        merchant whose lease expired ``MAX_REQUEUES`` times gets a request that is
        never fetched (``META_GIVE_UP``): it is stored with a crawl error."""
        rec = dict(job.get("record") or {})
        rec["merchant_id"] = mid
        origins = list(job.get("origins") or [])
        mine = list(getattr(self.district, "sandbox_origins", None) or [])
        if origins and mine:
            rec["url"] = rebase_url(rec.get("url"), origins, mine)
            rec["audit_url"] = rebase_url(rec.get("audit_url"), origins, mine)
        rec["audit_url"] = rec.get("audit_url") or rec.get("url") or ""
        old = self.records.get(mid)
        self.records[mid] = merge_records(old, rec) if old else rec
        request = self._audit_request(mid, self.records[mid])
        shared = self.shared
        if shared is not None and requeued >= shared.max_requeues:
            request.meta[META_GIVE_UP] = requeued
        return request

    # ---- the audit ------------------------------------------------------------

    async def audit_response(self, response: Any):
        """The ordering page loaded: run the audit on it."""
        item = await self._audit(response.request, response.meta.get("playwright_page"), response=response)
        if item is not None:
            yield item

    async def audit_failed(self, failure: Any):
        """The first navigation failed (or the request was refused): audit what is there, or store the error."""
        if failure.check(AlreadyAudited):
            mid = failure.request.meta.get(META_MERCHANT)
            shared = self.shared
            if shared is not None and mid in self.done:  # stored here, its acknowledgement was lost: say it again
                shared.ack(mid, "")
            return
        request = failure.request
        page = request.meta.get("playwright_page")
        response = failure.value.response if failure.check(HttpError) else None
        error = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        if failure.check(IgnoreRequest) and not page:
            error = f"not fetched: {failure.getErrorMessage() or 'request ignored'}"
        item = await self._audit(request, page, response=response, error=error)
        if item is not None:
            yield item

    def shutting_down(self) -> bool:
        """True once the crawl began to stop early (SIGINT/SIGTERM, engine stopping, spider closing).

        An audit that ends then is not trusted: Scrapy closes the download handler
        (the browser) under audits in flight, so their verdicts say nothing about
        the merchant ("TargetClosedError", "empty page").  Idle close (``finished``)
        has no audit in flight, so this is never true for a result of a finished crawl.
        """
        crawler = getattr(self, "crawler", None)
        if crawler is None:
            return False
        if getattr(crawler, "qraudit_shutdown", None):
            return True
        engine = getattr(crawler, "engine", None)
        if engine is None:
            return False
        if getattr(engine, "_stopping", False) or not getattr(engine, "running", True):
            return True
        slot = getattr(engine, "_slot", None)
        return bool(slot is not None and getattr(slot, "closing", None) is not None)

    def _interrupted(self, mid: str, visit_id: str) -> None:
        """An audit cut short by the shutdown: not stored (``--resume`` audits the merchant again)."""
        self.crawler.stats.inc_value("qraudit/audit_interrupted")
        self.logger.info("audit of %s interrupted by the shutdown: not stored", mid)
        try:
            self.store.log_audit(self.run_id, mid, visit_id, "interrupted")
        except Exception:
            pass

    async def _audit(self, request: Any, page: Any, *, response: Any = None,
                     error: str | None = None) -> AuditItem | None:
        mid = request.meta[META_MERCHANT]
        visit_id = request.meta.get("qraudit_visit_id") or uuid.uuid4().hex
        config = request.meta.get("qraudit_config")
        rec = dict(self.records.get(mid) or request.meta.get("qraudit_record")
                   or {"merchant_id": mid, "url": request.url, "audit_url": request.url})
        url = rec.get("audit_url") or request.url
        if response is not None:
            try:
                html = response.text
            except (AttributeError, ValueError):
                html = None
            vendor = guess_vendor(response.url, html)
            if vendor:
                rec["vendor_guess"] = vendor
            if not rec.get("name") and html:
                m = re.search(r"<title[^>]*>([^<]{1,120})</title>", html, re.I)
                if m and m.group(1).strip():
                    rec["name"] = m.group(1).strip()
        config = config or self._config(mid)
        if page is None:
            if self.shutting_down():
                self._interrupted(mid, visit_id)
                return None
            trace = failed_trace(url, config, visit_id, "error", Reason(Code.CRAWL_ERROR, {"error": error or "no page"}))
            self.crawler.stats.inc_value("qraudit/audit_no_page")
        else:
            try:
                trace = await asyncio.wait_for(
                    self.engine_module.capture_page(page, url, config, visit_id),
                    timeout=config.timeout_s + AUDIT_GRACE_S,
                )
                error = None
            except asyncio.CancelledError:
                if self.shutting_down():
                    self._interrupted(mid, visit_id)
                raise
            except Exception as exc:  # the engine must never lose a merchant
                error = f"{type(exc).__name__}: {exc}"[:2000]
                trace = _partial_trace(config, visit_id) or failed_trace(url, config, visit_id, "error", None,
                                                                         final_url=_page_url(page))
                trace.complete = False
                end_trace(trace, "error", Reason(Code.ENGINE_ERROR, {"error": error}))
                self.crawler.stats.inc_value("qraudit/audit_error")
                self.logger.warning("audit of %s failed: %s", url, error)
            finally:
                await _close_page(page)
        if self.shutting_down():
            self._interrupted(mid, visit_id)
            return None
        if not rec.get("vendor_guess") and trace is not None and config is not None:
            try:  # the first response said nothing: ask what the browser rendered
                rec["vendor_guess"] = vendor_from_trace(trace, Path(config.out_dir) / visit_id)
            except Exception as exc:  # a guess never costs a merchant its result
                self.logger.debug("vendor guess from the trace of %s failed: %s", url, exc)
        self.done.add(mid)
        self.records[mid] = rec
        self.crawler.stats.inc_value("qraudit/audited")
        return AuditItem(mid, rec, trace, error)


def _page_url(page: Any) -> str | None:
    try:
        return page.url
    except Exception:
        return None


def _partial_trace(config: Any, visit_id: str) -> Trace | None:
    """The trace this visit saved before failing, if any (marked incomplete)."""
    trace = None
    for folder in (Path(config.out_dir) / visit_id, Path(config.out_dir)):
        try:
            trace = Trace.load(folder)
            break
        except (OSError, ValueError):
            continue
    if trace is None:
        return None
    if trace.visit_id != visit_id:
        return None
    trace.complete = False
    return trace


async def _close_page(page: Any) -> None:
    try:
        if not page.is_closed():
            await page.context.close()
    except Exception:
        pass
