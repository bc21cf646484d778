"""District seed files (``seeds/*.toml``) and merchant identity.

A district file says where a district's merchants can be found and how
politely to crawl them; the format is documented in ``seeds/README.md``.
:func:`load_district` turns one into a :class:`District`; :func:`open_district`
resolves its placeholders (``{sandbox}``, ``{sandbox_qr}``) for a live crawl,
starting the built-in simulated district when the file says ``sandbox = true``.

Merchant identity: many table QR codes and links point at one merchant page.
:func:`canonical_url` removes what differs between tables and campaigns
(table/desk/seat numbers, ``utm_*``, ``from``, ``spm``, ...), sorts the query
and lower-cases scheme and host; :func:`merchant_id` is a short hash of it, so
the same merchant gets the same id in every run.  The removed table parameter
is kept apart by :func:`split_table_param`.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from core.errors import QrauditError
from core.paths import SEEDS_DIR

#: Folder of the shipped district files (``<repo>/seeds``).

ENVS = ("wechat", "alipay", "mobile")
SOURCE_TYPES = ("directory", "sitemap", "csv", "qr_photos", "urls")

#: Query parameters that identify a table, seat or campaign, not a merchant
#: (compared case-insensitively; ``utm_*`` by prefix).
TABLE_PARAMS = frozenset(
    {
        "table", "tableno", "table_no", "tableid", "table_id", "tablecode", "table_code", "tablenum",
        "desk", "deskno", "desk_no", "deskid", "desk_id", "deskcode",
        "seat", "seatno", "seat_no", "seatid", "seat_id",
        "zhuohao", "zh",
    }
)
TRACKING_PARAMS = frozenset(
    {"from", "spm", "scene", "share", "shareid", "share_id", "source", "src", "ref", "referrer",
     "_t", "t", "ts", "timestamp", "isappinstalled", "nsukey", "fbclid", "gclid"}
)


# ---------------------------------------------------------------------------
# merchant identity


def _is_table(key: str) -> bool:
    return key.lower() in TABLE_PARAMS


def _is_tracking(key: str) -> bool:
    k = key.lower()
    return k in TRACKING_PARAMS or k.startswith("utm_")


def _clean_query(query: str) -> tuple[str, list[tuple[str, str]]]:
    """Return (sorted query without table/tracking params, the table params removed)."""
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = sorted((k, v) for k, v in pairs if not _is_table(k) and not _is_tracking(k))
    tables = [(k, v) for k, v in pairs if _is_table(k)]
    return urlencode(kept), tables


def _split_fragment(fragment: str) -> tuple[str, str] | None:
    """A SPA hash route (``#/menu?x=1`` or ``#!/...``) as (route, query); None if not a route."""
    if not fragment or fragment[0] not in "/!":
        return None
    route, _, query = fragment.partition("?")
    return route, query


def canonical_url(url: str) -> str:
    """The merchant's canonical URL: ``scheme://host[:port]/path?sorted-query[#/route?query]``.

    Lower-cases scheme and host, drops default ports, table/desk/seat and
    tracking parameters (also inside a hash route's query), sorts the rest; a
    fragment is kept only when it is a SPA route (starts with ``/`` or ``!``).
    Non-HTTP URLs (``weixin://...``) are returned stripped.  Raises nothing.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    path = parts.path or "/"
    query, _ = _clean_query(parts.query)
    fragment = ""
    route = _split_fragment(parts.fragment)
    if route:
        rquery, _ = _clean_query(route[1])
        fragment = route[0] + (f"?{rquery}" if rquery else "")
    return urlunsplit((scheme, netloc, path, query, fragment))


def split_table_param(url: str) -> str | None:
    """The table/desk/seat parameter(s) of ``url`` as ``"table=A3"`` (``&``-joined), or None."""
    parts = urlsplit(url.strip())
    _, tables = _clean_query(parts.query)
    route = _split_fragment(parts.fragment)
    if route:
        tables += _clean_query(route[1])[1]
    return urlencode(tables) if tables else None


def merchant_id(url: str, key: Any = None) -> str:
    """A stable 12-hex-digit id: SHA-256 of the canonical URL (or of ``key(url)`` when given).

    ``key`` is :meth:`District.url_key` for sandbox districts, whose port changes
    on every start.
    """
    canon = key(url) if key else canonical_url(url)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:12]


# ---------------------------------------------------------------------------
# the seed file


@dataclass
class Source:
    """One place merchants are listed.

    ``type``: ``directory`` (``start_urls``; optional ``link_pattern`` regex a
    merchant link must match, ``max_pages``), ``sitemap`` (``url``; optional
    ``include`` regex), ``csv`` (``path``: columns name,address,url), ``qr_photos``
    (``path``: folder of PNG/JPG photos of table QR codes), ``urls`` (``urls``).
    Relative paths are resolved against the seeds file's folder.
    """

    type: str
    start_urls: list[str] = field(default_factory=list)
    url: str | None = None
    path: str | None = None
    urls: list[str] = field(default_factory=list)
    link_pattern: str | None = None
    include: str | None = None
    max_pages: int = 200
    name: str = ""

    @property
    def label(self) -> str:
        """A short name for the ``sources`` column, e.g. ``directory`` or the given ``name``."""
        return self.name or self.type


@dataclass
class Limits:
    """Politeness and size limits.  ``download_delay`` and ``timeout_s`` in seconds."""

    max_merchants: int = 1000
    per_host_concurrency: int = 2
    download_delay: float = 1.0
    timeout_s: float = 60.0
    obey_robots: bool = True


@dataclass
class District:
    """A parsed district file.

    ``file``: where it came from; ``sandbox``: start the simulated district
    and substitute ``{sandbox}``/``{sandbox_qr}``; ``sandbox_state``: which state of it
    (``initial``, or ``followup``: the same district a month later); ``sandbox_hosts``: hosts where
    the agent may submit (besides loopback).  Filled by :func:`open_district`:
    ``sandbox_origins`` (the live sandbox's origins, used by :meth:`url_key`),
    ``placeholders`` (the substitutions made, also applied to CSV cells) and
    ``server`` (the running ``SandboxServer``).
    """

    name: str
    label: str = ""
    env: str = "wechat"
    sandbox: bool = False
    sandbox_hosts: list[str] = field(default_factory=list)
    sandbox_state: str = "initial"
    sources: list[Source] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    file: Path | None = None
    sandbox_origins: list[str] = field(default_factory=list)
    placeholders: dict[str, str] = field(default_factory=dict)
    server: Any = field(default=None, repr=False, compare=False)

    def url_key(self, url: str) -> str:
        """The canonical URL with the live sandbox origin replaced by ``sandbox`` (stable ids)."""
        canon = canonical_url(url)
        for i, origin in enumerate(self.sandbox_origins):
            origin = canonical_url(origin).rstrip("/")
            if canon == origin or canon.startswith(origin + "/"):
                return f"sandbox{i or ''}:" + canon[len(origin):]
        return canon

    def merchant_id(self, url: str) -> str:
        """:func:`merchant_id` of ``url`` in this district."""
        return merchant_id(url, self.url_key)


def _err(path: Path, msg: str) -> QrauditError:
    return QrauditError(f"{path}: {msg}")


def find_district_file(name_or_path: str | Path | None) -> Path:
    """Resolve a district name (``seeds/<name>.toml``) or a path; None means ``demo``.

    Raises QrauditError when no such file exists or the name is empty (an empty
    value is a mistake, e.g. an unset variable, never a request for the demo).
    """
    if name_or_path is None:
        name_or_path = "demo"
    elif not str(name_or_path).strip():
        raise QrauditError("empty district name: give a district name (seeds/NAME.toml) or a district file")
    p = Path(name_or_path).expanduser()
    if p.suffix == ".toml" or p.exists() or "/" in str(name_or_path):
        if not p.is_file():
            raise QrauditError(f"{p}: district file not found")
        return p.resolve()
    cand = SEEDS_DIR / f"{name_or_path}.toml"
    if cand.is_file():
        return cand
    known = ", ".join(sorted(q.stem for q in SEEDS_DIR.glob("*.toml"))) or "none"
    raise QrauditError(f"unknown district {name_or_path!r} (no {cand}; known: {known})")


def _typed(path: Path, where: str, value: Any, tp: type | tuple[type, ...], what: str) -> Any:
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool) and tp in (int, float):
        raise _err(path, f"{where} must be {what}, not {value!r}")
    if not isinstance(value, tp):
        raise _err(path, f"{where} must be {what}, not {value!r}")
    return value


def _str_list(path: Path, where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _err(path, f"{where} must be a list of strings")
    return list(value)


def load_district(name_or_path: str | Path | None = None) -> District:
    """Load and validate a district file (a name under ``seeds/`` or a path).

    Returns a :class:`District` whose placeholders are not yet substituted.
    Raises QrauditError (one line naming the file and the problem) for a
    missing file, bad TOML, unknown keys/types, no sources or an unknown env.
    """
    path = find_district_file(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _err(path, f"not valid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _err(path, f"cannot read ({exc})") from None
    unknown = set(data) - {"district", "sources", "limits"}
    if unknown:
        raise _err(path, f"unknown section(s): {', '.join(sorted(unknown))}")
    d = data.get("district")
    if not isinstance(d, dict):
        raise _err(path, "missing [district] table")
    bad = set(d) - {"name", "label", "env", "sandbox", "sandbox_hosts", "sandbox_state"}
    if bad:
        raise _err(path, f"unknown key(s) in [district]: {', '.join(sorted(bad))}")
    name = _typed(path, "district.name", d.get("name", path.stem), str, "a string")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise _err(path, f"district.name {name!r} must be letters, digits, '-', '_' or '.'")
    env = _typed(path, "district.env", d.get("env", "wechat"), str, "a string")
    if env not in ENVS:
        raise _err(path, f"district.env must be one of {', '.join(ENVS)}, not {env!r}")
    district = District(
        name=name,
        label=_typed(path, "district.label", d.get("label", name), str, "a string"),
        env=env,
        sandbox=_typed(path, "district.sandbox", d.get("sandbox", False), bool, "true or false"),
        sandbox_hosts=_str_list(path, "district.sandbox_hosts", d.get("sandbox_hosts", [])),
        sandbox_state=_typed(path, "district.sandbox_state", d.get("sandbox_state", "initial"), str, "a string"),
        file=path,
    )
    sources = data.get("sources")
    if not isinstance(sources, list) or not sources:
        raise _err(path, "no [[sources]] given")
    for i, s in enumerate(sources, 1):
        district.sources.append(_load_source(path, i, s))
    lim = data.get("limits", {})
    if not isinstance(lim, dict):
        raise _err(path, "[limits] must be a table")
    bad = set(lim) - {"max_merchants", "per_host_concurrency", "download_delay", "timeout_s", "obey_robots"}
    if bad:
        raise _err(path, f"unknown key(s) in [limits]: {', '.join(sorted(bad))}")
    defaults = Limits()
    limits = Limits(
        max_merchants=_typed(path, "limits.max_merchants", lim.get("max_merchants", defaults.max_merchants),
                             int, "an integer"),
        per_host_concurrency=_typed(path, "limits.per_host_concurrency",
                                    lim.get("per_host_concurrency", defaults.per_host_concurrency),
                                    int, "an integer"),
        download_delay=_typed(path, "limits.download_delay",
                              lim.get("download_delay", defaults.download_delay), float, "a number"),
        timeout_s=_typed(path, "limits.timeout_s", lim.get("timeout_s", defaults.timeout_s), float, "a number"),
        obey_robots=_typed(path, "limits.obey_robots", lim.get("obey_robots", True), bool, "true or false"),
    )
    if limits.max_merchants < 1 or limits.per_host_concurrency < 1:
        raise _err(path, "limits.max_merchants and limits.per_host_concurrency must be >= 1")
    if limits.download_delay < 0 or limits.timeout_s <= 0:
        raise _err(path, "limits.download_delay must be >= 0 and limits.timeout_s > 0")
    district.limits = limits
    return district


def _load_source(path: Path, i: int, s: Any) -> Source:
    where = f"sources[{i}]"
    if not isinstance(s, dict):
        raise _err(path, f"{where} must be a table")
    typ = s.get("type")
    if typ not in SOURCE_TYPES:
        raise _err(path, f"{where}.type must be one of {', '.join(SOURCE_TYPES)}, not {typ!r}")
    allowed = {
        "directory": {"start_urls", "link_pattern", "max_pages"},
        "sitemap": {"url", "include"},
        "csv": {"path"},
        "qr_photos": {"path"},
        "urls": {"urls"},
    }[typ] | {"type", "name"}
    bad = set(s) - allowed
    if bad:
        raise _err(path, f"unknown key(s) in {where} ({typ}): {', '.join(sorted(bad))}")
    src = Source(type=typ, name=_typed(path, f"{where}.name", s.get("name", ""), str, "a string"))
    if typ == "directory":
        src.start_urls = _str_list(path, f"{where}.start_urls", s.get("start_urls"))
        if not src.start_urls:
            raise _err(path, f"{where}.start_urls is empty")
        src.max_pages = _typed(path, f"{where}.max_pages", s.get("max_pages", 200), int, "an integer")
    elif typ == "sitemap":
        src.url = _typed(path, f"{where}.url", s.get("url"), str, "a URL string")
    elif typ in ("csv", "qr_photos"):
        src.path = _typed(path, f"{where}.path", s.get("path"), str, "a path string")
    else:
        src.urls = _str_list(path, f"{where}.urls", s.get("urls"))
    for key in ("link_pattern", "include"):
        if key in s:
            pattern = _typed(path, f"{where}.{key}", s[key], str, "a regular expression")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise _err(path, f"{where}.{key} is not a valid regular expression ({exc})") from None
            setattr(src, key, pattern)
    return src


# ---------------------------------------------------------------------------
# a live district: placeholders substituted, sandbox started


def _subst(value: str, mapping: dict[str, str]) -> str:
    for k, v in mapping.items():
        value = value.replace("{" + k + "}", v)
    return value


def resolve(district: District, mapping: dict[str, str]) -> District:
    """Return a copy with ``{placeholders}`` substituted and relative paths made absolute.

    Raises QrauditError when a placeholder is left (e.g. ``{sandbox}`` in a
    district without ``sandbox = true``).
    """
    base = district.file.parent if district.file else Path.cwd()
    sources = []
    for s in district.sources:
        s = replace(
            s,
            start_urls=[_subst(u, mapping) for u in s.start_urls],
            url=_subst(s.url, mapping) if s.url else None,
            urls=[_subst(u, mapping) for u in s.urls],
            path=_subst(s.path, mapping) if s.path else None,
        )
        if s.path and not Path(s.path).is_absolute():
            s.path = str((base / s.path).resolve())
        for text in [*s.start_urls, *s.urls, s.url or "", s.path or ""]:
            m = re.search(r"\{(sandbox\w*)\}", text)
            if m:
                raise QrauditError(
                    f"{district.file}: {{{m.group(1)}}} is used but the district has no 'sandbox = true'"
                )
        sources.append(s)
    return replace(district, sources=sources, placeholders=dict(mapping))


def check_sources(district: District) -> None:
    """Check a live district's local sources before crawling: CSV files readable, photo folders present.

    Raises QrauditError naming the district file and the missing path.
    """
    for i, s in enumerate(district.sources, 1):
        if s.type == "csv" and not (s.path and Path(s.path).is_file()):
            raise QrauditError(f"{district.file}: sources[{i}] (csv): file not found: {s.path}")
        if s.type == "qr_photos" and not (s.path and Path(s.path).is_dir()):
            raise QrauditError(f"{district.file}: sources[{i}] (qr_photos): folder not found: {s.path}")
