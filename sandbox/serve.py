"""Serve the simulated district in the foreground: ``python -m sandbox [--port N] [--perturb NAME]``
(and ``qraudit sandbox``)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from core.errors import QrauditError
from sandbox.server import SandboxServer

#: The port ``qraudit sandbox`` serves the district on unless told otherwise: a fixed one, so the
#: URLs and the QR photos it writes stay valid from one start to the next.
DEFAULT_PORT = 8765


def serve(port: int = DEFAULT_PORT, third_party_port: int = 0, photos: str | Path | None = None,
          state: str = "initial", perturb: str | None = None) -> None:
    """Start the sandbox (``state`` initial or followup; with the markup transform ``perturb``
    of :mod:`sandbox.perturb`, if given), write its QR photos into ``photos`` (when given),
    print its base URLs, block until Ctrl-C (or SIGTERM), then stop it.

    Raises :class:`core.errors.QrauditError` when a port cannot be bound, ``state`` is unknown
    or ``perturb`` is not a transform's name.
    """
    try:
        sb = SandboxServer(port=port, third_party_port=third_party_port, state=state,
                           perturb=perturb or None).start()
    except ValueError as exc:
        raise QrauditError(str(exc)) from None
    except OSError as exc:
        hint = " (is another 'qraudit sandbox' running? --port 0 picks a free port)" if port else ""
        raise QrauditError(f"cannot start the sandbox on port {port}: {exc.strerror or exc}{hint}") from None
    try:
        written = sb.write_qr_photos(photos) if photos is not None else []
        print(f"sandbox district:  {sb.base_url}/" + (f"  (state: {state})" if state != "initial" else ""),
              flush=True)
        if sb.perturb:
            print(f"perturbation:      {sb.perturb}", flush=True)
        print(f"directory:         {sb.base_url}/directory?page=1", flush=True)
        print(f"sitemap:           {sb.base_url}/sitemap.xml", flush=True)
        print(f"third-party host:  {sb.third_party_base}/", flush=True)
        print(f"merchants:         {len(sb.ground_truth()['merchants'])}, e.g. {sb.merchant_url('m01')}", flush=True)
        if written:
            print(f"QR photos:         {len(written)} in {Path(photos)}/ (e.g. {written[0].name})", flush=True)
        print("Ctrl-C stops it", flush=True)
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        print("sandbox stopped", flush=True)
    finally:
        sb.stop()


def main(argv: list[str] | None = None) -> None:
    """``python -m sandbox [--port N] [--photos DIR] [--state followup] [--perturb NAME]``."""
    ap = argparse.ArgumentParser(prog="python -m sandbox", description="Serve the simulated district.")
    ap.add_argument("--port", type=int, default=DEFAULT_PORT)
    ap.add_argument("--third-party-port", type=int, default=0)
    ap.add_argument("--photos", default=None, help="write photos of table QR codes into this folder")
    ap.add_argument("--state", default="initial", help="initial | followup")
    ap.add_argument("--perturb", default="", help="serve every page with this markup transform (sandbox.perturb)")
    args = ap.parse_args(argv)
    try:
        serve(args.port, args.third_party_port, args.photos, args.state, args.perturb or None)
    except QrauditError as exc:
        print(f"qraudit: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
