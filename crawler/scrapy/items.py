"""Scrapy items of a district crawl.

* :class:`MerchantItem`: a merchant record found (or merged) by discovery; the
  store pipeline upserts it into ``merchants``.
* :class:`AuditItem`: one merchant's visit (its trace, and the error that
  stopped it, if any); the crawl's item pipelines judge it (``result``) and store
  it.  Only its summary fields go to the ``results.jsonl`` feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class MerchantItem:
    """A merchant record (see :mod:`crawler.scrapy.discovery` for its keys)."""

    record: dict[str, Any]


@dataclass
class AuditItem:
    """An audited merchant.

    ``trace``: its :class:`core.trace.Trace` (a visit that never ran has a trace
    too, with the reason code); ``error``: why the audit failed, if it did;
    ``result``: the judgment, set by the judging pipeline (then :meth:`judged`
    fills the summary fields ``verdict``, ``rules``...).
    """

    merchant_id: str
    record: dict[str, Any]
    trace: Any
    error: str | None = None
    result: Any = None
    name: str | None = None
    url: str | None = None
    verdict: str = ""
    reason: str | None = None
    rules: list[str] = field(default_factory=list)
    visit_id: str | None = None

    def __post_init__(self) -> None:
        self.name = self.name or self.record.get("name")
        self.url = self.url or self.record.get("audit_url") or self.record.get("url")
        self.visit_id = self.visit_id or getattr(self.trace, "visit_id", None)
        if self.result is not None:
            self.judged(self.result)

    def judged(self, result: Any) -> None:
        """Keep the judgment (a ``detectors.base.AuditResult``) and its summary fields."""
        self.result = result
        self.verdict = result.verdict
        self.reason = result.reason
        self.rules = sorted({f.rule for f in result.findings})
        self.visit_id = self.visit_id or result.visit_id

#: Fields of :class:`AuditItem` exported to the ``results.jsonl`` feed.
FEED_FIELDS = ["merchant_id", "name", "url", "verdict", "reason", "rules", "visit_id", "error"]
