"""Fixtures of the app tests: a live redis-server (``redis_url``) and a ``qraudit`` subprocess environment."""

from __future__ import annotations

from tests.crawl.conftest import crawl_env  # noqa: F401  (fixture)
from tests.redis_server import redis_url  # noqa: F401  (fixture)
