"""Hosts and sites — the one definition every package uses.

A *site* is a host's registrable domain (eTLD+1) under the Public Suffix List
bundled with tldextract (read offline, never fetched): ``a.b.example.com.cn`` →
``example.com.cn``.  An IP address or a single-label name (``localhost``) is its
own site; under a TLD missing from the list (the reserved ``.example``, ``.test``)
the site is the last two labels (``a.b.demo.test`` → ``demo.test``).

``third_party_leak`` and the store's ``requests.third_party`` column both decide
"another site than the merchant page's" with :func:`site_of`.

The OAuth hosts (WeChat, Alipay) are listed once here: the browser resolves them
to nowhere and answers them itself, and they are never the merchant's own site.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import urlsplit

#: OAuth authorize hosts (WeChat, Alipay): never contacted by the browser, never a merchant's site.
OAUTH_HOSTS = (
    "open.weixin.qq.com", "openauth.alipay.com", "openauth.alipaydev.com", "auth.alipay.com",
    "openapi.alipay.com", "mapi.alipay.com",
)

_FAST_HOST = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://([A-Za-z0-9.-]+)(?=[:/?#]|$)")


@lru_cache(maxsize=1)
def _extractor():
    import tldextract  # noqa: PLC0415  (heavy: loaded only when needed)

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def host_of(url: str) -> str:
    """Lower-case host of ``url`` (no port, no brackets); ``""`` if none."""
    m = _FAST_HOST.match(url or "")
    if m:
        return m.group(1).lower()
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


@lru_cache(maxsize=8192)
def site_of_host(host: str) -> str:
    """The registrable domain of ``host`` (see the module doc); ``""`` for no host."""
    host = (host or "").strip("[]").lower().rstrip(".")
    if not host:
        return ""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    ext = _extractor()(host)
    if ext.domain and ext.suffix:
        return f"{ext.domain}.{ext.suffix}"
    labels = host.split(".")
    return ".".join(labels[-2:]) if len(labels) >= 2 else host


def site_of(url: str) -> str:
    """:func:`site_of_host` of ``url``'s host."""
    return site_of_host(host_of(url))


def is_oauth_host(host: str) -> bool:
    """Whether ``host`` (a host name, not a URL) is an OAuth authorize host."""
    return (host or "").lower() in OAUTH_HOSTS


def third_party(url: str, page_url: str) -> bool:
    """Whether ``url`` belongs to another site than ``page_url`` (both known)."""
    a, b = site_of(url), site_of(page_url)
    return bool(a and b and a != b)
