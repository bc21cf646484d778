"""Jobs: capture a visit, judge its trace, store the result — the three layers wired, one way.

:func:`audit_url` and :func:`audit_many` are what ``qraudit check`` and the tests
and benchmarks run: :mod:`crawler.engine` records the trace, :func:`detectors.judge`
turns it into an :class:`~detectors.base.AuditResult`, and
:func:`results.store.write_result_file` writes ``result.json`` beside the trace.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from core.trace import Trace
from crawler.engine import AuditConfig, capture_many, capture_url
from detectors import judge
from detectors.base import AuditResult
from detectors.engine import load_rules
from results.store import write_result_file


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
