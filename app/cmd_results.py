"""Commands that present stored results: ``report``, ``diff``, ``export``, ``verify``.

Each is a thin shell over :mod:`results.report`, :mod:`results.diff`,
:mod:`results.export` and :mod:`results.manifest`.  ``RUN`` is a run id (a
unique prefix works; ``latest`` = the newest run).  The data folder comes from
``--data`` (alias ``--data-dir``), else ``$QRAUDIT_DATA``, else ``./data``.  Unknown runs and bad
options raise :class:`core.errors.QrauditError` (one line, exit 2).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from app.cli import app
from core.errors import QrauditError
from results.api import Results
from results.diff import FORMATS, diff_runs, render
from results.export import export_run
from results.manifest import manifest_digest, read_manifest, verify
from results.report import build_report

_DATA_HELP = "Data folder (default: $QRAUDIT_DATA or ./data)."


def _results(data_dir: Path | None):

    return Results(data_dir)


@app.command("report")
def report_cmd(
    run: str = typer.Argument("latest", help="Run id (or 'latest')."),
    lang: str = typer.Option("zh", "--lang", help="zh (default) or en."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: <run>/report or report-en)."),
    data_dir: Path | None = typer.Option(None, "--data", "--data-dir", help=_DATA_HELP),
) -> None:
    """Build the static HTML report of a run (opens from disk, no server)."""

    index = build_report(run, _results(data_dir), lang=lang, out=out)
    typer.echo(str(index))


@app.command("diff")
def diff_cmd(
    run_a: str | None = typer.Argument(None, help="The earlier run (default: the run before RUN_B's)."),
    run_b: str | None = typer.Argument(None, help="The later run, the re-check (default: latest)."),
    fmt: str = typer.Option("table", "--format", help="table | json | csv"),
    show_all: bool = typer.Option(False, "--all", help="Table: also list unchanged rows."),
    data_dir: Path | None = typer.Option(None, "--data", "--data-dir", help=_DATA_HELP),
) -> None:
    """Per merchant and rule: new, fixed (rectified), unclear, unchanged; merchants that came or went.

    Give two runs (before, after), or none: the latest run and the crawl of the same district
    before it.  CSV is written as UTF-8 with a byte-order mark (Excel); the same run twice gives
    a warning on stderr.
    """

    if fmt not in FORMATS:
        raise QrauditError(f"unknown format {fmt!r} (choose {', '.join(FORMATS)})")
    res = _results(data_dir)
    if run_a is not None and run_b is None:
        raise QrauditError("diff needs two runs, RUN_A (before) and RUN_B (after), or none: the latest run "
                           "and the crawl of its district before it")
    if run_a is None:
        run_b = res.resolve_run("latest")
        run_a = res.previous_run(run_b)
        if run_a is None:
            raise QrauditError(f"no earlier run of the district of {run_b} to compare it with "
                               "(give two runs: qraudit diff RUN_A RUN_B)")
    d = diff_runs(run_a, run_b, results=res)
    if d.run_a == d.run_b:
        print(f"qraudit: warning: {run_a!r} and {run_b!r} are the same run ({d.run_a}); nothing can differ",
              file=sys.stderr)
    text = render(d, fmt, show_all=show_all)
    text = text if text.endswith("\n") else text + "\n"
    if fmt == "csv":
        # UTF-8 with a byte-order mark, like `qraudit export --format csv`: Excel reads the Chinese right
        _write_bytes(text.encode("utf-8-sig"))
    else:
        sys.stdout.write(text)


def _write_bytes(data: bytes) -> None:
    """Write ``data`` to stdout as they are (no re-encoding by the console's encoding)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (e.g. some test runners): as text
        sys.stdout.write(data.decode("utf-8"))
    else:
        buffer.write(data)
        buffer.flush()


@app.command("export")
def export_cmd(
    run: str = typer.Argument("latest", help="Run id (or 'latest')."),
    fmt: str = typer.Option("csv", "--format", help="csv | parquet"),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: <data>/exports/<run_id>)."),
    data_dir: Path | None = typer.Option(None, "--data", "--data-dir", help=_DATA_HELP),
) -> None:
    """Write the run's audits, findings and gates as CSV or Parquet; print the paths."""

    for path in export_run(run, fmt, out, results=_results(data_dir)):
        typer.echo(str(path))


@app.command("verify")
def verify_cmd(
    run: str = typer.Argument(..., help="Run id, or the path of a run folder."),
    data_dir: Path | None = typer.Option(None, "--data", "--data-dir", help=_DATA_HELP),
) -> None:
    """Check a run's evidence files against its manifest; exit 1 if any changed, went missing or was added."""

    folder = Path(run)
    if not (folder.is_dir() and (folder / "manifest.json").exists()):
        res = _results(data_dir)
        own = res.data_dir / "runs" / run
        folder = own if own.is_dir() else res.run_dir(run)
    problems = verify(folder)
    n = len(read_manifest(folder)["files"])
    if problems:
        for p in problems:
            typer.echo(p)
        typer.echo(f"FAILED: {len(problems)} problem(s) in {folder} ({n} files in the manifest)")
        raise typer.Exit(1)
    typer.echo(f"OK: {n} files intact in {folder}")
    typer.echo(f"manifest sha256: {manifest_digest(folder)}")
