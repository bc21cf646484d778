"""Export a run's tables as CSV or Parquet files for spreadsheets and other tools.

``export_run(run_id, fmt)`` writes ``audits``, ``findings`` and ``gates`` (the
frames of :mod:`results.api`) into ``out`` (default ``<data_dir>/exports/<run_id>/``,
outside the run folder so its evidence manifest stays intact) and returns the paths.

CSV: UTF-8 with a byte-order mark (so spreadsheet programs show Chinese text),
lists of strings joined by ``"; "``, dicts and lists of dicts as JSON, times as
ISO 8601 UTC.  Parquet: lists of strings stay lists; dicts and lists of dicts are
JSON strings; times stay tz-aware timestamps.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import QrauditError
from results.api import Results

FORMATS = ("csv", "parquet")
TABLES = ("audits", "findings", "gates")


def _is_missing(v: Any) -> bool:
    return v is None or (not isinstance(v, list | dict | str) and bool(pd.isna(v)))


def _flatten(df: pd.DataFrame, fmt: str) -> pd.DataFrame:
    df = df.copy()
    for col in df.columns:
        series = df[col]
        if series.dtype != object:
            if fmt == "csv" and isinstance(series.dtype, pd.DatetimeTZDtype):
                df[col] = [None if pd.isna(v) else v.isoformat() for v in series]
            continue
        values = [v for v in series if not _is_missing(v)]
        if not values:
            continue
        if all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in values):
            if fmt == "csv":
                df[col] = ["; ".join(v) if isinstance(v, list) else None for v in series]
            else:
                df[col] = [v if isinstance(v, list) else None for v in series]
        elif any(isinstance(v, dict | list) for v in values):
            df[col] = [None if _is_missing(v) else json.dumps(v, ensure_ascii=False, default=str) for v in series]
    return df


def export_run(
    run_id: str | None = None,
    fmt: str = "csv",
    out: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    results: Results | None = None,
) -> list[Path]:
    """Write the run's audits, findings and gates as ``fmt`` files; return their paths.

    ``fmt``: ``csv`` or ``parquet``.  Raises ``QrauditError`` for an unknown
    format or run, or an output folder that cannot be written.
    """
    if fmt not in FORMATS:
        raise QrauditError(f"unknown export format {fmt!r} (choose {' or '.join(FORMATS)})")
    res = results or Results(data_dir)
    rid = res.resolve_run(run_id)
    folder = Path(out) if out else res.data_dir / "exports" / rid
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise QrauditError(f"cannot create {folder}: {exc.strerror}") from None
    frames = {"audits": res.audits(rid), "findings": res.findings(rid), "gates": res.gates(rid)}
    paths = []
    for name in TABLES:
        df = _flatten(frames[name], fmt)
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            df.to_csv(path, index=False, encoding="utf-8-sig")
        else:
            df.to_parquet(path, index=False)
        paths.append(path)
    return paths
