"""qraudit export: CSV and Parquet files that read back with the right rows."""

from __future__ import annotations

import pandas as pd
import pytest

from core.errors import QrauditError
from results.export import export_run

from .conftest import RUN_A


def test_csv_export_reads_back(data_dir, tmp_path):
    paths = export_run(RUN_A, "csv", tmp_path / "out")
    assert [p.name for p in paths] == ["audits.csv", "findings.csv", "gates.csv"]
    assert paths[0].read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets show Chinese text
    audits = pd.read_csv(paths[0], encoding="utf-8-sig")
    assert sorted(audits["merchant_id"]) == ["m01", "m02", "m03", "m04"]
    assert audits.set_index("merchant_id").loc["m01", "name"] == "老街面馆"
    assert audits.set_index("merchant_id").loc["m04", "rules"] == "excessive_fields; third_party_leak"
    findings = pd.read_csv(paths[1], encoding="utf-8-sig")
    assert len(findings) == 3
    assert set(findings["rule"]) == {"forced_phone", "excessive_fields", "third_party_leak"}
    assert findings.set_index("rule").loc["forced_phone", "explanation_zh"] == "点餐前必须提供手机号。"
    gates = pd.read_csv(paths[2], encoding="utf-8-sig")
    assert gates[["merchant_id", "gate_id"]].values.tolist() == [["m01", "g1"]]


def test_parquet_export_keeps_lists(data_dir):
    paths = export_run(RUN_A, "parquet")
    assert paths[0].parent == data_dir / "exports" / RUN_A  # outside the run folder: its manifest stays intact
    audits = pd.read_parquet(paths[0])
    assert len(audits) == 4
    rules = audits.set_index("merchant_id").loc["m04", "rules"]
    assert list(rules) == ["excessive_fields", "third_party_leak"]
    findings = pd.read_parquet(paths[1])
    assert len(findings) == 3 and list(findings.set_index("rule").loc["forced_phone", "legal_basis"]) == [
        "PIPL art. 16", "CRPL art. 29"]
    assert str(audits["started_at"].dtype).startswith("datetime64")


def test_export_command_prints_paths(data_dir, cli, tmp_path):
    code, out, _ = cli("export", RUN_A, "--format", "parquet", "--out", str(tmp_path / "x"))
    assert code == 0
    lines = out.strip().splitlines()
    assert lines == [str(tmp_path / "x" / f"{n}.parquet") for n in ("audits", "findings", "gates")]
    code, _, err = cli("export", RUN_A, "--format", "xlsx")
    assert code == 2 and "unknown export format" in err


def test_export_unknown_run(data_dir):
    with pytest.raises(QrauditError, match="unknown run"):
        export_run("nope", "csv")
