"""``qraudit sandbox [--port N] [--perturb NAME]``: serve the simulated district in the foreground (Ctrl-C stops)."""

from __future__ import annotations

import argparse
import time

import typer

from crawler.cli import app


def serve(port: int = 0, third_party_port: int = 0, perturb: str | None = None) -> None:
    """Start the sandbox (with the markup transform ``perturb`` of :mod:`sandbox.perturb`, if
    given), print its base URLs, block until Ctrl-C, then stop it.

    Raises :class:`crawler.errors.QrauditError` when a port cannot be bound or ``perturb`` is
    not a transform's name.
    """
    from crawler.errors import QrauditError
    from sandbox.server import SandboxServer

    try:
        sb = SandboxServer(port=port, third_party_port=third_party_port, perturb=perturb or None).start()
    except OSError as exc:
        raise QrauditError(f"cannot start the sandbox on port {port}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise QrauditError(str(exc)) from None
    try:
        print(f"sandbox district:  {sb.base_url}/", flush=True)
        if sb.perturb:
            print(f"perturbation:      {sb.perturb}", flush=True)
        print(f"directory:         {sb.base_url}/directory?page=1", flush=True)
        print(f"sitemap:           {sb.base_url}/sitemap.xml", flush=True)
        print(f"third-party host:  {sb.third_party_base}/", flush=True)
        print(f"merchants:         {len(sb.ground_truth()['merchants'])} (Ctrl-C stops)", flush=True)
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        print("sandbox stopped", flush=True)
    finally:
        sb.stop()


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
        from crawler.errors import QrauditError

        raise QrauditError("--port must be between 0 and 65535")
    serve(port, third_party_port, perturb or None)


def main(argv: list[str] | None = None) -> None:
    """``python -m sandbox [--port N] [--perturb NAME]``."""
    import sys

    from crawler.errors import QrauditError

    ap = argparse.ArgumentParser(prog="python -m sandbox", description="Serve the simulated district.")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--third-party-port", type=int, default=0)
    ap.add_argument("--perturb", default="", help="serve every page with this markup transform (sandbox.perturb)")
    args = ap.parse_args(argv)
    try:
        serve(args.port, args.third_party_port, args.perturb or None)
    except QrauditError as exc:
        print(f"qraudit: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
