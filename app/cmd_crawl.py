"""``qraudit crawl`` (audit a whole district) and ``qraudit runs`` (list stored runs)."""

from __future__ import annotations

import os
import signal as _signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli import app
from app.crawl import crawl_failure, run_crawl
from core.errors import QrauditError
from results.report import build_report
from results.store import Store


def _out_console() -> Any:
    """stdout console: the terminal's width (or ``$COLUMNS``); 160 columns in pipes and logs."""

    from rich.console import Console  # noqa: PLC0415  (heavy: loaded only when needed)

    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) > 0 else None
    return Console(width=width or (None if sys.stdout.isatty() else 160))


VERDICT_STYLE = {"violation": "bold red", "compliant": "green", "inconclusive": "yellow", "unsupported": "magenta"}


class CrawlProgress:
    """A rich progress bar fed by :class:`app.crawl.ProgressExtension` events.

    Shows audited/known merchants (incl. those audited before a resume), violations
    found in this session and merchants audited per minute.
    """

    def __init__(self, console: Any, enabled: bool = True) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415  (heavy: loaded only when needed)

        self.console = console
        self.verdicts: Counter[str] = Counter()
        self.total = 0
        self.done = 0
        self.earlier = 0  # audited before a resume
        self.t0 = time.monotonic()
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[red]{task.fields[violations]} violations"), TextColumn("{task.fields[rate]} /min"),
            TimeElapsedColumn(), console=console, disable=not enabled, transient=False,
        )
        self.task = self.progress.add_task("discovering", total=None, violations=0, rate="-")
        self.running = False

    def __enter__(self) -> CrawlProgress:
        # the bar starts in started(): argument and district errors come before it, as one line
        return self

    def __exit__(self, *exc: object) -> None:
        if self.running:
            self.progress.stop()
            self.running = False

    def started(self, run_id: str, district: Any) -> None:
        self.console.print(f"[bold]qraudit crawl[/] {district.name} ({district.label}) -> run [cyan]{run_id}[/]")
        if not self.running:
            self.progress.start()
            self.running = True

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        if not self.running:  # events mean the crawl has started
            self.progress.start()
            self.running = True
        if event == "merchant":
            self.total += 1
            if data.get("already_done"):
                self.earlier += 1
        elif event == "result":
            self.done += 1
            self.verdicts[data.get("verdict") or "?"] += 1
        elif event == "closed":
            self.progress.update(self.task, description=f"closed ({data.get('reason')})")
            return
        minutes = max((time.monotonic() - self.t0) / 60.0, 1e-6)
        rate = f"{self.done / minutes:.1f}" if self.done else "-"
        self.progress.update(
            self.task, description="auditing", total=max(self.total, self.done + self.earlier),
            completed=self.done + self.earlier,
            violations=self.verdicts["violation"], rate=rate,
        )


@app.command("crawl", epilog=(
    "Exit status: 0 when at least one merchant page was audited; 1 when discovery found no merchant, "
    "or every page failed to load or ended with a crawl error (the results stay stored; --resume retries "
    "network errors), or the crawl failed; 2 for bad input; 128+N when stopped by signal N."))
def crawl_cmd(
    district: Annotated[str | None, typer.Option(help="district name (seeds/NAME.toml) or file; default: demo")] = None,
    concurrency: Annotated[int | None, typer.Option(help="audits at once (browser contexts)")] = None,
    env: Annotated[str | None, typer.Option(help="in-app browser profile: wechat | alipay | mobile")] = None,
    resume: Annotated[str | None, typer.Option(help="resume run RUN: skip merchants already audited")] = None,
    limit: Annotated[int | None, typer.Option(help="audit at most N merchants")] = None,
    ignore_robots: Annotated[bool, typer.Option("--ignore-robots", help="do not obey robots.txt")] = False,
    allow_submit: Annotated[
        bool, typer.Option("--allow-submit", help="press 'send code' and the final submit outside the sandbox")
    ] = False,
    data: Annotated[
        Path | None, typer.Option("--data", "--data-dir", help="data folder (default ./data or $QRAUDIT_DATA)")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="show Scrapy's log")] = False,
    discover_only: Annotated[bool, typer.Option("--discover-only", help="find merchants, audit none")] = False,
    engine: Annotated[str | None, typer.Option(hidden=True, help="audit engine module (tests)")] = None,
    no_progress: Annotated[bool, typer.Option("--no-progress", hidden=True)] = False,
) -> None:
    """Audit every merchant of a district (default: the demo district) and store the results."""
    from rich.console import Console  # noqa: PLC0415  (heavy: loaded only when needed)


    console = Console(stderr=True)
    with CrawlProgress(console, enabled=not no_progress and not verbose) as prog:
        outcome = run_crawl(
            district, concurrency=concurrency, env=env, resume=resume, limit=limit,
            ignore_robots=ignore_robots, allow_submit=allow_submit, data_dir=data, verbose=verbose,
            discover_only=discover_only, progress=prog, engine=engine, on_start=prog.started,
        )
    _summary(outcome, _out_console())
    if outcome.status == "failed":
        raise typer.Exit(1)
    if outcome.status == "interrupted":
        raise typer.Exit(128 + outcome.signal if outcome.signal else 1)
    failure = crawl_failure(outcome)
    if failure:  # a scheduled job must notice a crawl that audited nothing (the results stay stored)
        raise CrawlAuditedNothing(failure)


class CrawlAuditedNothing(QrauditError):
    """The crawl ran to its end but found no merchant or could audit none (exit 1)."""

    exit_code = 1


def _summary(outcome: Any, console: Any) -> None:
    from rich.table import Table  # noqa: PLC0415  (heavy: loaded only when needed)


    store = Store(db_path=outcome.db_path, data_dir=outcome.db_path.parent)
    info = store.get_run(outcome.run_id)
    rules = store.query(
        "SELECT f.rule, count(DISTINCT f.merchant_id) AS merchants FROM findings f WHERE f.run_id = ? "
        "GROUP BY f.rule ORDER BY merchants DESC, f.rule", [outcome.run_id])
    console.print(f"run {outcome.run_id}: [bold]{info['status']}[/], {info['merchants']} merchants, "
                  f"{outcome.audited_now} audited in this session ({outcome.elapsed_s:.0f} s)")
    t = Table(title="merchants by verdict")
    t.add_column("verdict")
    t.add_column("merchants", justify="right")
    for verdict in ("violation", "compliant", "inconclusive", "unsupported"):
        n = info["verdicts"].get(verdict, 0)
        t.add_row(f"[{VERDICT_STYLE[verdict]}]{verdict}[/]", str(n))
    missing = info["merchants"] - sum(info["verdicts"].values())
    if missing > 0:
        t.add_row("not audited yet", str(missing))
    console.print(t)
    if len(rules):
        r = Table(title="violations by rule")
        r.add_column("rule")
        r.add_column("merchants", justify="right")
        for row in rules.itertuples():
            r.add_row(row.rule, str(row.merchants))
        console.print(r)
    failures = list(getattr(outcome, "source_failures", None) or [])
    for line in failures:
        console.print(f"[yellow]{line}[/]", markup=True, highlight=False)
    counts = store.audit_outcomes(outcome.run_id)
    unreachable = counts["load_failed"]  # stored inconclusive: "page could not be loaded: …"
    crawl_errors = counts["failed"] - unreachable  # stored with a crawl/engine error
    if failures:
        console.print(f"[yellow]note:[/] {len(failures)} discovery page(s) could not be fetched; "
                      "merchants listed there were not found")
    if unreachable:
        console.print(f"[yellow]note:[/] {unreachable} merchant page(s) could not be loaded (inconclusive; "
                      "see the reasons in the report; --resume retries network errors)")
    if crawl_errors:
        console.print(f"[yellow]note:[/] {crawl_errors} merchant(s) could not be audited (crawl error: "
                      f"unreachable page, browser failure); 'qraudit crawl --resume {outcome.run_id}' retries them")
    console.print(f"run folder: {outcome.run_dir}")
    console.print(f"database:   {outcome.db_path}")
    discover_only = bool((info.get("settings") or {}).get("discover_only"))
    if info["merchants"] and not discover_only and sum(info["verdicts"].values()):
        # both languages, each page linking to its twin; the Chinese one is the report
        for lang, label in (("en", "report (en):"), ("zh", "report:     ")):
            try:
                path = build_report(outcome.run_id, store, lang=lang)
                shown = str(path) if path and Path(path).exists() else "not built"
            except Exception as exc:  # the crawl's results are stored; the report can be rebuilt later
                shown = f"not built ({type(exc).__name__}: {exc})"
            console.print(f"{label} {shown}", soft_wrap=True, highlight=False)
    if outcome.status == "interrupted":

        how = outcome.reason
        code = 1
        if outcome.signal:
            code = 128 + outcome.signal
            try:
                how = _signal.Signals(outcome.signal).name
            except ValueError:
                how = f"signal {outcome.signal}"
        console.print(f"[yellow]interrupted[/] ({how}, exit {code}): resume with  "
                      f"qraudit crawl --resume {outcome.run_id}")


@app.command("runs")
def runs_cmd(
    data: Annotated[
        Path | None, typer.Option("--data", "--data-dir", help="data folder (default ./data or $QRAUDIT_DATA)")
    ] = None,
) -> None:
    """List stored runs: id, kind, district, status, merchants, verdict counts, start time.

    Run ids are never shortened (other columns wrap first); give one, a unique prefix of
    one, or ``latest`` to report, diff, export, verify and rescore.
    """
    import pandas as pd  # noqa: PLC0415  (heavy: loaded only when needed)
    from rich.table import Table  # noqa: PLC0415  (heavy: loaded only when needed)

    store = Store(data_dir=data, read_only=True)
    if not store.db_path.exists():
        raise QrauditError(f"no runs yet: {store.db_path} does not exist (run 'qraudit crawl')")
    df = store.runs()
    t = Table(title=f"runs in {store.db_path}", title_justify="left")
    longest = max([len(str(r)) for r in df["run_id"]] + [3])
    t.add_column("run", no_wrap=True, min_width=longest)
    for col in ("kind", "district", "status"):
        t.add_column(col, overflow="fold")
    for col in ("merchants", "violation", "compliant", "inconclusive", "unsupported"):
        t.add_column(col, justify="right", overflow="fold")
    t.add_column("started (UTC)", overflow="fold")
    for row in df.itertuples():
        started = "" if pd.isna(row.started_at) else row.started_at.strftime("%Y-%m-%d %H:%M")
        t.add_row(row.run_id, row.kind, row.district or "", row.status, str(row.merchants), str(row.violation),
                  str(row.compliant), str(row.inconclusive), str(row.unsupported), started)
    _out_console().print(t)
