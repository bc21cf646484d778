"""In-app browser profiles: WeChat (default), Alipay, plain mobile.

A :class:`Profile` gives the ``browser.new_context(**kw)`` arguments of a phone
in that app (viewport, user agent, locale, time zone, nothing pre-granted) and
the JavaScript stand-ins of the app's bridges (``WeixinJSBridge`` + ``wx``,
``AlipayJSBridge``), so pages that wait for the bridge go on.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import QrauditError

_JS = Path(__file__).parent / "js"


@functools.lru_cache(maxsize=16)
def js_source(name: str) -> str:
    """Return the text of ``crawler/browser/js/<name>``."""
    return (_JS / name).read_text(encoding="utf-8")


#: Served instead of ``jweixin-*.js`` outside WeChat: like the real SDK outside
#: WeChat, ``wx.config`` fails (error callbacks run, ready never does) and every API fails.
WX_OUTSIDE_WECHAT = """(() => {
  if (window.wx && window.wx.__qraudit) return;
  const later = (f, a) => setTimeout(() => { try { f && f(a); } catch (e) {} }, 0);
  const errs = [];
  const fail = (o, n) => { o = o || {}; const r = {errMsg: n + ':fail not in wechat'}; later(o.fail, r); later(o.complete, r); };
  const base = { __qraudit: true, ready: () => {}, error: (f) => errs.push(f),
    config: () => setTimeout(() => errs.forEach((f) => later(f, {errMsg: 'config:fail not in wechat'})), 0),
    miniProgram: { getEnv: (cb) => later(cb, {miniprogram: false}) } };
  window.wx = window.jWeixin = new Proxy(base, { get: (t, k) => (k in t || typeof k !== 'string' || k === 'then')
    ? t[k] : (o) => fail(o, k) });
})();"""


@dataclass(frozen=True)
class Profile:
    """One in-app browser.

    ``name``: ``wechat`` | ``wechat_ios`` | ``alipay`` | ``mobile``;
    ``user_agent``: the UA string; ``viewport``: CSS pixels;
    ``bridges``: JS files (under ``crawler/browser/js``) injected by
    :meth:`init_script`; ``headers``: extra HTTP headers.
    """

    name: str
    user_agent: str
    viewport: tuple[int, int] = (390, 844)
    device_scale_factor: float = 2
    bridges: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=lambda: {"Accept-Language": "zh-CN,zh;q=0.9"})

    @property
    def in_wechat(self) -> bool:
        """True for the WeChat profiles (the ``wx`` SDK works)."""
        return "wechat.js" in self.bridges

    def context_kwargs(self) -> dict:
        """Keyword arguments for ``browser.new_context(**kw)``: a phone in this app.

        No permission is pre-granted, service workers are blocked (so every
        request is seen), downloads are refused.
        """
        w, h = self.viewport
        return {
            "viewport": {"width": w, "height": h},
            "screen": {"width": w, "height": h},
            "device_scale_factor": self.device_scale_factor,
            "is_mobile": True,
            "has_touch": True,
            "locale": "zh-CN",
            "timezone_id": "Asia/Shanghai",
            "user_agent": self.user_agent,
            "service_workers": "block",
            "accept_downloads": False,
            "permissions": [],
            "extra_http_headers": dict(self.headers),
            "ignore_https_errors": False,
        }

    def init_script(self) -> str:
        """JavaScript to run in every frame before the page's scripts: the app's
        bridge stand-ins (empty string for the plain mobile profile)."""
        return "\n".join(js_source(b) for b in self.bridges)

    def wx_sdk_script(self) -> str:
        """Body served for a request of the WeChat JS-SDK file (``jweixin-*.js``):
        in WeChat the stub from :meth:`init_script` already stands in (a no-op
        script keeps it); elsewhere a ``wx`` whose calls fail, as outside WeChat."""
        return "/* qraudit: wx stand-in kept */" if self.in_wechat else WX_OUTSIDE_WECHAT


_ANDROID = "Linux; Android 14; V2307A Build/UP1A.231005.007; wv"

PROFILES: dict[str, Profile] = {
    "wechat": Profile(
        name="wechat",
        user_agent=(
            f"Mozilla/5.0 ({_ANDROID}) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
            "Chrome/122.0.6261.120 Mobile Safari/537.36 XWEB/1220133 MMWEBSDK/20240404 MMWEBID/2307 "
            "MicroMessenger/8.0.49.2600(0x2800313D) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
        ),
        bridges=("wechat.js",),
    ),
    "wechat_ios": Profile(
        name="wechat_ios",
        user_agent=(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Mobile/15E148 MicroMessenger/8.0.50(0x1800323b) NetType/WIFI Language/zh_CN"
        ),
        bridges=("wechat.js",),
    ),
    "alipay": Profile(
        name="alipay",
        user_agent=(
            "Mozilla/5.0 (Linux; U; Android 14; zh-CN; V2307A Build/UP1A.231005.007) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Version/4.0 Chrome/109.0.5414.86 UWS/3.22.2.9999 Mobile Safari/537.36 "
            "NebulaSDK/1.8.100112 Nebula AlipayDefined(nt:WIFI,ws:390|0|2.0) AliApp(AP/10.5.86.8000) "
            "AlipayClient/10.5.86.8000 Language/zh-Hans Region/CN"
        ),
        bridges=("alipay.js",),
    ),
    "mobile": Profile(
        name="mobile",
        user_agent=(
            "Mozilla/5.0 (Linux; Android 14; V2307A) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/122.0.6261.120 Mobile Safari/537.36"
        ),
    ),
}


def get_profile(name: str | None = "wechat") -> Profile:
    """Return the profile called ``name`` (``None`` means ``wechat``).

    Raises :class:`QrauditError` for an unknown name.
    """
    key = (name or "wechat").strip().lower()
    try:
        return PROFILES[key]
    except KeyError:
        raise QrauditError(f"unknown browser profile {name!r}: choose one of {', '.join(PROFILES)}") from None
