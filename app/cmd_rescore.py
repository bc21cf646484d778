"""``qraudit rescore`` and ``qraudit rules`` (registered on app.cli.app)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.cli import app
from core.errors import QrauditError
from detectors.base import GROUPS
from detectors.engine import load_rules
from results.api import Results
from results.rescore import rescore
from results.store import Store


@app.command("rescore")
def rescore_cmd(
    target: Annotated[str, typer.Argument(help="A run id of the store, or a folder of trace.json files (recursive).")],
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes (0 = one per CPU).")] = 0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Judge only and say what would change; write nothing "
                                                            "(a run of the store or a folder of traces).")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    data_dir: Annotated[
        Path | None, typer.Option("--data", "--data-dir", help="data folder (default $QRAUDIT_DATA or ./data)")
    ] = None,
) -> None:
    """Re-judge stored traces with the current rules; rewrite result.json (and the store rows for a run).

    TARGET is a folder of traces, or a run of the store: its id, a unique prefix, or ``latest``.
    """

    if fmt not in ("table", "json"):
        raise QrauditError(f"--format must be table or json, not {fmt!r}")
    store = None
    if not Path(target).exists():
        if "/" in target or os.sep in target or target.endswith(".json"):
            raise QrauditError(f"{target}: no such file or folder")

        target = Results(data_dir).resolve_run(target)
        store = Store(data_dir=data_dir, read_only=dry_run)
    summary = rescore(target, jobs=jobs or None, write=not dry_run, store=store)
    if fmt == "json":
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1))
    else:
        con = Console()
        t = Table(title=f"rescore {target} — {len(summary.items)} traces in {summary.seconds:.2f} s "
                        f"(rules {summary.rules_version})")
        t.add_column("verdict")
        t.add_column("traces", justify="right")
        for v in ("violation", "compliant", "inconclusive", "unsupported"):
            t.add_row(v, str(summary.counts.get(v, 0)))
        con.print(t)
        if summary.changes:
            c = Table(title="verdict changes")
            c.add_column("old")
            c.add_column("new")
            c.add_column("traces", justify="right")
            for (old, new), n in sorted(summary.changes.items(), key=str):
                c.add_row(old or "(none)", new, str(n))
            con.print(c)
        else:
            con.print("no verdict changed")
        judged = sum(1 for i in summary.items if i.new)
        if not summary.changed:
            con.print(f"nothing changed: all {judged} results are the same as stored; "
                      "result.json files and the manifest left as they were", soft_wrap=True)
        elif dry_run:
            con.print(f"{summary.changed} of {judged} results would change (dry run: nothing written)")
        elif summary.amended:
            con.print(f"{summary.changed} of {judged} results changed; result.json rewritten, "
                      f"manifest amended for {len(summary.amended)} file(s)")
        else:
            con.print(f"{summary.changed} of {judged} results changed; result.json rewritten")
        for e in summary.errors[:20]:
            con.print(f"[red]error[/red] {e}", highlight=False)
    if summary.errors:
        raise QrauditError(f"{len(summary.errors)} of {len(summary.items)} traces could not be re-judged "
                           f"(first: {summary.errors[0]})")


@app.command("rules")
def rules_cmd(
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """List the detector rules: id, group, severity, legal basis, title."""

    if fmt not in ("table", "json"):
        raise QrauditError(f"--format must be table or json, not {fmt!r}")
    reg = load_rules()
    rows = [
        {"id": r.id, "group": r.group, "group_zh": GROUPS[r.group], "severity": r.severity,
         "legal_basis": r.legal_basis, "title": r.title, "title_zh": r.title_zh}
        for r in sorted(reg.values(), key=lambda r: (list(GROUPS).index(r.group), r.id))
    ]
    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    t = Table(title=f"{len(rows)} rules")
    for col in ("id", "group", "severity", "legal basis", "title"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(r["id"], f"{r['group']} {r['group_zh']}", r["severity"], "; ".join(r["legal_basis"]),
                  f"{r['title']}\n{r['title_zh']}")
    Console(width=160).print(t)
