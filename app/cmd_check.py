"""``qraudit check``: audit one merchant now, from a URL, a QR-code photo or a merchant's name.

Prints the findings.md JSON object with ``--format json`` (one object on
stdout, nothing else), a readable table by default.  The trace and evidence
go to ``--out`` (default ``<data>/checks/<UTC time>-<host>/``).
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from app.cli import app
from app.jobs import audit_url
from app.merchants import check_merchant
from core.errors import QrauditError
from core.paths import data_dir
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


def default_out(url: str) -> Path:
    """A new folder for one check: ``<data>/checks/<UTC time>-<host>-<random>`` (never shared
    by two checks, even of one host in the same second)."""
    parts = urlsplit(url)
    host = (parts.hostname if parts.scheme in ("http", "https") else parts.scheme) or "target"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return data_dir() / "checks" / f"{stamp}-{host.replace(':', '_')}-{uuid.uuid4().hex[:6]}"


def check_out_dir(out: Path) -> Path:
    """Refuse an ``--out`` folder that already holds a trace (its evidence would mix)."""
    if out.exists() and not out.is_dir():
        raise QrauditError(f"--out {out} is a file, not a folder")
    if (out / "trace.json").exists() or any(out.glob("step-*.png")):
        raise QrauditError(f"--out {out} already holds an audit's evidence; choose a new or empty folder")
    return out


def print_table(result: dict, out: Path | None) -> None:
    """Print a result (findings.md dict) for people, with rich."""
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
    console.print(f"steps: {len(result['steps'])}" + (f"  evidence: {out}" if out else ""))


@app.command("check")
def check(
    target: Annotated[str | None, typer.Argument(help="URL, or a photo of the table's QR code")] = None,
    env: Annotated[str, typer.Option(help="in-app browser: wechat | alipay | mobile")] = "wechat",
    format: Annotated[Format, typer.Option("--format", help="table | json")] = Format.table,
    out: Annotated[Path | None, typer.Option(help="folder for the trace and evidence")] = None,
    timeout: Annotated[float, typer.Option(help="time budget of the visit, seconds")] = 60.0,
    allow_submit: Annotated[
        bool, typer.Option(help="privileged everywhere: press 'send code', login/join/follow and the final "
                                "submit for real (never pay); without it a host not declared a sandbox is live")
    ] = False,
    sandbox_host: Annotated[
        list[str] | None, typer.Option(help="declare HOST a sandbox (privileged mode: submit allowed); repeatable. "
                                       "Every other host, loopback included, is audited live")
    ] = None,
    merchant: Annotated[str | None, typer.Option(help="audit a known merchant by name instead of a URL")] = None,
    district: Annotated[str | None, typer.Option(help="district (name or file) to find --merchant in")] = None,
) -> None:
    """Audit one merchant ordering page now and print the verdict and findings."""
    if env not in PROFILES:
        raise QrauditError(f"unknown --env {env!r}: choose one of {', '.join(PROFILES)}")
    if timeout <= 0:
        raise QrauditError("--timeout must be a positive number of seconds")
    if (target is None) == (merchant is None):
        raise QrauditError("give exactly one of TARGET (a URL or QR photo) or --merchant NAME")

    if merchant is not None:
        run_id, result_obj = check_merchant(
            merchant, district, env=env, timeout_s=timeout, allow_submit=allow_submit
        )
        result = result_obj.to_dict() if hasattr(result_obj, "to_dict") else result_obj
        _emit(result, format, Store().run_dir(run_id))
        return

    url = resolve_target(target)
    out_dir = check_out_dir(out) if out is not None else default_out(url)
    config = AuditConfig(
        env=env,
        timeout_s=timeout,
        out_dir=out_dir,
        sandbox_hosts=list(sandbox_host or []),
        allow_submit=allow_submit,
    )
    _trace, result_obj = asyncio.run(audit_url(url, config))
    _emit(result_obj.to_dict(), format, out_dir)


def _emit(result: dict, format: Format, out: Path | None) -> None:
    if out is not None:
        result = {**result, "evidence_dir": str(out)}
    if format is Format.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    else:
        print_table(result, out)
