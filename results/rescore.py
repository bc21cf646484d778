"""Re-judge stored traces with the current rules (no browser, no network).

* :func:`rescore_dir` — every ``trace.json`` under a folder (recursively): judge it
  and rewrite ``result.json`` beside it (keys other than the findings.md object,
  e.g. ``run_id``/``merchant``, are kept).
* :func:`rescore_run` — every merchant of a stored run (``results.store``): judge
  and upsert with ``Store.save_result`` (which rewrites ``result.json``); the
  rewritten files are recorded in a manifest amendment and the run's reports rebuilt.

A ``result.json`` whose judgment comes out the same (:func:`same_judgment`: the
parsed content, not the bytes) is not rewritten, so an unchanged rescore adds no
amendment.  Both return a :class:`RescoreSummary` (verdict counts, old → new
changes, results changed, amended files, errors, seconds).  Judging runs in
``jobs`` worker processes (default: the CPU count).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from core.errors import QrauditError
from core.trace import Trace
from detectors import RULES_VERSION, judge
from results.manifest import amend
from results.report import build_report
from results.store import Store, write_result_file


@dataclass
class RescoreItem:
    """One re-judged trace: its folder, old and new verdict, finding count, rules, error."""

    folder: str
    old: str | None
    new: str | None
    findings: int = 0
    rules: list[str] = field(default_factory=list)
    error: str | None = None
    #: the judgment differs from the stored result.json (which was rewritten, unless a dry run)
    changed: bool = True


@dataclass
class RescoreSummary:
    """The outcome of a rescore: items, ``counts`` {new verdict: n}, ``changes``
    {(old, new): n} for verdicts that changed, ``errors`` (folder: message), ``seconds``."""

    items: list[RescoreItem]
    seconds: float
    rules_version: str = ""
    #: result.json files recorded in a new manifest amendment (runs only)
    amended: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        """How many traces were judged differently from their stored result."""
        return sum(1 for i in self.items if i.new and i.changed)

    @property
    def counts(self) -> Counter:
        return Counter(i.new for i in self.items if i.new)

    @property
    def changes(self) -> Counter:
        return Counter((i.old, i.new) for i in self.items if i.new and i.old != i.new)

    @property
    def errors(self) -> list[str]:
        return [f"{i.folder}: {i.error}" for i in self.items if i.error]

    def to_dict(self) -> dict[str, Any]:
        return {
            "traces": len(self.items), "seconds": round(self.seconds, 3), "rules_version": self.rules_version,
            "counts": dict(self.counts),
            "changes": [{"old": o, "new": n, "count": c} for (o, n), c in sorted(self.changes.items(), key=str)],
            "errors": self.errors,
            "results_changed": self.changed,
            "manifest_amended": list(self.amended),
        }


def _normal(value: Any) -> Any:
    """``value`` as it reads back from result.json (tuples as lists, dates as text...)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def same_judgment(old_doc: dict[str, Any] | None, result: Any, error: str | None = None,
                  check_error: bool = False) -> bool:
    """Whether ``result`` (an AuditResult) says what the stored ``result.json`` ``old_doc`` says.

    Compares the parsed content of the findings.md object (verdict, reason,
    findings, steps, rules_version, ...) key by key, so key order, indentation
    and how values were serialised do not count; the keys the store adds beside
    it (the merchant record, run and merchant ids, the trace path) are not
    judgment and are left out.  ``check_error``: also compare the stored crawl
    ``error``.  A missing or unreadable old file is never the same.
    """
    if not old_doc:
        return False
    new = _normal(result.to_dict())
    if any(_normal(old_doc.get(k)) != v for k, v in new.items()):
        return False
    return not check_error or old_doc.get("error") == error


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        return d if isinstance(d, dict) else None
    except (OSError, ValueError):
        return None


def _judge_file(trace_path: str, write: bool = True) -> RescoreItem:
    """Worker: load one trace.json, judge it, merge into result.json beside it."""

    p = Path(trace_path)
    folder = str(p.parent)
    old_doc = _read_json(p.parent / "result.json")
    old = old_doc.get("verdict") if old_doc else None
    try:
        trace = Trace.load(p)
        result = judge(trace)
    except (ValueError, OSError) as exc:
        return RescoreItem(folder, old, None, error=str(exc).splitlines()[0][:300])
    changed = not same_judgment(old_doc, result)
    if write and changed:  # the same judgment leaves result.json byte for byte as it was
        write_result_file(p.parent / "result.json", {**(old_doc or {}), **result.to_dict()})
    return RescoreItem(folder, old, result.verdict, len(result.findings), sorted({f.rule for f in result.findings}),
                       changed=changed)


def _judge_only(trace_path: str) -> tuple[str, Any, Any, str | None]:
    """Worker for runs: return (path, trace, result, error); trace/result None on error."""

    try:
        trace = Trace.load(trace_path)
        return trace_path, trace, judge(trace), None
    except (ValueError, OSError) as exc:
        return trace_path, None, None, str(exc).splitlines()[0][:300]


def _map(func, paths: list[str], jobs: int | None):
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(paths) < 8:
        return [func(p) for p in paths]
    chunk = max(1, len(paths) // (jobs * 8))
    with ProcessPoolExecutor(max_workers=jobs) as ex:
        return list(ex.map(func, paths, chunksize=chunk))


def find_traces(folder: str | Path) -> list[Path]:
    """Every ``trace.json`` under ``folder`` (or ``folder`` itself if it is one), sorted.

    Raises :class:`QrauditError` if the path is missing or holds no trace.
    """
    p = Path(folder)
    if not p.exists():
        raise QrauditError(f"{p}: no such file or folder")
    if p.is_file():
        if p.suffix != ".json":
            raise QrauditError(f"{p}: not a trace.json file")
        return [p]
    found = sorted(p.rglob("trace.json"))
    if not found:
        raise QrauditError(f"{p}: no trace.json found under this folder")
    return found


def rescore_dir(folder: str | Path, *, jobs: int | None = None, write: bool = True) -> RescoreSummary:
    """Re-judge every trace under ``folder`` and rewrite each ``result.json`` (unless
    ``write`` is False).  Raises QrauditError for a missing path, a folder with no
    trace, or a single file that is not a trace."""


    paths = find_traces(folder)
    t0 = time.perf_counter()
    items = _map(partial(_judge_file, write=write), [str(p) for p in paths], jobs)
    summary = RescoreSummary(items, time.perf_counter() - t0, RULES_VERSION)
    if len(paths) == 1 and items[0].error and Path(folder).is_file():
        raise QrauditError(f"{folder}: not a qraudit trace ({items[0].error})")
    return summary


def rescore_run(run_id: str, *, store: Any = None, jobs: int | None = None, write: bool = True) -> RescoreSummary:
    """Re-judge every merchant trace of stored run ``run_id`` and upsert the results
    (``Store.save_result``; ``result.json`` rewritten); ``write=False`` (``--dry-run``)
    only says what would change.  Raises QrauditError for an unknown run or a run with
    no trace."""

    if store is None:

        store = Store()
    run_dir = Path(store.run_dir(run_id))
    if not run_dir.is_dir():
        raise QrauditError(f"unknown run {run_id!r}: {run_dir} does not exist (see 'qraudit runs')")
    # The store says where each merchant's trace is (a crawl keeps it in a per-visit subfolder);
    # traces on disk that the database lacks (e.g. written by another worker) are judged too.
    rows = store.query("SELECT merchant_id, trace_dir, verdict, error FROM audits WHERE run_id = ?", [run_id])
    stored = {
        r.merchant_id: (run_dir / (r.trace_dir or f"merchants/{r.merchant_id}") / "trace.json", r.verdict, r.error)
        for r in rows.itertuples()
    }
    merchants = run_dir / "merchants"
    for p in sorted([*merchants.glob("*/trace.json"), *merchants.glob("*/*/trace.json")]):
        mid = p.relative_to(merchants).parts[0]
        if mid not in stored or not stored[mid][0].is_file():
            old_doc = _read_json(merchants / mid / "result.json") or {}
            stored[mid] = (p, old_doc.get("verdict"), old_doc.get("error"))
    paths = {mid: p for mid, (p, _v, _e) in stored.items() if p.is_file()}
    if not paths:
        raise QrauditError(f"run {run_id!r} has no stored trace to re-judge")
    t0 = time.perf_counter()
    judged = _map(_judge_only, [str(p) for p in paths.values()], jobs)
    items: list[RescoreItem] = []
    rewritten: list[str] = []
    for mid, (path, trace, result, error) in zip(paths, judged, strict=True):
        _p, old, old_error = stored[mid]
        if result is None:
            items.append(RescoreItem(str(Path(path).parent), old, None, error=error))
            continue
        rel = f"merchants/{mid}/result.json"
        # the same judgment: the store rows are refreshed, result.json is left byte for byte as it was
        # (rewriting it would only change how it is written, and the manifest would need an amendment)
        same = same_judgment(_read_json(run_dir / rel), result, old_error, check_error=True)
        if write:
            store.save_result(run_id, mid, trace, result, error=old_error, log=False, write_json=not same)
        if not same:
            rewritten.append(rel)
        items.append(RescoreItem(str(Path(path).parent), old, result.verdict, len(result.findings),
                                 sorted({f.rule for f in result.findings}), changed=not same))

    if not write:
        return RescoreSummary(items, time.perf_counter() - t0, RULES_VERSION)
    amended = amend(run_dir, rewritten, f"qraudit rescore (rules {RULES_VERSION})") if rewritten else []
    if rewritten:
        _rebuild_reports(run_id, run_dir, store)
    return RescoreSummary(items, time.perf_counter() - t0, RULES_VERSION, amended=amended)


def _rebuild_reports(run_id: str, run_dir: Path, store: Any) -> list[Path]:
    """Rebuild the run's existing HTML reports (``report/`` is Chinese, ``report-<lang>/`` the
    others) so they show the new results; returns their index pages."""

    built = []
    for folder in sorted(run_dir.glob("report*")):
        if (folder / "index.html").is_file():
            lang = folder.name.split("-", 1)[1] if "-" in folder.name else "zh"
            built.append(build_report(run_id, store, lang=lang, out=folder))
    return built


def rescore(target: str | Path, *, jobs: int | None = None, write: bool = True, store: Any = None) -> RescoreSummary:
    """Re-judge ``target``: an existing path (a folder of traces or one trace.json) →
    :func:`rescore_dir`; otherwise a run id of the store → :func:`rescore_run`."""
    if Path(target).exists():
        return rescore_dir(target, jobs=jobs, write=write)
    if os.sep in str(target) or str(target).endswith(".json"):
        raise QrauditError(f"{target}: no such file or folder")
    return rescore_run(str(target), store=store, jobs=jobs, write=write)
