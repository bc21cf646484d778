"""Evidence integrity: manifest.json lists every evidence file; verify names what changed."""

from __future__ import annotations

import json

import pytest

from core.errors import QrauditError
from results.manifest import amend, sha256_file, verify, write_manifest
from results.report import build_report
from results.store import Store

from .conftest import RUN_A


def test_manifest_lists_every_evidence_file_with_hash_size_and_context(data_dir):
    run_dir = data_dir / "runs" / RUN_A
    man = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    on_disk = sorted(p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*")
                     if p.is_file() and p.name != "manifest.json")
    assert sorted(man["files"]) == on_disk
    shot = "merchants/m01/step-02.png"
    assert man["files"][shot]["sha256"] == sha256_file(run_dir / shot)
    assert man["files"][shot]["size"] == (run_dir / shot).stat().st_size
    assert {"merchants/m01/trace.json", "merchants/m01/result.json", "run.json"} <= set(man["files"])
    assert man["tool_version"] and man["browser_versions"] == ["Chromium 120.0.6099.0"]
    assert "MicroMessenger" in man["user_agents"][0]
    assert man["created_at_utc"].endswith("Z") and man["created_at_shanghai"].endswith("+08:00")
    assert man["times"]["started_at_shanghai"].endswith("+08:00")
    assert {u["merchant_id"]: u["url"] for u in man["urls"]}["m04"] == "http://127.0.0.1:8000/m04/order"
    assert man["totals"]["files"] == len(on_disk)


def test_verify_is_clean_then_names_changed_missing_and_added_files(data_dir):
    run_dir = data_dir / "runs" / RUN_A
    assert verify(run_dir) == []
    shot = run_dir / "merchants" / "m01" / "step-02.png"
    data = bytearray(shot.read_bytes())
    data[-20] ^= 0xFF
    shot.write_bytes(bytes(data))
    (run_dir / "merchants" / "m04" / "step-03.html").unlink()
    (run_dir / "merchants" / "m02" / "extra.png").write_bytes(b"x")
    problems = verify(run_dir)
    assert len(problems) == 3
    assert problems[0].startswith("changed: merchants/m01/step-02.png")
    assert problems[1] == "added: merchants/m02/extra.png"
    assert problems[2] == "missing: merchants/m04/step-03.html"


def test_report_folders_are_not_evidence(data_dir):

    run_dir = data_dir / "runs" / RUN_A
    build_report(RUN_A, data_dir)
    build_report(RUN_A, data_dir, lang="en")
    assert (run_dir / "report" / "index.html").exists()
    assert verify(run_dir) == []
    write_manifest(run_dir, {"run_id": RUN_A})
    man = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert not [p for p in man["files"] if p.startswith("report")]


def test_verify_without_manifest_is_a_user_error(tmp_path):
    (tmp_path / "run").mkdir()
    with pytest.raises(QrauditError, match="no manifest.json"):
        verify(tmp_path / "run")
    with pytest.raises(QrauditError, match="does not exist"):
        verify(tmp_path / "nope")


def test_verify_command_exit_codes(data_dir, cli):
    code, out, _ = cli("verify", RUN_A)
    assert code == 0 and out.startswith("OK:") and "manifest sha256:" in out
    shot = data_dir / "runs" / RUN_A / "merchants" / "m04" / "step-05.png"
    shot.write_bytes(shot.read_bytes() + b"\0")
    code, out, _ = cli("verify", str(data_dir / "runs" / RUN_A))  # a folder path works too
    assert code == 1
    assert "changed: merchants/m04/step-05.png" in out and "FAILED: 1 problem" in out
    code, out, err = cli("verify", "no-such-run")
    assert code == 2 and err.strip().startswith("qraudit: error: unknown run") and len(err.strip().splitlines()) == 1


def test_finishing_a_run_again_never_reseals_evidence_and_keeps_amendments(data_dir):
    """crawl --resume ends with Store.finish_run again: tampered evidence stays visible, history stays."""

    run_dir = data_dir / "runs" / RUN_A
    first = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    # a rescore amended a result.json
    res = run_dir / "merchants" / "m02" / "result.json"
    res.write_text(res.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert amend(run_dir, ["merchants/m02/result.json"], "rescore") == ["merchants/m02/result.json"]
    # someone edits a screenshot
    shot = run_dir / "merchants" / "m01" / "step-02.png"
    shot.write_bytes(shot.read_bytes() + b"\0")
    # the resume audits a merchant not audited before (new files) and finishes the run again
    new_dir = run_dir / "merchants" / "m99"
    new_dir.mkdir()
    (new_dir / "step-01.png").write_bytes(b"png")
    store = Store(data_dir=data_dir)
    store.finish_run(RUN_A, "finished")
    store.finish_run(RUN_A, "finished")  # twice: still nothing re-sealed

    problems = verify(run_dir)
    assert len(problems) == 1 and problems[0].startswith("changed: merchants/m01/step-02.png"), problems
    man = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert man["files"]["merchants/m01/step-02.png"] == first["files"]["merchants/m01/step-02.png"]
    assert man["times"] == first["times"] and man["created_at_utc"] == first["created_at_utc"]
    reasons = [a["reason"] for a in man["amendments"]]
    assert reasons == ["rescore", "crawl resumed", "crawl resumed"]
    resumed = man["amendments"][1]
    assert set(resumed["added"]) == {"merchants/m99/step-01.png"}
    # run.json is derived: rewritten and recorded with both hashes; no evidence file among the changes
    assert "run.json" in resumed["files"] and resumed["files"]["run.json"]["old"]
    assert not [f for f in resumed["files"] if f.endswith((".png", ".html", "trace.json"))]
    assert man["totals"]["files"] == len(man["files"]) == first["totals"]["files"] + 1
