"""``qraudit rescore RUN`` on the session's demo crawl: re-judging its stored traces gives, field
by field, the results stored at the commit before the architecture move (``before-move.json``,
:mod:`tests.app.move_golden`), in ``result.json`` and in the store's rows.

No crawl of its own: it re-judges a copy of ``demo_crawl`` (tests/conftest.py), the crawl
tests/crawl/test_crawl_e2e.py checks against the ground truth and the same golden results.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from results.store import Store
from sandbox.server import GROUND_TRUTH_PATH
from tests.app.move_golden import differences, key_of, normalise, normalise_run
from tests.crawl.conftest import QRAUDIT, REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_rescore_of_the_demo_crawl_matches_the_results_before_the_move(demo_crawl, tmp_path):
    assert demo_crawl.proc.returncode == 0, demo_crawl.proc.stderr[-3000:]
    data = tmp_path / "data"
    shutil.copytree(demo_crawl.data, data)  # the crawl is shared: rescore rewrites a copy
    (run,) = Store(data_dir=data, read_only=True).runs().run_id
    run_dir = data / "runs" / run
    # every result compared below is one rescore wrote: the crawl's result.json files go
    crawled = sorted(run_dir.glob("merchants/*/result.json"))
    assert crawled
    for f in crawled:
        f.unlink()

    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("QRAUDIT_DATA", None)
    proc = subprocess.run([*QRAUDIT, "rescore", run, "--data", str(data), "--format", "json"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    assert summary["errors"] == []
    assert summary["traces"] == summary["results_changed"] == len(crawled), summary

    gt = json.loads(GROUND_TRUTH_PATH.read_text(encoding="utf-8"))["merchants"]
    pending = {m["id"] for m in gt if m.get("pending")}
    written = normalise_run(run_dir)
    assert differences({k: v for k, v in written.items() if k not in pending}) == []
    # the store's rows, which rescore rewrote too
    rows = Store(data_dir=data, read_only=True).query("SELECT result FROM audits WHERE run_id = ?", [run])
    stored = {key_of(r): normalise(r) for r in map(json.loads, rows.result)}
    assert stored == written
