"""``qraudit crawl`` (audit a whole district, alone or as a worker of a shared run) and ``qraudit runs``."""

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
from app.schedule import after_scheduled_run, changes_line, check_schedule_name
from app.workers import run_worker
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
    found in this session and merchants audited per minute; a worker of a shared
    run shows the whole run instead (merchants stored by every worker out of those
    discovered) and, after it, the queue's size, the leases out and what each
    worker stored.
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
            TimeElapsedColumn(), TextColumn("{task.fields[shared]}"), console=console, disable=not enabled,
            transient=False,
        )
        self.task = self.progress.add_task("discovering", total=None, violations=0, rate="-", shared="")
        self.shared: dict[str, Any] | None = None
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
        elif event == "shared":
            self.shared = data
        minutes = max((time.monotonic() - self.t0) / 60.0, 1e-6)
        rate = f"{self.done / minutes:.1f}" if self.done else "-"
        if self.shared is not None:
            self.progress.update(
                self.task, description="auditing (shared)",
                total=max(self.shared.get("merchants", 0), self.shared.get("done", 0)) or None,
                completed=self.shared.get("done", 0), violations=self.shared.get("verdicts", {}).get("violation", 0),
                rate=rate, shared=shared_line(self.shared),
            )
            return
        self.progress.update(
            self.task, description="auditing", total=max(self.total, self.done + self.earlier),
            completed=self.done + self.earlier,
            violations=self.verdicts["violation"], rate=rate,
        )


def shared_line(status: dict[str, Any]) -> str:
    """One line about a shared run for the progress bar: queue, leases out, and merchants stored by
    each worker (this one marked ``*``), e.g. ``queue 12 · in flight 4 · by worker: *a 9, b 7``."""
    me = status.get("me")
    by = status.get("by_worker") or {}
    workers = sorted(set(by) | set(status.get("workers") or {}))
    parts = [f"{'*' if w == me else ''}{w} {by.get(w, 0)}" for w in workers]
    line = f"queue {status.get('queued', 0)} · in flight {status.get('leased', 0)}"
    if not status.get("seeded"):
        line += " · discovering"
    if status.get("requeued"):
        line += f" · requeued {status['requeued']}"
    return line + (" · by worker: " + ", ".join(parts) if parts else "")


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
    redis: Annotated[str | None, typer.Option(
        "--redis", help="be a worker of a shared run on this Redis (redis://HOST:PORT/DB); needs --run")] = None,
    run: Annotated[str | None, typer.Option(
        "--run", help="shared run id, the same on every worker (letters, digits, -_.)")] = None,
    seed_only: Annotated[bool, typer.Option(
        "--seed-only", help="shared run: run discovery and queue the audits, audit nothing")] = False,
    worker: Annotated[str | None, typer.Option(
        "--worker", help="shared run: this worker's name (default HOST-PID)")] = None,
    merge: Annotated[bool, typer.Option(
        "--merge/--no-merge", help="shared run: merge this machine's worker stores when the run is complete")] = True,
    lease_seconds: Annotated[float | None, typer.Option(
        "--lease-seconds", help="shared run: a merchant's lease without renewal (default 60)")] = None,
    schedule: Annotated[str | None, typer.Option(
        "--schedule", help="tag the run with a schedule's name; write the diff with its previous run")] = None,
) -> None:
    """Audit every merchant of a district (default: the demo district) and store the results.

    With --redis URL --run RUN the process is one worker of a crawl shared by any number of
    workers on any number of machines (see the README, "Several machines, one crawl")."""
    from rich.console import Console  # noqa: PLC0415  (heavy: loaded only when needed)

    if (redis is None) != (run is None):
        raise QrauditError("--redis and --run go together: a shared run needs both")
    if redis is None and (seed_only or worker or lease_seconds is not None):
        raise QrauditError("--seed-only, --worker and --lease-seconds are for workers of a shared run (--redis)")
    if redis is not None and (resume or discover_only):
        raise QrauditError("a shared run has no --resume or --discover-only: restart a worker to go on, "
                           "or use --seed-only")
    if schedule is not None:
        check_schedule_name(schedule)
        if redis is not None:
            raise QrauditError("--schedule is for one-machine runs (a shared run is scheduled by starting "
                               "its workers)")
    console = Console(stderr=True)
    with CrawlProgress(console, enabled=not no_progress and not verbose) as prog:
        if redis is not None:
            outcome = run_worker(
                redis, run, district, concurrency=concurrency, env=env, limit=limit, ignore_robots=ignore_robots,
                allow_submit=allow_submit, data_dir=data, verbose=verbose, seed_only=seed_only, worker=worker,
                lease_s=lease_seconds, progress=prog, engine=engine, on_start=prog.started, merge=merge,
            )
        else:
            outcome = run_crawl(
                district, concurrency=concurrency, env=env, resume=resume, limit=limit,
                ignore_robots=ignore_robots, allow_submit=allow_submit, data_dir=data, verbose=verbose,
                discover_only=discover_only, progress=prog, engine=engine, on_start=prog.started,
                schedule=schedule,
            )
    if outcome.worker is not None:
        _worker_summary(outcome, _out_console())
        if outcome.status == "failed":
            raise typer.Exit(1)
        if outcome.status == "interrupted":
            raise typer.Exit(128 + outcome.signal if outcome.signal else 1)
        if outcome.merge is not None:
            failure = crawl_failure(outcome)
            if failure:
                raise CrawlAuditedNothing(failure)
        return
    changes = None
    if schedule is not None and outcome.status == "finished":
        changes = after_scheduled_run(Store(db_path=outcome.db_path, data_dir=outcome.db_path.parent),
                                      outcome.run_id)
    _summary(outcome, _out_console(), changes=changes)
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


def _worker_summary(outcome: Any, console: Any) -> None:
    """What a worker of a shared run prints at its end: its share, the run's state, and the merge."""
    st = outcome.shared or {}
    console.print(f"worker {outcome.worker} of run {outcome.run_id}: [bold]{outcome.status}[/] "
                  f"({outcome.reason}), {outcome.audited_now} merchant(s) stored here in {outcome.elapsed_s:.0f} s")
    if st:
        console.print(f"run {outcome.run_id}: {st.get('done', 0)} of {st.get('merchants', 0)} merchants stored by "
                      f"{len(st.get('by_worker') or {})} worker(s); {shared_line(st)}"
                      + ("; complete" if st.get("complete") else ""))
    console.print(f"worker store: {outcome.worker_dir}")
    m = outcome.merge
    if m is not None:
        console.print(f"merged {m.stores} worker store(s) into run {m.run_id} ({m.status}): {m.audits} audits, "
                      f"{m.merchants} merchants" + (f", {m.duplicates} duplicate audit(s) left out"
                                                    if m.duplicates else ""))
        if m.merged:  # the worker whose merge brought results in writes the summary and the report
            _summary(outcome, console)
        else:
            console.print(f"run folder: {outcome.run_dir}")
    elif outcome.status == "finished":
        console.print(f"merge it into the main store when every worker is done:  qraudit merge {outcome.run_id}"
                      " [--from DIR ...]", markup=False)


def _summary(outcome: Any, console: Any, changes: dict[str, Any] | None = None) -> None:
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
        if changes is not None:
            console.print(f"changes:    {changes_line(changes)}", markup=False)
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
