"""The ``qraudit`` command line.

Each command is a thin shell over a library function; user errors are raised
as :class:`crawler.errors.QrauditError` and printed as one line with exit code 2.
Commands are registered by the modules that own them (imported in :func:`main`).
"""

from __future__ import annotations

import os
import sys

import typer

app = typer.Typer(
    name="qraudit",
    help="Audit scan-to-order (扫码点餐) pages for personal-information abuse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

@app.callback()
def _root() -> None:
    """Audit scan-to-order (扫码点餐) pages for personal-information abuse."""


#: Modules that register commands on :data:`app`; a module that is missing or
#: broken only loses its own commands.
COMMAND_MODULES = (
    "crawler.cmd_check",  # check
    "crawler.cmd_crawl",  # crawl, runs
    "crawler.cmd_results",  # report, diff, export, verify
    "detectors.cmd_rescore",  # rescore, rules
    "sandbox.cmd",  # sandbox
)


def _register() -> None:
    import importlib

    for name in COMMAND_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``qraudit`` console script."""
    from crawler.errors import QrauditError

    _register()
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
