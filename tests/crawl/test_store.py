"""The store: runs, merchants, results (idempotent), result.json and ingest."""

from __future__ import annotations

import json
import shutil

import pytest

from core.errors import QrauditError
from core.trace import Gate, Request, Trace, Try
from detectors.base import AuditResult, Finding
from results.store import Store, result_from_dict


def _trace(url="http://127.0.0.1:5000/m/kd/m01/?table=A3"):
    return Trace(
        url=url, visit_id="v-1", env="wechat", started_at="2026-11-30T09:00:00Z", ended_at="2026-11-30T09:00:12Z",
        browser_version="Chromium 1", user_agent="UA",
        gates=[Gate(id="g1", step=2, stage="entry", kind="overlay", text="请输入手机号", passed_by="canary",
                    tries=[Try(method="close icon", outcome="still_blocked")])],
        requests=[Request(id=1, step=1, t_ms=5, method="GET", url=url, status=200),
                  Request(id=2, step=3, t_ms=900, method="POST", url="http://127.0.0.2:7000/collect", status=204)],
    )


def _result(url="http://127.0.0.1:5000/m/kd/m01/?table=A3", verdict="violation"):
    f = Finding(rule="forced_phone", group="forced", stage="entry", severity="high", explanation="phone gate",
                legal_basis=["PIPL art. 16"], evidence={"step": 2, "screenshot": "step-02.png", "tried": ["Escape"]})
    return AuditResult(url=url, final_url=url, verdict=verdict, reason=None, order_reached="checkout",
                       findings=[f] if verdict == "violation" else [], steps=[{"n": 1}], visit_id="v-1")


@pytest.fixture
def store(tmp_path):
    return Store(data_dir=tmp_path / "data")


def _count(store, table, run_id):
    return int(store.query(f"SELECT count(*) AS n FROM {table} WHERE run_id = ?", [run_id]).n[0])


def test_round_trip_and_save_twice_keeps_one_row(store):
    run = store.create_run("crawl", district="demo", settings={"concurrency": 2})
    assert run.endswith("-demo") and store.run_dir(run).is_dir()
    rec = {"merchant_id": "abc123", "name": "云朵小面", "url": "http://127.0.0.1:5000/m/kd/m01/",
           "table_param": "table=A3", "sources": [{"source": "csv", "url": "x"}], "audit_url": "u"}
    store.upsert_merchant(run, rec)
    store.upsert_merchant(run, {**rec, "address": "梧桐路18号"})
    for _ in range(2):
        path = store.save_result(run, "abc123", _trace(), _result())
    for table in ("merchants", "audits", "findings", "gates"):
        assert _count(store, table, run) == 1, table
    assert _count(store, "requests", run) == 2
    third = store.query("SELECT req_id, third_party FROM requests ORDER BY req_id")
    assert list(third.third_party) == [False, True]
    audit = store.query("SELECT * FROM audits").iloc[0]
    assert audit.verdict == "violation" and list(audit.rules) == ["forced_phone"] and audit.duration_s == 12.0
    doc = json.loads(path.read_text())
    assert doc["verdict"] == "violation" and doc["merchant"]["address"] == "梧桐路18号"
    assert doc["findings"][0]["rule"] == "forced_phone" and doc["run_id"] == run
    assert store.done_merchants(run) == {"abc123"}
    info = store.finish_run(run)
    assert info["status"] == "finished" and info["merchants_total"] == 1 and info["verdicts"] == {"violation": 1}
    assert json.loads((store.run_dir(run) / "run.json").read_text())["status"] == "finished"
    assert store.get_run(run)["browser_version"] == "Chromium 1"
    df = store.runs()
    assert list(df.run_id) == [run] and int(df.violation[0]) == 1
    assert store.latest_run("demo")["run_id"] == run


def test_failed_audit_is_stored_with_its_error(store):
    run = store.create_run("crawl", district="demo")
    res = _result(verdict="inconclusive")
    res.reason = "crawl error: net::ERR_NAME_NOT_RESOLVED"
    store.save_result(run, "m1", None, res, "PlaywrightError: net::ERR_NAME_NOT_RESOLVED",
                      record={"merchant_id": "m1", "url": "http://x.example/"})
    row = store.query("SELECT verdict, error FROM audits").iloc[0]
    assert row.verdict == "inconclusive" and "ERR_NAME" in row.error
    assert _count(store, "merchants", run) == 1
    # a crawl/engine error is not a judgment: resume audits the merchant again
    assert store.done_merchants(run) == set()
    assert store.done_merchants(run, include_failed=True) == {"m1"}


def test_ingest_loads_results_written_elsewhere(tmp_path, store):
    run = store.create_run("crawl", district="demo")
    for mid in ("a1", "b2"):
        store.upsert_merchant(run, {"merchant_id": mid, "name": mid, "url": f"http://h/{mid}"})
        # the agent writes its evidence directly in the merchant folder or in a <visit_id>/ subfolder
        folder = store.merchant_dir(run, mid) / ("v-1" if mid == "b2" else "")
        _trace().save(folder)
        store.save_result(run, mid, _trace(), _result())
    dirs = dict(store.query("SELECT merchant_id, trace_dir FROM audits").values.tolist())
    assert dirs == {"a1": "merchants/a1", "b2": "merchants/b2/v-1"}
    store.finish_run(run)
    # a second machine's DB has none of it: copy the run folder, ingest
    other = Store(data_dir=tmp_path / "other")
    shutil.copytree(store.run_dir(run), other.run_dir(run))
    assert other.ingest(run) == 2
    assert other.ingest(run) == 0
    assert other.done_merchants(run) == {"a1", "b2"}
    assert _count(other, "findings", run) == 2 and _count(other, "gates", run) == 2
    assert sorted(r["name"] for r in other.merchants(run)) == ["a1", "b2"]
    assert int(other.query("SELECT count(*) AS n FROM requests").n[0]) == 4  # both traces were loaded


def test_result_from_dict_round_trip():
    r = _result()
    assert result_from_dict(json.loads(json.dumps(r.to_dict()))).to_dict() == r.to_dict()


def test_errors(store, tmp_path):
    with pytest.raises(QrauditError, match="unknown run"):
        store.get_run("nope")
    with pytest.raises(QrauditError, match="unknown run kind"):
        store.create_run("party")
    with pytest.raises(QrauditError, match="no qraudit store"):
        Store(data_dir=tmp_path / "empty", read_only=True).query("SELECT 1")


def test_run_ids_are_unique_within_a_second(store):
    ids = {store.create_run("crawl", district="demo") for _ in range(3)}
    assert len(ids) == 3


def test_a_reader_between_writes_does_not_block_the_writer(store):
    run = store.create_run("crawl", district="demo")
    reader = Store(db_path=store.db_path, read_only=True)
    assert reader.get_run(run)["status"] == "running"
    store.finish_run(run)
    assert reader.get_run(run)["status"] == "finished"
