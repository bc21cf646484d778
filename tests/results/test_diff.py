"""qraudit diff / api.rectification between two fake runs."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from results import api
from results.diff import diff_runs

from .conftest import RUN_A, RUN_B
from .fakerun import build_fake_run, merchants_with


def test_one_fixed_merchant_is_exactly_the_change(data_dir):
    rect = api.rectification(RUN_A, RUN_B)
    changed = rect[rect["status"] != "unchanged"]
    assert changed[["merchant_id", "rule", "status", "verdict_a", "verdict_b"]].values.tolist() == [
        ["m01", "forced_phone", "fixed", "violation", "compliant"]
    ]
    assert rect.loc[rect["merchant_id"] == "m04", "rule"].tolist() == ["excessive_fields", "third_party_leak"]
    assert set(rect["merchant_id"]) == {"m01", "m02", "m03", "m04"}
    d = diff_runs(RUN_A, RUN_B)
    s = d.summary()
    assert s["rules"] == {"new": 0, "fixed": 1, "unclear": 0, "unchanged": 2, "appeared": 0, "disappeared": 0}
    assert s["verdict_changes"] == {"violation->compliant": 1}
    assert s["merchants_both"] == 4 and s["merchants_appeared"] == 0 and s["merchants_disappeared"] == 0
    m01 = d.merchants.set_index("merchant_id").loc["m01"]
    assert m01["fixed"] == ["forced_phone"] and m01["new"] == [] and bool(m01["verdict_changed"])


def test_new_unclear_appeared_disappeared(tmp_path):
    d = tmp_path / "data"
    build_fake_run(d, "a")
    build_fake_run(d, "b", merchants_with({
        "m01": {"verdict": "inconclusive", "reason": "timeout", "order_reached": "landing", "findings": []},
        "m02": {"verdict": "violation", "findings": [("forced_follow", "entry")]},
        "m03": None,
        "m05": {"name": "新店", "vendor": "beta", "verdict": "compliant", "order_reached": "checkout"},
    }))
    rect = api.rectification("a", "b", data_dir=d)
    got = {(r.merchant_id, r.rule if isinstance(r.rule, str) else None): r.status for r in rect.itertuples()}
    assert got[("m01", "forced_phone")] == "unclear"  # absent only because the re-check did not get through
    assert got[("m02", "forced_follow")] == "new"
    assert got[("m03", None)] == "disappeared"
    assert got[("m05", None)] == "appeared"
    assert got[("m04", "third_party_leak")] == "unchanged"


def test_diff_command_formats(data_dir, cli):
    code, out, _ = cli("diff", RUN_A, RUN_B)
    assert code == 0
    assert "1 fixed" in out and "forced_phone" in out and "violation->compliant: 1" in out
    assert "third_party_leak" not in out  # unchanged rows are hidden without --all
    code, out, _ = cli("diff", RUN_A, RUN_B, "--all")
    assert "third_party_leak" in out
    code, out, _ = cli("diff", RUN_A, RUN_B, "--format", "json")
    doc = json.loads(out)
    assert doc["summary"]["rules"]["fixed"] == 1
    assert [r for r in doc["rules"] if r["status"] == "fixed"] == [{
        "merchant_id": "m01", "name": "老街面馆", "vendor": "alpha", "url": "http://127.0.0.1:8000/m01/order",
        "rule": "forced_phone", "status": "fixed", "verdict_a": "violation", "verdict_b": "compliant",
        "verdict_changed": True, "stage_a": "entry", "stage_b": None,
    }]
    code, out, _ = cli("diff", RUN_A, RUN_B, "--format", "csv")
    assert out.startswith("\ufeff")  # a UTF-8 byte-order mark: Excel reads the Chinese names right
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert len(rows) == 5 and [r["status"] for r in rows if r["merchant_id"] == "m01"] == ["fixed"]
    assert {r["name"] for r in rows} >= {"老街面馆", "川味坊 Sichuan"}


def test_diff_csv_bytes_are_utf8_with_bom_like_export(data_dir, tmp_path):

    cli = [sys.executable, "-c", "from app.main import main; main()"]
    proc = subprocess.run([*cli, "diff", RUN_A, RUN_B, "--format", "csv", "--data", str(data_dir)],
                          capture_output=True, timeout=120, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"\xef\xbb\xbf") and proc.stdout.count(b"\xef\xbb\xbf") == 1
    assert "老街面馆".encode() in proc.stdout
    exported = subprocess.run([*cli, "export", RUN_A, "--format", "csv", "--out", str(tmp_path / "x"),
                               "--data", str(data_dir)], capture_output=True, text=True, timeout=120)
    first = sorted((tmp_path / "x").glob("*.csv"))[0].read_bytes()
    assert exported.returncode == 0 and first.startswith(b"\xef\xbb\xbf")  # the same convention


def test_diff_of_a_run_with_itself_warns(data_dir, cli):
    code, out, err = cli("diff", RUN_A, RUN_A)
    assert code == 0
    assert err.strip() == (f"qraudit: warning: '{RUN_A}' and '{RUN_A}' are the same run ({RUN_A}); "
                           "nothing can differ")
    assert "0 fixed, 0 new" in out
    code, _out, err = cli("diff", "latest", RUN_B)  # the same run under two names
    assert code == 0 and f"are the same run ({RUN_B})" in err
    code, _out, err = cli("diff", RUN_A, RUN_B)
    assert code == 0 and err == ""


def test_diff_unknown_run_and_format(data_dir, cli):
    code, _, err = cli("diff", RUN_A, "zzz")
    assert code == 2 and "unknown run 'zzz'" in err
    code, _, err = cli("diff", RUN_A, RUN_B, "--format", "xml")
    assert code == 2 and "unknown format" in err
