"""What one visit is allowed to do: the visit's settings and the two modes.

**Privileged** mode (a host declared a sandbox, or ``allow_submit``): the agent
may press the final submit, "send code", login, register, join and follow for
real (never pay).  **Live** mode (every other host, loopback included): those
presses are made only with the network held.  :func:`is_sandbox_host` decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from core.errors import QrauditError


@dataclass
class AuditConfig:
    """Settings of one visit.

    ``env``: ``wechat`` | ``alipay`` | ``mobile``; ``timeout_s``: the whole
    visit's time budget in seconds; ``out_dir``: folder for ``trace.json`` and
    evidence files; ``sandbox_hosts``: the hosts declared as sandbox (privileged
    mode: the agent may press "send code", login/register/join/follow and the final
    submit there; every other host, loopback included, is live); ``allow_submit``:
    allow that everywhere; ``canary_seed``: makes the per-visit canary values
    reproducible (default: random).
    """

    env: str = "wechat"
    timeout_s: float = 60.0
    out_dir: Path = Path("data/checks")
    sandbox_hosts: list[str] = field(default_factory=list)
    allow_submit: bool = False
    canary_seed: str | None = None
    screenshots: bool = True


WEB_SCHEMES = ("http", "https")
#: Schemes of apps and mini-programs that a table QR code may carry instead of a web
#: page: audited as ``unsupported`` (WeChat, Alipay, QQ, Taobao, Meituan, Dianping, Ele.me, JD, Douyin).
APP_SCHEMES = (
    "weixin", "alipays", "alipay", "mqqapi", "mqq", "taobao", "tbopen", "imeituan", "meituanwaimai",
    "dianping", "eleme", "openapp.jdmobile", "snssdk1128",
)


def is_sandbox_host(host: str, config: AuditConfig | None = None) -> bool:
    """True when ``host`` was declared a sandbox host: one of ``config.sandbox_hosts``
    (exact, case-insensitive).  Nothing else is: a loopback address or ``localhost``
    is audited as a live site too (a localhost tunnel to a real shop must never
    receive orders).  On sandbox hosts (privileged mode) the agent may press
    "send code", login/register/join/follow and the final submit (never pay);
    everywhere else (live mode) those presses are made only with the network held."""
    h = (host or "").strip().lower().strip("[]")
    if not h:
        return False
    extra = [x.strip().lower().strip("[]") for x in (config.sandbox_hosts if config else []) or []]
    return h in extra


def check_url(url: str) -> str:
    """Validate a target URL; return it stripped.

    Raises :class:`QrauditError` when ``url`` is not a URL (no scheme, an http(s)
    URL without a host, or a scheme that is neither web nor a known app's, e.g. a
    typo like ``htp://``).  App and mini-program links (:data:`APP_SCHEMES`, e.g.
    ``weixin://``) are accepted: they end as ``unsupported``.
    """
    if not isinstance(url, str) or not url.strip():
        raise QrauditError("not a URL: empty target")
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not scheme or "://" not in url and scheme not in APP_SCHEMES:
        raise QrauditError(f"not a URL: {url!r}")
    if scheme not in WEB_SCHEMES and scheme not in APP_SCHEMES:
        raise QrauditError(
            f"unknown URL scheme {parts.scheme!r} in {url!r}: give an http(s) URL, a QR photo, "
            "or an app link (weixin://, alipays://, …)"
        )
    if scheme in WEB_SCHEMES and not parts.hostname:
        raise QrauditError(f"not a URL: {url!r}")
    return url


