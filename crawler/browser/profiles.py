"""In-app browser profiles: WeChat on Android (default) and on iOS, Alipay, plain mobile.

A :class:`Profile` gives the ``browser.new_context(**kw)`` arguments of a phone
in that app (viewport, user agent, locale, time zone, nothing pre-granted), the
JavaScript stand-ins of the app's bridges (``WeixinJSBridge`` + ``wx``,
``AlipayJSBridge``), so pages that wait for the bridge go on, and the emulated
:class:`Device`: what the rest of the browser must say so that it agrees with the
user agent — client hints (Android WebViews send ``Sec-CH-UA`` with their
``Android WebView`` brand at the user agent's Chrome version; iOS WKWebView sends
none and has no ``navigator.userAgentData``), ``navigator.platform``, vendor, touch
points, plugins, CPU count, memory, and which worker kinds exist.  A user-agent
string alone changes none of these; :class:`crawler.browser.emulation.Emulation`
applies them to every page, frame, worker and pop-up through CDP's user-agent
metadata override and an init script.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
class Device:
    """What the emulated phone's browser says besides its user agent.

    ``platform``: ``navigator.platform``; ``ua_metadata``: CDP ``UserAgentMetadata``
    (brands, fullVersionList, platform, platformVersion, architecture, model, mobile,
    bitness, wow64) sent as ``Sec-CH-UA*`` and returned by ``navigator.userAgentData``,
    or ``None`` for a browser that has no client hints (iOS WKWebView: neither the
    headers nor ``navigator.userAgentData`` exist); ``vendor``: ``navigator.vendor``;
    ``max_touch_points``, ``hardware_concurrency``, ``device_memory`` (``None``: the
    property does not exist, as on iOS); ``shared_worker``: whether ``SharedWorker``
    exists (Android WebView has none).
    """

    platform: str
    ua_metadata: dict[str, Any] | None
    vendor: str = "Google Inc."
    max_touch_points: int = 5
    hardware_concurrency: int = 8
    device_memory: int | None = 8
    shared_worker: bool = False

    def js_config(self) -> dict[str, Any]:
        """The device as the init script reads it (``crawler/browser/js/device.js``)."""
        return {"platform": self.platform, "vendor": self.vendor, "uaData": self.ua_metadata is not None,
                "maxTouchPoints": self.max_touch_points, "hardwareConcurrency": self.hardware_concurrency,
                "deviceMemory": self.device_memory, "sharedWorker": self.shared_worker}


def _metadata(brand: str, major: str, full: str, *, platform: str = "Android", version: str = "14.0.0",
              model: str = "V2307A", grease: tuple[str, str] = ("Not(A:Brand", "24")) -> dict[str, Any]:
    """Client-hint metadata of a Chromium-based browser on a phone: its own brand, Chromium and a GREASE brand."""
    brands = [("Chromium", major, full), (grease[0], grease[1], grease[1] + ".0.0.0")]
    if brand:
        brands.append((brand, major, full))
    return {
        "brands": [{"brand": b, "version": v} for b, v, _f in brands],
        "fullVersionList": [{"brand": b, "version": f} for b, _v, f in brands],
        "platform": platform, "platformVersion": version, "architecture": "", "model": model,
        "mobile": True, "bitness": "", "wow64": False,
    }


ANDROID_WECHAT = Device(platform="Linux armv8l",
                        ua_metadata=_metadata("Android WebView", "122", "122.0.6261.120"))
IOS_WECHAT = Device(platform="iPhone", ua_metadata=None, vendor="Apple Computer, Inc.", hardware_concurrency=6,
                    device_memory=None)
ANDROID_ALIPAY = Device(platform="Linux armv8l",
                        ua_metadata=_metadata("Android WebView", "109", "109.0.5414.86", grease=("Not_A Brand", "99")))
ANDROID_CHROME = Device(platform="Linux armv8l", ua_metadata=_metadata("Google Chrome", "122", "122.0.6261.120"))


@dataclass(frozen=True)
class Profile:
    """One in-app browser.

    ``name``: ``wechat`` | ``wechat_ios`` | ``alipay`` | ``mobile``;
    ``user_agent``: the UA string; ``device``: the emulated phone's browser
    (:class:`Device`); ``viewport``: CSS pixels; ``bridges``: JS files (under
    ``crawler/browser/js``) injected by :meth:`init_script`; ``headers``: extra HTTP headers.
    """

    name: str
    user_agent: str
    device: Device = ANDROID_WECHAT
    viewport: tuple[int, int] = (390, 844)
    device_scale_factor: float = 2
    bridges: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=lambda: {"Accept-Language": "zh-CN,zh;q=0.9"})

    @property
    def accept_language(self) -> str:
        """The phone's languages, comma-separated without weights (``navigator.languages``;
        Chromium weights them in the ``Accept-Language`` header itself)."""
        raw = self.headers.get("Accept-Language", "zh-CN,zh;q=0.9")
        return ",".join(x.split(";")[0].strip() for x in raw.split(",") if x.strip())

    def ua_override(self) -> dict[str, Any]:
        """Parameters of CDP ``Emulation.setUserAgentOverride`` / ``Network.setUserAgentOverride``
        for this phone: user agent, accept-language, platform and (when the browser has client
        hints) the user-agent metadata.  Without metadata Chromium sends no ``Sec-CH-UA*``."""
        params: dict[str, Any] = {"userAgent": self.user_agent, "acceptLanguage": self.accept_language,
                                  "platform": self.device.platform}
        if self.device.ua_metadata is not None:
            params["userAgentMetadata"] = self.device.ua_metadata
        return params

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

    def worker_script(self, held: bool = False) -> str:
        """JavaScript put before a worker's own script (``js/worker.js``): the worker's navigator
        agrees with the device (platform, CPU count, memory, ``userAgentData`` with the device's
        brands, or none), and live mode's hold can keep the websocket frames it sends
        (``held``: already holding)."""
        return (";" + js_source("worker.js").replace("__QRAUDIT_DEVICE__", json.dumps(self.device.js_config()))
                .replace("__QRAUDIT_UA_DATA__", json.dumps(self.device.ua_metadata))
                .replace("__QRAUDIT_HELD__", "true" if held else "false"))

    def init_script(self) -> str:
        """JavaScript to run in every frame before the page's scripts: the device's
        navigator (see :class:`Device`), the worker wrapper that lets every worker script be
        patched too, and the app's bridge stand-ins."""
        cfg = {**self.device.js_config(), "uaMeta": self.device.ua_metadata, "workerPatch": self.worker_script()}
        device = js_source("device.js").replace("__QRAUDIT_DEVICE__", json.dumps(cfg))
        return "\n".join([device, *(js_source(b) for b in self.bridges)])

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
        device=IOS_WECHAT,
        user_agent=(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Mobile/15E148 MicroMessenger/8.0.50(0x1800323b) NetType/WIFI Language/zh_CN"
        ),
        bridges=("wechat.js",),
    ),
    "alipay": Profile(
        name="alipay",
        device=ANDROID_ALIPAY,
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
        device=ANDROID_CHROME,
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
