"""Item pipelines of a district crawl: judge each visit, then store each merchant and each audit.

The crawl job (:func:`app.crawl.run_crawl`) puts them in Scrapy's ``ITEM_PIPELINES``:
:class:`JudgePipeline` turns an :class:`~crawler.scrapy.items.AuditItem`'s trace into
its judgment (``detectors.judge``); :class:`StorePipeline` writes through
:class:`results.store.Store` (one short-lived DuckDB connection per item, committed
at once), so a killed crawl loses at most the merchants whose audit was in flight.
When the DB stays locked by another process longer than the store waits, the
merchant's ``result.json`` is written alone (stat ``qraudit/store_deferred``) and
the crawl loads it when it ends (``Store.ingest``).
The store is configured by the settings ``QRAUDIT_RUN_ID``, ``QRAUDIT_DATA_DIR`` and
``QRAUDIT_DB_PATH``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from core.errors import QrauditError
from crawler.scrapy.items import AuditItem, MerchantItem
from detectors import judge
from results.store import Store

logger = logging.getLogger(__name__)

#: Scrapy's ``ITEM_PIPELINES`` of a crawl: judge first, then store.
ITEM_PIPELINES = {"app.pipelines.JudgePipeline": 200, "app.pipelines.StorePipeline": 300}


class JudgePipeline:
    """Set ``item.result`` = ``detectors.judge(item.trace)`` for every :class:`AuditItem`."""

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, AuditItem) and item.result is None:
            item.judged(judge(item.trace))
        return item


class StorePipeline:
    """Upsert :class:`MerchantItem` records; save judged :class:`AuditItem` results (``Store.save_result``)."""

    def __init__(self, run_id: str, data_dir: str | None, db_path: str | None) -> None:
        self.run_id = run_id
        self.store = Store(db_path=Path(db_path) if db_path else None, data_dir=Path(data_dir) if data_dir else None)
        self.saved = 0
        self.crawler: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        s = crawler.settings
        run_id = s.get("QRAUDIT_RUN_ID")
        if not run_id:
            raise ValueError("StorePipeline needs the QRAUDIT_RUN_ID setting")
        inst = cls(run_id, s.get("QRAUDIT_DATA_DIR"), s.get("QRAUDIT_DB_PATH"))
        inst.crawler = crawler
        return inst

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, MerchantItem):
            try:
                self.store.upsert_merchant(self.run_id, item.record)
            except QrauditError as exc:  # the record is stored again with the merchant's result
                logger.warning("merchant record %s not stored now: %s", item.record.get("merchant_id"), exc)
        elif isinstance(item, AuditItem):
            try:
                self.store.save_result(
                    self.run_id, item.merchant_id, item.trace, item.result, item.error, record=item.record
                )
            except QrauditError as exc:  # the DB stayed locked: keep the result on disk, ingest it at the end
                self.store.write_result_json(self.run_id, item.merchant_id, item.trace, item.result, item.error,
                                             record=item.record)
                stats = getattr(self.crawler or getattr(spider, "crawler", None), "stats", None)
                if stats is not None:
                    stats.inc_value("qraudit/store_deferred")
                logger.warning("result of %s written to result.json only (loaded at the end): %s",
                               item.merchant_id, exc)
            self.saved += 1
        return item
