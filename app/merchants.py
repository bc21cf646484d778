"""Find a district's merchant by name and audit it now (``qraudit check --merchant NAME``).

:func:`find_merchant` matches a query against the district's known merchant
records: those of the district's latest crawl in the store, else (or for a
sandbox district, whose addresses change on every start) a fresh,
browser-free discovery (:func:`crawler.scrapy.discovery.discover`).  Exact
name first, then fuzzy matching (rapidfuzz) on name and address.

:func:`check_merchant` audits the merchant it finds as a one-merchant run of
kind ``check`` in the store (:func:`app.jobs.check_run`, shared with ``qraudit check URL``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.districts import open_district
from app.jobs import CheckRun, check_run
from core.errors import QrauditError
from crawler.district import District, load_district
from crawler.engine import AuditConfig
from crawler.scrapy.discovery import discover
from results.store import Store

#: Fuzzy score (0-100) a candidate needs, and the lead it needs over the runner-up.
MIN_SCORE = 70.0
LEAD = 8.0


def _norm(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold().strip()


def match_merchant(query: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Pick the record ``query`` names.

    Exact (case/width-insensitive) name, then merchant id, then the best fuzzy
    match on name and address if it scores >= :data:`MIN_SCORE` and leads the
    next by :data:`LEAD`.  Raises QrauditError when nothing matches or the
    match is ambiguous (listing the candidates).
    """
    from rapidfuzz import fuzz  # noqa: PLC0415  (heavy: loaded only when needed)

    q = _norm(query)
    if not q:
        raise QrauditError("empty merchant name")
    exact = [r for r in records if _norm(r.get("name")) == q]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise QrauditError(f"{len(exact)} merchants are named {query!r}: " + _list(exact))
    by_id = [r for r in records if r.get("merchant_id") == query.strip()]
    if by_id:
        return by_id[0]
    scored = []
    for r in records:
        name, addr = _norm(r.get("name")), _norm(r.get("address"))
        s = max(
            fuzz.WRatio(q, name) if name else 0.0,
            fuzz.partial_ratio(q, name) if name and len(q) >= 2 else 0.0,
            fuzz.WRatio(q, addr) * 0.95 if addr else 0.0,
            fuzz.token_set_ratio(q, f"{name} {addr}") if name else 0.0,
        )
        scored.append((s, r))
    scored.sort(key=lambda t: -t[0])
    good = [(s, r) for s, r in scored if s >= MIN_SCORE]
    if not good:
        near = ", ".join(f"{r.get('name')}" for _, r in scored[:5] if r.get("name"))
        raise QrauditError(f"no merchant matches {query!r}" + (f" (closest: {near})" if near else ""))
    if len(good) > 1 and good[0][0] - good[1][0] < LEAD:
        close = [r for s, r in good if good[0][0] - s < LEAD]
        raise QrauditError(f"{query!r} is ambiguous: " + _list(close) + " -- give the full name")
    return good[0][1]


def _list(records: list[dict[str, Any]]) -> str:
    return "; ".join(f"{r.get('name')} ({r.get('address') or r.get('url')})" for r in records[:8])


@contextmanager
def _records(district: str | Path | None, store: Any, fresh: bool = False) -> Iterator[tuple[District, list[dict]]]:
    """Yield (live district, records); keeps a sandbox running while the caller uses them."""
    d = load_district(district)
    if not d.sandbox and not fresh:
        latest = store.latest_run(d.name, kinds=("crawl",)) if store.db_path.exists() else None
        if latest is not None:
            recs = store.merchants(latest["run_id"])
            for r in recs:
                r["audit_url"] = r.get("audit_url") or r.get("url")
            with open_district(d) as live:
                yield live, recs
            return

    with open_district(d) as live:
        yield live, discover(live)


def find_merchant(query: str, district: str | Path | None = None, *, store: Any = None) -> dict[str, Any]:
    """The merchant record ``query`` names in ``district`` (name or file; default demo).

    Records come from the district's latest crawl in the store, else a fresh
    discovery (always fresh for a sandbox district).  Raises QrauditError when
    none or several match.
    """

    store = store or Store()
    with _records(district, store) as (_live, recs):
        if not recs:
            raise QrauditError(f"no merchants known in district {_live.name!r}")
        return match_merchant(query, recs)


def check_merchant(
    query: str,
    district: str | Path | None = None,
    env: str | None = None,
    *,
    timeout_s: float | None = None,
    allow_submit: bool = False,
    sandbox_hosts: list[str] | None = None,
    data_dir: Path | None = None,
    store: Any = None,
    run_dir: str | Path | None = None,
    reports: bool = True,
) -> CheckRun:
    """Audit the merchant ``query`` names now, as a one-merchant run of kind ``check``
    (:func:`app.jobs.check_run`, the same as ``qraudit check URL``).

    Returns the :class:`~app.jobs.CheckRun` (it unpacks as ``(run_id, result)``).  The
    result is stored like a crawl's (merchant record, audit, findings, evidence in
    ``runs/<run_id>/merchants/<id>``), with the district's sandbox hosts declared.
    Raises QrauditError for no/ambiguous match or bad input.
    """
    store = store or Store(data_dir=data_dir)
    with _records(district, store) as (live, recs):
        if not recs:
            raise QrauditError(f"no merchants known in district {live.name!r}")
        rec = match_merchant(query, recs)
        url = rec.get("audit_url") or rec["url"]
        config = AuditConfig(
            env=env or live.env, timeout_s=timeout_s or live.limits.timeout_s,
            sandbox_hosts=sorted(set(live.sandbox_hosts) | set(sandbox_hosts or [])), allow_submit=allow_submit,
        )
        return check_run(url, config, store=store, record=rec, district=live.name, district_file=live.file,
                         settings={"query": query}, run_dir=run_dir, reports=reports)
