"""Entry point of the ``qraudit`` console script: every command module, then the CLI."""

from __future__ import annotations

import os
import sys

from app import cmd_check, cmd_crawl, cmd_merge, cmd_rescore, cmd_results, cmd_sandbox  # noqa: F401  (register commands)
from app.cli import app
from core.errors import QrauditError


def main(argv: list[str] | None = None) -> None:
    """Run ``qraudit`` with ``argv`` (default: the process's); exits with the command's status:
    2 and one line for bad input (:class:`QrauditError`), 130 after Ctrl-C, 1 and one line
    for an unexpected error (``QRAUDIT_DEBUG=1`` shows the traceback)."""
    try:
        app(args=argv)  # standalone: typer/click print usage errors and exit 2 themselves
    except QrauditError as exc:
        print(f"qraudit: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("qraudit: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("QRAUDIT_DEBUG"):
            raise
        print(f"qraudit: error: {type(exc).__name__}: {exc} (set QRAUDIT_DEBUG=1 for a traceback)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
