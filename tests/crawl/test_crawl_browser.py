"""Crawls through scrapy-playwright with a real Chromium and the stub audit engine
(tests.crawl.stub_engine): storage of every merchant, failures kept, interruption and resume."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from app.merchants import check_merchant
from results.manifest import read_manifest, verify
from results.store import Store
from sandbox.server import GROUND_TRUTH_PATH
from tests.crawl.conftest import QRAUDIT
from tests.crawl.fake_district import FakeDistrict

pytestmark = pytest.mark.browser

STUB = ["--engine", "tests.crawl.stub_engine", "--no-progress"]


def _n_ground_truth() -> int:

    return len(json.loads(GROUND_TRUTH_PATH.read_text(encoding="utf-8"))["merchants"])


def test_crawl_stores_every_merchant_once_and_never_drops_one(tmp_path, crawl_env):
    data = tmp_path / "data"
    with FakeDistrict() as fd:
        seeds = fd.write_seeds(tmp_path / "seeds")
        proc = subprocess.run([*QRAUDIT, "crawl", "--district", str(seeds), "--data", str(data), *STUB],
                              env=crawl_env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    store = Store(data_dir=data, read_only=True)
    (run,) = store.runs().run_id
    info = store.get_run(run)
    assert info["status"] == "finished" and info["merchants"] == 7
    # six web pages audited (compliant by the stub), the weixin:// link stored as unsupported without a visit
    assert info["verdicts"] == {"compliant": 6, "unsupported": 1}
    audits = store.query("SELECT merchant_id, url, verdict FROM audits")
    assert len(audits) == len(set(audits.merchant_id)) == 7
    log = Path(crawl_env["QRAUDIT_STUB_LOG"]).read_text().split("\n")
    assert len([line for line in log if line]) == 6
    feed = [json.loads(line) for line in (store.run_dir(run) / "results.jsonl").read_text().splitlines()]
    assert sorted(r["verdict"] for r in feed) == ["compliant"] * 6 + ["unsupported"]
    vendors = set(store.query("SELECT vendor_guess FROM merchants WHERE url LIKE 'http%'").vendor_guess)
    assert vendors == {"fakeorder"}  # from the pages' generator meta, seen in the audit response
    assert "finished" in proc.stdout and "run folder" in proc.stdout


def test_runs_command_lists_the_run(tmp_path, crawl_env):
    data = tmp_path / "data"
    store = Store(data_dir=data)
    run = store.create_run("crawl", district="demo")
    store.finish_run(run, "interrupted")
    proc = subprocess.run([*QRAUDIT, "runs", "--data", str(data)], env=crawl_env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and run in proc.stdout and "interrupted" in proc.stdout
    proc = subprocess.run([*QRAUDIT, "runs", "--data", str(tmp_path / "none")], env=crawl_env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "no runs yet" in proc.stderr


def test_bad_input_is_one_line_and_exit_2(tmp_path, crawl_env):
    for args, msg in ((["--district", "nowhere"], "unknown district"), (["--concurrency", "0"], "--concurrency"),
                      (["--resume", "nope"], "unknown run")):
        proc = subprocess.run([*QRAUDIT, "crawl", "--data", str(tmp_path / "d"), *args], env=crawl_env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, (args, proc.stderr)
        assert msg in proc.stderr and "Traceback" not in proc.stderr


def _results(data: Path) -> list[Path]:
    return list(data.glob("runs/*/merchants/*/result.json"))


def _interrupt_and_resume(tmp_path, crawl_env, sig):
    data = tmp_path / "data"
    env = dict(crawl_env, QRAUDIT_STUB_DELAY="0.6")
    cmd = [*QRAUDIT, "crawl", "--data", str(data), "--concurrency", "2", *STUB]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while len(_results(data)) < 3:
            assert proc.poll() is None, proc.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "no 3 results within 300 s"
            time.sleep(0.2)
        done_before = {p.parent.name for p in _results(data)}
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    store = Store(data_dir=data, read_only=True)
    (run,) = store.runs().run_id
    status = store.get_run(run)["status"]
    if sig == signal.SIGINT:
        # exit 128 + SIGINT, said on the last line; no asyncio noise from the closed browser
        assert proc.returncode == 130, (proc.returncode, err[-3000:])
        assert "SIGINT" in out.strip().splitlines()[-1] and "exit 130" in out.strip().splitlines()[-1], out
        assert "Future exception was never retrieved" not in err, err[-3000:]
        # audits cut short by the shutdown were not stored as results
        bad = store.query("SELECT merchant_id, reason, error FROM audits WHERE error IS NOT NULL "
                          "OR reason LIKE '%TargetClosed%' OR reason LIKE '%crawl error%' "
                          "OR reason LIKE '%empty page%'")
        assert bad.empty, bad.to_dict("records")
    stored_before = store.done_merchants(run)
    assert done_before <= stored_before
    total = store.get_run(run)["merchants"]
    n = _n_ground_truth()
    assert len(stored_before) < n, "the crawl finished before it could be interrupted"

    res = subprocess.run([*QRAUDIT, "crawl", "--resume", run, "--data", str(data), *STUB], env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    info = store.get_run(run)
    assert info["status"] == "finished"
    log = store.query("SELECT merchant_id, event FROM audit_log WHERE run_id = ?", [run])
    done = Counter(log[log.event == "done"].merchant_id)
    starts = Counter(log[log.event == "start"].merchant_id)
    stub_calls = Counter(line.split(" ", 1)[1].split("?")[0]
                         for line in Path(env["QRAUDIT_STUB_LOG"]).read_text().splitlines() if line)
    # every merchant stored exactly once, none lost
    assert info["merchants"] == n and len(store.done_merchants(run)) == n, (total, info)
    assert set(done.values()) == {1}, done
    # merchants finished before the interruption were not audited again
    assert all(starts[mid] == 1 for mid in stored_before), starts
    # every merchant has a real judgment: no crawl/engine error left, verdicts as in a clean stub run
    audits = store.query("SELECT merchant_id, url, verdict, reason, error FROM audits WHERE run_id = ?", [run])
    assert audits.error.isna().all(), audits[audits.error.notna()].to_dict("records")
    assert not audits.reason.fillna("").str.contains("TargetClosed|crawl error|empty page").any()
    web = audits[audits.url.str.startswith("http")]
    # the stub judges "compliant" once the page is there; its only other verdict is its own
    # "page did not load" (server-side redirects, which the audit request does not follow)
    odd = web[(web.verdict != "compliant") & (web.reason != "page did not load")]
    assert odd.empty, odd.to_dict("records")
    assert set(audits[~audits.url.str.startswith("http")].verdict) <= {"unsupported"}
    # the resume added its files to the manifest; nothing listed was re-sealed or lost

    problems = verify(store.run_dir(run))
    assert problems == [], (problems, starts)
    if sig == signal.SIGINT:
        man = read_manifest(store.run_dir(run))
        assert [a["reason"] for a in man.get("amendments", [])] == ["crawl resumed"]
    return status, stored_before, starts, stub_calls


def test_sigint_then_resume(tmp_path, crawl_env):
    status, stored_before, starts, stub_calls = _interrupt_and_resume(tmp_path, crawl_env, signal.SIGINT)
    assert status == "interrupted"
    # audits in flight at the interrupt were dropped (the browser closes under them) and redone once on resume
    assert max(starts.values()) <= 2 and max(stub_calls.values()) <= 2
    assert not [mid for mid, n in starts.items() if n > 1 and mid in stored_before]


def test_sigkill_then_resume(tmp_path, crawl_env):
    status, _, starts, stub_calls = _interrupt_and_resume(tmp_path, crawl_env, signal.SIGKILL)
    assert status == "running"
    # only audits cut off by the kill were started again
    assert max(stub_calls.values()) <= 2 and max(starts.values()) <= 2


def test_check_merchant_audits_one_named_merchant(tmp_path):
    """``check_merchant`` (the real engine) stores a one-merchant run of kind check."""

    store = Store(data_dir=tmp_path / "data")
    run, result = check_merchant("云朵小面", "demo", store=store, timeout_s=45)
    info = store.get_run(run)
    assert info["kind"] == "check" and info["status"] == "finished" and info["merchants"] == 1
    assert result.verdict == "violation" and "forced_phone" in {f.rule for f in result.findings}
    assert store.done_merchants(run) == {store.merchants(run)[0]["merchant_id"]}


def test_unreachable_sources_are_one_line_each_without_scrapy_tracebacks(tmp_path, crawl_env):
    """A district whose hosts do not resolve: no Scrapy log noise, one line per failed source, a note,
    and exit 1 with one line since no merchant could be audited."""
    seeds = tmp_path / "nowhere.toml"
    seeds.write_text(
        '[district]\nname = "nowhere"\nlabel = "Nowhere"\nenv = "mobile"\n\n'
        '[[sources]]\ntype = "directory"\nstart_urls = ["http://shops.invalid/list?page=1"]\n\n'
        '[[sources]]\ntype = "sitemap"\nurl = "http://shops.invalid/sitemap.xml"\n\n'
        '[[sources]]\ntype = "urls"\nurls = ["http://order.invalid/m/1?table=2"]\n\n'
        "[limits]\nobey_robots = false\n",
        encoding="utf-8")
    # the stub words the merchant page's failure as the agent does
    dns = "page could not be loaded: host name not found (DNS) (ERR_NAME_NOT_RESOLVED)"
    env = dict(crawl_env, QRAUDIT_STUB_REASONS=json.dumps({"order.invalid": dns}))
    proc = subprocess.run([*QRAUDIT, "crawl", "--district", str(seeds), "--data-dir", str(tmp_path / "d"), *STUB],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr[-3000:]
    assert len(proc.stderr.strip().splitlines()) <= 3, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "qraudit: error: no merchant could be audited: the only merchant failed to load "
        "(host name not found (DNS)"), proc.stderr
    assert "source directory http://shops.invalid/list?page=1: DNS lookup failed" in proc.stdout, proc.stdout
    assert "source sitemap http://shops.invalid/sitemap.xml: DNS lookup failed" in proc.stdout
    assert "2 discovery page(s) could not be fetched" in proc.stdout
    runs = subprocess.run([*QRAUDIT, "runs", "--data-dir", str(tmp_path / "d")], env=crawl_env,
                          capture_output=True, text=True, timeout=120)
    assert runs.returncode == 0 and "nowhere" in runs.stdout
