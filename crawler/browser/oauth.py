"""WeChat / Alipay OAuth authorize URLs: recognise, parse, answer.

The authorize pages (``open.weixin.qq.com/connect/oauth2/authorize``,
``…/connect/qrconnect``, ``openauth.alipay.com/oauth2/publicAppAuthorize.htm``,
``…/oauth2/appToAppAuth.htm``) cannot be reached by a crawler and are never
contacted: the visit records an :class:`~core.trace.OAuthEvent` and, when
the agent decides, returns to the page's ``redirect_uri`` itself with a canary
code (or without one: a decline).
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

from core.sites import OAUTH_HOSTS, host_of
from core.trace import OAuthEvent

#: (host, path prefix) -> provider
AUTHORIZE_PATHS = (
    ("open.weixin.qq.com", "/connect/oauth2/authorize", "wechat"),
    ("open.weixin.qq.com", "/connect/qrconnect", "wechat"),
    ("openauth.alipay.com", "/oauth2/publicappauthorize", "alipay"),
    ("openauth.alipay.com", "/oauth2/apptoappauth", "alipay"),
)

#: Hosts whose WeChat JS-SDK file is replaced by the profile's stand-in.
WX_SDK_HOSTS = ("res.wx.qq.com", "res2.wx.qq.com")


def is_oauth_host(url: str) -> bool:
    """True when ``url`` is on an OAuth provider host (any path)."""
    return host_of(url) in OAUTH_HOSTS


def is_wx_sdk(url: str) -> bool:
    """True for the WeChat JS-SDK file (``res.wx.qq.com/open/js/jweixin-*.js``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (parts.hostname or "").lower() in WX_SDK_HOSTS and "jweixin" in parts.path.lower()


def provider_of(url: str) -> str | None:
    """``wechat`` / ``alipay`` when ``url`` is an authorize URL, else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    path = parts.path.lower()
    for h, prefix, provider in AUTHORIZE_PATHS:
        if host == h and path.startswith(prefix):
            return provider
    return None


def _first(q: dict[str, list[str]], *names: str) -> str:
    for n in names:
        if q.get(n):
            return q[n][0]
    return ""


def parse_authorize(url: str, step: int = 0) -> OAuthEvent | None:
    """Parse an authorize URL into an :class:`OAuthEvent` (``None`` if it is not one).

    ``scope`` as given (e.g. ``snsapi_userinfo``; Alipay may list several,
    comma-separated); ``redirect_uri`` percent-decoded (twice if it was
    double-encoded); ``appid`` from ``appid`` / ``app_id``.
    """
    provider = provider_of(url)
    if not provider:
        return None
    q = parse_qs(urlsplit(url).query, keep_blank_values=True)
    redirect = _first(q, "redirect_uri", "redirect_url")
    if redirect.lower().startswith(("http%3a", "https%3a")):
        redirect = unquote(redirect)
    return OAuthEvent(
        step=step,
        provider=provider,
        url=url,
        scope=_first(q, "scope"),
        redirect_uri=redirect,
        appid=_first(q, "appid", "app_id"),
        state=_first(q, "state"),
    )


def return_url(event: OAuthEvent, code: str | None) -> str | None:
    """The URL the provider would send the diner back to.

    WeChat: ``redirect_uri?code=CODE&state=STATE``; Alipay:
    ``redirect_uri?app_id=…&source=alipay_wallet&scope=…&auth_code=CODE&state=STATE``.
    ``code=None`` (declined): WeChat returns with ``state`` only, Alipay likewise.
    ``None`` when the event has no usable ``redirect_uri``.
    """
    if not event.redirect_uri:
        return None
    try:
        parts = urlsplit(event.redirect_uri)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    params: list[tuple[str, str]] = []
    if event.provider == "alipay":
        if event.appid:
            params.append(("app_id", event.appid))
        params.append(("source", "alipay_wallet"))
        if event.scope:
            params.append(("scope", event.scope))
        if code is not None:
            params.append(("auth_code", code))
    elif code is not None:
        params.append(("code", code))
    params.append(("state", event.state))
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def standin_page(event: OAuthEvent | None, url: str) -> str:
    """A small local page shown instead of the real authorize page."""
    provider = event.provider if event else "oauth"
    scope = event.scope if event else ""
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='qraudit-oauth-standin' content='1'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>qraudit {html.escape(provider)} OAuth stand-in</title></head>"
        f"<body><p>qraudit stand-in for the {html.escape(provider)} authorize page "
        f"(scope={html.escape(scope)}). The real page is never contacted.</p>"
        f"<p><code>{html.escape(url[:2000])}</code></p></body></html>"
    )
