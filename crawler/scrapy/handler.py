"""One browser for a whole crawl: scrapy-playwright's download handler, shared by http and https.

Scrapy builds one download handler per URL scheme.  scrapy-playwright's handler starts
its own Playwright driver and its own Chromium, so a district with both http and https
merchants ran two drivers and two browsers (about 0.5 GB more at concurrency 4, and
``PLAYWRIGHT_MAX_CONTEXTS`` applied to each browser, so up to twice the audits the
user asked for).  :class:`SharedPlaywrightHandler` is that handler, built once per
crawler and handed to both schemes; it is closed once.
"""

from __future__ import annotations

from typing import Any

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

_ATTR = "_qraudit_playwright_handler"


class SharedPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, one instance per crawler for every scheme it is named for.

    Built when the crawl starts (``lazy = False``: the browser is launched once the
    engine has started, as scrapy-playwright does); :meth:`close` runs once however
    many schemes hold it.
    """

    lazy = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedPlaywrightHandler:
        """The crawler's handler: made on the first call, the same object after."""
        handler = getattr(crawler, _ATTR, None)
        if handler is None:
            handler = cls(crawler)
            setattr(crawler, _ATTR, handler)
        return handler

    async def close(self) -> None:
        """Close the browser and the driver (the second and later calls do nothing)."""
        if getattr(self, "_qraudit_closed", False):
            return
        self._qraudit_closed = True
        await super().close()
