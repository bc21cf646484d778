"""rescore (library and CLI), qraudit rules, the fast trace loader."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.main import app
from core.errors import QrauditError
from core.trace import Trace
from results.rescore import rescore, rescore_dir
from results.store import Store

from .builders import phone_gate, trace


def _write(folder, t: Trace, old_verdict: str | None = None):
    t.save(folder)
    if old_verdict:
        (folder / "result.json").write_text(json.dumps({"verdict": old_verdict, "merchant_id": folder.name}))


def test_rescore_dir_rewrites_results(tmp_path):
    _write(tmp_path / "a" / "m1", trace(gates=[phone_gate()]), "compliant")
    _write(tmp_path / "a" / "m2", trace(), "compliant")
    _write(tmp_path / "b", trace(outcome="unsupported", reason="mini-program"))
    s = rescore_dir(tmp_path, jobs=1)
    assert len(s.items) == 3 and not s.errors
    assert s.counts == {"violation": 1, "compliant": 1, "unsupported": 1}
    assert s.changes == {("compliant", "violation"): 1, (None, "unsupported"): 1}
    r1 = json.loads((tmp_path / "a" / "m1" / "result.json").read_text())
    assert r1["verdict"] == "violation" and r1["merchant_id"] == "m1"  # extra keys kept
    assert {f["rule"] for f in r1["findings"]} == {"forced_phone", "no_privacy_notice"}
    # second pass: nothing changes
    assert not rescore_dir(tmp_path, jobs=1).changes


def test_rescore_parallel_same_as_serial(tmp_path):
    for i in range(10):
        _write(tmp_path / f"m{i}", trace(gates=[phone_gate()] if i % 2 else []))
    s = rescore_dir(tmp_path, jobs=2, write=False)
    assert s.counts == {"violation": 5, "compliant": 5}


def test_bad_input(tmp_path):
    with pytest.raises(QrauditError, match="no such file"):
        rescore(tmp_path / "missing")
    with pytest.raises(QrauditError, match="no trace.json"):
        rescore(tmp_path)
    bad = tmp_path / "x" / "trace.json"
    bad.parent.mkdir()
    bad.write_text('{"hello": 1}')
    with pytest.raises(QrauditError, match="not a qraudit trace"):
        rescore(bad)
    s = rescore_dir(tmp_path, jobs=1)
    assert s.errors and "not a qraudit trace" in s.errors[0]


def test_cli_rescore_and_rules(tmp_path):
    _write(tmp_path / "m1", trace(gates=[phone_gate()]), "compliant")
    r = CliRunner().invoke(app, ["rescore", str(tmp_path), "--jobs", "1"])
    assert r.exit_code == 0, r.output
    assert "violation" in r.output and "compliant" in r.output
    r = CliRunner().invoke(app, ["rescore", str(tmp_path), "--format", "json"])
    assert json.loads(r.output)["counts"] == {"violation": 1}
    r = CliRunner().invoke(app, ["rules", "--format", "json"])
    ids = {x["id"] for x in json.loads(r.output)}
    assert "forced_phone" in ids and "third_party_leak" in ids
    r = CliRunner().invoke(app, ["rules"])
    assert r.exit_code == 0 and "PIPL art. 16" in r.output


def test_cli_bad_path_one_line(tmp_path):

    exe = Path(sys.executable).parent / "qraudit"
    p = subprocess.run([str(exe), "rescore", str(tmp_path / "nope")], capture_output=True, text=True)
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0 and "no such file" in p.stderr


def test_rescore_run_with_store(tmp_path):

    store = Store(data_dir=tmp_path)
    mdir = store.run_dir("r1") / "merchants" / "m01"
    _write(mdir, trace(gates=[phone_gate()]), "compliant")
    s = rescore("r1", store=store, jobs=1)
    assert s.counts == {"violation": 1}
    doc = json.loads((mdir / "result.json").read_text())
    assert doc["verdict"] == "violation" and doc["run_id"] == "r1"
    with pytest.raises(QrauditError, match="unknown run"):
        rescore("nope", store=store)


def test_trace_round_trips_through_json_and_file(tmp_path):
    t = trace(gates=[phone_gate()])
    d = json.loads(t.to_json())
    assert Trace.from_dict(d) == t
    t.save(tmp_path)
    assert Trace.load(tmp_path) == t
    with pytest.raises(ValueError):
        Trace.from_dict({"url": "x", "schema_version": 99})
    with pytest.raises(ValueError, match="malformed"):
        Trace.from_dict({"url": "x", "visit_id": "v", "schema_version": 1, "steps": [{"n": 1}]})
