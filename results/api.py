"""The analyst API: stored audit results as pandas DataFrames.

One small, read-only entry point for notebooks, the report, ``qraudit diff`` and
``qraudit export``::

    from results import api
    api.runs()                          # every run, newest first
    api.audits()                        # one row per merchant of the latest run
    api.findings("20261130T091500Z-demo")
    m = api.merchant(run_id, "m01")     # dict: audit, findings, steps (absolute paths), trace
    api.rectification(run_a, run_b)    # per merchant and rule: new / fixed / unchanged / ...

    res = api.connect("/path/to/data")  # same methods, bound to another data dir

Where the data is: ``data_dir`` argument, else the ``QRAUDIT_DATA`` environment
variable, else ``./data``; the database is ``<data_dir>/qraudit.duckdb`` and the
evidence of a run lives in ``<data_dir>/runs/<run_id>/`` (``results/schema.sql``).

The database is opened read-only for each call and closed right after, so a
notebook never holds a lock that would stop a crawl from writing.  Times are
tz-aware UTC.  ``run_id=None`` means the latest run (:meth:`Results.latest_run`).

Errors: :class:`core.errors.QrauditError` for a missing database, an unknown
run or merchant, or a database locked by a running crawl in another process.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import QrauditError
from core.paths import data_dir
from core.reasons import stored
from core.trace import STAGES, Trace
from results.store import open_duckdb

__all__ = [
    "Results",
    "connect",
    "runs",
    "latest_run",
    "previous_run",
    "audits",
    "findings",
    "gates",
    "requests",
    "merchants",
    "merchant",
    "rectification",
    "run_dir",
]

#: Statuses of :meth:`Results.rectification`, in display order.
#: How long a reader waits for a crawl or a check to let go of the DuckDB file, seconds.
LOCK_WAIT_S = 60.0
RECTIFICATION_STATUSES = ("new", "fixed", "unclear", "unchanged", "appeared", "disappeared")

_CONN_ATTRS = ("con", "conn", "_con", "_conn", "db", "_db", "connection")


#: The data folder: the argument, else ``$QRAUDIT_DATA``, else ``./data`` (:func:`core.paths.data_dir`).
default_data_dir = data_dir


def _missing(value: Any) -> bool:
    """True for None, NaN, pd.NA and NaT (scalars only)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, list | tuple | dict) and pd.api.types.is_scalar(value) else False
    except (TypeError, ValueError):
        return False


def _as_list(value: Any) -> list[Any]:
    if _missing(value):
        return []
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value]
        return list(parsed) if isinstance(parsed, list) else [parsed]
    try:
        return [v for v in value if not _missing(v)]
    except TypeError:
        return [value]


def _as_json(value: Any) -> Any:
    if _missing(value):
        return None
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class Results:
    """Read access to one data folder (see the module doc).

    ``data_dir``: the data folder (default as :func:`default_data_dir`);
    ``db_path``: the database file (default ``<data_dir>/qraudit.duckdb``);
    ``store``: an open ``results.store.Store`` whose connection is reused (so the
    report can be built inside the crawl process that holds the write lock).
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        db_path: str | os.PathLike[str] | None = None,
        store: Any = None,
    ) -> None:
        self._store = store
        self._held: Any = None  # the one connection of a reading() block
        if store is not None:
            data_dir = data_dir or getattr(store, "data_dir", None)
            db_path = db_path or getattr(store, "db_path", None)
        self.data_dir = default_data_dir(data_dir).resolve()
        self.db_path = Path(db_path).resolve() if db_path else self.data_dir / "qraudit.duckdb"

    def __repr__(self) -> str:
        return f"Results(data_dir={str(self.data_dir)!r})"

    # ---- connection -------------------------------------------------------

    def _store_connection(self) -> Any:
        if self._store is None:
            return None
        import duckdb  # noqa: PLC0415  (heavy: loaded only when needed)

        for name in _CONN_ATTRS:
            con = getattr(self._store, name, None)
            if isinstance(con, duckdb.DuckDBPyConnection):
                return con
        return None

    @contextmanager
    def reading(self) -> Iterator[Results]:
        """A block whose queries share one read connection (a report reads a run in one go:
        one open of the file instead of one per query).  The file's lock is held for the
        block, so keep it short; nests.  Yields ``self``."""
        if self._held is not None:
            yield self
            return
        with self._connect() as con:
            self._held = con
            try:
                yield self
            finally:
                self._held = None

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        import duckdb  # noqa: PLC0415  (heavy: loaded only when needed)

        shared = self._held if self._held is not None else self._store_connection()
        if shared is not None:
            cur = shared.cursor()
            try:
                yield cur
            finally:
                cur.close()
            return
        if not self.db_path.exists():
            raise QrauditError(
                f"no qraudit database at {self.db_path} (set QRAUDIT_DATA or pass data_dir; run a crawl first)"
            )
        try:
            # waits while a crawl or check holds the file for its few milliseconds (results.store.open_duckdb)
            con = open_duckdb(self.db_path, read_only=True, lock_timeout_s=LOCK_WAIT_S)
        except duckdb.ConnectionException:
            # Same process already holds a read-write connection: share its configuration.
            con = duckdb.connect(str(self.db_path))
        try:
            try:
                con.execute("SET TimeZone='UTC'")
            except duckdb.Error:
                pass
            yield con
        finally:
            con.close()

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run one read-only SQL query against the store; return a DataFrame."""
        with self._connect() as con:
            return con.execute(sql, params or []).df()

    # ---- runs -----------------------------------------------------------------

    def runs(self) -> pd.DataFrame:
        """Every run, newest first.

        Columns: run_id, kind, district, district_file, env, status, started_at,
        ended_at (UTC), tool_version, browser_version, user_agent, merchants_total,
        n_audits, n_violations, settings (dict), run_dir (absolute Path as str).
        """
        df = self.query(
            """
            SELECT r.run_id, r.kind, r.district, r.district_file, r.env, r.status,
                   r.started_at, r.ended_at, r.tool_version, r.browser_version, r.user_agent,
                   r.merchants_total,
                   (SELECT count(*) FROM audits a WHERE a.run_id = r.run_id) AS n_audits,
                   (SELECT count(*) FROM audits a WHERE a.run_id = r.run_id
                       AND a.verdict = 'violation') AS n_violations,
                   r.settings, r.run_dir
            FROM runs r
            ORDER BY r.started_at DESC NULLS LAST, r.run_id DESC
            """
        )
        df["settings"] = [_as_json(v) for v in df["settings"]]
        df["run_dir"] = [str(self._run_dir_of(rid, rd)) for rid, rd in zip(df["run_id"], df["run_dir"], strict=True)]
        return df

    def _run_dir_of(self, run_id: str, stored: Any) -> Path:
        own = self.data_dir / "runs" / run_id
        if own.exists() or not stored or not isinstance(stored, str):
            return own
        p = Path(stored)
        if not p.is_absolute():
            for base in (self.data_dir.parent, Path.cwd()):
                if (base / p).exists():
                    return (base / p).resolve()
            return own
        return p

    def run(self, run_id: str | None = None) -> dict[str, Any]:
        """The run's row as a dict (see :meth:`runs`); ``None`` = the latest run.

        Raises ``QrauditError`` for an unknown run or an empty store.
        """
        rid = self.resolve_run(run_id)
        df = self.runs()
        return df[df["run_id"] == rid].iloc[0].to_dict()

    def latest_run(self, district: str | None = None) -> str:
        """The id of the newest run that audited at least one merchant (by start time, then id),
        preferring crawls over one-off checks; of ``district`` when given.  A store whose runs
        audited nothing gives its newest run.

        ``latest`` on the command line means this run: a crawl that found no merchant (a
        district file still to be fixed) is not taken for the district's results.
        Raises ``QrauditError`` when the store (or the district) holds no run.
        """
        df = self.query(
            "SELECT r.run_id, r.kind, r.district, r.started_at, "
            "(SELECT count(*) FROM audits a WHERE a.run_id = r.run_id) AS n_audits "
            "FROM runs r ORDER BY r.started_at DESC NULLS LAST, r.run_id DESC")
        if district is not None:
            df = df[df["district"] == district]
        if df.empty:
            where = f" of district {district!r}" if district is not None else ""
            raise QrauditError(f"no runs{where} in {self.db_path} yet")
        for pool in (df[(df["n_audits"] > 0) & (df["kind"] != "check")], df[df["n_audits"] > 0],
                     df[df["kind"] != "check"], df):
            if not pool.empty:
                return str(pool["run_id"].iloc[0])
        return str(df["run_id"].iloc[0])  # pragma: no cover - df is not empty

    def previous_run(self, run_id: str | None = None) -> str | None:
        """The run before ``run_id`` (default: the latest) of the same district: the newest
        crawl of that district started earlier that audited at least one merchant, else
        ``None``.  What ``qraudit diff`` with no argument, the report's comparison page and
        notebook 03 compare a run with."""
        rid = self.resolve_run(run_id)
        df = self.query(
            "SELECT r.run_id FROM runs r, runs b WHERE b.run_id = ? AND r.run_id <> b.run_id "
            "AND r.kind = 'crawl' AND r.district IS NOT DISTINCT FROM b.district "
            "AND (r.started_at < b.started_at OR (r.started_at = b.started_at AND r.run_id < b.run_id)) "
            "AND EXISTS (SELECT 1 FROM audits a WHERE a.run_id = r.run_id) "
            "ORDER BY r.started_at DESC, r.run_id DESC LIMIT 1", [rid])
        return None if df.empty else str(df["run_id"].iloc[0])

    def resolve_run(self, run_id: str | None) -> str:
        """Return ``run_id`` if the store knows it (``None`` or ``"latest"`` = :meth:`latest_run`).

        A unique prefix of a run id is accepted too.  Raises ``QrauditError`` otherwise.
        """
        if run_id is None or run_id == "latest":
            return self.latest_run()
        df = self.query("SELECT run_id FROM runs")
        ids = [str(x) for x in df["run_id"]]
        if run_id in ids:
            return run_id
        matches = [i for i in ids if i.startswith(run_id)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise QrauditError(f"run id {run_id!r} is ambiguous: {', '.join(sorted(matches)[:5])}")
        known = ", ".join(sorted(ids, reverse=True)[:3]) or "none"
        raise QrauditError(f"unknown run {run_id!r} (latest runs: {known}; see `qraudit runs`)")

    def run_dir(self, run_id: str | None = None) -> Path:
        """The evidence folder of a run (``<data_dir>/runs/<run_id>``), absolute."""
        rid = self.resolve_run(run_id)
        df = self.query("SELECT run_dir FROM runs WHERE run_id = ?", [rid])
        return self._run_dir_of(rid, df["run_dir"].iloc[0] if not df.empty else None)

    # ---- per-run tables --------------------------------------------------------

    def merchants(self, run_id: str | None = None) -> pd.DataFrame:
        """Merchants discovered in a run (audited or not).

        Columns: run_id, merchant_id, name, address, district, vendor, url,
        table_param, sources (list of dicts).
        """
        rid = self.resolve_run(run_id)
        df = self.query(
            """SELECT run_id, merchant_id, name, address, district, vendor_guess AS vendor, url,
                      table_param, sources
               FROM merchants WHERE run_id = ? ORDER BY merchant_id""",
            [rid],
        )
        df["sources"] = [_as_list(_as_json(v)) for v in df["sources"]]
        return df

    def audits(self, run_id: str | None = None) -> pd.DataFrame:
        """One row per audited merchant of a run (``None`` = latest).

        Columns: run_id, merchant_id, name, address, district, vendor, url,
        final_url, verdict, reason, reason_code, reason_params (``core.reasons``: a
        store written before reason codes has them read back from the English
        reason), order_reached, order_mode, env, started_at,
        ended_at, duration_s, n_findings, rules (list of rule ids), stages (list of
        stages with a finding), error, visit_id, merchant_dir (the merchant's folder
        in the run, absolute, as str), evidence_dir (the folder holding trace.json and
        the step-NN files: the merchant folder, or its ``<visit_id>/`` subfolder when
        the agent wrote one; see :func:`evidence_dir`).
        """
        rid = self.resolve_run(run_id)
        has_codes = not self.query("SELECT 1 FROM information_schema.columns "
                                   "WHERE table_name = 'audits' AND column_name = 'reason_code'").empty
        codes = "a.reason_code, a.reason_params" if has_codes else "NULL AS reason_code, NULL AS reason_params"
        df = self.query(
            """
            SELECT a.run_id, a.merchant_id, m.name, m.address, m.district,
                   m.vendor_guess AS vendor, coalesce(a.url, m.url) AS url, a.final_url,
                   a.verdict, a.reason, {codes}, a.order_reached, a.order_mode, a.env,
                   a.started_at, a.ended_at, a.duration_s, a.n_findings, a.rules,
                   (SELECT list(DISTINCT f.stage ORDER BY f.stage) FROM findings f
                     WHERE f.run_id = a.run_id AND f.merchant_id = a.merchant_id
                       AND f.stage IS NOT NULL) AS stages,
                   a.error, a.visit_id, a.trace_dir
            FROM audits a
            LEFT JOIN merchants m ON m.run_id = a.run_id AND m.merchant_id = a.merchant_id
            WHERE a.run_id = ?
            ORDER BY a.merchant_id
            """.replace("{codes}", codes),
            [rid],
        )
        reasons = [stored(_v(c), _as_json(p), _v(r))
                   for c, p, r in zip(df["reason_code"], df["reason_params"], df["reason"], strict=True)]
        df["reason_code"] = [str(x.code) if x else None for x in reasons]
        df["reason_params"] = [dict(x.params) if x else {} for x in reasons]
        rdir = self.run_dir(rid)
        df["rules"] = [sorted(str(r) for r in _as_list(v)) for v in df["rules"]]
        df["stages"] = [[str(s) for s in _as_list(v)] for v in df["stages"]]
        df["n_findings"] = df["n_findings"].fillna(0).astype(int)
        mdirs = [rdir / (td if isinstance(td, str) and td else f"merchants/{mid}")
                 for mid, td in zip(df["merchant_id"], df["trace_dir"], strict=True)]
        df["merchant_dir"] = [str(d) for d in mdirs]
        df["evidence_dir"] = [str(evidence_dir(d, _v(v))) for d, v in zip(mdirs, df["visit_id"], strict=True)]
        return df.drop(columns=["trace_dir"])

    def findings(self, run_id: str | None = None) -> pd.DataFrame:
        """One row per finding of a run.

        Columns: run_id, merchant_id, name, vendor, verdict, idx, rule, group,
        stage, severity, confidence, explanation, explanation_zh, legal_basis
        (list), step, screenshot (relative to the merchant folder),
        screenshot_path (absolute, or None), evidence (dict).
        """
        rid = self.resolve_run(run_id)
        df = self.query(
            """
            SELECT f.run_id, f.merchant_id, m.name, m.vendor_guess AS vendor, a.verdict,
                   f.idx, f.rule, f.grp AS "group", f.stage, f.severity, f.confidence,
                   f.explanation, f.explanation_zh, f.legal_basis, f.step, f.screenshot,
                   f.evidence, a.trace_dir, a.visit_id
            FROM findings f
            LEFT JOIN merchants m ON m.run_id = f.run_id AND m.merchant_id = f.merchant_id
            LEFT JOIN audits a ON a.run_id = f.run_id AND a.merchant_id = f.merchant_id
            WHERE f.run_id = ?
            ORDER BY f.merchant_id, f.idx
            """,
            [rid],
        )
        rdir = self.run_dir(rid)
        df["legal_basis"] = [[str(x) for x in _as_list(v)] for v in df["legal_basis"]]
        df["evidence"] = [(_as_json(v) or {}) for v in df["evidence"]]
        paths = []
        dirs: dict[str, Path] = {}
        for mid, td, vid, shot in zip(df["merchant_id"], df["trace_dir"], df["visit_id"], df["screenshot"],
                                      strict=True):
            if mid not in dirs:
                dirs[mid] = evidence_dir(rdir / (td if isinstance(td, str) and td else f"merchants/{mid}"), _v(vid))
            paths.append(str(dirs[mid] / shot) if isinstance(shot, str) and shot else None)
        df["screenshot_path"] = paths
        df["step"] = df["step"].astype("Int64")
        return df.drop(columns=["trace_dir", "visit_id"])

    def gates(self, run_id: str | None = None) -> pd.DataFrame:
        """One row per gate met in a run.

        Columns: run_id, merchant_id, name, vendor, gate_id, step, stage, kind,
        text, passed_by, appearances, tries (list of dicts: method, outcome, ...).
        """
        rid = self.resolve_run(run_id)
        df = self.query(
            """
            SELECT g.run_id, g.merchant_id, m.name, m.vendor_guess AS vendor, g.gate_id, g.step,
                   g.stage, g.kind, g.text, g.passed_by, g.appearances, g.tries
            FROM gates g
            LEFT JOIN merchants m ON m.run_id = g.run_id AND m.merchant_id = g.merchant_id
            WHERE g.run_id = ?
            ORDER BY g.merchant_id, g.step, g.gate_id
            """,
            [rid],
        )
        df["tries"] = [_as_list(_as_json(v)) for v in df["tries"]]
        return df

    def requests(self, run_id: str | None = None) -> pd.DataFrame:
        """One row per network request recorded in a run.

        Columns: run_id, merchant_id, req_id, step, method, url, host, site,
        status, resource_type, third_party (bool).
        """
        rid = self.resolve_run(run_id)
        return self.query(
            """SELECT run_id, merchant_id, req_id, step, method, url, host, site, status,
                      resource_type, third_party
               FROM requests WHERE run_id = ? ORDER BY merchant_id, req_id""",
            [rid],
        )

    # ---- one merchant ---------------------------------------------------------------

    def merchant(self, run_id: str | None, merchant_id: str) -> dict[str, Any]:
        """Everything about one merchant in one run.

        Returns a dict: ``audit`` (the :meth:`audits` row as a dict), ``result``
        (the findings.md object, dict), ``findings``/``gates``/``requests``
        (DataFrames), ``steps`` (DataFrame: n, action, stage, state, url, target,
        note, screenshot (absolute path or None), dom, t_ms), ``trace``
        (:class:`core.trace.Trace` or ``None`` when trace.json is missing or
        unreadable), ``dir`` (the evidence folder holding trace.json, Path).
        Raises ``QrauditError`` when the run or merchant is unknown.
        """
        rid = self.resolve_run(run_id)
        adf = self.audits(rid)
        row = adf[adf["merchant_id"] == merchant_id]
        if row.empty:
            some = ", ".join(list(adf["merchant_id"])[:5]) or "none"
            raise QrauditError(f"merchant {merchant_id!r} was not audited in run {rid} (e.g. {some})")
        audit = row.iloc[0].to_dict()
        mdir = Path(audit["evidence_dir"])
        res = self.query("SELECT result FROM audits WHERE run_id = ? AND merchant_id = ?", [rid, merchant_id])
        result = _as_json(res["result"].iloc[0]) if not res.empty else None
        rjson = Path(audit["merchant_dir"]) / "result.json"
        if not isinstance(result, dict) and rjson.exists():
            result = json.loads(rjson.read_text(encoding="utf-8"))
        trace = load_trace(mdir)
        fdf = self.findings(rid)
        gdf = self.gates(rid)
        qdf = self.requests(rid)
        return {
            "audit": audit,
            "result": result or {},
            "findings": fdf[fdf["merchant_id"] == merchant_id].reset_index(drop=True),
            "gates": gdf[gdf["merchant_id"] == merchant_id].reset_index(drop=True),
            "requests": qdf[qdf["merchant_id"] == merchant_id].reset_index(drop=True),
            "steps": steps_frame(trace, result or {}, mdir),
            "trace": trace,
            "dir": mdir,
        }

    # ---- across runs -----------------------------------------------------------------

    def rectification(self, run_a: str, run_b: str) -> pd.DataFrame:
        """Compare two runs per merchant and rule (``run_a`` before, ``run_b`` after).

        One row per (merchant, rule) seen in either run; a merchant with no finding in
        either run gets one row with ``rule=None``.  ``status``:

        * ``new`` — the rule fires in B, not in A;
        * ``fixed`` — it fired in A and B's audit reached the end of the path without it
          (rectified);
        * ``unclear`` — it fired in A, not in B, but B's audit was inconclusive,
          unsupported or failed, so the absence proves nothing;
        * ``unchanged`` — fires in both (or, for ``rule=None``, no finding in either);
        * ``appeared`` / ``disappeared`` — the merchant was audited only in B / only in A.

        Columns: merchant_id, name, vendor, url, rule, status, verdict_a, verdict_b,
        verdict_changed (bool), stage_a, stage_b (stages where the rule fired, joined
        by ","), run_a, run_b.  Sorted by merchant, then rule.
        Raises ``QrauditError`` for unknown runs.
        """
        ra, rb = self.resolve_run(run_a), self.resolve_run(run_b)
        aa, ab = self.audits(ra), self.audits(rb)
        fa, fb = self.findings(ra), self.findings(rb)

        def stages(f: pd.DataFrame) -> dict[tuple[str, str], str]:
            out: dict[tuple[str, str], set[str]] = {}
            for mid, rule_id, stage in zip(f["merchant_id"], f["rule"], f["stage"], strict=True):
                out.setdefault((mid, rule_id), set())
                if isinstance(stage, str):
                    out[(mid, rule_id)].add(stage)
            return {k: ",".join(_stage_sorted(v)) for k, v in out.items()}

        sa, sb = stages(fa), stages(fb)
        info: dict[str, dict[str, Any]] = {}
        for df in (ab, aa):  # prefer B's name/url
            for rec in df[["merchant_id", "name", "vendor", "url"]].to_dict("records"):
                info.setdefault(rec["merchant_id"], rec)
        va = dict(zip(aa["merchant_id"], aa["verdict"], strict=True))
        vb = dict(zip(ab["merchant_id"], ab["verdict"], strict=True))
        eb = dict(zip(ab["merchant_id"], ab["error"], strict=True))
        rows = []
        for mid in sorted(set(va) | set(vb)):
            rules_a = {r for (m, r) in sa if m == mid}
            rules_b = {r for (m, r) in sb if m == mid}
            in_a, in_b = mid in va, mid in vb
            b_conclusive = in_b and vb[mid] in ("violation", "compliant") and not (
                isinstance(eb.get(mid), str) and eb.get(mid)
            )
            targets: list[str | None] = sorted(rules_a | rules_b) or [None]
            for rule_id in targets:
                if not in_b:
                    status = "disappeared"
                elif not in_a:
                    status = "appeared"
                elif rule_id is None:
                    status = "unchanged"
                elif rule_id in rules_a and rule_id in rules_b:
                    status = "unchanged"
                elif rule_id in rules_b:
                    status = "new"
                else:
                    status = "fixed" if b_conclusive else "unclear"
                rows.append(
                    {
                        "merchant_id": mid,
                        "name": info[mid].get("name"),
                        "vendor": info[mid].get("vendor"),
                        "url": info[mid].get("url"),
                        "rule": rule_id,
                        "status": status,
                        "verdict_a": va.get(mid),
                        "verdict_b": vb.get(mid),
                        "verdict_changed": in_a and in_b and va.get(mid) != vb.get(mid),
                        "stage_a": sa.get((mid, rule_id)) if rule_id else None,
                        "stage_b": sb.get((mid, rule_id)) if rule_id else None,
                        "run_a": ra,
                        "run_b": rb,
                    }
                )
        cols = [
            "merchant_id", "name", "vendor", "url", "rule", "status", "verdict_a", "verdict_b",
            "verdict_changed", "stage_a", "stage_b", "run_a", "run_b",
        ]
        return pd.DataFrame(rows, columns=cols)


def _stage_sorted(stages: set[str]) -> list[str]:

    return sorted(stages, key=lambda s: (STAGES.index(s) if s in STAGES else len(STAGES), s))


def _v(value: Any) -> Any:
    return None if _missing(value) else value


def evidence_dir(merchant_dir: str | os.PathLike[str], visit_id: str | None = None) -> Path:
    """The folder holding a merchant's ``trace.json`` and ``step-NN`` files.

    That is ``merchant_dir`` itself when it holds ``trace.json``, else its
    ``<visit_id>/`` subfolder (the audit engine may write each visit's evidence
    there), else its only subfolder with a ``trace.json`` (the newest when
    several); ``merchant_dir`` when none is found.
    """
    base = Path(merchant_dir)
    if (base / "trace.json").is_file():
        return base
    if visit_id and (base / visit_id / "trace.json").is_file():
        return base / visit_id
    subs = [p.parent for p in base.glob("*/trace.json")]
    if subs:
        return max(subs, key=lambda p: (p / "trace.json").stat().st_mtime)
    return base


def load_trace(merchant_dir: str | os.PathLike[str]) -> Any:
    """Load ``trace.json`` from a merchant folder; ``None`` when missing or unreadable."""

    path = Path(merchant_dir) / "trace.json"
    if not path.exists():
        return None
    try:
        return Trace.load(path)
    except (ValueError, OSError):
        return None


def steps_frame(trace: Any, result: dict[str, Any], merchant_dir: Path) -> pd.DataFrame:
    """The order path as a DataFrame (from the trace, else from result["steps"]).

    Columns: n, action, stage, state, url, target (visible text of the element acted
    on), note, screenshot (absolute path or None), dom (absolute path or None), t_ms.
    """
    cols = ["n", "action", "stage", "state", "url", "target", "note", "screenshot", "dom", "t_ms"]

    def absolute(rel: Any) -> str | None:
        return str(Path(merchant_dir) / rel) if isinstance(rel, str) and rel else None

    rows = []
    if trace is not None and trace.steps:
        for s in trace.steps:
            target = ""
            if s.target is not None:
                target = s.target.text or s.target.attrs.get("aria-label", "") or s.target.selector
            rows.append(
                {
                    "n": s.n, "action": s.action, "stage": s.stage, "state": s.state, "url": s.url,
                    "target": target, "note": s.note, "screenshot": absolute(s.screenshot),
                    "dom": absolute(s.dom), "t_ms": s.t_ms,
                }
            )
    else:
        for s in result.get("steps") or []:
            rows.append(
                {
                    "n": s.get("n"), "action": s.get("action"), "stage": s.get("stage"),
                    "state": s.get("state"), "url": s.get("url"), "target": s.get("target") or "",
                    "note": s.get("note") or "", "screenshot": absolute(s.get("screenshot")),
                    "dom": absolute(s.get("dom")), "t_ms": s.get("t_ms"),
                }
            )
    return pd.DataFrame(rows, columns=cols)


def connect(data_dir: str | os.PathLike[str] | None = None) -> Results:
    """Return a :class:`Results` bound to ``data_dir`` (default ``$QRAUDIT_DATA`` or ``./data``).

    Nothing is opened until a method is called; raises nothing itself.
    """
    return Results(data_dir)


def runs(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Every run, newest first (:meth:`Results.runs`)."""
    return Results(data_dir).runs()


def latest_run(data_dir: str | os.PathLike[str] | None = None, district: str | None = None) -> str:
    """The latest run's id (:meth:`Results.latest_run`)."""
    return Results(data_dir).latest_run(district)


def previous_run(run_id: str | None = None, data_dir: str | os.PathLike[str] | None = None) -> str | None:
    """The run before ``run_id`` of the same district (:meth:`Results.previous_run`)."""
    return Results(data_dir).previous_run(run_id)


def run_dir(run_id: str | None = None, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """A run's evidence folder (:meth:`Results.run_dir`)."""
    return Results(data_dir).run_dir(run_id)


def merchants(run_id: str | None = None, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Merchants discovered in a run (:meth:`Results.merchants`)."""
    return Results(data_dir).merchants(run_id)


def audits(run_id: str | None = None, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per audited merchant (:meth:`Results.audits`); latest run by default."""
    return Results(data_dir).audits(run_id)


def findings(run_id: str | None = None, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per finding (:meth:`Results.findings`); latest run by default."""
    return Results(data_dir).findings(run_id)


def gates(run_id: str | None = None, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per gate (:meth:`Results.gates`); latest run by default."""
    return Results(data_dir).gates(run_id)


def requests(run_id: str | None = None, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per network request (:meth:`Results.requests`); latest run by default."""
    return Results(data_dir).requests(run_id)


def merchant(
    run_id: str | None, merchant_id: str, data_dir: str | os.PathLike[str] | None = None
) -> dict[str, Any]:
    """Everything about one merchant in one run (:meth:`Results.merchant`)."""
    return Results(data_dir).merchant(run_id, merchant_id)


def rectification(run_a: str, run_b: str, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Per merchant and rule, what changed from ``run_a`` to ``run_b`` (:meth:`Results.rectification`)."""
    return Results(data_dir).rectification(run_a, run_b)
