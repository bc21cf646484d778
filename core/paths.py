"""Where qraudit keeps things: the data folder and the district files — one definition of each."""

from __future__ import annotations

import os
from pathlib import Path

#: The district files shipped with qraudit (``seeds/*.toml``, data, not code).
SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


def data_dir(given: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: ``given``, else ``$QRAUDIT_DATA``, else ``./data`` (``~`` expanded, not created)."""
    if given is not None:
        return Path(given).expanduser()
    env = os.environ.get("QRAUDIT_DATA")
    return Path(env).expanduser() if env else Path("data")
