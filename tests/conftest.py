"""Shared fixtures.

* ``sandbox``: the simulated district, started once per test session on free
  loopback ports (``sandbox.server.SandboxServer``).
* ``sandbox_audit_run`` / ``sandbox_audits``: every sandbox merchant audited once
  per session through the real browser (``app.jobs.audit_many``), with the
  safety events it caused / as ``{merchant_id: (trace, result)}``; the agent and
  detector accuracy tests share it so the browser work is done once.
* ``demo_crawl``: ``qraudit crawl`` of the demo district (the whole sandbox) once per
  session, in a data folder of its own: the crawl test checks it against the ground truth
  and the results stored before the architecture move, the rescore test re-judges a copy.
* ``browser_launch_options``: pytest-playwright's launch options, pointed at a
  Chromium that exists (Playwright's own, else the system one).  Browser tests
  never skip: if no browser can start they fail.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.jobs import audit_many
from crawler.browser import launch_options
from crawler.engine import AuditConfig
from sandbox.server import SandboxServer

REPO = Path(__file__).resolve().parents[1]

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


@dataclass
class DemoCrawl:
    """A finished ``qraudit crawl`` of the demo district: its ``data`` folder and the process
    (``proc.returncode``, ``proc.stdout``, ``proc.stderr``).  Read it, never write it: copy
    ``data`` first (other tests read the same crawl)."""

    data: Path
    proc: subprocess.CompletedProcess


@pytest.fixture(scope="session")
def demo_crawl(tmp_path_factory) -> DemoCrawl:
    """``qraudit crawl`` of the demo district with the real agent and detectors, once per session
    (concurrency from QRAUDIT_TEST_CONCURRENCY, default 2).  Slow: the whole sandbox."""

    data = tmp_path_factory.mktemp("demo-crawl") / "data"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("QRAUDIT_DATA", None)
    conc = os.environ.get("QRAUDIT_TEST_CONCURRENCY", "2")
    proc = subprocess.run([sys.executable, "-c", "from app.main import main; main()", "crawl", "--data", str(data),
                           "--concurrency", conc, "--no-progress"],
                          env=env, capture_output=True, text=True, timeout=3600)
    return DemoCrawl(data, proc)
