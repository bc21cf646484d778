"""Fixtures for crawl tests: a repo-aware environment for ``qraudit`` subprocesses."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.redis_server import redis_url  # noqa: F401  (fixture: a live redis-server for shared runs)

REPO = Path(__file__).resolve().parents[2]
QRAUDIT = [sys.executable, "-c", "from app.main import main; main()"]


@pytest.fixture
def crawl_env(tmp_path):
    """Environment for a ``qraudit crawl`` subprocess: repo on PYTHONPATH (tests.crawl.stub_engine importable)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["QRAUDIT_STUB_LOG"] = str(tmp_path / "stub.log")
    env.pop("QRAUDIT_DATA", None)
    return env
