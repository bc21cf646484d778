"""Recurring runs: a district crawled on a schedule, each run compared with the one before.

``qraudit crawl --district D --schedule NAME`` tags the run with the schedule's
name (``runs.settings.schedule``).  When such a run finishes,
:func:`after_scheduled_run` finds the previous finished crawl of the same
schedule and district (:func:`previous_run`), compares it with this one
(:func:`results.diff.diff_runs`: rules fixed, new, unclear; merchants that came or
went) and writes, in the run's report folder (derived files, outside the
evidence manifest):

* ``changes.html`` -- the diff as a page, linked from the report's index;
* ``changes.json`` -- ``RunDiff.to_dict()``; ``changes.csv`` -- the rule rows (UTF-8 with BOM, for Excel);
* ``schedule.json`` -- ``{"schedule", "run", "district", "previous_run", "summary", "files"}``, what the
  report reads to show the schedule and link the diff.

The first run of a schedule gets ``schedule.json`` and a ``changes.html`` that
says there is nothing to compare with yet.  ``deploy/`` ships a systemd service
and timer and a cron line that run exactly such a command.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from core.errors import QrauditError
from results.diff import diff_runs, render
from results.store import Store

SCHEDULE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,79}$")
#: Files written into ``<run>/report/`` (the report folder is never part of the evidence manifest).
CHANGES_FILES = {"html": "changes.html", "json": "changes.json", "csv": "changes.csv", "schedule": "schedule.json"}


def check_schedule_name(name: str) -> str:
    """Return ``name`` if it can name a schedule (1-80 letters, digits, ``-_.@``); raise QrauditError otherwise."""
    if not isinstance(name, str) or not SCHEDULE_RE.match(name):
        raise QrauditError(f"--schedule {name!r}: a schedule name is 1-80 letters, digits, '-', '_', '.' or '@'")
    return name


def previous_run(store: Store, run_id: str) -> str | None:
    """The newest *finished* crawl of the same schedule and district started before ``run_id``, or None.

    Raises QrauditError for an unknown run or a run without a schedule."""
    info = store.get_run(run_id)
    schedule = (info.get("settings") or {}).get("schedule")
    if not schedule:
        raise QrauditError(f"run {run_id} was not started on a schedule (--schedule)")
    df = store.query(
        "SELECT run_id FROM runs WHERE kind = 'crawl' AND status = 'finished' AND run_id <> ? "
        "AND district IS NOT DISTINCT FROM ? AND json_extract_string(settings, '$.schedule') = ? "
        "AND started_at < ? ORDER BY started_at DESC, run_id DESC LIMIT 1",
        [run_id, info.get("district"), schedule, info.get("started_at")])
    return None if df.empty else str(df["run_id"].iloc[0])


def after_scheduled_run(store: Store, run_id: str) -> dict[str, Any]:
    """Write the diff of ``run_id`` with the previous run of its schedule into ``<run>/report/``.

    Returns the ``schedule.json`` document (``previous_run`` None for the first run
    of a schedule; ``summary`` is ``RunDiff.summary()`` otherwise).  Raises
    QrauditError for an unknown run or a run without a schedule.
    """
    info = store.get_run(run_id)
    schedule = (info.get("settings") or {}).get("schedule")
    prev = previous_run(store, run_id)
    out = store.run_dir(run_id) / "report"
    out.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {"schedule": schedule, "run": run_id, "district": info.get("district"),
                           "previous_run": prev, "summary": None, "files": {},
                           "written_at": datetime.now(UTC).isoformat(timespec="seconds")}
    if prev is not None:
        diff = diff_runs(prev, run_id, data_dir=store.data_dir)
        _write(out / CHANGES_FILES["json"], render(diff, "json"))
        (out / CHANGES_FILES["csv"]).write_bytes(render(diff, "csv").encode("utf-8-sig"))
        doc["summary"] = diff.summary()
        _write(out / CHANGES_FILES["html"], _page(doc, diff.to_dict()))
        doc["files"] = {k: CHANGES_FILES[k] for k in ("html", "json", "csv")}
    else:
        _write(out / CHANGES_FILES["html"], _page(doc, None))
        doc["files"] = {"html": CHANGES_FILES["html"]}
    _write(out / CHANGES_FILES["schedule"], json.dumps(doc, ensure_ascii=False, indent=1, default=str))
    return doc


def changes_line(doc: dict[str, Any]) -> str:
    """One line saying what changed since the previous run of the schedule (for the crawl's summary)."""
    if not doc.get("previous_run"):
        return f"first run of schedule {doc.get('schedule')}: nothing to compare with yet"
    s = doc.get("summary") or {}
    r = s.get("rules") or {}
    return (f"since {doc['previous_run']} (schedule {doc.get('schedule')}): {r.get('fixed', 0)} fixed, "
            f"{r.get('new', 0)} new, {r.get('unclear', 0)} unclear; {s.get('merchants_appeared', 0)} merchant(s) "
            f"appeared, {s.get('merchants_disappeared', 0)} disappeared -> report/{CHANGES_FILES['html']}")


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


_STATUS_ORDER = ("new", "fixed", "unclear", "appeared", "disappeared", "unchanged")


def _page(doc: dict[str, Any], diff: dict[str, Any] | None) -> str:
    """A self-contained page (no script, no network) of the diff, in Chinese and English labels."""
    e = escape
    head = (f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>变化 changes · {e(str(doc['run']))}</title><link rel=\"stylesheet\" href=\"assets/report.css\">"
            f"</head><body><main><p><a href=\"index.html\">← 报告 report</a></p>"
            f"<h1>与上一次定期检查相比的变化 · changes since the previous scheduled run</h1>"
            f"<table class=\"facts\"><tr><th>计划 schedule</th><td><code>{e(str(doc['schedule']))}</code></td></tr>"
            f"<tr><th>本次 this run</th><td><code>{e(str(doc['run']))}</code></td></tr>"
            f"<tr><th>上一次 previous run</th><td>"
            + (f"<code>{e(str(doc['previous_run']))}</code>" if doc.get("previous_run") else "—") + "</td></tr></table>")
    if diff is None:
        return head + ("<p>这是该计划的第一次运行，暂无可比较的上一次结果。 This is the first run of the schedule: "
                       "there is nothing to compare with yet.</p></main></body></html>")
    s = diff["summary"]
    r = s["rules"]
    body = [f"<p>整改 fixed <b>{r['fixed']}</b> · 新增 new <b>{r['new']}</b> · 无法判断 unclear <b>{r['unclear']}</b>"
            f" · 未变 unchanged {r['unchanged']} · 新商户 appeared {s['merchants_appeared']}"
            f" · 消失 disappeared {s['merchants_disappeared']}</p>",
            "<p><a href=\"changes.csv\">CSV</a> · <a href=\"changes.json\">JSON</a></p>",
            "<table class=\"grid\"><thead><tr><th>状态 status</th><th>商户 merchant</th><th>名称 name</th>"
            "<th>规则 rule</th><th>结论 verdict (before → after)</th></tr></thead><tbody>"]
    order = {k: i for i, k in enumerate(_STATUS_ORDER)}
    rows = sorted(diff["rules"], key=lambda x: (order.get(x.get("status"), 9), x.get("merchant_id") or "",
                                                x.get("rule") or ""))
    for x in rows:
        if x.get("status") == "unchanged" and not x.get("verdict_changed"):
            continue
        body.append(f"<tr><td>{e(str(x.get('status')))}</td><td><code>{e(str(x.get('merchant_id')))}</code></td>"
                    f"<td>{e(str(x.get('name') or ''))}</td><td>{e(str(x.get('rule') or '—'))}</td>"
                    f"<td>{e(str(x.get('verdict_a') or '—'))} → {e(str(x.get('verdict_b') or '—'))}</td></tr>")
    body.append("</tbody></table></main></body></html>")
    return head + "".join(body)
