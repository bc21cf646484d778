"""Serve the simulated district in the foreground: ``python -m sandbox [--port N] [--perturb NAME]``
(and ``qraudit sandbox``)."""

from __future__ import annotations

import argparse
import sys
import time

from core.errors import QrauditError
from sandbox.server import SandboxServer


def serve(port: int = 0, third_party_port: int = 0, perturb: str | None = None) -> None:
    """Start the sandbox (with the markup transform ``perturb`` of :mod:`sandbox.perturb`, if
    given), print its base URLs, block until Ctrl-C, then stop it.

    Raises :class:`core.errors.QrauditError` when a port cannot be bound or ``perturb`` is
    not a transform's name.
    """
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


def main(argv: list[str] | None = None) -> None:
    """``python -m sandbox [--port N] [--perturb NAME]``."""
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
