"""Scrapy items of a district crawl.

* :class:`MerchantItem`: a merchant record found (or merged) by discovery; the
  store pipeline upserts it into ``merchants``.
* :class:`AuditItem`: one merchant's audit (trace + result, or the error that
  stopped it); the store pipeline saves it with ``Store.save_result``.  Only
  its summary fields go to the ``results.jsonl`` feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class MerchantItem:
    """A merchant record (see :mod:`crawler.spiders.discovery` for its keys)."""

    record: dict[str, Any]


@dataclass
class AuditItem:
    """An audited merchant.

    ``trace``: :class:`crawler.trace.Trace` or None; ``result``:
    :class:`detectors.base.AuditResult`; ``error``: why the audit failed, if it
    did; summary fields (``verdict``, ``rules``...) are filled from the result.
    """

    merchant_id: str
    record: dict[str, Any]
    result: Any
    trace: Any = None
    error: str | None = None
    name: str | None = None
    url: str | None = None
    verdict: str = ""
    reason: str | None = None
    rules: list[str] = field(default_factory=list)
    visit_id: str | None = None

    def __post_init__(self) -> None:
        self.name = self.name or self.record.get("name")
        self.url = self.url or self.record.get("audit_url") or self.record.get("url")
        if self.result is not None:
            self.verdict = self.result.verdict
            self.reason = self.result.reason
            self.rules = sorted({f.rule for f in self.result.findings})
            self.visit_id = self.visit_id or self.result.visit_id

#: Fields of :class:`AuditItem` exported to the ``results.jsonl`` feed.
FEED_FIELDS = ["merchant_id", "name", "url", "verdict", "reason", "rules", "visit_id", "error"]
