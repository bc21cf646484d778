"""Several workers, one crawl (``qraudit crawl --redis URL --run RUN``) against a real redis-server.

A sample of the demo district with the real agent: two workers, one SIGKILLed while it holds
a lease, the other finishes, the restarted one joins; every merchant stored once,
the merged run's per-rule counts equal the ground truth, ``verify`` is clean.
The other tests use the stub engine (tests.crawl.stub_engine) on a tiny district:
seeding alone, two "machines" merged with ``qraudit merge --from``, bad input.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import redis

from crawler.scrapy.shared import SharedRun
from results.manifest import verify
from results.store import Store
from sandbox.server import GROUND_TRUTH_PATH
from tests.crawl.conftest import QRAUDIT
from tests.crawl.fake_district import FakeDistrict
from tests.redis_server import fresh_run_id

pytestmark = pytest.mark.browser


def _worker(redis_url, run, data, name, *extra, env):
    cmd = [*QRAUDIT, "crawl", "--redis", redis_url, "--run", run, "--data", str(data), "--worker", name,
           "--no-progress", *extra]
    # a session of its own: SIGKILL to the group takes the worker's browser down with it, like a lost machine
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _finish(proc, timeout):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"worker did not finish in {timeout} s: {err[-3000:]}") from None
    return proc.returncode, out, err


def _kill_group(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _sample_district(folder: Path) -> tuple[Path, list[dict]]:
    """A district file for the demo sandbox that lists, through a CSV, a sample of its merchants:
    the first two with each rule, two compliant ones and one of every other verdict (about 20,
    in the sandbox's order); returns the file and the sample's ground truth."""
    gt = json.loads(GROUND_TRUTH_PATH.read_text(encoding="utf-8"))["merchants"]
    picked: list[str] = []
    for rule in sorted({f["rule"] for m in gt for f in m["findings"]}):
        picked += [m["id"] for m in gt if rule in {f["rule"] for f in m["findings"]}][:2]
    for verdict, n in (("compliant", 2), ("inconclusive", 1), ("unsupported", 1)):
        picked += [m["id"] for m in gt if m["expected_verdict"] == verdict][:n]
    sample = [m for m in gt if m["id"] in set(picked)]
    with (folder / "sample.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["name", "address", "url"])
        out.writerows([m["name"], m["address"], "{sandbox}" + m["path"]] for m in sample)
    toml = folder / "demo-sample.toml"
    toml.write_text('[district]\nname = "demo-sample"\nenv = "wechat"\nsandbox = true\n\n'
                    '[[sources]]\ntype = "csv"\npath = "sample.csv"\n\n'
                    '[limits]\nper_host_concurrency = 4\ndownload_delay = 0\ntimeout_s = 60\n', encoding="utf-8")
    return toml, sample


@pytest.mark.slow
def test_two_workers_share_a_district_one_is_killed_holding_a_lease(tmp_path, redis_url, crawl_env):
    # a sample of the demo district with the real agent (the whole district is crawled by tests/crawl)
    district, gt = _sample_district(tmp_path)
    want_rules = Counter(rule for m in gt for rule in {f["rule"] for f in m["findings"]})
    run, data = fresh_run_id("two"), tmp_path / "data"
    shared = SharedRun(redis.Redis.from_url(redis_url), run, "test-observer")
    # a short lease so the killed worker's merchants come back within seconds (renewed every 5 s while held)
    opts = ("--concurrency", "1", "--lease-seconds", "15", "--district", str(district))
    a = _worker(redis_url, run, data, "a", *opts, env=crawl_env)
    b = c = None
    try:
        b = _worker(redis_url, run, data, "b", *opts, env=crawl_env)
        held: list[str] = []
        deadline = time.monotonic() + 600
        while True:  # kill a once it stored a merchant and holds the lease of another
            assert a.poll() is None and b.poll() is None, (a.poll(), b.poll())
            st = shared.status()
            held = [mid for mid, (holder, _left) in shared.leases().items() if holder == "a"]
            if st["by_worker"].get("a", 0) >= 1 and held:
                break
            assert time.monotonic() < deadline, f"worker a held no lease after storing a merchant: {st}"
            time.sleep(0.2)
        os.killpg(a.pid, signal.SIGKILL)
        a.wait()
        # what a held when it died (read before any reaper could requeue it: the lease runs 15 s)
        held = [mid for mid, (holder, _left) in shared.leases().items() if holder == "a"]
        assert held, "the killed worker held no lease"
        killed_at = shared.status()
        assert killed_at["done"] < len(gt) - 3, "too late to see the restarted worker join"
        c = _worker(redis_url, run, data, "a-restarted", *opts, env=crawl_env)
        rc_b, out_b, err_b = _finish(b, 1500)
        rc_c, out_c, err_c = _finish(c, 600)
    finally:
        for p in (a, b, c):
            if p is not None:
                _kill_group(p)
    assert rc_b == 0, err_b[-3000:]
    assert rc_c == 0, err_c[-3000:]
    st = shared.status()
    # the killed worker's lease expired and went back to the queue; the others took its merchants
    assert st["complete"] and st["requeued"] >= len(held), st
    assert st["by_worker"].get("a-restarted", 0) >= 1, st  # the restarted worker joined and audited
    assert st["by_worker"].get("b", 0) >= 1, st
    assert "merged" in out_b + out_c

    store = Store(data_dir=data, read_only=True)
    info = store.get_run(run)
    assert info["status"] == "finished" and info["merchants"] == len(gt), info
    audits = store.query("SELECT merchant_id, verdict, error FROM audits WHERE run_id = ?", [run])
    assert len(audits) == len(gt) == audits.merchant_id.nunique()  # every merchant once, none lost
    assert audits.error.isna().all(), audits[audits.error.notna()].to_dict("records")
    assert set(held) <= set(audits.merchant_id)
    got_rules = store.query("SELECT rule, count(DISTINCT merchant_id) AS n FROM findings WHERE run_id = ? "
                            "GROUP BY rule", [run])
    per = store.query("SELECT m.name, a.verdict, a.reason, list(DISTINCT f.rule) AS rules FROM audits a "
                      "JOIN merchants m USING (run_id, merchant_id) LEFT JOIN findings f USING (run_id, merchant_id) "
                      "WHERE a.run_id = ? GROUP BY ALL", [run])
    wrong = [(r["name"], r["verdict"], r["reason"], sorted(x for x in r["rules"] if x))
             for r in per.to_dict("records")
             if sorted(x for x in r["rules"] if x) != sorted({f["rule"] for m in gt if m["name"] == r["name"]
                                                              for f in m["findings"]})]
    assert dict(zip(got_rules.rule, got_rules.n, strict=True)) == dict(want_rules), wrong
    verdicts = Counter(audits.verdict)
    assert verdicts == Counter(m["expected_verdict"] for m in gt), verdicts
    # what a held when it was killed was stored by another worker
    log = store.query("SELECT merchant_id, event, pid FROM audit_log WHERE run_id = ?", [run])
    for mid in held:
        done = log[(log.merchant_id == mid) & (log.event == "done")]
        assert len(done) >= 1 and a.pid not in set(done.pid), (mid, done)
    assert verify(store.run_dir(run)) == []
    proc = subprocess.run([*QRAUDIT, "verify", run, "--data", str(data)], env=crawl_env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.startswith("OK:"), proc.stdout + proc.stderr


STUB_ENV = {"QRAUDIT_AUDIT_ENGINE": "tests.crawl.stub_engine", "QRAUDIT_STUB_DELAY": "0.5"}


def test_seed_only_then_workers_on_two_machines_merged_with_merge_from(tmp_path, redis_url, crawl_env):
    """Discovery alone (no browser), then one worker per "machine" (own data folder, --no-merge),
    then ``qraudit merge --from`` the other machine's folder: one run, each merchant once."""
    env = {**crawl_env, **STUB_ENV}
    run = fresh_run_id("two-machines")
    m1, m2 = tmp_path / "machine1", tmp_path / "machine2"
    with FakeDistrict() as fd:
        seeds = fd.write_seeds(tmp_path / "seeds")
        seed = subprocess.run([*QRAUDIT, "crawl", "--redis", redis_url, "--run", run, "--district", str(seeds),
                               "--data", str(m1), "--worker", "seeder", "--seed-only", "--no-progress"],
                              env=env, capture_output=True, text=True, timeout=300)
        assert seed.returncode == 0, seed.stderr[-3000:]
        shared = SharedRun(redis.Redis.from_url(redis_url), run, "observer")
        st = shared.status()
        assert st["seeded"] and st["merchants"] == 7 and st["queued"] == 6 and st["done"] == 1, st  # weixin:// link
        w1 = _worker(redis_url, run, m1, "w1", "--no-merge", env=env)
        w2 = _worker(redis_url, run, m2, "w2", "--no-merge", env=env)
        for w in (w1, w2):
            rc, out, err = _finish(w, 600)
            assert rc == 0, err[-3000:]
            assert "qraudit merge" in out
    assert shared.status()["complete"]
    assert not (m1 / "qraudit.duckdb").exists() or Store(data_dir=m1, read_only=True).runs().empty
    proc = subprocess.run([*QRAUDIT, "merge", run, "--data", str(m1), "--from", str(m2)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"run {run}: finished; 3 worker store(s)" in proc.stdout, proc.stdout
    store = Store(data_dir=m1, read_only=True)
    info = store.get_run(run)
    assert info["status"] == "finished" and info["merchants"] == 7
    audits = store.query("SELECT merchant_id, verdict FROM audits WHERE run_id = ?", [run])
    assert len(audits) == audits.merchant_id.nunique() == 7
    assert Counter(audits.verdict) == {"compliant": 6, "unsupported": 1}
    # the discovery worker's records (merged over every discovery path) are the run's records
    (seeder_store,) = (m1 / "workers" / run).glob("seeder")
    seeder = Store(data_dir=seeder_store, read_only=True).merchants(run)
    merged = store.merchants(run)
    assert {r["merchant_id"]: r["sources"] for r in merged} == {r["merchant_id"]: r["sources"] for r in seeder}
    assert {r["merchant_id"]: r["name"] for r in merged} == {r["merchant_id"]: r["name"] for r in seeder}
    assert verify(store.run_dir(run)) == []
    again = subprocess.run([*QRAUDIT, "merge", run, "--data", str(m1), "--from", str(m2)], env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "0 merchant(s) merged now" in again.stdout, again.stdout
    assert store.get_run(run)["merchants"] == 7 and verify(store.run_dir(run)) == []
    # a worker restarted under its name goes on with its store; the run is complete, so it ends at once
    rc, out, err = _finish(_worker(redis_url, run, m1, "w1", env=env), 300)
    assert rc == 0 and f"worker w1 of run {run}: finished" in out, (out, err[-3000:])
    assert store.get_run(run)["merchants"] == 7 and verify(store.run_dir(run)) == []


def test_worker_input_errors_are_one_line_and_exit_2(tmp_path, redis_url, crawl_env):
    run = fresh_run_id("bad")
    cases = [
        (["--redis", redis_url], "--redis and --run go together"),
        (["--redis", redis_url, "--run", "a b"], "a run id is"),
        (["--redis", "redis://127.0.0.1:1/0", "--run", run], "cannot reach Redis"),
        (["--run", run, "--seed-only"], "--redis and --run go together"),
        (["--seed-only"], "are for workers of a shared run"),
        (["--redis", redis_url, "--run", run, "--resume", "x"], "no --resume"),
        (["--redis", redis_url, "--run", run, "--schedule", "weekly"], "--schedule is for one-machine runs"),
    ]
    for args, msg in cases:
        proc = subprocess.run([*QRAUDIT, "crawl", "--data", str(tmp_path / "d"), *args], env=crawl_env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, (args, proc.stderr)
        assert msg in proc.stderr and "Traceback" not in proc.stderr, (args, proc.stderr)
    # a run is one district: a worker naming another is refused
    SharedRun(redis.Redis.from_url(redis_url), run, "x").describe({"district": "example", "district_file": None})
    proc = subprocess.run([*QRAUDIT, "crawl", "--data", str(tmp_path / "d"), "--redis", redis_url, "--run", run,
                           "--district", "demo"], env=crawl_env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "crawls district 'example', not 'demo'" in proc.stderr, proc.stderr
    proc = subprocess.run([*QRAUDIT, "merge", fresh_run_id("none"), "--data", str(tmp_path / "d")], env=crawl_env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "no worker store of run" in proc.stderr, proc.stderr
