"""third_party_leak: a canary value the auditor typed sent to another site."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any

from core.sites import host_of, is_oauth_host, site_of, site_of_host
from core.trace import Trace
from detectors.base import Finding, rule
from detectors.common import evidence, make, stage_index, stage_of
from detectors.encodings import build_needles, compose


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


def find_leaks(trace: Trace) -> list[dict[str, Any]]:
    """Every third-party request/websocket frame carrying a canary value.

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
        if r.body:
            body = r.body
            if r.body_encoding == "base64":
                try:
                    body = base64.b64decode(body).decode("utf-8", "replace")
                except (binascii.Error, ValueError):
                    pass
            pieces.append((("req", r.id, "body"), body))
    for i, f in enumerate(trace.websocket_frames):
        if f.direction != "sent" or site_of(f.url) in own:
            continue
        pieces.append((("ws", i, "payload"), f.payload))
    if not pieces:
        return []
    sub = submit_step(trace)
    by_id = {r.id: r for r in trace.requests}
    out: list[dict[str, Any]] = []
    for key, needle, view in needles.search(pieces):
        src, idx, where = key
        if src == "req":
            r = by_id[idx]
            url, method, step, rid, held = r.url, r.method, r.step, r.id, r.held
        else:
            f = trace.websocket_frames[idx]
            url, method, step, rid, held = f.url, "WS", f.step, None, f.held
        host = host_of(url)
        out.append({
            "request_id": rid, "ws_frame": idx if src == "ws" else None, "method": method, "url": url,
            "host": host, "site": site_of_host(host), "where": where,
            "encoding": compose(view, needle.chain),
            "view": view, "value_kind": needle.kind, "step": step, "stage": stage_of(trace, step),
            "before_submit": sub is None or step < sub, "oauth_host": is_oauth_host(host),
            "held": held,
        })
    # keep one entry per (request, where), the simplest chain first
    out.sort(key=lambda d: (d["step"], d["request_id"] or -1, d["where"], d["encoding"].count("("),
                            d["view"] != "raw", d["encoding"]))
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
    legal_basis=["PIPL art. 23", "CRPL art. 29 ¶2", "App Identification Method items 5.1-5.2"],
)
def third_party_leak(trace: Trace) -> Iterator[Finding]:
    """A canary value the auditor typed (plain, in a variant such as +86/spaced/masked,
    URL/base16/32/58/64/HTML-encoded, or MD5/SHA-1/SHA-2 hashed, stacked up to three
    layers) is sent to a host whose registrable domain (or IP) differs from the
    merchant page's, before or after submission.  One finding per stage, listing
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
            f"输入的{'、'.join({'phone': '手机号', 'name': '姓名'}.get(k, k) for k in kinds)}"
            f"{'被页面试图发送至' if held else '被发送至'}第三方{'、'.join(hosts)}（{d0['encoding']}）"
            f"{'（已被审计工具拦截，未离开浏览器）' if held else ''}。",
            evidence(
                trace, d0["step"], url=d0["url"], text=f"{d0['method']} {d0['url']}"[:500],
                request={"id": d0["request_id"], "method": d0["method"], "url": d0["url"], "where": d0["where"]},
                host=d0["host"], site=d0["site"], method=d0["method"], encoding=d0["encoding"],
                value_kind=d0["value_kind"], before_submit=d0["before_submit"], merchant_sites=own, held=held,
                leaks=ds[:50], n_leaks=len(ds),
            ),
        )
