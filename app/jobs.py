"""Jobs: capture a visit, judge its trace, store the result — the three layers wired, one way.

:func:`check_run` is what ``qraudit check`` runs (a URL, a QR photo's URL or a
named merchant): a one-merchant run of kind ``check`` in the store, with its
manifest and its one-page report, like any crawl.  :func:`audit_url` and
:func:`audit_many` are what the tests and benchmarks run: :mod:`crawler.engine`
records the trace, :func:`detectors.judge` turns it into an
:class:`~detectors.base.AuditResult`, and :func:`results.store.write_result_file`
writes ``result.json`` beside the trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.reasons import NOT_AUDITED
from core.trace import Trace
from crawler.district import merchant_id as url_merchant_id
from crawler.engine import AuditConfig, capture_many, capture_url
from detectors import judge
from detectors.base import AuditResult
from detectors.engine import load_rules
from results.store import Store, write_result_file


def judge_and_write(trace: Trace, out_dir: Path) -> AuditResult:
    """Judge ``trace`` and write ``result.json`` (the findings.md object) into ``out_dir``."""
    result = judge(trace)
    write_result_file(Path(out_dir) / "result.json", result.to_dict())
    return result


async def audit_url(url: str, config: AuditConfig) -> tuple[Trace, AuditResult]:
    """Audit one URL: ``(trace, result)``; ``trace.json``, ``result.json`` and the evidence go to
    ``config.out_dir``.  Raises :class:`core.errors.QrauditError` for a target that is not a URL."""
    # the rules load on the other core while the browser starts (about 0.2 s saved)
    warm = asyncio.get_running_loop().run_in_executor(None, load_rules)
    trace = await capture_url(url, config)
    with contextlib.suppress(Exception):
        await warm
    return trace, judge_and_write(trace, config.out_dir)


async def audit_many(targets: dict[str, str], config: AuditConfig,
                     concurrency: int = 2) -> dict[str, tuple[Trace, AuditResult]]:
    """Audit many targets with one browser (see :func:`crawler.engine.capture_many`):
    ``{id: (trace, result)}``, each target's files in ``config.out_dir / <id>``."""
    base = Path(config.out_dir)
    traces = await capture_many(targets, config, concurrency)
    return {tid: (t, judge_and_write(t, base / tid)) for tid, t in traces.items()}


# ---- qraudit check: one merchant, as a run of the store ------------------------------------------


@dataclass
class CheckRun:
    """A finished ``check`` run: its id, the merchant's id and result, where the run and the
    merchant's evidence are, and its report (``report``: the Chinese page, ``report_en``: the
    English one; ``None`` with ``report_error`` when it could not be built)."""

    run_id: str
    merchant_id: str
    result: AuditResult
    run_dir: Path
    evidence_dir: Path
    report: Path | None = None
    report_en: Path | None = None
    report_error: str | None = None

    @property
    def audited(self) -> bool:
        """True when the result is a verdict about the merchant (violation, compliant, or
        inconclusive / unsupported for what the page did: closed, sold out, mini-program...);
        False when the page could not be audited (its reason code is in
        :data:`core.reasons.NOT_AUDITED`: not loaded, the agent or the engine failed)."""
        return self.result.reason_code not in NOT_AUDITED

    def __iter__(self):
        """Unpacks as ``(run_id, result)`` (what ``check_merchant`` returned before)."""
        return iter((self.run_id, self.result))

    def to_dict(self) -> dict[str, Any]:
        """The findings.md object plus ``run_id``, ``merchant_id``, ``evidence_dir`` and ``report``."""
        return {**self.result.to_dict(), "run_id": self.run_id, "merchant_id": self.merchant_id,
                "evidence_dir": str(self.evidence_dir), "report": str(self.report) if self.report else None}


def _report_builder() -> Any:
    """:func:`results.report.build_report`, imported on first use: the report code (pandas,
    jinja2, PIL: about 0.4 s) is not needed before a visit ends, so a check loads it in a
    thread while the browser works."""
    from results.report import build_report  # noqa: PLC0415  (heavy: loaded while the browser works)

    return build_report


def url_record(url: str) -> dict[str, Any]:
    """The merchant record of a bare URL (no name or address known): its id is the hash of the
    canonical URL, as in a crawl (:func:`crawler.district.merchant_id`)."""
    return {"merchant_id": url_merchant_id(url), "url": url, "audit_url": url, "name": None, "address": None,
            "sources": [{"source": "check", "url": url}]}


def check_run(url: str, config: AuditConfig, *, store: Store | None = None, record: dict[str, Any] | None = None,
              district: str | None = None, district_file: str | Path | None = None,
              settings: dict[str, Any] | None = None, run_dir: str | Path | None = None,
              reports: bool = True) -> CheckRun:
    """Audit ``url`` now as a one-merchant run of kind ``check``; return the :class:`CheckRun`.

    The run is created in ``store`` (folder ``<data>/runs/<run_id>``, or ``run_dir``),
    the merchant ``record`` (default :func:`url_record`) stored, the visit captured
    into its merchant folder (``config.out_dir`` is ignored), judged and saved; the run
    is finished (``run.json``, ``manifest.json``) and its reports built (Chinese and
    English, linked to each other; ``reports=False`` skips them).  Ctrl-C finishes the
    run ``interrupted`` and an unexpected error ``failed`` before they propagate.
    """
    store = store or Store()
    if reports:  # the report code (pandas, jinja2, PIL) loads in a thread while the browser works
        threading.Thread(target=_report_builder, name="qraudit-warm-report", daemon=True).start()
    record = dict(record or url_record(url))
    mid = record["merchant_id"]
    run_settings = {"url": url, "timeout_s": config.timeout_s, "allow_submit": config.allow_submit,
                    "sandbox_hosts": list(config.sandbox_hosts), **(settings or {})}
    with store.holding():
        run_id = store.create_run("check", district=district, district_file=district_file, env=config.env,
                                  settings=run_settings, run_dir=run_dir)
        store.upsert_merchant(run_id, record)
        store.log_audit(run_id, mid, None, "start")
    status = "failed"
    try:
        out = store.merchant_dir(run_id, mid)
        cfg = dataclasses.replace(config, out_dir=out)
        trace = asyncio.run(capture_url(url, cfg))
        result = judge(trace)
        with store.holding():  # the result and the run's end in one transaction
            store.save_result(run_id, mid, trace, result, record=record)
            store.finish_run(run_id, "finished")
        status = "finished"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        if status != "finished":
            store.finish_run(run_id, status)
    rdir = store.run_dir(run_id)
    done = CheckRun(run_id, mid, result, rdir, _evidence_dir(out, trace))
    if reports:
        try:
            build_report = _report_builder()  # waits for the warming thread's import if it still runs
            done.report_en = build_report(run_id, store, lang="en")
            done.report = build_report(run_id, store, lang="zh")
        except Exception as exc:  # the result is stored; `qraudit report RUN` can build it later
            done.report_error = f"{type(exc).__name__}: {exc}"
    return done


def _evidence_dir(merchant_dir: Path, trace: Trace) -> Path:
    """The folder holding the visit's ``trace.json`` (the merchant folder, or its visit subfolder)."""
    sub = merchant_dir / str(trace.visit_id or "")
    return sub if trace.visit_id and (sub / "trace.json").is_file() else merchant_dir
