"""One district crawl shared by many workers through Redis (scrapy-redis, with leases).

Any number of ``qraudit crawl --redis URL --run RUN`` processes, on any number of
machines, audit one district together.  Their common state lives in Redis under
``qraudit:<RUN>:`` (:class:`SharedRun`):

========================  =====================================================================
``meta``                  hash: the district, env and flags the first worker described the run with
``seeder`` / ``seeded``   the discovery lock (a key with a TTL, renewed) / set once discovery ended
``dupefilter``            set: fingerprints of the audit requests queued (scrapy-redis's dupefilter;
                          an audit request's fingerprint is its merchant id)
``queue``                 sorted set: merchant ids waiting for an audit (lowest score first)
``jobs``                  hash: merchant id -> the audit job (record, URL) as JSON, until it is done
``leases``                sorted set: merchant id -> lease expiry (ms, Redis server clock)
``holders``               hash: merchant id -> the worker holding its lease
``requeued``              hash: merchant id -> times its lease expired
``done``                  set: merchants whose result a worker stored
``merchants``             set: every merchant discovery found
``stats`` / ``workers``   hash of counters (done, verdicts, per worker) / hash of worker heartbeats
========================  =====================================================================

**Leases.**  scrapy-redis pops requests without acknowledgement, so a killed
worker would lose what it held.  Here a pop is one Lua script that takes the
first merchant off ``queue`` and gives it a lease (``leases`` + ``holders``)
for ``lease_s`` seconds; the worker renews its leases every few seconds while
the audit runs (:meth:`SharedRun.renew`) and acknowledges a merchant once its
result is stored (:meth:`SharedRun.ack`: added to ``done``, lease dropped).  Any
worker's reaper (:meth:`SharedRun.reap`, run on its heartbeat) puts merchants
whose lease expired -- their worker was killed, or its machine lost -- back at
the front of ``queue``, straight into the sorted set: requeued merchants never
meet the dupefilter again.  A merchant whose lease expired
:data:`MAX_REQUEUES` times is not visited again: it is stored with a crawl
error (a page that kills workers must not kill them all).  "Exactly once" is
one stored result per merchant: a killed audit may run twice, and
``qraudit merge`` keeps one result per merchant.

Classes for Scrapy: :class:`SharedScheduler` (a ``scrapy_redis`` scheduler:
audit requests go to the shared :class:`LeasedQueue` through the shared
:class:`MerchantRedisDupeFilter`; discovery requests stay in the worker that
runs discovery), and :class:`SharedRunExtension` (heartbeat, renewal, reaper,
acknowledgement on ``item_scraped``, and the rule for when a worker may close:
discovery ended, queue empty, no lease out).  Capture only: no store here.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import os
import re
import socket
import time
from typing import Any

import redis
from scrapy import signals
from scrapy.dupefilters import RFPDupeFilter as MemoryRFPDupeFilter
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base as RedisQueueBase
from scrapy_redis.scheduler import Scheduler as RedisScheduler
from twisted.internet import task

from core.errors import QrauditError
from crawler.scrapy.middlewares import META_MERCHANT

logger = logging.getLogger(__name__)

KEY_PREFIX = "qraudit"
#: Default lease of a merchant, seconds (renewed every :data:`RENEW_EVERY_S` while its audit runs).
LEASE_S = 60.0
#: How often a worker renews its leases, reaps expired ones and publishes its heartbeat, seconds (at most).
RENEW_EVERY_S = 5.0
#: A merchant whose lease expired this many times is stored with a crawl error instead of a visit.
MAX_REQUEUES = 3
#: Score of a requeued merchant in ``queue``: before every merchant queued by discovery (score 0).
REQUEUE_SCORE = -1
#: The discovery lock's time to live, seconds (renewed on the heartbeat while discovery runs).
SEED_LOCK_S = 30.0
#: How long run keys live after the run completed, seconds (``qraudit merge`` needs none of them).
KEEP_AFTER_S = 7 * 24 * 3600
#: Settings that switch a crawl to shared mode (see :func:`shared_settings`).
SETTING = "QRAUDIT_SHARED"
#: Scrapy signal sent on every heartbeat with :meth:`SharedRun.status` (``status=`` keyword).
shared_status = object()

RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")

_POP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
while true do
  local top = redis.call('ZPOPMIN', KEYS[1])
  if #top == 0 then return false end
  local mid = top[1]
  if redis.call('SISMEMBER', KEYS[5], mid) == 0 then
    redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), mid)
    redis.call('HSET', KEYS[4], mid, ARGV[1])
    return {mid, redis.call('HGET', KEYS[2], mid) or '', redis.call('HGET', KEYS[6], mid) or '0'}
  end
end
"""

_PUSH = """
if redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 1 or redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], 'NX', ARGV[3], ARGV[1])
return 1
"""

_ACK = """
local added = redis.call('SADD', KEYS[3], ARGV[2])
redis.call('HDEL', KEYS[5], ARGV[2])
if redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] then
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('HDEL', KEYS[2], ARGV[2])
end
if added == 1 then
  redis.call('HINCRBY', KEYS[4], 'done', 1)
  redis.call('HINCRBY', KEYS[4], 'verdict:' .. ARGV[3], 1)
  redis.call('HINCRBY', KEYS[4], 'worker:' .. ARGV[1], 1)
end
return added
"""

_RELEASE = """
if redis.call('HGET', KEYS[2], ARGV[2]) ~= ARGV[1] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[2])
if redis.call('SISMEMBER', KEYS[4], ARGV[2]) == 0 then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
end
return 1
"""

_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = 0
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[i])
    n = n + 1
  end
end
return n
"""

_REAP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
local out = {}
for _, mid in ipairs(expired) do
  local holder = redis.call('HGET', KEYS[2], mid) or ''
  redis.call('ZREM', KEYS[1], mid)
  redis.call('HDEL', KEYS[2], mid)
  if redis.call('SISMEMBER', KEYS[4], mid) == 0 then
    redis.call('ZADD', KEYS[3], ARGV[1], mid)
    redis.call('HINCRBY', KEYS[5], mid, 1)
    redis.call('HINCRBY', KEYS[6], 'requeued', 1)
    table.insert(out, mid)
    table.insert(out, holder)
  end
end
return out
"""


def default_worker_id() -> str:
    """``<host>-<pid>``: unique among live workers, new for a restarted one."""
    return f"{socket.gethostname()}-{os.getpid()}"


def check_run_id(run_id: str) -> str:
    """Return ``run_id`` if it can name a shared run (letters, digits, ``-_.``, at most 80);
    raise QrauditError otherwise."""
    if not isinstance(run_id, str) or not RUN_ID_RE.match(run_id):
        raise QrauditError(f"--run {run_id!r}: a run id is 1-80 letters, digits, '-', '_' or '.' "
                           "(the same on every worker)")
    return run_id


def redis_client(url: str) -> Any:
    """A ``redis.Redis`` for ``url`` (``redis://HOST:PORT/DB``), checked with PING.

    Raises QrauditError (one line) when the URL is bad or the server does not answer.
    """
    if not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://")):
        raise QrauditError(f"--redis {url!r}: give a URL like redis://HOST:6379/0")
    try:
        # short timeouts: a worker calls Redis from the crawl's event loop, which must not hang on it
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10,
                                      health_check_interval=30, retry_on_timeout=True)
        client.ping()
    except (ValueError, redis.RedisError) as exc:
        raise QrauditError(f"cannot reach Redis at {redact(url)}: {exc}") from None
    return client


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs, run settings and messages)."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url or "")


def _s(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class SharedRun:
    """The Redis state of one shared run, seen from one worker.

    ``client``: a ``redis.Redis``; ``run_id``: the run (:func:`check_run_id`);
    ``worker``: this worker's id (:func:`default_worker_id`); ``lease_s``: how
    long a lease lasts without renewal.  ``held`` is the set of merchant ids this
    worker holds a lease on (popped, not yet acknowledged or released).
    Redis errors propagate as ``redis.RedisError``.
    """

    def __init__(self, client: Any, run_id: str, worker: str | None = None, lease_s: float = LEASE_S,
                 max_requeues: int = MAX_REQUEUES) -> None:
        self.client = client
        self.run_id = check_run_id(run_id)
        self.worker = worker or default_worker_id()
        self.lease_s = float(lease_s)
        self.max_requeues = int(max_requeues)
        self.held: set[str] = set()
        self.seeding = False
        self._push = client.register_script(_PUSH)
        self._pop = client.register_script(_POP)
        self._ack = client.register_script(_ACK)
        self._release = client.register_script(_RELEASE)
        self._renew = client.register_script(_RENEW)
        self._reap = client.register_script(_REAP)

    def key(self, name: str) -> str:
        """The Redis key ``qraudit:<run>:<name>``."""
        return f"{KEY_PREFIX}:{self.run_id}:{name}"

    @property
    def _lease_ms(self) -> int:
        return int(self.lease_s * 1000)

    # ---- the run's description ------------------------------------------------

    def describe(self, meta: dict[str, Any]) -> dict[str, Any]:
        """Describe the run if nobody has (first worker wins, field by field); return the stored meta."""
        key = self.key("meta")
        pipe = self.client.pipeline()
        for k, v in meta.items():
            pipe.hsetnx(key, k, json.dumps(v, ensure_ascii=False))
        pipe.execute()
        return self.meta()

    def meta(self) -> dict[str, Any]:
        """The run's description (``{}`` for a run no worker has described yet)."""
        raw = self.client.hgetall(self.key("meta"))
        return {_s(k): json.loads(_s(v)) for k, v in raw.items()}

    # ---- discovery ---------------------------------------------------------------

    def seeded(self) -> bool:
        """True once discovery ran to its end (every merchant it found is queued or stored)."""
        return bool(self.client.exists(self.key("seeded")))

    def try_seed(self) -> bool:
        """Take the discovery lock (or keep it); True when this worker is to run discovery.

        False when discovery ended already or another live worker holds the lock."""
        if self.seeded():
            return False
        key = self.key("seeder")
        ms = int(SEED_LOCK_S * 1000)
        if self.client.set(key, self.worker, nx=True, px=ms) or _s(self.client.get(key) or b"") == self.worker:
            self.client.pexpire(key, ms)
            self.seeding = True
            return True
        return False

    def keep_seeding(self) -> None:
        """Renew the discovery lock while this worker holds it."""
        if self.seeding and _s(self.client.get(self.key("seeder")) or b"") == self.worker:
            self.client.pexpire(self.key("seeder"), int(SEED_LOCK_S * 1000))

    def mark_seeded(self) -> None:
        """Discovery ended: record it and free the lock."""
        pipe = self.client.pipeline()
        pipe.set(self.key("seeded"), self.worker)
        pipe.delete(self.key("seeder"))
        pipe.execute()
        self.seeding = False

    def drop_seeding(self) -> None:
        """Give the discovery lock up unfinished (the worker stops): another worker takes it over."""
        if self.seeding and _s(self.client.get(self.key("seeder")) or b"") == self.worker:
            self.client.delete(self.key("seeder"))
        self.seeding = False

    def add_merchant(self, merchant_id: str) -> None:
        """Count a merchant discovery found (a set: re-discovery counts it once)."""
        self.client.sadd(self.key("merchants"), merchant_id)

    # ---- the queue and its leases ---------------------------------------------------

    def push(self, merchant_id: str, job: dict[str, Any], score: float = 0.0) -> bool:
        """Queue an audit job unless the merchant is done or leased already; True when queued.

        (Callers go through the dupefilter first; this guard keeps a merchant that is
        being audited or is stored from being queued again when discovery runs again
        after a takeover.)"""
        return bool(self._push(keys=[self.key("queue"), self.key("jobs"), self.key("leases"), self.key("done")],
                               args=[merchant_id, json.dumps(job, ensure_ascii=False), score]))

    def pop(self) -> tuple[str, dict[str, Any], int] | None:
        """Lease the first queued merchant not yet done: ``(merchant_id, job, times requeued)``, or None."""
        out = self._pop(keys=[self.key("queue"), self.key("jobs"), self.key("leases"), self.key("holders"),
                              self.key("done"), self.key("requeued")], args=[self.worker, self._lease_ms])
        if not out:
            return None
        mid, raw, requeued = _s(out[0]), _s(out[1]), int(_s(out[2]) or 0)
        self.held.add(mid)
        try:
            job = json.loads(raw) if raw else {}
        except ValueError:
            job = {}
        return mid, job, requeued

    def ack(self, merchant_id: str, verdict: str = "") -> bool:
        """The merchant's result is stored: mark it done and drop this worker's lease.
        True when it was not done before (False: a duplicate result, e.g. after a lease expired)."""
        added = self._ack(keys=[self.key("leases"), self.key("holders"), self.key("done"), self.key("stats"),
                                self.key("jobs")], args=[self.worker, merchant_id, verdict or "?"])
        self.held.discard(merchant_id)
        return bool(added)

    def release(self, merchant_id: str) -> bool:
        """Give a lease back unfinished (graceful stop, storing failed): the merchant goes back
        to the front of the queue at once.  True when this worker held it."""
        n = self._release(keys=[self.key("leases"), self.key("holders"), self.key("queue"), self.key("done")],
                          args=[self.worker, merchant_id, REQUEUE_SCORE])
        self.held.discard(merchant_id)
        return bool(n)

    def renew(self) -> int:
        """Extend every lease this worker holds by ``lease_s``; returns how many it still held.

        A merchant whose lease was lost (expired and reaped) stays in ``held`` until its
        result is acknowledged; it is not renewed."""
        if not self.held:
            return 0
        return int(self._renew(keys=[self.key("leases"), self.key("holders")],
                               args=[self.worker, self._lease_ms, *sorted(self.held)]))

    def reap(self) -> list[tuple[str, str]]:
        """Requeue every merchant whose lease expired; returns ``[(merchant_id, former holder)]``."""
        out = self._reap(keys=[self.key("leases"), self.key("holders"), self.key("queue"), self.key("done"),
                               self.key("requeued"), self.key("stats")], args=[REQUEUE_SCORE])
        flat = [_s(x) for x in out or []]
        return list(zip(flat[0::2], flat[1::2], strict=True))

    def leases(self) -> dict[str, tuple[str, float]]:
        """``{merchant_id: (holder, seconds left)}`` of the leases out now."""
        now_s, now_us = self.client.time()
        now_ms = now_s * 1000 + now_us // 1000
        holders = {_s(k): _s(v) for k, v in self.client.hgetall(self.key("holders")).items()}
        out = {}
        for mid, score in self.client.zrange(self.key("leases"), 0, -1, withscores=True):
            mid = _s(mid)
            out[mid] = (holders.get(mid, ""), (score - now_ms) / 1000.0)
        return out

    # ---- the run's state -----------------------------------------------------------

    def heartbeat(self, **info: Any) -> None:
        """Publish this worker's state (``info``, plus pid, host, time and leases held)."""
        doc = {"pid": os.getpid(), "host": socket.gethostname(), "at": time.time(), "held": len(self.held), **info}
        self.client.hset(self.key("workers"), self.worker, json.dumps(doc))

    def complete(self) -> bool:
        """True when the run is over: discovery ended, nothing queued, no lease out."""
        pipe = self.client.pipeline()
        pipe.exists(self.key("seeded"))
        pipe.zcard(self.key("queue"))
        pipe.zcard(self.key("leases"))
        seeded, queued, leased = pipe.execute()
        return bool(seeded) and not queued and not leased

    def status(self) -> dict[str, Any]:
        """The run's state for progress displays.

        ``queued``, ``leased``, ``done`` (merchants stored), ``merchants`` (found by
        discovery), ``requeued`` (leases that expired), ``seeded``, ``complete``,
        ``verdicts`` ({verdict: n}), ``by_worker`` ({worker: merchants stored}), ``workers``
        ({worker: heartbeat dict}), ``me`` (this worker's id).
        """
        pipe = self.client.pipeline()
        pipe.zcard(self.key("queue"))
        pipe.zcard(self.key("leases"))
        pipe.scard(self.key("done"))
        pipe.scard(self.key("merchants"))
        pipe.exists(self.key("seeded"))
        pipe.hgetall(self.key("stats"))
        pipe.hgetall(self.key("workers"))
        queued, leased, done, merchants, seeded, stats, workers = pipe.execute()
        stats = {_s(k): int(v) for k, v in stats.items()}
        return {
            "queued": int(queued), "leased": int(leased), "done": int(done), "merchants": int(merchants),
            "seeded": bool(seeded), "complete": bool(seeded) and not queued and not leased,
            "requeued": stats.get("requeued", 0),
            "verdicts": {k.split(":", 1)[1]: v for k, v in stats.items() if k.startswith("verdict:")},
            "by_worker": {k.split(":", 1)[1]: v for k, v in stats.items() if k.startswith("worker:")},
            "workers": {_s(k): json.loads(_s(v)) for k, v in workers.items()},
            "me": self.worker,
        }

    def expire_keys(self, seconds: float = KEEP_AFTER_S) -> None:
        """Let every key of the run expire in ``seconds`` (called once the run is complete)."""
        pipe = self.client.pipeline()
        for name in ("meta", "seeded", "dupefilter", "queue", "jobs", "leases", "holders", "requeued", "done",
                     "merchants", "stats", "workers"):
            pipe.expire(self.key(name), int(seconds))
        pipe.execute()


# ---- Scrapy integration ------------------------------------------------------------


def shared_settings(redis_url: str, run_id: str, worker: str, *, lease_s: float = LEASE_S,
                    seed_only: bool = False, audits: int = 2) -> dict[str, Any]:
    """The Scrapy settings that make a crawl a worker of shared run ``run_id`` on ``redis_url``.

    ``audits``: how many leases the worker holds at once (its audit concurrency);
    ``seed_only``: run discovery, queue the audits, audit nothing.
    """
    check_run_id(run_id)
    return {
        SETTING: {"run_id": run_id, "worker": worker, "lease_s": float(lease_s), "seed_only": bool(seed_only),
                  "audits": max(1, int(audits))},
        "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.scrapy.shared.SharedScheduler",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_CLASS": "crawler.scrapy.shared.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": f"{KEY_PREFIX}:{run_id}:queue",
        "SCHEDULER_DUPEFILTER_KEY": f"{KEY_PREFIX}:{run_id}:dupefilter",
        "DUPEFILTER_CLASS": "crawler.scrapy.shared.MerchantRedisDupeFilter",
    }


def shared_run(crawler: Any) -> SharedRun | None:
    """The crawler's :class:`SharedRun` (made once per crawler), or None outside shared mode."""
    if crawler is None:
        return None
    conf = crawler.settings.getdict(SETTING)
    if not conf:
        return None
    found = getattr(crawler, "qraudit_shared", None)
    if found is None:
        client = redis_client(crawler.settings.get("REDIS_URL"))
        found = SharedRun(client, conf["run_id"], conf.get("worker"), conf.get("lease_s", LEASE_S))
        crawler.qraudit_shared = found
    return found


class MerchantRedisDupeFilter(RFPDupeFilter):
    """scrapy-redis's dupefilter keyed by the run, fingerprinting with the crawler's fingerprinter
    (an audit request's fingerprint is its merchant id: one audit per merchant across workers).
    Its set outlives every worker (never cleared on close)."""

    def __init__(self, server: Any, key: str, debug: bool = False, fingerprinter: Any = None) -> None:
        super().__init__(server, key, debug)
        self.fingerprinter = fingerprinter

    @classmethod
    def from_spider(cls, spider: Any) -> MerchantRedisDupeFilter:
        crawler = spider.crawler
        shared = shared_run(crawler)
        return cls(shared.client, shared.key("dupefilter"), crawler.settings.getbool("DUPEFILTER_DEBUG"),
                   fingerprinter=crawler.request_fingerprinter)

    def request_fingerprint(self, request: Any) -> str:
        if self.fingerprinter is not None:
            return self.fingerprinter.fingerprint(request).hex()
        return super().request_fingerprint(request)

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints: other workers and later workers of the run still need them."""


class LeasedQueue(RedisQueueBase):
    """scrapy-redis queue of audit jobs with leases (see :class:`SharedRun`).

    A request is stored as a job (merchant id, record, URL, the sandbox origins it
    was found under), not as a pickled request: the worker that pops it builds its
    own request with its own evidence folder (``spider.request_for_job``).
    """

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer=json)
        self.shared = shared_run(spider.crawler)

    def __len__(self) -> int:
        return int(self.server.zcard(self.key))

    def push(self, request: Any) -> None:
        """Queue an audit request's job (score: minus its priority)."""
        mid = request.meta[META_MERCHANT]
        job = self.spider.job_for_request(request)
        self.shared.push(mid, job, score=-float(request.priority or 0))

    def pop(self, timeout: int = 0) -> Any:
        """Lease the next merchant and return the request the spider builds for it, or None."""
        got = self.shared.pop()
        if got is None:
            return None
        mid, job, requeued = got
        return self.spider.request_for_job(mid, job, requeued)

    def clear(self) -> None:
        """Never: the queue belongs to the run, not to one worker."""


class SharedScheduler(RedisScheduler):
    """scrapy-redis's scheduler for a shared run.

    Audit requests (those with a merchant id) go through the Redis dupefilter into
    the shared :class:`LeasedQueue`; other requests (discovery: directory pages,
    sitemaps) stay in a local priority queue with an in-memory dupefilter, so the
    worker that runs discovery fetches its own pages.  A worker takes at most
    ``audits`` leases at a time (none with ``seed_only``).
    """

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedScheduler:
        shared = shared_run(crawler)
        s = crawler.settings
        inst = cls(server=shared.client, persist=True, queue_key=s.get("SCHEDULER_QUEUE_KEY"),
                   queue_cls=s.get("SCHEDULER_QUEUE_CLASS"), dupefilter_key=s.get("SCHEDULER_DUPEFILTER_KEY"),
                   dupefilter_cls=s.get("DUPEFILTER_CLASS"))
        inst.stats = crawler.stats
        inst.crawler = crawler
        inst.shared = shared
        conf = s.getdict(SETTING)
        inst.seed_only = bool(conf.get("seed_only"))
        inst.max_held = max(1, int(conf.get("audits", 2)))
        inst.local: list[tuple[int, int, Any]] = []
        inst._order = itertools.count()
        inst.local_df = MemoryRFPDupeFilter(None, fingerprinter=crawler.request_fingerprinter)
        return inst

    def open(self, spider: Any) -> None:
        """Open the shared queue and dupefilter (never flushed: they belong to the run)."""
        self.spider = spider
        self.queue = load_object(self.queue_cls)(server=self.server, spider=spider, key=self.queue_key,
                                                 serializer=json)
        self.df = load_object(self.dupefilter_cls).from_spider(spider)

    def enqueue_request(self, request: Any) -> bool:
        if request.meta.get(META_MERCHANT):
            return super().enqueue_request(request)
        if not request.dont_filter and self.local_df.request_seen(request):
            return False
        heapq.heappush(self.local, (-int(request.priority or 0), next(self._order), request))
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/memory")
        return True

    def next_request(self) -> Any:
        if self.local:
            return heapq.heappop(self.local)[2]
        if self.seed_only or len(self.shared.held) >= self.max_held:
            return None
        try:
            request = self.queue.pop()
        except Exception as exc:  # Redis unreachable for a moment: the engine asks again on its heartbeat
            logger.warning("shared queue: cannot lease a merchant now: %s", exc)
            return None
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.local:
            return True
        if self.seed_only:
            return False
        try:
            return len(self.shared.held) < self.max_held and len(self.queue) > 0
        except Exception as exc:
            logger.warning("shared queue: cannot read its size now: %s", exc)
            return True  # keep the worker open: the idle check retries

    def __len__(self) -> int:
        return len(self.local) + len(self.queue)

    def close(self, reason: str) -> None:
        """Keep the run's queue and dupefilter (other workers go on)."""


class SharedRunExtension:
    """Keeps a worker's part of the shared run (enabled with the :data:`SETTING` setting).

    Every ``min(RENEW_EVERY_S, lease_s / 3)`` seconds: renews this worker's leases
    and the discovery lock, requeues expired leases, publishes the heartbeat and
    sends :data:`shared_status`.  On ``item_scraped`` of an audit (its result
    stored) acknowledges the merchant; on ``item_error``/``item_dropped`` gives the
    lease back.  On ``spider_idle``: discovery ended here -> marks the run seeded;
    keeps the worker open (``DontCloseSpider``) while discovery runs elsewhere,
    merchants are queued or leases are out.  On close: gives back the leases of
    audits that were not stored (a graceful stop) and an unfinished discovery lock.
    """

    def __init__(self, crawler: Any, shared: SharedRun) -> None:
        self.crawler = crawler
        self.shared = shared
        conf = crawler.settings.getdict(SETTING)
        self.seed_only = bool(conf.get("seed_only"))
        self.every = max(0.5, min(RENEW_EVERY_S, shared.lease_s / 3.0))
        self.loop: Any = None
        self.audited = 0
        self.closing = False
        self.last_beat: float | None = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)
        crawler.signals.connect(self.idle, signal=signals.spider_idle)
        crawler.signals.connect(self.scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.failed, signal=signals.item_error)
        crawler.signals.connect(self.failed, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedRunExtension:
        shared = shared_run(crawler)
        if shared is None:
            raise NotConfigured
        return cls(crawler, shared)

    def opened(self, spider: Any = None) -> None:
        """Start the heartbeat (``spider_opened``)."""
        self.loop = task.LoopingCall(self.beat)
        self.loop.start(self.every, now=True)

    def beat(self) -> None:
        """One heartbeat (errors are logged, never raised: Redis may come back)."""
        now = time.monotonic()
        if self.last_beat is not None:
            gap = now - self.last_beat
            stats = self.crawler.stats
            stats.max_value("qraudit/shared_beat_gap_max_s", round(gap, 1))
            if gap > self.shared.lease_s / 2:
                logger.warning("heartbeat %.1f s late (the reactor was blocked): leases of %d s may have expired",
                               gap - self.every, int(self.shared.lease_s))
        self.last_beat = now
        try:
            self.shared.renew()
            self.shared.keep_seeding()
            for mid, holder in self.shared.reap():
                logger.warning("lease of merchant %s (held by %s) expired: back in the queue", mid, holder or "?")
                self.crawler.stats.inc_value("qraudit/shared_requeued")
            self.shared.heartbeat(audited=self.audited, seeding=self.shared.seeding, closing=self.closing)
            status = self.shared.status()
            self.crawler.signals.send_catch_log(shared_status, status=status)
        except Exception as exc:  # a lost Redis connection: the next beat retries
            logger.warning("shared run heartbeat failed: %s", exc)

    def scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        """An item went through every pipeline (``item_scraped``): an audit's result is stored, ack it."""
        mid = getattr(item, "merchant_id", None)
        if mid is None or not hasattr(item, "trace"):
            return
        self.audited += 1
        try:
            if not self.shared.ack(mid, getattr(item, "verdict", "") or ""):
                self.crawler.stats.inc_value("qraudit/shared_duplicate")
                logger.warning("merchant %s was stored by another worker too (its lease had expired)", mid)
        except Exception as exc:
            logger.warning("could not acknowledge merchant %s: %s (its lease will expire)", mid, exc)

    def failed(self, item: Any, response: Any = None, spider: Any = None, failure: Any = None,
               exception: Any = None) -> None:
        """Storing an audit failed (``item_error``/``item_dropped``): give its lease back at once."""
        mid = getattr(item, "merchant_id", None)
        if mid is not None and hasattr(item, "trace"):
            try:
                self.shared.release(mid)
            except Exception as exc:
                logger.warning("could not give merchant %s back: %s (its lease will expire)", mid, exc)

    def idle(self, spider: Any = None) -> None:
        """``spider_idle``: end discovery here; raise ``DontCloseSpider`` until the run is complete."""
        if self.shared.seeding:
            self.shared.mark_seeded()
        if self.seed_only:
            return
        try:
            self.shared.reap()
            if self.shared.complete():
                return
        except Exception as exc:
            logger.warning("shared run: cannot read the queue: %s", exc)
        raise DontCloseSpider

    def closed(self, spider: Any = None, reason: str = "") -> None:
        """``spider_closed``: stop the heartbeat, give back unfinished leases and discovery."""
        self.closing = True
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        try:
            for mid in sorted(self.shared.held):
                self.shared.release(mid)
            if self.shared.seeding and reason != "finished":
                self.shared.drop_seeding()
            self.shared.heartbeat(audited=self.audited, seeding=False, closing=True, closed=reason)
            if reason == "finished" and self.shared.complete():
                self.shared.expire_keys()
        except Exception as exc:
            logger.warning("shared run: could not hand back on close: %s", exc)


def rebase_url(url: str | None, old: list[str], new: list[str]) -> str | None:
    """``url`` with an origin of ``old`` replaced by the one at the same index in ``new``.

    A sandbox district runs a sandbox of its own in every worker, on its own ports:
    a job found under one worker's sandbox is opened under the auditing worker's."""
    if not url:
        return url
    for o, n in zip(old, new, strict=False):
        if o and n and url.startswith(o):
            return n + url[len(o):]
    return url
