"""Shared fixtures.

* ``sandbox``: the simulated district, started once per test session on free
  loopback ports (``sandbox.server.SandboxServer``).
* ``sandbox_audits``: every sandbox merchant audited once per session through
  the real browser (``crawler.audit.audit_url``), as ``{merchant_id: (trace, result)}``;
  the agent and detector accuracy tests share it so the browser work is done once.
* ``browser_launch_options``: pytest-playwright's launch options, pointed at a
  Chromium that exists (Playwright's own, else the system one).  Browser tests
  never skip: if no browser can start they fail.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright hook: launch the Chromium qraudit would use."""
    from crawler.browser import launch_options

    return {**browser_type_launch_args, **launch_options()}


@pytest.fixture(scope="session")
def sandbox():
    from sandbox.server import SandboxServer

    with SandboxServer() as sb:
        yield sb


@pytest.fixture(scope="session")
def sandbox_audits(sandbox, tmp_path_factory):
    """Audit every sandbox merchant once (concurrency from QRAUDIT_TEST_CONCURRENCY, default 2)."""
    from crawler.audit import AuditConfig, audit_many

    out = tmp_path_factory.mktemp("sandbox-audits")
    gt = sandbox.ground_truth()["merchants"]
    targets = {m["id"]: sandbox.merchant_url(m["id"]) for m in gt}
    concurrency = int(os.environ.get("QRAUDIT_TEST_CONCURRENCY", "2"))
    config = AuditConfig(out_dir=Path(out), timeout_s=45)
    # In a thread of its own: pytest-playwright's sync fixtures may already run an
    # event loop in this one, and asyncio.run refuses to nest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, audit_many(targets, config, concurrency=concurrency)).result()
