"""Rescoring a stored run rewrites judgment (result.json) and records it in the manifest;
captured evidence stays covered by verify."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from core.trace import Trace
from detectors import judge
from results.manifest import amend, manifest_digest, verify
from results.report import build_report
from results.rescore import rescore_dir, rescore_run, same_judgment
from results.store import Store

from .fakerun import build_fake_run


def test_rescore_of_a_crawl_run_amends_the_manifest_and_verify_still_catches_tampering(tmp_path):
    run_dir = build_fake_run(tmp_path, "20261130T010000Z-demo", nested=True)
    assert verify(run_dir) == []
    build_report("20261130T010000Z-demo", tmp_path)
    summary = rescore_run("20261130T010000Z-demo", store=Store(data_dir=tmp_path))
    assert len(summary.items) == 4 and not summary.errors  # traces found in the per-visit folders

    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    amendment = manifest["amendments"][-1]
    assert amendment["reason"].startswith("qraudit rescore")
    assert set(amendment["files"]) == {f"merchants/m0{i}/result.json" for i in range(1, 5)}
    assert verify(run_dir) == []
    # the report was rebuilt: it shows the amended manifest's digest
    assert manifest_digest(run_dir) in (run_dir / "report" / "index.html").read_text(encoding="utf-8")

    shot = run_dir / "merchants" / "m01" / "v-m01" / "step-02.png"
    shot.write_bytes(shot.read_bytes() + b"x")
    assert verify(run_dir) == [p for p in verify(run_dir) if p.startswith("changed: merchants/m01/v-m01/step-02.png")]
    assert len(verify(run_dir)) == 1


def test_only_result_files_can_be_amended(tmp_path):
    run_dir = build_fake_run(tmp_path, "20261130T020000Z-demo")
    with pytest.raises(ValueError, match="only result.json"):
        amend(run_dir, ["merchants/m01/step-02.png"], "nope")
    assert amend(run_dir, ["merchants/m01/result.json"], "unchanged file") == []


def test_rescore_command_takes_latest_and_a_data_folder(tmp_path):

    build_fake_run(tmp_path, "20261130T030000Z-demo", nested=True)
    cli = [sys.executable, "-c", "from app.main import main; main()", "rescore"]
    proc = subprocess.run([*cli, "latest", "--data", str(tmp_path), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["traces"] == 4
    bad = subprocess.run([*cli, "nope", "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "unknown run 'nope'" in bad.stderr and "Traceback" not in bad.stderr


def _amendments(run_dir):
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8")).get("amendments", [])


def test_rescore_with_unchanged_results_records_no_amendment(tmp_path):
    """Only a result that really changed is an amendment: not a newer merchant record in the store,
    nor a result.json written with other indentation or key order."""

    run_id = "20261130T040000Z-demo"
    run_dir = build_fake_run(tmp_path, run_id)
    store = Store(data_dir=tmp_path)
    first = rescore_run(run_id, store=store)  # the fixtures' rules_version "test" -> the current one
    assert first.changed == 4 and len(first.amended) == 4 and len(_amendments(run_dir)) == 1

    # discovery went on after the audit: the stored merchant record is newer than the result.json copy
    rec = {**store.merchants(run_id)[0], "address": "后来找到的地址 8 号"}
    store.upsert_merchant(run_id, rec)
    # and one result.json was written differently (older tool: other indentation, other key order)
    path = run_dir / "merchants" / "m02" / "result.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(dict(reversed(list(doc.items()))), ensure_ascii=False, indent=3), encoding="utf-8")
    assert amend(run_dir, ["merchants/m02/result.json"], "rewritten by an older tool") == [
        "merchants/m02/result.json"]
    assert verify(run_dir) == []
    results = {p: p.read_bytes() for p in run_dir.glob("merchants/*/result.json")}
    manifest = (run_dir / "manifest.json").read_bytes()

    again = rescore_run(run_id, store=store)
    assert again.changed == 0 and again.amended == [] and not again.errors
    assert (run_dir / "manifest.json").read_bytes() == manifest  # no amendment
    assert {p: p.read_bytes() for p in run_dir.glob("merchants/*/result.json")} == results
    assert verify(run_dir) == []
    assert again.to_dict()["results_changed"] == 0 and again.to_dict()["manifest_amended"] == []

    # a real change is still recorded
    path = run_dir / "merchants" / "m03" / "result.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert same_judgment(doc, _result_of(run_dir, "m03"))
    doc["reason"] = "edited by hand"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    amend(run_dir, ["merchants/m03/result.json"], "hand edit")
    third = rescore_run(run_id, store=store)
    assert third.changed == 1 and third.amended == ["merchants/m03/result.json"]
    assert _amendments(run_dir)[-1]["reason"].startswith("qraudit rescore")
    assert json.loads(path.read_text(encoding="utf-8"))["reason"] == "closed"
    assert verify(run_dir) == []


def _result_of(run_dir, mid):

    return judge(Trace.load(run_dir / "merchants" / mid / "trace.json"))


def test_rescore_command_says_when_nothing_changed(tmp_path):

    run_dir = build_fake_run(tmp_path, "20261130T050000Z-demo")
    cli = [sys.executable, "-c", "from app.main import main; main()", "rescore", "latest", "--data", str(tmp_path)]
    proc = subprocess.run(cli, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "4 of 4 results changed" in proc.stdout and "manifest amended for 4 file(s)" in proc.stdout
    manifest = (run_dir / "manifest.json").read_bytes()
    proc = subprocess.run(cli, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "nothing changed: all 4 results are the same as stored" in " ".join(proc.stdout.split())
    assert (run_dir / "manifest.json").read_bytes() == manifest


def test_rescore_of_a_trace_folder_leaves_unchanged_results_alone(tmp_path):

    run_dir = build_fake_run(tmp_path, "20261130T060000Z-demo")
    first = rescore_dir(run_dir / "merchants", jobs=1)
    assert first.changed == 4
    path = run_dir / "merchants" / "m01" / "result.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=4), encoding="utf-8")
    before = path.read_bytes()
    again = rescore_dir(run_dir / "merchants", jobs=1)
    assert again.changed == 0 and path.read_bytes() == before
