"""Crawls that audit nothing must say so (exit 1); resume retries pages that failed to load.

The store and exit-status tests run without a browser; the crawls through
scrapy-playwright (marked ``browser``) use the stub engine, except one that
drives the real agent into unreachable hosts.
"""

from __future__ import annotations

import json
import socket
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from app.crawl import CrawlOutcome, crawl_failure
from core.errors import QrauditError
from crawler.district import find_district_file
from detectors.base import AuditResult
from results.store import Store, load_failure, transient_load_failure
from tests.crawl.conftest import QRAUDIT
from tests.crawl.fake_district import FakeDistrict

STUB = ["--engine", "tests.crawl.stub_engine", "--no-progress"]

# reasons exactly as the agent stores them (crawler/agent/agent.py: OrderAgent._opened, _finish_stuck...)
DNS = "page could not be loaded: host name not found (DNS) (ERR_NAME_NOT_RESOLVED)"
REFUSED = "page could not be loaded: connection refused (ERR_CONNECTION_REFUSED)"
TIMED_OUT = "page could not be loaded: connection timed out (ERR_CONNECTION_TIMED_OUT)"
HTTP_503 = "page could not be loaded: HTTP 503"
HTTP_404 = "page could not be loaded: HTTP 404"
CLOSED = "closed: the merchant is not taking orders now (休息/打烊/closed)"
SOLD_OUT = "no items to order: everything is sold out (售罄)"
BROKEN = "page broken: empty page (script error)"
LOOP = "redirect loop: the page keeps redirecting"
DEAD_END = "dead end while opening the page"


def _result(url: str, verdict: str, reason: str | None) -> AuditResult:
    return AuditResult(url=url, final_url=url, verdict=verdict, reason=reason, order_reached="none",
                       findings=[], steps=[], visit_id="v")


def _store_run(store: Store, audits: dict[str, tuple[str, str | None, str | None]], *,
               merchants_only: tuple[str, ...] = (), settings: dict | None = None) -> str:
    """A crawl run with one merchant per ``audits`` key stored as (verdict, reason, error)."""
    run = store.create_run("crawl", district="t", settings=settings or {})
    for mid, (verdict, reason, error) in audits.items():
        url = "weixin://dl/business/?t=x" if mid.startswith("wx") else f"http://{mid}.example/order?table=1"
        store.save_result(run, mid, None, _result(url, verdict, reason), error,
                          record={"merchant_id": mid, "url": url, "audit_url": url})
    for mid in merchants_only:
        store.upsert_merchant(run, {"merchant_id": mid, "url": f"http://{mid}.example/"})
    return run


def _outcome(store: Store, run: str, status: str = "finished", failures: list[str] | None = None) -> CrawlOutcome:
    store.finish_run(run, status)
    return CrawlOutcome(run_id=run, status=status, reason="finished", run_dir=store.run_dir(run),
                        db_path=store.db_path, source_failures=list(failures or []))


# ---- resume: which stored audits are retried (no browser) -----------------------


def test_resume_retries_pages_that_failed_to_load_but_not_pages_judged_inconclusive(tmp_path):
    store = Store(data_dir=tmp_path / "data")
    audits = {
        "dns": ("inconclusive", DNS, None), "refused": ("inconclusive", REFUSED, None),
        "timeout": ("inconclusive", TIMED_OUT, None), "h503": ("inconclusive", HTTP_503, None),
        "neterr": ("inconclusive", "page could not be loaded: ERR_FAILED", None),
        "crash": ("inconclusive", "crawl error: TargetClosedError: gone", "TargetClosedError: gone"),
        "h404": ("inconclusive", HTTP_404, None), "closed": ("inconclusive", CLOSED, None),
        "soldout": ("inconclusive", SOLD_OUT, None), "broken": ("inconclusive", BROKEN, None),
        "loop": ("inconclusive", LOOP, None), "deadend": ("inconclusive", DEAD_END, None),
        "ok": ("compliant", None, None), "bad": ("violation", None, None),
        "wx1": ("unsupported", "unsupported: not a web page (weixin:// link)", None),
    }
    run = _store_run(store, audits)
    retried = {"dns", "refused", "timeout", "h503", "neterr", "crash"}
    assert store.done_merchants(run) == set(audits) - retried
    assert store.done_merchants(run, include_failed=True) == set(audits)
    # the same answer from a read-only store (what resume and notebooks use)
    assert Store(data_dir=tmp_path / "data", read_only=True).done_merchants(run) == set(audits) - retried


def test_load_failure_is_read_from_the_agents_reason_only():
    assert load_failure("inconclusive", DNS) == "host name not found (DNS) (ERR_NAME_NOT_RESOLVED)"
    assert load_failure("inconclusive", HTTP_404) == "HTTP 404"
    for verdict, reason in (("inconclusive", CLOSED), ("inconclusive", LOOP), ("inconclusive", None),
                            ("inconclusive", "the page could not be loaded: x"), ("violation", DNS)):
        assert load_failure(verdict, reason) is None, reason
    assert transient_load_failure("inconclusive", "page could not be loaded: HTTP 429")
    assert not transient_load_failure("inconclusive", "page could not be loaded: HTTP 410")
    assert not transient_load_failure("inconclusive", BROKEN)


# ---- the exit status's judgment (no browser) -------------------------------------


def test_a_crawl_where_every_page_failed_to_load_is_a_failure(tmp_path):
    store = Store(data_dir=tmp_path / "data")
    run = _store_run(store, {f"m{i}": ("inconclusive", DNS, None) for i in range(3)})
    line = crawl_failure(_outcome(store, run), store)
    assert line is not None and "\n" not in line
    assert line.startswith("no merchant could be audited: all 3 failed to load "
                           "(host name not found (DNS) (ERR_NAME_NOT_RESOLVED))"), line
    assert f"--resume {run}" in line
    # nothing stored was touched
    assert store.get_run(run)["verdicts"] == {"inconclusive": 3}


def test_mixed_failures_name_their_causes(tmp_path):
    store = Store(data_dir=tmp_path / "data")
    run = _store_run(store, {
        "a": ("inconclusive", DNS, None), "b": ("inconclusive", DNS, None), "c": ("inconclusive", REFUSED, None),
        "d": ("inconclusive", "crawl error: DNSLookupError: x", "DNSLookupError: x"),
        "wx1": ("unsupported", "unsupported: not a web page (weixin:// link)", None),
    })
    line = crawl_failure(_outcome(store, run), store)
    assert line is not None
    assert "4 of 5 failed to load or ended with a crawl error" in line, line
    assert "host name not found (DNS) (ERR_NAME_NOT_RESOLVED) x2" in line and "ERR_CONNECTION_REFUSED" in line
    assert "1 not a web page" in line


def test_404_everywhere_fails_without_a_retry_hint(tmp_path):
    store = Store(data_dir=tmp_path / "data")
    run = _store_run(store, {"a": ("inconclusive", HTTP_404, None), "b": ("inconclusive", HTTP_404, None)})
    line = crawl_failure(_outcome(store, run), store)
    assert line is not None and "all 2 failed to load (HTTP 404)" in line and "--resume" not in line


@pytest.mark.parametrize("ok", [("compliant", None, None), ("violation", None, None),
                                ("inconclusive", CLOSED, None), ("inconclusive", SOLD_OUT, None),
                                ("unsupported", "mini-program only: the page asks to open a WeChat mini-program",
                                 None)])
def test_one_merchant_really_audited_is_enough(tmp_path, ok):
    store = Store(data_dir=tmp_path / "data")
    run = _store_run(store, {"a": ("inconclusive", DNS, None), "b": ("inconclusive", REFUSED, None), "ok": ok})
    assert crawl_failure(_outcome(store, run), store) is None


def test_no_merchant_found_is_a_failure_even_for_discovery_only(tmp_path):
    store = Store(data_dir=tmp_path / "data")
    for settings in ({}, {"discover_only": True}):
        run = _store_run(store, {}, settings=settings)
        line = crawl_failure(_outcome(store, run, failures=["source directory http://x.invalid/: DNS lookup failed"]),
                             store)
        assert line == ("no merchant found: discovery found no merchant in district t "
                        "(1 discovery page(s) could not be fetched)")


def test_other_runs_are_not_failures(tmp_path):
    store = Store(data_dir=tmp_path / "data")
    # discovery only: merchants found, none audited (as asked)
    run = _store_run(store, {}, merchants_only=("a", "b"), settings={"discover_only": True})
    assert crawl_failure(_outcome(store, run), store) is None
    # only links that are no web page: stored unsupported, nothing failed
    run = _store_run(store, {"wx1": ("unsupported", "unsupported: not a web page (weixin:// link)", None)})
    assert crawl_failure(_outcome(store, run), store) is None
    # interrupted crawls have their own exit status
    run = _store_run(store, {"a": ("inconclusive", DNS, None)})
    assert crawl_failure(_outcome(store, run, status="interrupted"), store) is None


# ---- the command line -------------------------------------------------------------


def test_empty_district_is_one_line_and_exit_2(tmp_path, crawl_env):
    with pytest.raises(QrauditError, match="empty district"):
        find_district_file("")
    assert find_district_file(None).name == "demo.toml"
    data = tmp_path / "d"
    for args in (["--district", ""], ["--district", "  "], ["--district", "", "--resume", "20260101T000000Z-x"]):
        # --discover-only: without the check this would crawl the demo district
        proc = subprocess.run([*QRAUDIT, "crawl", "--data", str(data), "--discover-only", "--no-progress", *args],
                              env=crawl_env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2, (args, proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
        assert proc.stderr.strip() == ("qraudit: error: --district is empty: give a district name "
                                       "(seeds/NAME.toml) or a district file, or leave --district out for the "
                                       "demo district"), proc.stderr
        assert not data.exists()  # rejected before anything was stored


def test_discovery_finding_nothing_exits_1(tmp_path, crawl_env):
    """A district whose only source lists no merchant: one line, exit 1 (no browser is started)."""
    (tmp_path / "empty.csv").write_text("name,address,url\n", encoding="utf-8")
    seeds = tmp_path / "empty.toml"
    seeds.write_text('[district]\nname = "empty"\n\n[[sources]]\ntype = "csv"\npath = "empty.csv"\n',
                     encoding="utf-8")
    for extra in ([], ["--discover-only"]):
        proc = subprocess.run([*QRAUDIT, "crawl", "--district", str(seeds), "--data", str(tmp_path / "d"), *STUB,
                               *extra], env=crawl_env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 1, (extra, proc.stdout[-2000:], proc.stderr[-2000:])
        errors = [line for line in proc.stderr.splitlines() if line.startswith("qraudit: error:")]
        assert errors == ["qraudit: error: no merchant found: discovery found no merchant in district empty"], \
            proc.stderr
        assert "Traceback" not in proc.stderr


def _rows(store: Store, sql: str, params: list) -> list[tuple]:
    with store.connect(read_only=True) as con:
        return con.execute(sql, params).fetchall()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.browser
def test_unreachable_merchants_exit_1_and_resume_retries_them(tmp_path, crawl_env):
    """The real agent on pages that never load: every merchant stored inconclusive with the cause, exit 1
    with one line; ``--resume`` audits them again (and still says exit 1)."""
    seeds = tmp_path / "unreachable.toml"
    seeds.write_text(
        '[district]\nname = "unreachable"\nenv = "mobile"\n\n[[sources]]\ntype = "urls"\n'
        f'urls = ["http://order.invalid/m/1?table=2", "http://127.0.0.1:{_closed_port()}/m/2?table=1"]\n\n'
        "[limits]\nobey_robots = false\ntimeout_s = 30\n", encoding="utf-8")
    data = tmp_path / "data"
    proc = subprocess.run([*QRAUDIT, "crawl", "--district", str(seeds), "--data", str(data), "--no-progress"],
                          env=crawl_env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, (proc.stdout[-3000:], proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("qraudit: error:")]
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith("qraudit: error: no merchant could be audited: all 2 failed to load ("), errors
    assert "ERR_NAME_NOT_RESOLVED" in errors[0] and "ERR_CONNECTION_REFUSED" in errors[0], errors
    assert "merchants by verdict" in proc.stdout  # the summary is still printed
    store = Store(data_dir=data, read_only=True)
    (run,) = store.runs().run_id
    audits = store.query("SELECT merchant_id, verdict, reason, error FROM audits WHERE run_id = ?", [run])
    assert len(audits) == 2 and set(audits.verdict) == {"inconclusive"} and audits.error.isna().all()
    assert sorted(audits.reason) == [REFUSED, DNS], list(audits.reason)
    assert store.get_run(run)["status"] == "finished"
    assert store.done_merchants(run) == set()

    res = subprocess.run([*QRAUDIT, "crawl", "--resume", run, "--data", str(data), "--no-progress"],
                         env=crawl_env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 1, (res.stdout[-3000:], res.stderr[-3000:])
    log = store.query("SELECT merchant_id, event FROM audit_log WHERE run_id = ?", [run])
    starts = Counter(log[log.event == "start"].merchant_id)
    assert starts == Counter({mid: 2 for mid in audits.merchant_id}), starts


@pytest.mark.browser
def test_one_audited_merchant_keeps_exit_0_and_resume_retries_only_load_failures(tmp_path, crawl_env):
    """Stub engine on the fake district: shop 1 failed to load (network), shop 4 answered 404, shop 2 was
    closed; the others were audited.  Exit 0; a resume audits shop 1 only."""
    data = tmp_path / "data"
    log_path = Path(crawl_env["QRAUDIT_STUB_LOG"])
    reasons = {"/shop/1/": REFUSED, "/shop/4/": HTTP_404, "/shop/2/": CLOSED}
    with FakeDistrict() as fd:
        seeds = fd.write_seeds(tmp_path / "seeds")
        env = dict(crawl_env, QRAUDIT_STUB_REASONS=json.dumps(reasons))
        proc = subprocess.run([*QRAUDIT, "crawl", "--district", str(seeds), "--data", str(data), *STUB],
                              env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
        assert "qraudit: error" not in proc.stderr
        store = Store(data_dir=data, read_only=True)
        (run,) = store.runs().run_id
        before = dict(_rows(store, "SELECT url, reason FROM audits WHERE run_id = ?", [run]))
        assert sorted(r for r in before.values() if r) == sorted([REFUSED, HTTP_404, CLOSED, "mini-program or app link "
                                                                  "(weixin://): not a web page; mini-program/app only"])
        first = [line for line in log_path.read_text().splitlines() if line]
        assert len(first) == 6

        # the network is back: the resume audits again only the page that failed to load for a network reason
        res = subprocess.run([*QRAUDIT, "crawl", "--resume", run, "--data", str(data), *STUB],
                             env=crawl_env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, (res.stdout[-3000:], res.stderr[-3000:])
    again = [line.split(" ", 1)[1] for line in log_path.read_text().splitlines()[len(first):] if line]
    assert len(again) == 1 and "/shop/1/" in again[0], again
    after = _rows(store, "SELECT url, verdict, reason FROM audits WHERE run_id = ?", [run])
    assert len(after) == 7
    shop = {u.split("/shop/")[1].split("/")[0]: (v, r) for u, v, r in after if "/shop/" in u}
    assert shop["1"] == ("compliant", None)
    assert shop["4"] == ("inconclusive", HTTP_404) and shop["2"] == ("inconclusive", CLOSED)
