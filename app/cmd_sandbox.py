"""``qraudit sandbox``: serve the simulated district in the foreground (Ctrl-C stops) and write
photos of its table QR codes, so ``qraudit check`` can be tried on it."""

from __future__ import annotations

import signal
from pathlib import Path

import typer

from app.cli import app
from core.errors import QrauditError
from core.paths import data_dir
from sandbox.serve import DEFAULT_PORT, serve


def _stop(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # `kill %1` stops it like Ctrl-C does


@app.command("sandbox")
def sandbox_command(
    port: int = typer.Option(DEFAULT_PORT, "--port", help="Port of the district and merchant sites (0 = a free port)."),
    third_party_port: int = typer.Option(0, "--third-party-port", help="Port of the third-party host on 127.0.0.2."),
    perturb: str = typer.Option("", "--perturb", help="Serve every page with this markup transform "
                                "(icons, hashed_classes, div_buttons, touch_only, delegated, zh_hant, english, "
                                "shadow_wrap, iframe_wrap, slow)."),
    photos: Path | None = typer.Option(None, "--photos", help="Folder for the photos of table QR codes "
                                                              "(default: <data>/sandbox/photos)."),
    state: str = typer.Option("initial", "--state", help="initial, or followup: the district a month later."),
    data: Path | None = typer.Option(None, "--data", "--data-dir", help="Data folder (default ./data or $QRAUDIT_DATA)."),
) -> None:
    """Serve the simulated district (directory + merchant sites + a third-party host) until Ctrl-C.

    Its table QR photos are written for `qraudit check PHOTO`; they point at this port, so they
    work whenever the sandbox runs there again.  Every host is audited live unless declared:
    `qraudit check URL --sandbox-host 127.0.0.1` lets the auditor submit orders here.
    """
    if not 0 <= port <= 65535 or not 0 <= third_party_port <= 65535:
        raise QrauditError("--port must be between 0 and 65535")
    folder = photos if photos is not None else data_dir(data) / "sandbox" / "photos"
    signal.signal(signal.SIGTERM, _stop)
    serve(port, third_party_port, folder, state, perturb or None)
