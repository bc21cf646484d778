"""The ``qraudit`` Typer application; each ``app.cmd_*`` module registers its commands on it.

Each command is a thin shell over a job or a library function; user errors are
raised as :class:`core.errors.QrauditError` and printed as one line with exit
code 2 by :func:`app.main.main`.
"""

from __future__ import annotations

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
