"""Several processes, one DuckDB file: nobody fails on DuckDB's single-writer lock.

A crawl holds the file for a few milliseconds per merchant; a ``check`` (which
stores a run), ``runs``, ``report`` or a notebook run meanwhile waits its turn
(:func:`results.store.open_duckdb`).  A lock held longer than the store waits
(a notebook keeping a connection open) costs the crawl nothing either: the
merchant's ``result.json`` is written alone and ingested when the crawl ends.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from app.pipelines import StorePipeline
from core.errors import QrauditError
from core.trace import Trace
from crawler.scrapy.items import AuditItem
from detectors.base import AuditResult
from results.api import Results
from results.store import Store, _attach_read_only
from tests.crawl.conftest import QRAUDIT
from tests.crawl.fake_district import FakeDistrict

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _hold(db: Path, seconds: float) -> subprocess.Popen:
    """Another process that opens ``db`` read-write and keeps it for ``seconds``."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def _result(mid: str) -> AuditResult:
    return AuditResult(url=f"http://{mid}.example/", final_url=f"http://{mid}.example/", verdict="compliant",
                       reason=None, order_reached="checkout", findings=[], steps=[], visit_id="v1")


def test_writers_and_readers_wait_for_a_short_lock_instead_of_failing(tmp_path):
    store = Store(data_dir=tmp_path / "data")
    run = store.create_run("crawl", district="t")
    holder = _hold(store.db_path, 1.5)
    try:
        t0 = time.monotonic()
        check = store.create_run("check", district="t")  # what `qraudit check` does while a crawl writes
        store.save_result(check, "m1", None, _result("m1"), record={"merchant_id": "m1", "url": "http://m1.example/"})
        assert time.monotonic() - t0 >= 0.5  # it did wait for the other process
    finally:
        holder.wait()
    holder = _hold(store.db_path, 1.0)
    try:
        assert set(Results(tmp_path / "data").runs().run_id) == {run, check}  # report/diff/notebooks read
        assert len(Store(data_dir=tmp_path / "data", read_only=True).runs()) == 2
    finally:
        holder.wait()


def test_a_lock_longer_than_the_wait_keeps_the_result_on_disk_and_ingest_loads_it(tmp_path):
    store = Store(data_dir=tmp_path / "data")
    run = store.create_run("crawl", district="t")
    pipe = StorePipeline(run, str(store.data_dir), str(store.db_path))
    pipe.store.lock_timeout_s = 0.3
    stats = {}
    pipe.crawler = SimpleNamespace(stats=SimpleNamespace(inc_value=lambda k: stats.__setitem__(k, stats.get(k, 0) + 1)))
    trace = Trace(url="http://m1.example/", visit_id="v1", env="wechat", final_url="http://m1.example/")
    item = AuditItem("m1", {"merchant_id": "m1", "url": "http://m1.example/", "audit_url": "http://m1.example/"},
                     trace, result=_result("m1"))
    holder = _hold(store.db_path, 2.0)
    try:
        with pytest.raises(QrauditError, match="stayed locked"):
            Store(data_dir=tmp_path / "data", lock_timeout_s=0.2).runs()
        pipe.process_item(item)  # does not raise: the result waits on disk
    finally:
        holder.wait()
    assert stats == {"qraudit/store_deferred": 1}
    assert (store.run_dir(run) / "merchants" / "m1" / "result.json").is_file()
    assert store.done_merchants(run) == set()
    assert store.ingest(run) == 1
    assert store.done_merchants(run) == {"m1"} and store.merchants(run)[0]["url"] == "http://m1.example/"


@pytest.mark.browser
def test_a_crawl_and_check_runs_stored_meanwhile_both_succeed(tmp_path, crawl_env):
    """A crawl (stub engine) stores its merchants while another process stores one-merchant check runs
    and lists the runs, again and again: no process fails, the crawl's report gets built."""
    data = tmp_path / "data"
    env = {**crawl_env, "QRAUDIT_AUDIT_ENGINE": "tests.crawl.stub_engine", "QRAUDIT_STUB_DELAY": "0.5"}
    with FakeDistrict() as fd:
        seeds = fd.write_seeds(tmp_path / "seeds")
        crawl = subprocess.Popen([*QRAUDIT, "crawl", "--district", str(seeds), "--data", str(data), "--no-progress"],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        checks = 0
        try:
            while not (data / "qraudit.duckdb").exists():
                assert crawl.poll() is None, crawl.stderr.read()[-3000:]
                time.sleep(0.2)
            while crawl.poll() is None:
                store = Store(data_dir=data)
                run = store.create_run("check", district="t")
                store.save_result(run, "m1", None, _result("m1"), record={"merchant_id": "m1",
                                                                           "url": "http://m1.example/"})
                store.finish_run(run)
                Store(data_dir=data, read_only=True).runs()
                checks += 1
                time.sleep(0.3)
            out, err = crawl.communicate(timeout=60)
        finally:
            if crawl.poll() is None:
                crawl.kill()
                crawl.wait()
    assert crawl.returncode == 0, err[-3000:]
    assert checks >= 3
    assert "report:     " in out and "not built" not in out, out
    runs = Store(data_dir=data, read_only=True).runs()
    assert (runs.kind == "check").sum() == checks and (runs.kind == "crawl").sum() == 1
    crawl_run = runs[runs.kind == "crawl"].iloc[0]
    assert crawl_run.status == "finished" and crawl_run.audited == 7


def test_merging_a_worker_store_waits_while_its_worker_writes(tmp_path):
    """The last worker merges the others' stores while one of them may be writing its own for a
    moment (found by the two-worker test: a restarted worker's store was locked at the ATTACH)."""
    worker = tmp_path / "worker.duckdb"
    duckdb.connect(str(worker)).execute("CREATE TABLE t AS SELECT 1 AS x").close()
    con = duckdb.connect()
    holder = _hold(worker, 1.2)
    try:
        t0 = time.monotonic()
        _attach_read_only(con, worker, 20)
        assert time.monotonic() - t0 >= 0.3
        assert con.execute("SELECT x FROM w.t").fetchone() == (1,)
        con.execute("DETACH w")
    finally:
        holder.wait()
    holder = _hold(worker, 3.0)
    try:
        with pytest.raises(QrauditError, match="cannot read the worker store"):
            _attach_read_only(con, worker, 0.5)
    finally:
        holder.wait()
