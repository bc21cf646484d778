"""``qraudit check``: audit one merchant now, from a URL, a QR-code photo or a merchant's name.

Every check is a one-merchant run of kind ``check`` in the store
(:func:`app.jobs.check_run`): evidence, ``manifest.json`` and a one-page report
(Chinese, linked to its English twin), in ``<data>/runs/<run_id>/`` or in
``--out DIR``.  Prints the findings.md JSON object with ``--format json`` (one
object on stdout, nothing else; with ``run_id``, ``evidence_dir`` and ``report``
added), a readable table by default.  Exit status: 0 audited, 1 could not
audit (:data:`core.reasons.NOT_AUDITED`), 2 bad input, 130 Ctrl-C.
"""

from __future__ import annotations

import json
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from app.cli import app
from app.jobs import CheckRun, check_run
from core.errors import QrauditError
from crawler.engine import AuditConfig, check_url
from crawler.qr import decode_qr_photo, looks_like_photo
from results.store import Store

PROFILES = ("wechat", "alipay", "mobile")


class Format(StrEnum):
    table = "table"
    json = "json"


def resolve_target(target: str) -> str:
    """Turn TARGET into a URL: a QR photo is decoded, a bare host gets ``http://``.

    Non-web schemes (``weixin://``, ``alipays://``) are returned as they are: the
    engine reports them ``unsupported``.  Raises ``QrauditError`` for anything
    that is neither a URL nor a readable photo.
    """
    target = target.strip()
    if not target:
        raise QrauditError("TARGET is empty: give a URL or a QR-code photo")
    if looks_like_photo(target):
        return decode_qr_photo(target)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", target):
        return check_url(target)
    if re.match(r"^[\w.-]+\.[a-zA-Z]{2,}(:\d+)?(/|$)", target) or re.match(r"^\d+\.\d+\.\d+\.\d+(:\d+)?(/|$)", target):
        return "http://" + target
    raise QrauditError(f"not a URL or an image file: {target!r}")


def check_out_dir(out: Path) -> Path:
    """``--out DIR``: the folder the check's run is kept in (instead of ``<data>/runs/<run>``).
    Refuses a file, or a folder that already holds a run or an audit's evidence (they would mix)."""
    out = out.expanduser()
    if out.exists() and not out.is_dir():
        raise QrauditError(f"--out {out} is a file, not a folder")
    taken = ("manifest.json", "run.json", "merchants", "trace.json")
    if out.is_dir() and (any((out / name).exists() for name in taken) or any(out.glob("step-*.png"))):
        raise QrauditError(f"--out {out} already holds an audit's evidence; choose a new or empty folder")
    return out


class CheckNotAudited(QrauditError):
    """The page could not be audited (not loaded, or the audit itself failed): exit 1."""

    exit_code = 1


def print_table(result: dict, out: Path | None) -> None:
    """Print a result (findings.md dict, with ``run_id``, ``evidence_dir`` and ``report`` when
    it is a stored check) for people, with rich."""
    from rich.console import Console  # noqa: PLC0415  (heavy: loaded only when needed)
    from rich.table import Table  # noqa: PLC0415  (heavy: loaded only when needed)

    console = Console()
    colour = {"violation": "red", "compliant": "green", "inconclusive": "yellow", "unsupported": "magenta"}
    verdict = result["verdict"]
    console.print(f"[bold]{result['url']}[/bold]")
    line = f"verdict: [bold {colour.get(verdict, 'white')}]{verdict}[/]  order reached: {result['order_reached']}"
    if result.get("order_mode"):
        line += f"  mode: {result['order_mode']}"
    if result.get("reason"):
        line += f"  reason: {result['reason']}"
    console.print(line)
    if result["findings"]:
        # the explanation gets the width; the short columns never wrap
        table = Table(show_lines=True, expand=True)
        table.add_column("rule", no_wrap=True)
        table.add_column("stage / severity", no_wrap=True)
        table.add_column("step", no_wrap=True, justify="right")
        table.add_column("explanation", ratio=1, overflow="fold")
        for f in result["findings"]:
            table.add_row(f["rule"], f"{f['stage']}\n{f['severity']}", str(f["evidence"].get("step", "")),
                          f["explanation"])
        console.print(table)
    console.print(f"steps: {len(result['steps'])}" + (f"  evidence: {out}" if out else ""), soft_wrap=True)
    if result.get("run_id"):
        console.print(f"run:    {result['run_id']}  (qraudit verify {result['run_id']})", soft_wrap=True,
                      highlight=False)
    if result.get("report"):
        console.print(f"report: {result['report']}", soft_wrap=True, highlight=False)


CHECK_EPILOG = (
    "Every check is stored as a run of kind 'check' (see 'qraudit runs'): its evidence, manifest.json "
    "('qraudit verify RUN') and a one-page report, whose path is printed. "
    "Exit status: 0 when the page was audited (a verdict about the merchant: violation, compliant, or "
    "inconclusive/unsupported for what the page did, e.g. closed, sold out, mini-program only); 1 when it could "
    "not be audited (the page could not be loaded, or the audit itself failed; the run is stored all the same); "
    "2 for bad input; 130 after Ctrl-C.")


@app.command("check", epilog=CHECK_EPILOG)
def check(
    target: Annotated[str | None, typer.Argument(help="URL, or a photo of the table's QR code")] = None,
    env: Annotated[str, typer.Option(help="in-app browser: wechat | alipay | mobile")] = "wechat",
    format: Annotated[Format, typer.Option("--format", help="table | json (one findings JSON object on stdout)")] = (
        Format.table),
    out: Annotated[Path | None, typer.Option(
        help="keep this check's run folder (evidence, manifest.json, report) here instead of <data>/runs/RUN; "
             "it must be new or empty")] = None,
    timeout: Annotated[float, typer.Option(help="time budget of the visit, seconds")] = 60.0,
    allow_submit: Annotated[
        bool, typer.Option("--allow-submit", help="privileged everywhere: press 'send code', login/join/follow and "
                                                  "the final submit for real (never pay); without it a host not "
                                                  "declared a sandbox is live")
    ] = False,
    sandbox_host: Annotated[
        list[str] | None, typer.Option(help="declare HOST a sandbox (privileged mode: submit allowed); repeatable. "
                                       "Every other host, loopback and localhost included, is audited live")
    ] = None,
    merchant: Annotated[str | None, typer.Option(help="audit a known merchant by name instead of a URL")] = None,
    district: Annotated[str | None, typer.Option(help="district (name or file) to find --merchant in; default demo")] = (
        None),
    data: Annotated[
        Path | None, typer.Option("--data", "--data-dir", help="data folder (default ./data or $QRAUDIT_DATA)")
    ] = None,
) -> None:
    """Audit one merchant ordering page now and print the verdict, the findings and the report's path."""
    if env not in PROFILES:
        raise QrauditError(f"unknown --env {env!r}: choose one of {', '.join(PROFILES)}")
    if timeout <= 0:
        raise QrauditError("--timeout must be a positive number of seconds")
    if (target is None) == (merchant is None):
        raise QrauditError("give exactly one of TARGET (a URL or QR photo) or --merchant NAME")
    run_dir = check_out_dir(out) if out is not None else None

    if merchant is not None:
        from app.merchants import check_merchant  # noqa: PLC0415  (heavy: discovery's Scrapy and bs4, for --merchant only)

        done = check_merchant(merchant, district, env=env, timeout_s=timeout, allow_submit=allow_submit,
                              sandbox_hosts=list(sandbox_host or []), data_dir=data, run_dir=run_dir)
    else:
        url = resolve_target(target)
        config = AuditConfig(env=env, timeout_s=timeout, sandbox_hosts=list(sandbox_host or []),
                             allow_submit=allow_submit)
        done = check_run(url, config, store=Store(data_dir=data), settings={"target": target}, run_dir=run_dir)
    _emit(done, format)
    if not done.audited:
        r = done.result
        raise CheckNotAudited(f"could not audit {r.url}: {r.reason or r.reason_code} "
                              f"(stored as run {done.run_id})")


def _emit(done: CheckRun, format: Format) -> None:
    result = done.to_dict()
    if format is Format.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        if done.report_error:
            print(f"qraudit: warning: report not built ({done.report_error}); "
                  f"'qraudit report {done.run_id}' builds it", file=sys.stderr)
        print_table(result, done.evidence_dir)
