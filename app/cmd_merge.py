"""``qraudit merge RUN``: bring the worker stores of a shared run into the main store.

Workers of ``qraudit crawl --redis URL --run RUN`` each keep a store of their own
(``<data>/workers/<RUN>/<worker>/``).  ``merge`` reads those of this machine and
any ``--from`` folder (another machine's ``data/`` or ``data/workers/<RUN>/``
copied over, or one worker store) and writes the run into ``<data>/qraudit.duckdb``
and ``<data>/runs/<RUN>/`` (see :func:`results.store.merge_run`).  Run it again
when more stores arrive: merchants merged before are kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli import app
from core.errors import QrauditError
from crawler.scrapy.shared import check_run_id
from results.store import Store, find_worker_stores, merge_run


@app.command("merge")
def merge_cmd(
    run: Annotated[str, typer.Argument(help="the shared run's id (--run of its workers)")],
    sources: Annotated[list[Path] | None, typer.Option(
        "--from", help="another place holding worker stores of RUN (a data folder, a folder of worker "
                       "stores, or one worker store); repeatable")] = None,
    data: Annotated[Path | None, typer.Option(
        "--data", "--data-dir", help="data folder of the main store (default ./data or $QRAUDIT_DATA)")] = None,
) -> None:
    """Merge the worker stores of shared run RUN into the main store (one audit per merchant).

    Exit status: 0 when the run was merged, 2 when no worker store of RUN was found."""
    check_run_id(run)
    store = Store(data_dir=data)
    places = [store.data_dir, *(sources or [])]
    found = find_worker_stores(run, places)
    if not found:
        raise QrauditError(f"no worker store of run {run} in {', '.join(str(p) for p in places)}")
    out = merge_run(store, run, found)
    for line in out.skipped:
        typer.echo(f"skipped: {line}")
    typer.echo(f"run {run}: {out.status}; {out.stores} worker store(s), {out.merged} merchant(s) merged now, "
               f"{out.audits} audits and {out.merchants} merchants in {store.db_path}"
               + (f"; {out.duplicates} duplicate audit(s) left out" if out.duplicates else ""))
    typer.echo(f"run folder: {store.run_dir(run)}")
    if out.status != "finished":
        typer.echo("the run is not complete yet (no worker finished it): merge again when it is")
