"""Crawl plumbing: one audit per merchant, whatever the queue says.

* :class:`MerchantFingerprinter` (``REQUEST_FINGERPRINTER_CLASS``): an audit
  request's fingerprint is its merchant id, so Scrapy's dupefilter drops a
  second audit of a merchant however its URL is spelled (tables, utm_...).
* :class:`MemoryDupeFilter` (``DUPEFILTER_CLASS``): the dupefilter without its
  JOBDIR file, because ``--resume`` re-runs discovery from the start.
* :class:`AuditGuardMiddleware` (downloader middleware): drops an audit request
  whose merchant is already stored or already started in this process
  (requests left in a JOBDIR queue by an interrupted crawl), refuses an audit
  request marked :data:`META_GIVE_UP` (a shared run's merchant whose lease
  expired too often: :class:`GaveUp`), and logs each audit start in the
  store's ``audit_log``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.request import RequestFingerprinter

META_MERCHANT = "qraudit_merchant_id"
#: Request meta of a shared run's audit that is not to be fetched: the times its lease expired.
META_GIVE_UP = "qraudit_give_up"


class AlreadyAudited(IgnoreRequest):
    """The merchant's audit is stored or running already."""


class GaveUp(IgnoreRequest):
    """The merchant's lease expired too often (its audits kill or stall workers): not visited again."""


class MerchantFingerprinter:
    """Fingerprint audit requests by merchant id; others as Scrapy does."""

    def __init__(self, crawler: Any = None) -> None:
        self._default = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler: Any) -> MerchantFingerprinter:
        return cls(crawler)

    def fingerprint(self, request: Any) -> bytes:
        mid = request.meta.get(META_MERCHANT)
        if mid:
            return hashlib.sha1(f"merchant:{mid}".encode()).digest()
        return self._default.fingerprint(request)


class MemoryDupeFilter(RFPDupeFilter):
    """:class:`RFPDupeFilter` that never reads or writes ``JOBDIR/requests.seen``."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> MemoryDupeFilter:
        return cls(None, crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter)


class AuditGuardMiddleware:
    """Let each merchant's audit through once per run; record the start.

    Uses the spider's ``done`` (stored merchant ids) and ``started`` sets and its
    ``store``/``run_id``; raises :class:`AlreadyAudited` for a repeat.
    """

    @classmethod
    def from_crawler(cls, crawler: Any) -> AuditGuardMiddleware:
        mw = cls()
        mw.crawler = crawler
        return mw

    def process_request(self, request: Any, spider: Any = None) -> None:
        mid = request.meta.get(META_MERCHANT)
        if not mid:
            return None
        spider = spider or self.crawler.spider
        given_up = request.meta.get(META_GIVE_UP)
        if given_up:
            spider.crawler.stats.inc_value("qraudit/audit_given_up")
            raise GaveUp(f"lease_expired_{int(given_up)}_times")
        if mid in spider.done or mid in spider.started:
            spider.crawler.stats.inc_value("qraudit/audit_skipped_repeat")
            raise AlreadyAudited(f"merchant {mid} already audited in this run")
        spider.started.add(mid)
        spider.store.log_audit(spider.run_id, mid, request.meta.get("qraudit_visit_id"), "start")
        spider.crawler.stats.inc_value("qraudit/audit_started")
        return None
