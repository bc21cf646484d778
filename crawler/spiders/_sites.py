"""Registrable domains ("sites") offline: tldextract with its bundled Public Suffix List."""

from __future__ import annotations

import functools
import ipaddress


@functools.lru_cache(maxsize=1)
def _extractor():
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """``shop.example.com.cn`` -> ``example.com.cn``; an IP address (or a bare name) is its own site;
    under a TLD missing from the list (``.example``, ``.test``) the last two labels."""
    host = (host or "").strip("[]").lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    ext = _extractor()(host)
    if ext.domain and ext.suffix:
        return f"{ext.domain}.{ext.suffix}"
    labels = host.split(".")
    return ".".join(labels[-2:]) if len(labels) >= 2 else host  # reserved TLDs (.example, .test)
