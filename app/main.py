"""Entry point of the ``qraudit`` console script: the command asked for, then the CLI.

Each ``app.cmd_*`` module registers its commands on :data:`app.cli.app` when it is
imported.  A run of one command imports only that command's module (``qraudit
check`` needs neither Scrapy nor Redis nor pandas' crawl code at start); help, an
unknown command and ``from app.main import app`` load them all.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from app import cli
from core.errors import QrauditError

#: command name -> the module that registers it
COMMANDS: dict[str, str] = {
    "check": "app.cmd_check",
    "crawl": "app.cmd_crawl", "runs": "app.cmd_crawl",
    "merge": "app.cmd_merge",
    "rescore": "app.cmd_rescore", "rules": "app.cmd_rescore",
    "report": "app.cmd_results", "diff": "app.cmd_results", "export": "app.cmd_results", "verify": "app.cmd_results",
    "sandbox": "app.cmd_sandbox",
}


def load_commands(argv: list[str] | None = None) -> None:
    """Import the command module(s) a command line needs: the one of its first word when
    that names a command (``["check", URL, ...]``), else every one (help, no command, a
    typo, which then gets click's list of commands)."""
    first = next(iter(argv or []), "")
    modules = [COMMANDS[first]] if first in COMMANDS else sorted(set(COMMANDS.values()))
    for module in modules:
        importlib.import_module(module)


def __getattr__(name: str) -> Any:
    """``app.main.app``: the Typer application with every command registered (for tests and
    embedding: ``CliRunner().invoke(app, [...])``)."""
    if name == "app":
        load_commands()
        return cli.app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> None:
    """Run ``qraudit`` with ``argv`` (default: the process's); exits with the command's status:
    2 and one line for bad input (:class:`QrauditError`), 130 after Ctrl-C, 1 and one line
    for an unexpected error (``QRAUDIT_DEBUG=1`` shows the traceback)."""
    try:
        load_commands(sys.argv[1:] if argv is None else argv)
        cli.app(args=argv)  # standalone: typer/click print usage errors and exit 2 themselves
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
