"""The shared run's queue on a real redis-server: leases, renewal, the reaper, the dupefilter,
the discovery lock and when a run is complete (no browser, no Scrapy crawl)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import redis
import scrapy

from app.cmd_crawl import shared_line
from crawler.scrapy.middlewares import META_MERCHANT, MerchantFingerprinter
from crawler.scrapy.shared import REQUEUE_SCORE, MerchantRedisDupeFilter, SharedRun, check_run_id, redact
from tests.redis_server import fresh_run_id


@pytest.fixture
def client(redis_url):
    return redis.Redis.from_url(redis_url)


def _run(client, worker: str, run_id: str, lease_s: float = 30.0) -> SharedRun:
    return SharedRun(client, run_id, worker, lease_s=lease_s)


def _job(mid: str) -> dict:
    return {"record": {"merchant_id": mid, "audit_url": f"http://shop.example/{mid}?table=1"}, "origins": []}


def test_pop_leases_ack_marks_done_and_a_second_ack_is_a_duplicate(client):
    run = fresh_run_id()
    a, b = _run(client, "a", run), _run(client, "b", run)
    for mid in ("m1", "m2"):
        a.push(mid, _job(mid))
    mid, job, requeued = a.pop()
    assert (mid, requeued) == ("m1", 0) and job["record"]["merchant_id"] == "m1"
    assert a.held == {"m1"}
    leases = a.leases()
    assert leases["m1"][0] == "a" and 25 < leases["m1"][1] <= 30
    assert b.pop()[0] == "m2" and b.pop() is None
    assert a.ack("m1", "violation") is True
    assert "m1" not in a.leases() and a.held == set()
    assert not client.hexists(a.key("jobs"), "m1")  # a done merchant's job no longer takes Redis memory
    assert b.ack("m1", "violation") is False  # stored twice: counted once
    st = a.status()
    assert st["done"] == 1 and st["verdicts"] == {"violation": 1} and st["by_worker"] == {"a": 1}
    assert st["leased"] == 1 and st["queued"] == 0


def test_an_expired_lease_goes_back_to_the_front_of_the_queue_and_skips_the_dupefilter(client):
    run = fresh_run_id()
    killed, other = _run(client, "killed", run, lease_s=0.5), _run(client, "other", run)
    fp = MerchantFingerprinter()
    df = MerchantRedisDupeFilter(client, killed.key("dupefilter"), fingerprinter=fp)
    req = scrapy.Request("http://shop.example/m1?table=1", meta={META_MERCHANT: "m1"})
    assert df.request_seen(req) is False
    killed.push("m1", _job("m1"))
    other.push("m2", _job("m2"))
    assert killed.pop()[0] == "m1"  # ...and the worker dies holding it: no renewal, no ack
    assert other.reap() == []  # not expired yet
    time.sleep(0.8)
    assert other.reap() == [("m1", "killed")]
    assert client.zscore(other.key("queue"), "m1") == REQUEUE_SCORE
    # the dupefilter still knows the merchant: a requeued merchant never goes through it again
    assert df.request_seen(req) is True
    mid, _job_back, requeued = other.pop()
    assert (mid, requeued) == ("m1", 1)
    assert other.status()["requeued"] == 1
    assert other.ack("m1", "compliant") is True


def test_renewal_keeps_a_lease_past_its_time_and_stops_with_the_worker(client):
    run = fresh_run_id()
    w = _run(client, "w", run, lease_s=0.6)
    w.push("m1", _job("m1"))
    w.pop()
    for _ in range(4):
        time.sleep(0.3)
        assert w.renew() == 1
    assert w.reap() == []  # 1.2 s later, still leased
    time.sleep(0.8)
    assert w.reap() == [("m1", "w")]
    assert w.renew() == 0  # the lease was lost: nothing to renew


def test_release_requeues_at_once_and_done_merchants_are_never_handed_out(client):
    run = fresh_run_id()
    a, b = _run(client, "a", run), _run(client, "b", run)
    for mid in ("m1", "m2", "m3"):
        a.push(mid, _job(mid))
    assert a.pop()[0] == "m1"
    assert b.release("m1") is False  # not b's lease
    assert a.release("m1") is True
    assert b.pop()[0] == "m1"  # back at the front
    b.ack("m1")
    assert a.push("m1", _job("m1")) is False  # discovery again (a takeover): a done merchant is not queued again
    assert [x[0] for x in (a.pop(), a.pop())] == ["m2", "m3"]
    assert a.push("m2", _job("m2")) is False  # nor is a leased one
    assert a.pop() is None


def test_the_discovery_lock_goes_to_one_worker_and_to_another_when_its_holder_is_gone(client):
    run = fresh_run_id()
    a, b = _run(client, "a", run), _run(client, "b", run)
    assert a.try_seed() is True and a.try_seed() is True
    assert b.try_seed() is False
    client.delete(a.key("seeder"))  # a's lock expired: it was killed
    assert b.try_seed() is True
    assert not b.complete()
    b.mark_seeded()
    assert b.seeded() and a.try_seed() is False
    assert b.complete()  # discovery ended, nothing queued, no lease out
    b.push("m1", _job("m1"))
    assert not b.complete()
    b.pop()
    assert not b.complete()
    b.ack("m1")
    assert b.complete()


def test_the_first_worker_describes_the_run_and_later_ones_read_it(client):
    run = fresh_run_id()
    a, b = _run(client, "a", run), _run(client, "b", run)
    assert a.meta() == {}
    a.describe({"district": "demo", "limit": None})
    assert b.describe({"district": "other", "limit": 3}) == {"district": "demo", "limit": None}
    a.heartbeat(audited=2)
    workers = b.status()["workers"]
    assert workers["a"]["audited"] == 2 and workers["a"]["held"] == 0


def test_run_ids_and_urls():
    assert check_run_id("2026w14-demo") == "2026w14-demo"
    for bad in ("", "a b", "../x", "x" * 81):
        with pytest.raises(Exception, match="run id"):
            check_run_id(bad)
    assert redact("redis://:secret@h:6379/0") == "redis://:***@h:6379/0"
    assert redact("redis://h:6379/0") == "redis://h:6379/0"


def test_fingerprints_are_merchant_ids_whatever_the_url():
    fp = MerchantFingerprinter(SimpleNamespace(settings=None))
    a = scrapy.Request("http://s/m1?table=1", meta={META_MERCHANT: "m1"})
    b = scrapy.Request("http://s/m1?table=9&utm=x", meta={META_MERCHANT: "m1"})
    assert fp.fingerprint(a) == fp.fingerprint(b)


def test_the_progress_line_shows_the_queue_the_leases_and_every_worker(client):
    run = fresh_run_id()
    a, b = _run(client, "a", run), _run(client, "b", run)
    for mid in ("m1", "m2", "m3"):
        a.push(mid, _job(mid))
    a.pop()
    b.pop()
    b.ack("m2", "compliant")
    a.heartbeat()
    line = shared_line(a.status())
    assert line == "queue 1 · in flight 1 · discovering · by worker: *a 0, b 1", line
