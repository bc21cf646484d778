"""Rescoring a stored run rewrites judgment (result.json) and records it in the manifest;
captured evidence stays covered by verify."""

from __future__ import annotations

import json

import pytest

from crawler.manifest import amend, manifest_digest, verify
from crawler.report import build_report
from crawler.store import Store
from detectors.rescore import rescore_run

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
    import subprocess
    import sys

    build_fake_run(tmp_path, "20261130T030000Z-demo", nested=True)
    cli = [sys.executable, "-c", "from crawler.cli import main; main()", "rescore"]
    proc = subprocess.run([*cli, "latest", "--data", str(tmp_path), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["traces"] == 4
    bad = subprocess.run([*cli, "nope", "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "unknown run 'nope'" in bad.stderr and "Traceback" not in bad.stderr
