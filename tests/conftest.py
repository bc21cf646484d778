"""Shared fixtures.

* ``sandbox``: the simulated district, started once per test session on free
  loopback ports (``sandbox.server.SandboxServer``).
* ``sandbox_audit_run`` / ``sandbox_audits``: every sandbox merchant audited once
  per session through the real browser (``app.jobs.audit_many``), with the
  safety events it caused / as ``{merchant_id: (trace, result)}``; the agent and
  detector accuracy tests share it so the browser work is done once.
* ``browser_launch_options``: pytest-playwright's launch options, pointed at a
  Chromium that exists (Playwright's own, else the system one).  Browser tests
  never skip: if no browser can start they fail.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.jobs import audit_many
from crawler.browser import launch_options
from crawler.engine import AuditConfig
from sandbox.server import SandboxServer

#: ``tests/acceptance`` (the README walk-through, two whole crawls) is collected only by
#: ``make acceptance``: collected at all, its browser tests would reorder the session's
#: (pytest groups the tests that share a browser first).
collect_ignore = [] if os.environ.get("QRAUDIT_ACCEPTANCE") else ["acceptance"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright hook: launch the Chromium qraudit would use."""

    return {**browser_type_launch_args, **launch_options()}


@pytest.fixture(scope="session")
def sandbox():

    with SandboxServer() as sb:
        yield sb


@dataclass
class SandboxAuditRun:
    """Every sandbox merchant audited once: ``results`` ``{merchant_id: (trace, result)}``
    and ``events``, the sandbox's safety events (order_submit, sms_send, pay) those
    audits caused (a snapshot: other tests may reset the live list)."""

    results: dict
    events: list


@pytest.fixture(scope="session")
def sandbox_audit_run(sandbox, tmp_path_factory) -> SandboxAuditRun:
    """Audit every sandbox merchant once (concurrency from QRAUDIT_TEST_CONCURRENCY, default 2)."""

    out = tmp_path_factory.mktemp("sandbox-audits")
    gt = sandbox.ground_truth()["merchants"]
    targets = {m["id"]: sandbox.merchant_url(m["id"]) for m in gt}
    concurrency = int(os.environ.get("QRAUDIT_TEST_CONCURRENCY", "2"))
    # privileged mode: the sandbox's own host is declared (it would be audited live otherwise)
    config = AuditConfig(out_dir=Path(out), timeout_s=45, sandbox_hosts=[urlsplit(sandbox.base_url).hostname])
    sandbox.reset_events()
    # In a thread of its own: pytest-playwright's sync fixtures may already run an
    # event loop in this one, and asyncio.run refuses to nest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        results = pool.submit(asyncio.run, audit_many(targets, config, concurrency=concurrency)).result()
    return SandboxAuditRun(results, list(sandbox.events))


@pytest.fixture(scope="session")
def sandbox_audits(sandbox_audit_run) -> dict:
    """``{merchant_id: (trace, result)}`` of :func:`sandbox_audit_run`."""
    return sandbox_audit_run.results
