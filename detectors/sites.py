"""Sites: the registrable domain of a host (Public Suffix List, offline), or the IP itself."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=())

#: OAuth authorize hosts (never the merchant's own site)
OAUTH_HOSTS = (
    "open.weixin.qq.com", "openauth.alipay.com", "openauth.alipaydev.com", "auth.alipay.com",
    "openapi.alipay.com", "mapi.alipay.com",
)


_FAST_HOST = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://([A-Za-z0-9.-]+)(?=[:/?#]|$)")


def host_of(url: str) -> str:
    """Lower-case host of ``url`` (no port); ``""`` if none."""
    m = _FAST_HOST.match(url)
    if m:
        return m.group(1).lower()
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


@lru_cache(maxsize=4096)
def site_of_host(host: str) -> str:
    """Registrable domain of ``host`` (``a.b.example.com.cn`` → ``example.com.cn``);
    an IP address or a suffix-less name (``localhost``) is its own site."""
    host = host.strip("[]").lower()
    if not host:
        return ""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    r = _EXTRACT(host)
    return r.top_domain_under_public_suffix or host


def site_of(url: str) -> str:
    """:func:`site_of_host` of ``url``'s host."""
    return site_of_host(host_of(url))


def is_oauth_host(host: str) -> bool:
    """Whether ``host`` is an OAuth authorize host (WeChat, Alipay)."""
    return host in OAUTH_HOSTS
