"""Item pipelines of a district crawl: judge each visit, then store each merchant and each audit.

The crawl job (:func:`app.crawl.run_crawl`) puts them in Scrapy's ``ITEM_PIPELINES``:
:class:`JudgePipeline` turns an :class:`~crawler.scrapy.items.AuditItem`'s trace into
its judgment (``detectors.judge``); :class:`StorePipeline` writes through
:class:`results.store.Store` (one short-lived DuckDB connection per item, committed
at once), so a killed crawl loses at most the merchants whose audit was in flight.
The store is configured by the settings ``QRAUDIT_RUN_ID``, ``QRAUDIT_DATA_DIR`` and
``QRAUDIT_DB_PATH``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

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

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        s = crawler.settings
        run_id = s.get("QRAUDIT_RUN_ID")
        if not run_id:
            raise ValueError("StorePipeline needs the QRAUDIT_RUN_ID setting")
        return cls(run_id, s.get("QRAUDIT_DATA_DIR"), s.get("QRAUDIT_DB_PATH"))

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, MerchantItem):
            self.store.upsert_merchant(self.run_id, item.record)
        elif isinstance(item, AuditItem):
            self.store.save_result(
                self.run_id, item.merchant_id, item.trace, item.result, item.error, record=item.record
            )
            self.saved += 1
        return item
