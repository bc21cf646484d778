"""The analyst API (results.api) over a fake store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import QrauditError
from core.trace import Trace
from results import api
from results.manifest import verify
from results.report import build_report

from .conftest import RUN_A, RUN_B
from .fakerun import build_fake_run


def test_runs_and_latest(data_dir):
    runs = api.runs()
    assert runs["run_id"].tolist() == [RUN_B, RUN_A]
    assert runs.set_index("run_id").loc[RUN_A, "n_violations"] == 2
    assert api.latest_run() == RUN_B
    assert api.audits()["run_id"].unique().tolist() == [RUN_B]
    assert api.connect(data_dir).resolve_run("20261130") == RUN_A  # unique prefix


def test_tables(data_dir):
    a = api.audits(RUN_A).set_index("merchant_id")
    assert a.loc["m01", "verdict"] == "violation" and a.loc["m01", "rules"] == ["forced_phone"]
    assert a.loc["m03", "reason"] == "closed" and a.loc["m02", "rules"] == []
    assert a.loc["m04", "stages"] == ["checkout"] and a.loc["m01", "vendor"] == "alpha"
    assert str(a["started_at"].dtype) == "datetime64[us, UTC]"
    f = api.findings(RUN_A)
    assert len(f) == 3 and f.iloc[0]["evidence"]["selector"] == "div.login-mask"
    assert all(Path(p).is_file() for p in f["screenshot_path"])
    assert api.gates(RUN_A)["tries"].iloc[0][0]["method"] == "close icon"
    r = api.requests(RUN_A)
    assert r[r["third_party"]]["merchant_id"].tolist() == ["m04"]


def test_merchant_drilldown(data_dir):
    m = api.merchant(RUN_A, "m01")
    assert m["audit"]["verdict"] == "violation"
    assert isinstance(m["trace"], Trace) and m["trace"].gates[0].id == "g1"
    assert m["findings"]["rule"].tolist() == ["forced_phone"]
    steps = m["steps"]
    assert steps["n"].tolist() == [1, 2, 3, 4, 5, 6]
    assert all(Path(p).is_absolute() and Path(p).is_file() for p in steps["screenshot"])
    assert m["result"]["verdict"] == "violation"


def test_errors_are_one_line_user_errors(data_dir, tmp_path):
    with pytest.raises(QrauditError, match="unknown run 'nope'"):
        api.audits("nope")
    with pytest.raises(QrauditError, match="was not audited"):
        api.merchant(RUN_A, "m99")
    with pytest.raises(QrauditError, match="no qraudit database"):
        api.runs(data_dir=tmp_path / "empty")


def test_evidence_in_a_visit_subfolder(tmp_path):
    """Inside a crawl the engine writes evidence to merchants/<mid>/<visit_id>/: found all the same."""


    d = tmp_path / "data"
    run_dir = build_fake_run(d, "nested", nested=True)
    assert (run_dir / "merchants" / "m01" / "v-m01" / "trace.json").is_file()
    m = api.merchant("nested", "m01", data_dir=d)
    assert m["dir"] == run_dir / "merchants" / "m01" / "v-m01"
    assert isinstance(m["trace"], Trace) and all(Path(p).is_file() for p in m["steps"]["screenshot"])
    assert all(Path(p).is_file() for p in api.findings("nested", data_dir=d)["screenshot_path"])
    index = build_report("nested", d)
    page = (index.parent / "merchants" / "m01.html").read_text(encoding="utf-8")
    assert page.count("<img") == 7 and "../../merchants/m01/v-m01/step-02.png" in page
    assert json_urls(run_dir) == {"m01", "m02", "m03", "m04"}
    assert verify(run_dir) == []


def json_urls(run_dir):

    return {u["merchant_id"] for u in json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["urls"]}
