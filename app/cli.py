"""The ``qraudit`` Typer application; each ``app.cmd_*`` module registers its commands on it.

Each command is a thin shell over a job or a library function; user errors are
raised as :class:`core.errors.QrauditError` and printed as one line with exit
code 2 by :func:`app.main.main`.
"""

from __future__ import annotations

import typer
from typer.core import TyperOption

app = typer.Typer(
    name="qraudit",
    help="Audit scan-to-order (扫码点餐) pages for personal-information abuse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_display_type_rich = TyperOption.display_type_rich


def _no_type_for_flags(self: TyperOption, ctx: object) -> str | None:
    """``--help`` lists a flag (``--dry-run``, ``--help``...) without a ``<bool>`` type: it takes no value."""
    if self.is_flag:
        return None
    return _display_type_rich(self, ctx)


TyperOption.display_type_rich = _no_type_for_flags  # typer >= 0.16 shows every option's type, flags' too


@app.callback()
def _root() -> None:
    """Audit scan-to-order (扫码点餐) pages for personal-information abuse."""
