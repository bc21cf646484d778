"""The store: one DuckDB file for every run, evidence files on disk.

Layout (see ``schema.sql``)::

    data/qraudit.duckdb                       runs, merchants, audits, findings, gates, requests, audit_log
    data/runs/<run_id>/run.json               the run's row (written at start and end)
    data/runs/<run_id>/merchants/<mid>/       result.json (written here), and the agent's evidence:
                                              trace.json, step-NN.png/html, directly or in a
                                              <visit_id>/ subfolder (audits.trace_dir says which)
    data/runs/<run_id>/jobdir/                Scrapy's JOBDIR (crawl state for --resume)

The data folder is ``data/`` under the current directory, or ``$QRAUDIT_DATA``,
or the ``data_dir`` argument; the DB file defaults to ``<data>/qraudit.duckdb``.

Concurrency.  DuckDB allows one writing process at a time, and a writer
excludes readers of other processes.  The store therefore opens a short-lived
connection for each operation (about 20 ms) and, like every reader of the file
(:func:`open_duckdb`, also used by ``results.api``), retries with a jittered
back-off for up to ``lock_timeout_s`` while another process holds it: a
``qraudit check``, ``report`` or notebook run during a crawl waits its turn for
a few hundred milliseconds instead of failing.  A crawl commits each merchant's
result as it arrives, so a killed crawl loses at most the merchants in flight;
if the file stays locked longer than ``lock_timeout_s`` (a notebook holding a
connection open), the crawl writes the merchant's self-contained
``result.json`` only (:meth:`Store.write_result_json`) and loads it with
:meth:`Store.ingest` when the crawl ends.  Readers should use
``Store(read_only=True)`` or :meth:`Store.query`.

Several workers, one run (``qraudit crawl --redis``).  Each worker writes a
store of its own -- ``<data>/workers/<run>/<worker>/`` holds its DuckDB file and
its evidence folders, laid out as a data folder -- so workers never wait for
one another's lock, and a worker on another machine needs no shared disk.
:func:`merge_run` (``qraudit merge RUN``) brings worker stores into the main
store's run: one audit per merchant (a merchant audited twice, because a
killed worker's lease expired after its result was stored, keeps the result
stored first), the merchant records of every worker merged, the evidence folders
the kept audits point at (hard links when on the same file system, else
copies), the audit log, and the run's status: ``finished`` once a worker
finished (a worker only finishes when the whole shared run is complete), when
the manifest is written.  Merging again is harmless: merchants already merged are
skipped.

Every result is also self-contained on disk: :meth:`Store.save_result` writes
``merchants/<mid>/result.json`` holding the findings.md object plus
``run_id``, ``merchant_id``, ``merchant`` (the merchant record), ``error`` and
``trace`` (the path of the agent's ``trace.json`` relative to the merchant
folder); :meth:`Store.ingest` loads every ``result.json`` of a run not yet in
the DB.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import random
import re
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from dataclasses import fields as dc_fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core import __version__
from core.errors import QrauditError
from core.paths import data_dir
from core.reasons import Code, from_legacy_text, is_transient, load_failure_words, stored
from core.sites import site_of, third_party
from core.trace import Trace
from detectors.base import AuditResult, Finding
from results import manifest

SCHEMA_FILE = Path(__file__).with_name("schema.sql")
RUN_STATUSES = ("running", "finished", "interrupted", "failed")
RUN_KINDS = ("crawl", "check", "rescore")


def load_failure(verdict: str | None, reason: str | None, code: str | None = None, params: Any = None) -> str | None:
    """Why a stored audit's page could not be loaded (the net error or HTTP status, in words), else None.

    Decided on the reason code (``core.reasons.Code.LOAD_FAILED``; results stored before
    codes are read back from their English reason).  Other inconclusive reasons (closed,
    sold out, page broken, redirect loop, dead end...) describe a page that was there.
    """
    r = stored(code, params, reason)
    if verdict != "inconclusive" or r is None or r.code != Code.LOAD_FAILED:
        return None
    return load_failure_words(r.params) or "unknown cause"


def transient_load_failure(verdict: str | None, reason: str | None, code: str | None = None,
                           params: Any = None) -> bool:
    """True when the page could not be loaded for a reason a later visit may not meet
    (``core.reasons.is_transient``: network errors, HTTP 5xx/408/425/429)."""
    r = stored(code, params, reason)
    return verdict == "inconclusive" and r is not None and is_transient(r.code, r.params)


def default_data_dir() -> Path:
    """``$QRAUDIT_DATA`` or ``./data`` (:func:`core.paths.data_dir`)."""
    return data_dir()


def _now() -> datetime:
    return datetime.now(UTC)


def _locked(exc: BaseException) -> bool:
    msg = str(exc).lower()
    return "lock" in msg or "conflicting" in msg


def open_duckdb(path: Path, read_only: bool = False, lock_timeout_s: float = 60.0) -> Any:
    """A DuckDB connection to ``path``, retried while another process holds the file's lock.

    DuckDB lets one process write a file, and a writing process keeps every other
    process out, readers included; qraudit's processes hold it for milliseconds at a
    time, so the attempt is repeated with a jittered back-off (50 ms doubling to
    0.5 s) for up to ``lock_timeout_s`` seconds.  Raises QrauditError (one line)
    when the file stays locked that long or cannot be opened.
    """
    import duckdb  # noqa: PLC0415  (heavy: loaded only when needed)

    deadline = time.monotonic() + lock_timeout_s
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if not _locked(exc) or time.monotonic() > deadline:
                if _locked(exc):
                    raise QrauditError(f"{path} stayed locked by another process for {lock_timeout_s:g} s "
                                       f"({str(exc).splitlines()[0]})") from None
                raise QrauditError(f"{path}: cannot open the store ({str(exc).splitlines()[0]})") from None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)


def _attach_read_only(con: Any, path: Path, lock_timeout_s: float) -> None:
    """``ATTACH path AS w (READ_ONLY)`` on ``con``, retried with the back-off of :func:`open_duckdb`
    while the file's owner (a worker still writing its own store) holds its lock for a moment.
    Raises QrauditError (one line) when it stays locked longer than ``lock_timeout_s`` seconds."""
    import duckdb  # noqa: PLC0415  (heavy: loaded only when needed)

    deadline = time.monotonic() + lock_timeout_s
    delay = 0.05
    while True:
        try:
            con.execute("ATTACH ? AS w (READ_ONLY)", [str(path)])
            return
        except duckdb.IOException as exc:
            if not _locked(exc) or time.monotonic() > deadline:
                raise QrauditError(f"{path}: cannot read the worker store ({str(exc).splitlines()[0]})") from None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)


def _ts(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "run"


class Store:
    """The DuckDB store of runs and their evidence folders.

    ``db_path``: the DuckDB file (default ``<data_dir>/qraudit.duckdb``);
    ``data_dir``: the data folder (default :func:`default_data_dir`);
    ``read_only``: never write (queries fail with QrauditError if the DB does
    not exist); ``lock_timeout_s``: how long to wait for another process's lock.
    The schema is applied on the first write.
    """

    def __init__(
        self,
        db_path: Path | None = None,
        data_dir: Path | None = None,
        *,
        read_only: bool = False,
        lock_timeout_s: float = 60.0,
    ) -> None:
        self.data_dir = (Path(data_dir) if data_dir else default_data_dir()).expanduser().resolve()
        self.db_path = (Path(db_path).expanduser().resolve() if db_path else self.data_dir / "qraudit.duckdb")
        self.read_only = read_only
        self.lock_timeout_s = lock_timeout_s
        self._schema_applied = False
        self._held: Any = None  # the connection of a holding() block
        self._run_dirs: dict[str, Path] = {}  # runs kept outside <data>/runs (``check --out``)
        if not read_only:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
            with self.connect():
                pass

    # ---- connections -------------------------------------------------------

    @contextlib.contextmanager
    def connect(self, read_only: bool | None = None) -> Iterator[Any]:
        """A short-lived DuckDB connection (retried while another process holds the lock).

        Writes in the block are committed when it exits normally and rolled
        back on an exception.  Raises QrauditError if the DB stays locked for
        ``lock_timeout_s`` or (read-only) does not exist.
        """
        if self._held is not None:  # inside holding(): its connection and transaction
            yield self._held
            return
        ro = self.read_only if read_only is None else read_only
        if ro and not self.db_path.exists():
            raise QrauditError(f"{self.db_path}: no qraudit store here (run a crawl first)")
        con = open_duckdb(self.db_path, read_only=ro, lock_timeout_s=self.lock_timeout_s)
        try:
            if not ro and not self._schema_applied:
                con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
                self._schema_applied = True
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    @contextlib.contextmanager
    def holding(self) -> Iterator[Store]:
        """A block whose store calls share one write connection and one transaction: one
        open of the file for several small writes (a check's run, merchant and log rows;
        then its result and the run's end).  Committed when the block ends normally, rolled
        back entirely on an exception.  Other processes wait for the file's lock for the
        block, so never hold it across a visit.  Nests; yields ``self``."""
        if self._held is not None:
            yield self
            return
        with self.connect(read_only=False) as con:
            self._held = con
            try:
                yield self
            finally:
                self._held = None

    def query(self, sql: str, params: list[Any] | None = None):
        """Run a read query and return a pandas DataFrame (read-only connection)."""
        with self.connect(read_only=True) as con:
            return con.execute(sql, params or []).df()

    def close(self) -> None:
        """Nothing stays open between operations; kept for symmetry (safe to call twice)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- runs --------------------------------------------------------------

    def run_dir(self, run_id: str) -> Path:
        """The run's folder (not created): ``<data>/runs/<run_id>``, or the folder the run was
        created in (``create_run(run_dir=...)``, e.g. ``qraudit check --out DIR``) as the store
        records it."""
        if run_id in self._run_dirs:
            return self._run_dirs[run_id]
        own = self.data_dir / "runs" / run_id
        if own.exists() or not self.db_path.exists():
            return own
        try:
            with self.connect(read_only=self.read_only) as con:
                row = con.execute("SELECT run_dir FROM runs WHERE run_id = ?", [run_id]).fetchone()
        except QrauditError:
            return own
        stored = Path(row[0]) if row and row[0] else None
        if stored is not None and stored.is_absolute() and stored != own and stored.is_dir():
            self._run_dirs[run_id] = stored
            return stored
        return own

    def merchant_dir(self, run_id: str, merchant_id: str) -> Path:
        """``<run_dir>/merchants/<merchant_id>`` (created)."""
        d = self.run_dir(run_id) / "merchants" / merchant_id
        d.mkdir(parents=True, exist_ok=True)
        return d

    def create_run(
        self,
        kind: str,
        *,
        district: str | None = None,
        district_file: str | Path | None = None,
        env: str = "wechat",
        settings: dict[str, Any] | None = None,
        run_id: str | None = None,
        run_dir: str | Path | None = None,
    ) -> str:
        """Register a new run (status ``running``) and create its folder; return its id.

        ``kind``: crawl | check | rescore.  The id is ``<UTC yyyymmddThhmmssZ>-<district or kind>``
        (``-2``, ``-3`` ... appended when taken).  ``run_dir``: keep the run's folder there
        instead of ``<data>/runs/<run_id>`` (the store records where; ``report``, ``verify``
        and the API find it by the run id).  Raises QrauditError for an unknown kind or a
        given ``run_id`` that exists.
        """
        if kind not in RUN_KINDS:
            raise QrauditError(f"unknown run kind {kind!r} (one of {', '.join(RUN_KINDS)})")
        elsewhere = Path(run_dir).expanduser().resolve() if run_dir is not None else None

        started = _now()
        with self.connect() as con:
            if run_id is None:
                base = f"{started:%Y%m%dT%H%M%SZ}-{_slug(district or kind)}"
                run_id, n = base, 1
                while con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone() or (
                    (self.data_dir / "runs" / run_id).exists()
                ):
                    n += 1
                    run_id = f"{base}-{n}"
            elif con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone():
                raise QrauditError(f"run {run_id} exists already")
            rdir = elsewhere or self.data_dir / "runs" / run_id
            if elsewhere is not None:
                self._run_dirs[run_id] = elsewhere
            con.execute(
                "INSERT INTO runs (run_id, kind, district, district_file, env, status, started_at, "
                "tool_version, settings, run_dir, pid, host) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)",
                [run_id, kind, district, str(district_file) if district_file else None, env, started,
                 __version__, _json(settings or {}), str(rdir), os.getpid(), socket.gethostname()],
            )
        (rdir / "merchants").mkdir(parents=True, exist_ok=True)
        self._write_run_json(run_id)
        return run_id

    def update_run(self, run_id: str, **values: Any) -> None:
        """Set columns of a run row (e.g. ``status``, ``merchants_total``, ``pid``, ``settings``)."""
        if not values:
            return
        allowed = {"status", "merchants_total", "settings", "pid", "host", "browser_version", "user_agent",
                   "ended_at", "env"}
        bad = set(values) - allowed
        if bad:
            raise ValueError(f"update_run: unknown column(s) {sorted(bad)}")
        if "settings" in values:
            values["settings"] = _json(values["settings"])
        cols = ", ".join(f"{k} = ?" for k in values)
        with self.connect() as con:
            con.execute(f"UPDATE runs SET {cols} WHERE run_id = ?", [*values.values(), run_id])

    def get_run(self, run_id: str) -> dict[str, Any]:
        """The run's row as a dict (``settings`` parsed) plus ``merchants`` (rows stored)
        and ``verdicts`` ({verdict: n}).  Raises QrauditError for an unknown id."""
        with self.connect(read_only=self.read_only) as con:
            cur = con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
            row = cur.fetchone()
            if row is None:
                raise QrauditError(f"unknown run {run_id!r} (see 'qraudit runs')")
            out = dict(zip([d[0] for d in cur.description], row, strict=True))
            out["merchants"] = con.execute(
                "SELECT count(*) FROM merchants WHERE run_id = ?", [run_id]).fetchone()[0]
            out["verdicts"] = dict(con.execute(
                "SELECT verdict, count(*) FROM audits WHERE run_id = ? GROUP BY verdict ORDER BY verdict",
                [run_id]).fetchall())
        if isinstance(out.get("settings"), str):
            out["settings"] = json.loads(out["settings"])
        return out

    def runs(self):
        """All runs, newest first, as a pandas DataFrame: run_id, kind, district, status, env,
        started_at, ended_at, merchants (discovered), audited, violation, compliant,
        inconclusive, unsupported, run_dir."""
        sql = """
        SELECT r.run_id, r.kind, r.district, r.status, r.env, r.started_at, r.ended_at,
               coalesce(r.merchants_total, (SELECT count(*) FROM merchants m WHERE m.run_id = r.run_id))
                 AS merchants,
               (SELECT count(*) FROM audits a WHERE a.run_id = r.run_id) AS audited,
               (SELECT count(*) FROM audits a WHERE a.run_id = r.run_id AND verdict = 'violation') AS violation,
               (SELECT count(*) FROM audits a WHERE a.run_id = r.run_id AND verdict = 'compliant') AS compliant,
               (SELECT count(*) FROM audits a WHERE a.run_id = r.run_id AND verdict = 'inconclusive')
                 AS inconclusive,
               (SELECT count(*) FROM audits a WHERE a.run_id = r.run_id AND verdict = 'unsupported')
                 AS unsupported,
               r.run_dir
        FROM runs r ORDER BY r.started_at DESC, r.run_id DESC
        """
        if self.read_only and not self.db_path.exists():
            import pandas as pd  # noqa: PLC0415  (heavy: loaded only when needed)

            return pd.DataFrame()
        with self.connect(read_only=self.read_only) as con:
            return con.execute(sql).df()

    def latest_run(self, district: str | None = None, kinds: tuple[str, ...] = ("crawl",)) -> dict | None:
        """The newest run (of a district, of the given kinds) that stored merchants, or None."""
        with self.connect(read_only=self.read_only) as con:
            q = ("SELECT r.run_id FROM runs r WHERE r.kind IN (SELECT unnest(?)) "
                 + ("AND r.district = ? " if district else "")
                 + "AND EXISTS (SELECT 1 FROM merchants m WHERE m.run_id = r.run_id) "
                 "ORDER BY r.started_at DESC LIMIT 1")
            row = con.execute(q, [list(kinds), *([district] if district else [])]).fetchone()
        return self.get_run(row[0]) if row else None

    def finish_run(self, run_id: str, status: str = "finished", *,
                   manifest_reason: str = "crawl resumed") -> dict[str, Any]:
        """Close a run: status (finished | interrupted | failed), end time, merchant count;
        write run.json and, if ``results.manifest`` exists, its manifest.  Returns the run dict.

        A run finished before (an interrupted crawl resumed) keeps its manifest:
        files written since are added under an amendment ``manifest_reason``
        (:func:`results.manifest.update_manifest`), listed evidence is never re-hashed."""
        if status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {status!r}")
        with self.connect() as con:
            n = con.execute("SELECT count(*) FROM merchants WHERE run_id = ?", [run_id]).fetchone()[0]
            con.execute(
                "UPDATE runs SET status = ?, ended_at = ?, merchants_total = ? WHERE run_id = ?",
                [status, _now(), n, run_id],
            )
        info = self._write_run_json(run_id)
        try:
            # a run finished again (crawl --resume): never re-seal what the manifest lists
            manifest.update_manifest(self.run_dir(run_id), info, reason=manifest_reason)
        except Exception as exc:  # the manifest must not lose a finished run
            info["manifest_error"] = f"{type(exc).__name__}: {exc}"
        return info

    def _write_run_json(self, run_id: str) -> dict[str, Any]:
        info = self.get_run(run_id)
        path = self.run_dir(run_id) / "run.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(info, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        tmp.replace(path)
        return info

    # ---- merchants and results --------------------------------------------

    def upsert_merchant(self, run_id: str, record: dict[str, Any]) -> None:
        """Insert or replace a merchant record (keys as the ``merchants`` columns; ``sources`` a list)."""
        mid = record["merchant_id"]
        with self.connect() as con:
            con.execute("DELETE FROM merchants WHERE run_id = ? AND merchant_id = ?", [run_id, mid])
            con.execute(
                "INSERT INTO merchants (run_id, merchant_id, name, address, district, vendor_guess, url, "
                "table_param, sources, audit_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, mid, record.get("name"), record.get("address"), record.get("district"),
                 record.get("vendor_guess"), record.get("url"), record.get("table_param"),
                 _json(record.get("sources") or []), record.get("audit_url")],
            )

    def merchants(self, run_id: str) -> list[dict[str, Any]]:
        """The run's merchant records (``sources`` parsed), in merchant_id order."""
        with self.connect(read_only=self.read_only) as con:
            cur = con.execute("SELECT * FROM merchants WHERE run_id = ? ORDER BY merchant_id", [run_id])
            cols = [d[0] for d in cur.description]
            rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        for r in rows:
            r.pop("run_id", None)
            if isinstance(r.get("sources"), str):
                r["sources"] = json.loads(r["sources"])
        return rows

    def log_audit(self, run_id: str, merchant_id: str, visit_id: str | None, event: str) -> None:
        """Append an ``audit_log`` row (event ``start`` when an audit begins, ``done`` when stored)."""
        with self.connect() as con:
            con.execute(
                "INSERT INTO audit_log (run_id, merchant_id, visit_id, event, event_at, pid) VALUES (?,?,?,?,?,?)",
                [run_id, merchant_id, visit_id, event, _now(), os.getpid()],
            )

    def done_merchants(self, run_id: str, *, include_failed: bool = False) -> set[str]:
        """Ids of the run's merchants with a stored audit that needs no retry.

        An audit whose ``error`` column is set (the crawl or the engine failed:
        no page, "TargetClosedError", an engine exception...) says nothing about
        the merchant, nor does an ``inconclusive`` audit whose page could not be
        loaded for a transient reason (:func:`transient_load_failure`: DNS,
        refused connection, timeout, HTTP 503...); neither counts unless
        ``include_failed``: ``crawl --resume`` audits those merchants again.
        Merchants whose page loaded but was judged inconclusive (closed, sold
        out, broken page, redirect loop...) are done.
        """
        if self.read_only and not self.db_path.exists():
            return set()
        with self.connect(read_only=self.read_only) as con:
            rows = con.execute("SELECT merchant_id, verdict, reason, error, reason_code, reason_params FROM audits "
                               "WHERE run_id = ?", [run_id]).fetchall()
        if include_failed:
            return {r[0] for r in rows}
        return {mid for mid, verdict, reason, error, code, params in rows
                if error is None and not transient_load_failure(verdict, reason, code, params)}

    def audit_outcomes(self, run_id: str) -> dict[str, Any]:
        """How the run's stored audits went, for telling a crawl that audited nothing.

        ``merchants`` (stored), ``audits``, ``judged`` (web pages the audit looked
        at: any verdict but a load failure or a crawl/engine error), ``not_web``
        (links that are no web page, ``weixin://``..., stored ``unsupported``
        without a visit), ``failed`` (pages that could not be loaded, crawl/engine
        errors), ``load_failed`` (of those, pages that could not be loaded),
        ``retryable`` (of those, what ``crawl --resume`` retries) and ``causes``
        ({cause: n} of the failed ones, most frequent first).
        """
        with self.connect(read_only=self.read_only) as con:
            merchants = con.execute("SELECT count(*) FROM merchants WHERE run_id = ?", [run_id]).fetchone()[0]
            rows = con.execute("SELECT url, verdict, reason, error, reason_code, reason_params FROM audits "
                               "WHERE run_id = ?", [run_id]).fetchall()
        causes: dict[str, int] = {}
        judged = not_web = failed = load_failed = retryable = 0
        for url, verdict, reason, error, code, params in rows:
            cause = load_failure(verdict, reason, code, params)
            if error is None and cause is None:
                if str(url or "").lower().startswith(("http://", "https://")):
                    judged += 1
                else:
                    not_web += 1
                continue
            failed += 1
            if error is not None:
                retryable += 1
                cause = (reason or error or "crawl error").splitlines()[0][:160]
            else:
                load_failed += 1
                retryable += transient_load_failure(verdict, reason, code, params)
            causes[cause] = causes.get(cause, 0) + 1
        ordered = dict(sorted(causes.items(), key=lambda kv: (-kv[1], kv[0])))
        return {"merchants": merchants, "audits": len(rows), "judged": judged, "not_web": not_web,
                "failed": failed, "load_failed": load_failed, "retryable": retryable, "causes": ordered}

    def save_result(
        self,
        run_id: str,
        merchant_id: str,
        trace: Any | None,
        result: Any,
        error: str | None = None,
        *,
        record: dict[str, Any] | None = None,
        write_json: bool = True,
        log: bool = True,
    ) -> Path:
        """Store one merchant's audit: replace its audits/findings/gates/requests rows and
        write ``merchants/<mid>/result.json``; one transaction.  Returns the result.json path.

        ``trace``: a :class:`core.trace.Trace` or None (the audit failed before
        one existed); ``result``: a :class:`detectors.base.AuditResult`; ``error``:
        the crawl/engine error, if any; ``record``: the merchant record to store
        alongside (else the stored one is embedded in result.json).
        """
        rdict = result.to_dict()
        mdir = self.merchant_dir(run_id, merchant_id)
        rules = sorted({f.rule for f in result.findings})
        started = _ts(getattr(trace, "started_at", None))
        ended = _ts(getattr(trace, "ended_at", None))
        duration = (ended - started).total_seconds() if started and ended else None
        visit_id = result.visit_id or getattr(trace, "visit_id", None)
        trace_dir = f"merchants/{merchant_id}"
        if visit_id and (mdir / visit_id / "trace.json").is_file():
            trace_dir = f"merchants/{merchant_id}/{visit_id}"  # the engine's per-visit evidence folder
        with self.connect() as con:
            if record is not None:
                con.execute("DELETE FROM merchants WHERE run_id = ? AND merchant_id = ?", [run_id, merchant_id])
                con.execute(
                    "INSERT INTO merchants (run_id, merchant_id, name, address, district, vendor_guess, url, "
                    "table_param, sources, audit_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_id, merchant_id, record.get("name"), record.get("address"), record.get("district"),
                     record.get("vendor_guess"), record.get("url"), record.get("table_param"),
                     _json(record.get("sources") or []), record.get("audit_url")],
                )
            for table in ("audits", "findings", "gates", "requests"):
                con.execute(f"DELETE FROM {table} WHERE run_id = ? AND merchant_id = ?", [run_id, merchant_id])
            con.execute(
                "INSERT INTO audits (run_id, merchant_id, visit_id, url, final_url, verdict, reason, reason_code, "
                "reason_params, order_reached, order_mode, env, started_at, ended_at, duration_s, n_findings, rules, "
                "trace_dir, error, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, merchant_id, visit_id, result.url, result.final_url, result.verdict, result.reason,
                 result.reason_code, _json(result.reason_params or {}),
                 result.order_reached, result.order_mode, result.env, started, ended, duration,
                 len(result.findings), rules, trace_dir, error, _json(rdict)],
            )
            frows = []
            for i, f in enumerate(result.findings):
                ev = f.evidence or {}
                step = ev.get("step")
                frows.append([run_id, merchant_id, i, f.rule, f.group, f.stage, f.severity, f.confidence,
                              f.explanation, f.explanation_zh, list(f.legal_basis or []),
                              step if isinstance(step, int) else None, ev.get("screenshot"), _json(ev)])
            if frows:
                con.executemany("INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", frows)
            if trace is not None:
                grows = []
                seen_ids: set[str] = set()
                for g in trace.gates:
                    gid = g.id if g.id not in seen_ids else f"{g.id}#{len(seen_ids)}"
                    seen_ids.add(gid)
                    grows.append([run_id, merchant_id, gid, g.step, g.stage, g.kind, (g.text or "")[:4000],
                                  g.passed_by, g.appearances, _json([_asdict(t) for t in g.tries])])
                if grows:
                    con.executemany("INSERT INTO gates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", grows)
                qrows = []
                seen_req: set[int] = set()
                for r in trace.requests:
                    if r.id in seen_req:
                        continue
                    seen_req.add(r.id)
                    host = (urlsplit(r.url).hostname or "").lower()
                    site = site_of(r.url) or None
                    qrows.append([run_id, merchant_id, r.id, r.step, r.method, r.url, host, site, r.status,
                                  r.resource_type, third_party(r.url, trace.url)])
                if qrows:
                    con.executemany("INSERT INTO requests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", qrows)
                con.execute(
                    "UPDATE runs SET browser_version = coalesce(browser_version, nullif(?, '')), "
                    "user_agent = coalesce(user_agent, nullif(?, '')) WHERE run_id = ?",
                    [trace.browser_version, trace.user_agent, run_id],
                )
            if log:
                con.execute(
                    "INSERT INTO audit_log (run_id, merchant_id, visit_id, event, event_at, pid) "
                    "VALUES (?, ?, ?, 'done', ?, ?)",
                    [run_id, merchant_id, visit_id, _now(), os.getpid()],
                )
            cur = con.execute("SELECT * FROM merchants WHERE run_id = ? AND merchant_id = ?", [run_id, merchant_id])
            row = cur.fetchone()
            merchant = dict(zip([d[0] for d in cur.description], row, strict=True)) if row else record
        path = mdir / "result.json"
        if write_json:
            self.write_result_json(run_id, merchant_id, trace, result, error, record=merchant,
                                   trace_dir=trace_dir)
        return path

    def write_result_json(self, run_id: str, merchant_id: str, trace: Any | None, result: Any,
                          error: str | None = None, *, record: dict[str, Any] | None = None,
                          trace_dir: str | None = None) -> Path:
        """Write ``merchants/<mid>/result.json`` alone, without touching the DB; returns its path.

        What :meth:`save_result` writes beside the rows, and what a crawl writes
        when the DB stays locked: :meth:`ingest` loads it later.  ``trace_dir``
        (relative to the run folder) defaults to the visit's evidence folder when
        it holds ``trace.json``, else the merchant folder."""
        mdir = self.merchant_dir(run_id, merchant_id)
        visit_id = getattr(result, "visit_id", None) or getattr(trace, "visit_id", None)
        if trace_dir is None:
            trace_dir = f"merchants/{merchant_id}"
            if visit_id and (mdir / visit_id / "trace.json").is_file():
                trace_dir = f"merchants/{merchant_id}/{visit_id}"
        merchant = dict(record) if record else None
        if merchant:
            merchant = {k: v for k, v in merchant.items() if k != "run_id"}
            if isinstance(merchant.get("sources"), str):
                merchant["sources"] = json.loads(merchant["sources"])
        rel = trace_dir.split("/", 2)[2] + "/trace.json" if trace_dir.count("/") == 2 else "trace.json"
        doc = {**result.to_dict(), "run_id": run_id, "merchant_id": merchant_id, "error": error,
               "merchant": merchant, "trace": rel if trace is not None else None}
        return write_result_file(mdir / "result.json", doc)

    def ingest(self, run_id: str) -> int:
        """Load every ``merchants/*/result.json`` of the run whose merchant has no stored audit.

        Creates the run row (kind crawl, status running) if the DB lacks it.
        The trace (``trace.json`` beside it) is loaded when present.  Returns the
        number of merchants ingested.  Unreadable files raise QrauditError naming the file.
        """

        rdir = self.run_dir(run_id)
        if not (rdir / "merchants").is_dir():
            raise QrauditError(f"{rdir}: no merchants folder to ingest")
        with self.connect() as con:
            exists = con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone()
        if not exists:
            info = {}
            if (rdir / "run.json").is_file():
                with contextlib.suppress(ValueError):
                    info = json.loads((rdir / "run.json").read_text(encoding="utf-8"))
            with self.connect() as con:
                con.execute(
                    "INSERT INTO runs (run_id, kind, district, env, status, started_at, run_dir) "
                    "VALUES (?, ?, ?, ?, 'running', ?, ?)",
                    [run_id, info.get("kind") or "crawl", info.get("district"), info.get("env") or "wechat",
                     _ts(info.get("started_at")) or _now(), str(rdir)],
                )
        done = self.done_merchants(run_id, include_failed=True)
        n = 0
        for path in sorted((rdir / "merchants").glob("*/result.json")):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise QrauditError(f"{path}: unreadable result ({exc})") from None
            mid = doc.get("merchant_id") or path.parent.name
            if mid in done:
                continue
            try:
                result = result_from_dict(doc)
            except QrauditError as exc:
                raise QrauditError(f"{path}: {exc}") from None
            trace = None
            tpath = path.parent / (doc.get("trace") or "trace.json")
            if doc.get("trace") is not None and tpath.is_file():
                try:
                    trace = Trace.load(tpath)
                except ValueError as exc:
                    raise QrauditError(f"{tpath}: {exc}") from None
            record = doc.get("merchant") or {"merchant_id": mid, "url": result.url}
            record = {**record, "merchant_id": mid}
            self.save_result(run_id, mid, trace, result, doc.get("error"), record=record, write_json=False)
            n += 1
        return n


def write_result_file(path: Path, doc: dict[str, Any]) -> Path:
    """Write ``doc`` (a result's findings.md object plus store keys) to ``path`` atomically,
    UTF-8 with non-ASCII kept.  The one writer of ``result.json`` files."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    tmp.replace(path)
    return path


def _asdict(obj: Any) -> Any:

    return dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) else obj



def result_from_dict(doc: dict[str, Any]):
    """Rebuild a :class:`detectors.base.AuditResult` from its ``to_dict()`` (extra keys ignored)."""

    missing = [k for k in ("url", "verdict") if k not in doc]
    if missing:
        raise QrauditError(f"not a findings.md result (no {', '.join(missing)})")
    names = {f.name for f in dc_fields(Finding)}
    findings = [Finding(**{k: v for k, v in f.items() if k in names}) for f in doc.get("findings") or []]
    rnames = {f.name for f in dc_fields(AuditResult)} - {"findings"}
    kwargs = {k: v for k, v in doc.items() if k in rnames}
    kwargs.setdefault("final_url", None)
    kwargs.setdefault("reason", None)
    kwargs.setdefault("order_reached", "none")
    kwargs.setdefault("steps", [])
    if kwargs.get("reason") and not kwargs.get("reason_code"):  # stored before reason codes
        legacy = from_legacy_text(kwargs["reason"])
        kwargs["reason_code"], kwargs["reason_params"] = str(legacy.code), dict(legacy.params)
    return AuditResult(findings=findings, **kwargs)


# ---- several workers, one run -------------------------------------------------------------

#: Folder of the data folder that holds worker stores: ``workers/<run>/<worker>/``.
WORKERS_DIR = "workers"
_MERGED_TABLES = ("audits", "findings", "gates", "requests")


def worker_store_dir(data: Path, run_id: str, worker: str) -> Path:
    """Where worker ``worker`` of shared run ``run_id`` keeps its store: ``<data>/workers/<run>/<worker>``."""
    return Path(data) / WORKERS_DIR / run_id / _slug(worker)


def find_worker_stores(run_id: str, places: list[Path]) -> list[Path]:
    """The worker stores of ``run_id`` found in ``places``, sorted, each once.

    A place is a worker store (a folder holding ``qraudit.duckdb`` and
    ``runs/<run_id>/``), a folder of worker stores (e.g. another machine's
    ``data/workers/<run_id>`` copied over), or a data folder (its
    ``workers/<run_id>/*``).  Raises QrauditError for a place that does not exist.
    """
    found: dict[Path, None] = {}
    for place in places:
        place = Path(place).expanduser().resolve()
        if not place.is_dir():
            raise QrauditError(f"{place}: no such folder (give a worker store, a folder of them, or a data folder)")
        if (place / WORKERS_DIR / run_id).is_dir():
            cands = sorted((place / WORKERS_DIR / run_id).iterdir())
        elif (place / "qraudit.duckdb").is_file() and (place / "runs" / run_id).is_dir():
            cands = [place]
        else:
            cands = sorted(place.iterdir())
        for c in cands:
            if (c / "qraudit.duckdb").is_file() and (c / "runs" / run_id).is_dir():
                found[c.resolve()] = None
    return sorted(found)


@dataclass
class MergeOutcome:
    """What :func:`merge_run` did.

    ``stores``: worker stores read; ``merged``: merchants whose audit was brought
    in now; ``duplicates``: audits left out because the merchant's audit came
    from another worker (a killed worker's lease expired after its result was
    stored); ``merchants`` / ``audits``: rows of the run in the main store after
    the merge; ``status``: the run's status there; ``skipped``: one line per
    store that could not be read.
    """

    run_id: str
    stores: int = 0
    merged: int = 0
    duplicates: int = 0
    merchants: int = 0
    audits: int = 0
    status: str = "running"
    skipped: list[str] = field(default_factory=list)


def _link_or_copy(src: Path, dst: Path) -> None:
    """Put file ``src`` at ``dst``: a hard link when both are on one file system, else a copy."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f"{dst.name}.{os.getpid()}-{random.randrange(1 << 30)}.tmp")
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copy2(src, tmp)
    tmp.replace(dst)


def _copy_tree(src: Path, dst: Path) -> int:
    n = 0
    for dirpath, _dirnames, filenames in os.walk(src):
        for name in filenames:
            if name.endswith(".tmp"):
                continue
            f = Path(dirpath) / name
            _link_or_copy(f, dst / f.relative_to(src))
            n += 1
    return n


def _copy_photos(photos: Path, rdir: Path, origin: str) -> None:
    """Copy a discovery worker's QR photos into ``rdir/qr_photos`` (``qr_photos-N`` for a second
    worker that ran discovery after a takeover), once per worker store (``.worker`` names it)."""
    n, dest = 1, rdir / "qr_photos"
    while dest.exists():
        mark = dest / ".worker"
        if mark.is_file() and mark.read_text(encoding="utf-8") == origin:
            return
        n += 1
        dest = rdir / f"qr_photos-{n}"
    _copy_tree(photos, dest)
    (dest / ".worker").write_text(origin, encoding="utf-8")


def _merge_merchant_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One merchant record from several workers' rows: the first non-empty value of each
    column, the union of ``sources`` (by source and URL).  ``rows[0]`` leads."""
    out = dict(rows[0])
    sources: list[dict[str, Any]] = []
    seen: set[tuple[Any, Any]] = set()
    for row in rows:
        raw = row.get("sources")
        items = json.loads(raw) if isinstance(raw, str) else list(raw or [])
        for src in items:
            key = (src.get("source"), src.get("url"))
            if key not in seen:
                seen.add(key)
                sources.append(src)
        for k, v in row.items():
            if out.get(k) in (None, "") and v not in (None, ""):
                out[k] = v
    out["sources"] = _json(sources)
    return out


def merge_run(store: Store, run_id: str, sources: list[Path]) -> MergeOutcome:
    """Bring the worker stores ``sources`` of shared run ``run_id`` into ``store``.

    Per merchant one audit: among the workers' audits of a merchant not yet in
    ``store``, the one that ended first; its rows (audits, findings, gates,
    requests) are copied in one transaction per worker store, after its evidence
    folder (``trace_dir``) and ``result.json`` were linked or copied into the
    run folder.  Merchant records are merged over all workers (the auditing
    worker's row leads), the audit log is rebuilt from all workers, the
    ``results.jsonl`` feed gets the merged merchants' lines, and the QR photos of
    the worker that ran discovery are copied.  The run becomes ``finished``
    (manifest written or amended with reason ``merge``) when a worker store
    says so, else stays ``running``.  Safe to repeat; returns a :class:`MergeOutcome`.
    Raises QrauditError when no source holds the run.  Merges of one run in one data
    folder take turns (a lock file ``workers/<run>/.merge.lock``).
    """
    lock_dir = store.data_dir / WORKERS_DIR / run_id
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / ".merge.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _merge_run(store, run_id, sources)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _merge_run(store: Store, run_id: str, sources: list[Path]) -> MergeOutcome:
    out = MergeOutcome(run_id)
    infos: list[tuple[Path, Store, dict[str, Any]]] = []
    best: dict[str, tuple[Any, int]] = {}
    counts: dict[str, int] = {}
    for src in sources:
        ws = Store(data_dir=src, read_only=True, lock_timeout_s=store.lock_timeout_s)
        if ws.db_path == store.db_path:
            continue
        try:
            info = ws.get_run(run_id)
            rows = ws.query("SELECT merchant_id, ended_at FROM audits WHERE run_id = ?", [run_id])
        except QrauditError as exc:
            out.skipped.append(f"{src}: {exc}")
            continue
        i = len(infos)
        infos.append((Path(src), ws, info))
        for mid, ended in zip(rows["merchant_id"], rows["ended_at"], strict=True):
            counts[mid] = counts.get(mid, 0) + 1
            key = (ended.timestamp() if hasattr(ended, "timestamp") and ended == ended else float("inf"), i)
            if mid not in best or key < best[mid]:
                best[mid] = key
    if not infos:
        raise QrauditError(f"no worker store of run {run_id} found in: {', '.join(map(str, sources)) or '(none)'}")
    out.stores = len(infos)
    first = infos[0][2]
    with store.connect() as con:
        if not con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone():
            settings = {k: v for k, v in (first.get("settings") or {}).items()
                        if k not in ("worker", "seed_only", "discovery")}
            started = min((i[2]["started_at"] for i in infos if i[2].get("started_at") is not None), default=_now())
            con.execute(
                "INSERT INTO runs (run_id, kind, district, district_file, env, status, started_at, tool_version, "
                "settings, run_dir) VALUES (?, 'crawl', ?, ?, ?, 'running', ?, ?, ?, ?)",
                [run_id, first.get("district"), first.get("district_file"), first.get("env"), started,
                 first.get("tool_version"), _json({**settings, "shared": True}), str(store.run_dir(run_id))])
        existing = {r[0] for r in con.execute("SELECT merchant_id FROM audits WHERE run_id = ?", [run_id]).fetchall()}
    rdir = store.run_dir(run_id)
    (rdir / "merchants").mkdir(parents=True, exist_ok=True)
    picks_of: dict[int, list[str]] = {}
    for mid, (_key, i) in best.items():
        if mid not in existing:
            picks_of.setdefault(i, []).append(mid)
    out.duplicates = sum(n - 1 for n in counts.values() if n > 1)
    feed_lines: list[str] = []
    for i, (src, ws, info) in enumerate(infos):
        srun = ws.run_dir(run_id)
        picks = sorted(picks_of.get(i, []))
        if picks:
            dirs = ws.query(
                "SELECT merchant_id, trace_dir FROM audits WHERE run_id = ? AND merchant_id IN (SELECT unnest(?))",
                [run_id, picks])
            for mid, tdir in zip(dirs["merchant_id"], dirs["trace_dir"], strict=True):
                mdir = srun / "merchants" / mid
                tdir = tdir if isinstance(tdir, str) and tdir else f"merchants/{mid}"
                if tdir.count("/") >= 2:  # a visit's own folder: that one, and result.json beside it
                    _copy_tree(srun / tdir, rdir / tdir)
                    if (mdir / "result.json").is_file():
                        _link_or_copy(mdir / "result.json", rdir / "merchants" / mid / "result.json")
                else:
                    _copy_tree(mdir, rdir / "merchants" / mid)
            feed = srun / "results.jsonl"
            if feed.is_file():
                wanted = set(picks)
                for line in feed.read_text(encoding="utf-8").splitlines():
                    with contextlib.suppress(ValueError, AttributeError):
                        if json.loads(line).get("merchant_id") in wanted:
                            feed_lines.append(line)
        with store.connect() as con:
            _attach_read_only(con, ws.db_path, store.lock_timeout_s)
            try:
                con.execute("CREATE OR REPLACE TEMP TABLE merge_pick (merchant_id TEXT)")
                if picks:
                    con.executemany("INSERT INTO merge_pick VALUES (?)", [[m] for m in picks])
                    # another merge may have brought some of them in meanwhile
                    con.execute("DELETE FROM merge_pick WHERE merchant_id IN "
                                "(SELECT merchant_id FROM audits WHERE run_id = ?)", [run_id])
                    out.merged += con.execute("SELECT count(*) FROM merge_pick").fetchone()[0]
                    for table in _MERGED_TABLES:
                        con.execute(f"INSERT INTO {table} BY NAME SELECT x.* FROM w.{table} x "
                                    "JOIN merge_pick USING (merchant_id) WHERE x.run_id = ?", [run_id])
                con.execute("UPDATE runs SET browser_version = coalesce(browser_version, "
                            "(SELECT browser_version FROM w.runs WHERE run_id = ?)), user_agent = coalesce("
                            "user_agent, (SELECT user_agent FROM w.runs WHERE run_id = ?)) WHERE run_id = ?",
                            [run_id, run_id, run_id])
            finally:
                con.execute("DROP TABLE IF EXISTS merge_pick")
                con.execute("DETACH w")
        photos = srun / "qr_photos"
        if (info.get("settings") or {}).get("discovery") and photos.is_dir() and any(photos.iterdir()):
            _copy_photos(photos, rdir, str(src))
    if feed_lines:
        with open(rdir / "results.jsonl", "a", encoding="utf-8") as fh:
            fh.write("\n".join(feed_lines) + "\n")
    # merchant records of every worker, and the audit log rebuilt from all of them
    rows_by_mid: dict[str, list[dict[str, Any]]] = {}
    logs = []
    for i, (_src, ws, _info) in enumerate(infos):
        with ws.connect(read_only=True) as wc:
            cur = wc.execute("SELECT * FROM merchants WHERE run_id = ?", [run_id])
            cols = [d[0] for d in cur.description]
            for r in cur.fetchall():
                rec = dict(zip(cols, r, strict=True))
                lst = rows_by_mid.setdefault(rec["merchant_id"], [])
                # the auditing worker's row first
                lst.insert(0 if best.get(rec["merchant_id"], (None, -1))[1] == i else len(lst), rec)
            logs.extend(wc.execute("SELECT run_id, merchant_id, visit_id, event, event_at, pid FROM audit_log "
                                   "WHERE run_id = ?", [run_id]).fetchall())
    with store.connect() as con:
        cur = con.execute("SELECT * FROM merchants WHERE run_id = ?", [run_id])
        cols = [d[0] for d in cur.description]
        for r in cur.fetchall():  # rows merged before (or stored by the main store itself) come last
            rec = dict(zip(cols, r, strict=True))
            rows_by_mid.setdefault(rec["merchant_id"], []).append(rec)
        con.execute("DELETE FROM merchants WHERE run_id = ?", [run_id])
        records = [_merge_merchant_rows(rows) for _mid, rows in sorted(rows_by_mid.items())]
        if records:
            con.executemany(f"INSERT INTO merchants ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                            [[rec.get(c) for c in cols] for rec in records])
        con.execute("DELETE FROM audit_log WHERE run_id = ?", [run_id])
        if logs:
            con.executemany("INSERT INTO audit_log (run_id, merchant_id, visit_id, event, event_at, pid) "
                            "VALUES (?, ?, ?, ?, ?, ?)", [list(x) for x in logs])
        out.merchants = con.execute("SELECT count(*) FROM merchants WHERE run_id = ?", [run_id]).fetchone()[0]
        out.audits = con.execute("SELECT count(*) FROM audits WHERE run_id = ?", [run_id]).fetchone()[0]
    if any(i[2].get("status") == "finished" for i in infos):
        store.finish_run(run_id, "finished", manifest_reason="merge")
        out.status = "finished"
    else:
        out.status = store.get_run(run_id)["status"]
        store._write_run_json(run_id)
    return out
