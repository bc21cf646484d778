"""A worker of a shared district crawl: ``qraudit crawl --redis URL --run RUN [--district D]``.

Any number of workers, on any number of machines, crawl one district together
through Redis (:mod:`crawler.scrapy.shared`: scrapy-redis's scheduler with a
leased queue and a dupefilter, keys ``qraudit:<RUN>:*``).  The first worker
describes the run in Redis (district, env, limits, flags; later workers take
them from there and refuse a different district) and one worker runs discovery
(``--seed-only``: discovery alone, no browser).

Each worker stores what it audits in a store of its own,
``<data>/workers/<RUN>/<worker>/`` (DuckDB file and evidence folders; see
:func:`results.store.merge_run` for why), never in another worker's or the main
store, so workers never wait for one another's DuckDB lock and need no shared
disk.  When a worker ends with the run complete (discovery done, queue empty, no
lease out), it merges every worker store of the run found under its data folder
into the main store (``<data>/qraudit.duckdb``): on one machine the run is then
readable at once by ``runs``, ``report``, ``diff``, ``export`` and the notebooks.
Stores of other machines are merged with ``qraudit merge RUN --from DIR``.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.crawl import CrawlOutcome, _run_process
from app.districts import open_district
from core.errors import QrauditError
from crawler.district import load_district
from crawler.scrapy.shared import LEASE_S, SharedRun, check_run_id, default_worker_id, redact, redis_client
from results.store import Store, find_worker_stores, merge_run, worker_store_dir

#: What the first worker writes into the run's description (Redis ``meta``), and later workers follow.
SHARED_FLAGS = ("env", "limit", "ignore_robots", "allow_submit")


def describe_run(shared: SharedRun, district: str | None, *, env: str | None, limit: int | None,
                 ignore_robots: bool, allow_submit: bool) -> tuple[Any, dict[str, Any]]:
    """Load the run's district and settle its settings with Redis: ``(District, meta)``.

    The first worker writes ``district`` (default ``demo``) and its flags; a later
    worker loads the district the run names (its file if it exists here, else
    the name under ``seeds/``) and takes the run's flags.  Raises QrauditError when
    ``district`` names another district than the run's.
    """
    meta = shared.meta()
    if not meta:
        d = load_district(district)
        meta = shared.describe({
            "district": d.name, "district_file": str(d.file) if d.file else None,
            "env": env or d.env, "limit": limit, "ignore_robots": bool(ignore_robots),
            "allow_submit": bool(allow_submit), "created_at": datetime.now(UTC).isoformat(),
            "created_by": shared.worker,
        })
    name = meta.get("district")
    if district is not None:
        d = load_district(district)
    else:
        dfile = meta.get("district_file")
        d = load_district(dfile if dfile and Path(dfile).is_file() else name)
    if d.name != name:
        raise QrauditError(f"run {shared.run_id} crawls district {name!r}, not {d.name!r} "
                           "(leave --district out to join it, or choose another --run)")
    return d, meta


def _alive(pid: Any) -> bool:
    if not pid or pid == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_worker(
    redis_url: str,
    run_id: str,
    district: str | Path | None = None,
    *,
    concurrency: int | None = None,
    env: str | None = None,
    limit: int | None = None,
    ignore_robots: bool = False,
    allow_submit: bool = False,
    data_dir: Path | None = None,
    verbose: bool = False,
    seed_only: bool = False,
    worker: str | None = None,
    lease_s: float | None = None,
    progress: Any = None,
    engine: str | None = None,
    on_start: Any = None,
    merge: bool = True,
) -> CrawlOutcome:
    """Run one worker of shared run ``run_id`` on ``redis_url`` until the run is complete.

    ``concurrency``: audits (leases) at once; ``seed_only``: run discovery and
    queue the audits, audit nothing; ``worker``: this worker's id (default
    ``<host>-<pid>``; a worker restarted under the same name goes on with its
    store); ``lease_s``: lease of a merchant without renewal (default
    60 s, renewed every few seconds while its audit runs); ``merge``: merge the
    local worker stores into the main store when the run is complete.  Other
    arguments as :func:`app.crawl.run_crawl` (``env``, ``limit``, ``ignore_robots``
    and ``allow_submit`` only matter for the first worker: the run keeps them).
    Returns a :class:`~app.crawl.CrawlOutcome` whose ``db_path`` is the main
    store's when the run was merged, else the worker store's.  Raises QrauditError
    for bad input, an unreachable Redis or another district than the run's.
    """
    check_run_id(run_id)
    if concurrency is not None and concurrency < 1:
        raise QrauditError("--concurrency must be at least 1")
    if limit is not None and limit < 1:
        raise QrauditError("--limit must be at least 1")
    if env is not None and env not in ("wechat", "alipay", "mobile"):
        raise QrauditError(f"unknown --env {env!r}: choose one of wechat, alipay, mobile")
    if lease_s is not None and lease_s < 2:
        raise QrauditError("--lease-seconds must be at least 2")
    if district is not None and not str(district).strip():
        raise QrauditError("--district is empty: give a district name (seeds/NAME.toml) or a district file")
    client = redis_client(redis_url)
    shared = SharedRun(client, run_id, worker or default_worker_id(), lease_s or LEASE_S)
    d, meta = describe_run(shared, str(district) if district is not None else None, env=env, limit=limit,
                           ignore_robots=ignore_robots, allow_submit=allow_submit)
    env = meta.get("env") or d.env
    limit = meta.get("limit")
    ignore_robots = bool(meta.get("ignore_robots"))
    allow_submit = bool(meta.get("allow_submit"))
    concurrency = concurrency or max(2, min(d.limits.per_host_concurrency, 4))

    main = Store(data_dir=data_dir)
    wdir = worker_store_dir(main.data_dir, run_id, shared.worker)
    wstore = Store(data_dir=wdir)
    try:  # a worker restarted under its --worker name goes on with its store
        previous = wstore.get_run(run_id)
    except QrauditError:
        previous = None
    if previous is not None and previous.get("status") == "running" and previous.get("host") == socket.gethostname() \
            and _alive(previous.get("pid")):
        raise QrauditError(f"worker {shared.worker} of run {run_id} is running already (pid {previous['pid']}): "
                           "give this worker another --worker name")
    settings_doc = {
        "concurrency": concurrency, "limit": limit, "ignore_robots": ignore_robots, "allow_submit": allow_submit,
        "timeout_s": d.limits.timeout_s, "per_host_concurrency": d.limits.per_host_concurrency,
        "download_delay": d.limits.download_delay, "obey_robots": d.limits.obey_robots and not ignore_robots,
        "redis": redact(redis_url), "worker": shared.worker, "seed_only": seed_only, "lease_s": shared.lease_s,
    }
    if previous is None:
        wstore.create_run("crawl", district=d.name, district_file=d.file, env=env, settings=settings_doc,
                          run_id=run_id)
    else:
        settings_doc = {**(previous.get("settings") or {}), **settings_doc}
    run_dir = wstore.run_dir(run_id)
    status, reason, stats = "failed", "not started", {}
    spider_ref: dict[str, Any] = {}
    t0 = time.monotonic()
    try:
        with open_district(d, qr_dir=run_dir / "qr_photos") as live:
            wstore.update_run(run_id, status="running", pid=os.getpid(), host=socket.gethostname(),
                              settings=settings_doc)
            if on_start:
                on_start(run_id, live)
            status, reason, stats = _run_process(
                live, run_id=run_id, store=wstore, run_dir=run_dir, concurrency=concurrency, env=env,
                limit=limit, obey_robots=False if ignore_robots else None, allow_submit=allow_submit,
                verbose=verbose, audit=True, browser=not seed_only, progress=progress, engine=engine,
                known=[], done=set(), spider_ref=spider_ref,
                shared={"redis_url": redis_url, "run_id": run_id, "worker": shared.worker,
                        "lease_s": shared.lease_s, "seed_only": seed_only},
            )
            if stats.get("qraudit/store_deferred"):
                wstore.ingest(run_id)
    finally:
        spider = spider_ref.get("spider")
        if spider is not None and "qraudit/merchants" in stats:
            settings_doc["discovery"] = True  # this worker ran discovery: merge keeps its QR photos
            wstore.update_run(run_id, settings=settings_doc)
        wstore.finish_run(run_id, status)
    try:
        final = SharedRun(client, run_id, shared.worker).status()
    except Exception:  # Redis gone at the very end: the worker's own store is complete anyway
        final = None
    merged = None
    db_path = wstore.db_path
    if merge and status == "finished" and not seed_only and final and final.get("complete"):
        merged = merge_run(main, run_id, find_worker_stores(run_id, [main.data_dir]))
        db_path = main.db_path
    spider = spider_ref.get("spider")
    return CrawlOutcome(
        run_id=run_id, status=status, reason=reason, run_dir=main.run_dir(run_id) if merged else run_dir,
        db_path=db_path, merchants=len(spider.records) if spider else 0,
        audited_now=int(stats.get("qraudit/audited", 0)), elapsed_s=time.monotonic() - t0, stats=stats,
        signal=stats.get("qraudit/signal"), source_failures=list(getattr(spider, "source_failures", None) or []),
        worker=shared.worker, shared=final, worker_dir=wdir, merge=merged,
    )
