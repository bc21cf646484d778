"""``qraudit sandbox [--port N]``: serve the simulated district in the foreground (Ctrl-C stops)."""

from __future__ import annotations

import typer

from app.cli import app
from core.errors import QrauditError
from sandbox.serve import serve


@app.command("sandbox")
def sandbox_command(
    port: int = typer.Option(0, "--port", help="Port of the district and merchant sites (0 = a free port)."),
    third_party_port: int = typer.Option(0, "--third-party-port", help="Port of the third-party host on 127.0.0.2."),
    perturb: str = typer.Option("", "--perturb", help="Serve every page with this markup transform "
                                "(icons, hashed_classes, div_buttons, touch_only, delegated, zh_hant, english, "
                                "shadow_wrap, iframe_wrap, slow)."),
) -> None:
    """Serve the simulated district (directory + merchant sites + a third-party host) until Ctrl-C."""
    if not 0 <= port <= 65535 or not 0 <= third_party_port <= 65535:
        raise QrauditError("--port must be between 0 and 65535")
    serve(port, third_party_port, perturb or None)
