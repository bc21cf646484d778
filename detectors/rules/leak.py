"""third_party_leak: a canary value the auditor typed sent to another site."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from core.reasons import ASKS
from core.sites import host_of, is_oauth_host, site_of, site_of_host
from core.trace import Trace
from detectors.base import Finding, rule
from detectors.common import evidence, make, stage_index, stage_of
from detectors.encodings import build_needles, chain_text, compose
from detectors.legal import with_newer


def merchant_sites(trace: Trace) -> set[str]:
    """The merchant page's site(s): the site of the last non-OAuth host on the
    redirect chain from ``trace.url``, of ``trace.url`` itself and of ``final_url``
    (each only when not an OAuth host)."""
    sites: set[str] = set()
    for u in (trace.url, trace.final_url):
        if u and not is_oauth_host(host_of(u)):
            sites.add(site_of(u))
    # follow the main-frame redirect chain from the target URL
    nexts = {r.redirected_from: r.url for r in trace.requests if r.redirected_from and r.is_navigation}
    u, seen = trace.url, set()
    last = None
    while u and u not in seen:
        seen.add(u)
        if not is_oauth_host(host_of(u)):
            last = u
        u = nexts.get(u)
    if last:
        sites.add(site_of(last))
    sites.discard("")
    return sites


def submit_step(trace: Trace) -> int | None:
    """The step at which the order was submitted, or ``None`` if it never was."""
    if trace.order_reached != "submitted":
        return None
    for s in trace.steps:
        if any(c.chosen and c.purpose == "submit" for c in s.candidates):
            return s.n
    for s in trace.steps:
        if s.state == "confirmation" or s.stage == "post_order":
            return s.n
    return None


def canary_values(trace: Trace) -> list[tuple[str, str]]:
    """``[(kind, value)]`` of the canaries typed or given in this visit: ``trace.typed``,
    the gates' ``canary_filled``, and the ``trace.canaries`` of a kind that was typed
    (a value never typed cannot leak)."""
    vals = [(t.kind, t.value) for t in trace.typed]
    vals += [(t.kind, t.value) for g in trace.gates for t in g.canary_filled]
    kinds = {k for k, _ in vals}
    vals += [(k, v) for k, v in trace.canaries.items() if isinstance(v, str) and k in kinds]
    return vals


#: request headers that never carry page data
_SKIP_HEADERS = frozenset((
    "user-agent", "accept", "accept-encoding", "accept-language", "content-type", "content-length",
    "connection", "host", "pragma", "cache-control", "upgrade-insecure-requests", "origin",
    "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "sec-fetch-dest", "sec-fetch-mode",
    "sec-fetch-site", "sec-fetch-user", "dnt", "priority",
))


def texts_of_bytes(raw: bytes, charset: str | None = None) -> list[str]:
    """The texts to search in a binary body or websocket frame: UTF-8 (bytes that are not UTF-8
    become U+FFFD, so digits and ASCII between binary fields survive), and GB18030 (or the declared
    ``charset``) when the bytes are not UTF-8 (a legacy-charset page sends its text in it)."""
    out = [raw.decode("utf-8", "replace")]
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        for cs in dict.fromkeys([c for c in (charset, "gb18030", "big5") if c]):
            try:
                out.append(raw.decode(cs, "replace"))
            except LookupError:
                continue
    return out


def _charset(headers: dict[str, str]) -> str | None:
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    m = re.search(r"charset=\s*\"?([\w-]+)", ctype, re.I)
    return m.group(1).lower() if m else None


def _body_texts(r: Any) -> list[str]:
    if not r.body:
        return []
    if r.body_encoding == "base64":
        try:
            return texts_of_bytes(base64.b64decode(r.body), _charset(r.headers))
        except (binascii.Error, ValueError):
            return [r.body]
    return [r.body]


def _frame_texts(payload: str) -> list[str]:
    if payload.startswith("base64:"):
        try:
            return texts_of_bytes(base64.b64decode(payload[len("base64:"):]))
        except (binascii.Error, ValueError):
            return [payload]
    return [payload]


#: a key code of a digit or a letter (``keyCode=49`` for "1")
_KEYCODE = re.compile(r"^(4[89]|5[0-7]|6[5-9]|[78]\d|90)$")


def _fields_of(text: str) -> list[tuple[str, str]]:
    """``[(key, value)]`` of a query string, a form body or a flat JSON object (else ``[]``)."""
    t = (text or "").strip()
    if t.startswith("{"):
        try:
            obj = json.loads(t)
        except ValueError:
            return []
        return [(str(k), str(v)) for k, v in obj.items() if isinstance(v, str | int)] if isinstance(obj, dict) else []
    if "=" in t and len(t) < 4000:
        return parse_qsl(t, keep_blank_values=True)
    return []


def keystroke_streams(trace: Trace, own: set[str]) -> list[dict[str, Any]]:
    """Character-by-character sends to other sites: for every (host, path, field) the values that
    are one character long (or a key code), joined in the order they were sent.

    Returns ``[{"text", "host", "path", "field", "parts": [(kind, index, step, held), ...]}]``
    (``kind`` ``req`` or ``ws``), one per stream of at least four characters.
    """
    streams: dict[tuple[str, str, str], dict[str, Any]] = {}

    def feed(src: str, idx: int, step: int, held: bool, url: str, text: str) -> None:
        parts = urlsplit(url)
        for key, value in _fields_of(parts.query) + _fields_of(text):
            v = value.strip()
            if len(v) != 1 and not _KEYCODE.match(v):
                continue
            s = streams.setdefault((parts.hostname or "", parts.path, key),
                                   {"text": "", "codes": "", "host": parts.hostname or "", "path": parts.path,
                                    "field": key, "parts": []})
            s["text"] += v if len(v) == 1 else ""
            s["codes"] += chr(int(v)) if _KEYCODE.match(v) else ""
            s["parts"].append((src, idx, step, held))

    for r in sorted(trace.requests, key=lambda x: (x.t_ms, x.id)):
        if site_of_host(host_of(r.url)) in own:
            continue
        feed("req", r.id, r.step, r.held, r.url, (_body_texts(r) or [""])[0])
    for i, f in enumerate(trace.websocket_frames):
        if f.direction != "sent" or site_of(f.url) in own:
            continue
        text = _frame_texts(f.payload)[0]
        if len(text.strip()) == 1:
            text = json.dumps({"frame": text.strip()})
        feed("ws", i, f.step, f.held, f.url, text)
    out = []
    for s in streams.values():
        text = s["text"] if len(s["text"]) >= len(s["codes"]) else s["codes"]
        if len(text) >= 4:
            out.append({**s, "text": text})
    return out


def find_leaks(trace: Trace) -> list[dict[str, Any]]:
    """Every third-party request/websocket frame carrying a canary value.

    Searched: each request's URL, headers and body (binary bodies decoded as UTF-8 and, when
    not UTF-8, GB18030/Big5 or their declared charset), each websocket frame the page sent
    (binary frames likewise: a phone between protobuf fields is found), and the
    character-by-character streams of :func:`keystroke_streams` (``where`` is
    ``keystrokes:<field>``; the step is that of the last character).  Prefixes of long values
    count (``prefix8(digits)``: a page that sends a number while it is typed).

    Returns dicts ``{request_id, method, url, host, site, where, encoding, view,
    value_kind, step, stage, before_submit}`` in request order.
    """
    own = merchant_sites(trace)
    needles = build_needles(canary_values(trace))
    if not len(needles):
        return []
    pieces: list[tuple[object, str]] = []
    for r in trace.requests:
        host = host_of(r.url)
        if site_of_host(host) in own:
            continue
        pieces.append((("req", r.id, "url"), r.url))
        for k, v in r.headers.items():
            kl = k.lower()
            if kl not in _SKIP_HEADERS:
                pieces.append((("req", r.id, f"header:{kl}"), v))
        for body in _body_texts(r):
            pieces.append((("req", r.id, "body"), body))
    for i, f in enumerate(trace.websocket_frames):
        if f.direction != "sent" or site_of(f.url) in own:
            continue
        for text in _frame_texts(f.payload):
            pieces.append((("ws", i, "payload"), text))
    streams = keystroke_streams(trace, own)
    for j, st in enumerate(streams):
        pieces.append((("keys", j, f"keystrokes:{st['field']}"), st["text"]))
    if not pieces:
        return []
    sub = submit_step(trace)
    by_id = {r.id: r for r in trace.requests}
    out: list[dict[str, Any]] = []
    for key, needle, view in needles.search(pieces):
        src, idx, where = key
        extra: dict[str, Any] = {}
        if src == "req":
            r = by_id[idx]
            url, method, step, rid, held = r.url, r.method, r.step, r.id, r.held
        elif src == "ws":
            f = trace.websocket_frames[idx]
            url, method, step, rid, held = f.url, "WS", f.step, None, f.held
        else:
            st = streams[idx]
            kind, last, step, held = st["parts"][-1]
            n = len(st["parts"])
            if kind == "req":
                r = by_id[last]
                url, method, rid = r.url, r.method, r.id
            else:
                url, method, rid = trace.websocket_frames[last].url, "WS", None
            held = all(p[3] for p in st["parts"])
            extra = {"keystrokes": n, "stream_requests": [p[1] for p in st["parts"] if p[0] == "req"][:60]}
        host = host_of(url)
        out.append({
            "request_id": rid, "ws_frame": idx if src == "ws" else None, "method": method, "url": url,
            "host": host, "site": site_of_host(host), "where": where,
            "encoding": compose(view, needle.chain),
            "view": view, "value_kind": needle.kind, "step": step, "stage": stage_of(trace, step),
            "before_submit": sub is None or step < sub, "oauth_host": is_oauth_host(host),
            "held": held, **extra,
        })
    # keep one entry per (request, where), the simplest chain first (a whole value before a prefix of it)
    out.sort(key=lambda d: (d["step"], d["request_id"] or -1, d["where"], "prefix" in d["encoding"],
                            d["encoding"].count("("), d["view"] != "raw", d["encoding"]))
    uniq: dict[tuple, dict[str, Any]] = {}
    for d in out:
        uniq.setdefault((d["request_id"], d["ws_frame"], d["where"], d["value_kind"]), d)
    return list(uniq.values())


@rule(
    "third_party_leak",
    group="unlawful_handling",
    severity="high",
    title="Typed personal information sent to a third-party site",
    title_zh="个人信息被发送给第三方",
    legal_basis=with_newer("third_party_leak", ["PIPL art. 23", "CRPL art. 29 ¶2", "App Identification Method items 5.1-5.2"]),
)
def third_party_leak(trace: Trace) -> Iterator[Finding]:
    """A canary value the auditor typed (plain, in a variant such as +86/spaced/masked,
    URL (UTF-8, GBK, Big5, ``%uXXXX``)/base16/32/58/64/HTML-encoded, or MD5/SHA-1/SHA-2
    hashed, stacked up to three layers; or a long prefix of it; or one character per
    request) is sent to a host whose registrable domain (or IP) differs from the
    merchant page's — in a request (any window, frame or worker), a text or binary
    websocket frame — before or after submission.  One finding per stage, listing
    every leak of that stage in ``evidence["leaks"]``.

    Legal basis: PIPL art. 23 (providing PI to another handler needs notice and
    separate consent); CRPL art. 29 ¶2 (no provision to others); 认定方法 items
    5.1-5.2 (sharing from the client or embedded third-party code without consent).
    Not fired when the value goes only to the merchant's own site (incl. subdomains).
    """
    leaks = find_leaks(trace)
    if not leaks:
        return
    own = sorted(merchant_sites(trace))
    by_stage: dict[str, list[dict[str, Any]]] = {}
    for d in leaks:
        by_stage.setdefault(d["stage"], []).append(d)
    for stage in sorted(by_stage, key=stage_index):
        ds = by_stage[stage]
        d0 = ds[0]
        hosts = sorted({d["host"] for d in ds})
        kinds = sorted({d["value_kind"] for d in ds})
        held = all(d["held"] for d in ds)
        sent = "The page tried to send the typed" if held else "The typed"
        verb = "to" if held else "was sent to"
        yield make(
            "third_party_leak", stage,
            f"{sent} {', '.join(kinds)} {verb} {', '.join(hosts)} ({d0['encoding']} in {d0['where']})"
            f"{' before the order was submitted' if d0['before_submit'] else ''}"
            f"{' (held by the auditor: it never left the browser)' if held else ''}.",
            f"输入的{'、'.join(dict.fromkeys(ASKS.get(k, ('', '个人信息'))[1] for k in kinds))}"
            f"{'被页面试图发送至' if held else '被发送至'}第三方{'、'.join(hosts)}（{chain_text(d0['encoding'], 'zh')}）"
            f"{'（已被审计工具拦截，未离开浏览器）' if held else ''}。",
            evidence(
                trace, d0["step"], url=d0["url"], text=f"{d0['method']} {d0['url']}"[:500],
                request={"id": d0["request_id"], "method": d0["method"], "url": d0["url"], "where": d0["where"]},
                host=d0["host"], site=d0["site"], method=d0["method"], encoding=d0["encoding"],
                value_kind=d0["value_kind"], before_submit=d0["before_submit"], merchant_sites=own, held=held,
                leaks=ds[:50], n_leaks=len(ds),
            ),
        )
