"""Reason codes: why a visit ended without a verdict about the merchant, as data.

The agent, the engine and the crawl write a :class:`Reason` — a code from
:class:`Code` and its parameters — never a sentence.  Resume, exit statuses and
the store decide on :attr:`Reason.code`; the words people read (English and
Chinese) are rendered at the edge from the one table :data:`WORDS` by
:func:`render`.  Results keep the English rendering in their ``reason`` field
(the findings.md contract) beside ``reason_code`` and ``reason_params``.

The Chinese words carry no Latin-letter word (the Chinese report shows them as they
are): the browser's error codes, HTTP, schemes and exception texts stay in the
parameters and the English words.

Stored runs written before codes existed only have the English sentence:
:func:`from_legacy_text` recovers the code and parameters from it (the one
place that still reads those sentences).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Code(StrEnum):
    """Why a visit ended ``inconclusive`` / ``unsupported`` (or was blocked)."""

    LOAD_FAILED = "load_failed"  # net_error (ERR_…) or http_status
    REDIRECT_LOOP = "redirect_loop"
    DIALOG_LOOP = "dialog_loop"
    PAGE_BROKEN = "page_broken"  # script_error: bool
    CLOSED = "closed"
    SOLD_OUT = "sold_out"
    DEAD_END = "dead_end"  # doing
    TIMEOUT = "timeout"  # seconds, doing
    AGENT_ERROR = "agent_error"  # doing, error
    AGENT_DID_NOT_RUN = "agent_did_not_run"
    MINI_PROGRAM = "mini_program"
    APP_ONLY = "app_only"
    APP_LINK = "app_link"  # scheme
    GATE_NO_WAY = "gate_no_way"  # asks
    GATE_NOT_PASSED = "gate_not_passed"  # asks
    PERMISSION_NOT_PASSED = "permission_not_passed"  # asks
    CHECKOUT_REFUSED = "checkout_refused"  # asks (may be empty)
    SUBMIT_REFUSED = "submit_refused"  # no PI field to fill
    BLOCKED_BEFORE_CHECKOUT = "blocked_before_checkout"  # reached
    INCOMPLETE = "incomplete"  # the visit was cut short
    NOT_COMPLETED = "not_completed"  # reached
    NO_CHECKOUT = "no_checkout"  # reached
    CRAWL_ERROR = "crawl_error"  # error (the page was never handed to the engine)
    ENGINE_ERROR = "engine_error"  # error (the engine raised)
    UNKNOWN = "unknown"  # text (an unparsed legacy sentence)


class Doing(StrEnum):
    """What the agent was doing when a visit ended (a parameter of several reasons)."""

    OPENING = "opening_page"
    ENTERING_MENU = "entering_menu"
    ADDING = "adding_item"
    OPTIONS = "choosing_options"
    MODE = "choosing_mode"  # + mode
    CART = "opening_cart"
    CHECKOUT = "opening_checkout"
    AT_CHECKOUT = "at_checkout"
    GATE = "passing_gate"  # + asks
    NOTICE = "dismissing_notice"
    AFTER_ORDER = "after_order"


#: Codes of reasons that say nothing about the merchant's conduct, only that the page could
#: not be audited now: a later visit may do better (``crawl --resume`` retries the transient ones).
NOT_AUDITED = frozenset({Code.LOAD_FAILED, Code.AGENT_ERROR, Code.AGENT_DID_NOT_RUN, Code.CRAWL_ERROR,
                         Code.ENGINE_ERROR})

#: Chromium net errors a diner would meet when a page cannot be reached: code -> (en, zh, transient).
NET_ERRORS: dict[str, tuple[str, str, bool]] = {
    "ERR_CONNECTION_REFUSED": ("connection refused", "连接被拒绝", True),
    "ERR_NAME_NOT_RESOLVED": ("host name not found (DNS)", "域名无法解析", True),
    "ERR_CONNECTION_TIMED_OUT": ("connection timed out", "连接超时", True),
    "ERR_TIMED_OUT": ("timed out", "超时", True),
    "ERR_CONNECTION_RESET": ("connection reset", "连接被重置", True),
    "ERR_CONNECTION_CLOSED": ("connection closed", "连接被关闭", True),
    "ERR_ADDRESS_UNREACHABLE": ("address unreachable", "地址无法访问", True),
    "ERR_INTERNET_DISCONNECTED": ("no network", "无网络", True),
    "ERR_NETWORK_CHANGED": ("network changed", "网络变化", True),
    "ERR_CERT_AUTHORITY_INVALID": ("TLS certificate not trusted", "安全证书不受信任", True),
    "ERR_CERT_DATE_INVALID": ("TLS certificate expired", "安全证书已过期", True),
    "ERR_CERT_COMMON_NAME_INVALID": ("TLS certificate for another host", "安全证书与域名不符", True),
    "ERR_SSL_PROTOCOL_ERROR": ("TLS error", "安全连接出错", True),
    "ERR_UNSAFE_PORT": ("port blocked by the browser", "端口被浏览器禁止", False),
    "ERR_EMPTY_RESPONSE": ("empty response", "服务器无响应内容", True),
    "ERR_INVALID_AUTH_CREDENTIALS": ("the site asks for a password (HTTP 401)", "网站要求登录密码（状态码 401）", False),
    "timeout": ("timed out", "超时", True),
}

#: Faults of a site that the auditor got past and recorded (``trace.meta["faults"]``, a result's
#: ``faults``): kind -> (English, Chinese) words; ``{error}`` is the net error.
FAULTS: dict[str, tuple[str, str]] = {
    "certificate_error": ("the site's TLS certificate is not valid ({error}): audited as a diner who goes on "
                          "anyway", "网站的 TLS 证书无效（{error}）：按继续访问的顾客完成审计"),
    "navigation_retried": ("the page did not answer the first time ({error}): loaded again",
                           "页面首次打开没有响应（{error}）：已重新打开"),
}


def fault_text(kind: str, params: Mapping[str, Any] | None = None, lang: str = "en") -> str:
    """A recorded fault in words (see :data:`FAULTS`); an unknown kind is its own name."""
    words = FAULTS.get(kind)
    if words is None:
        return kind
    p = dict(params or {})
    err = str(p.get("error") or "")
    en, zh, _t = NET_ERRORS.get(err, (err, err, True))
    return words[_i(lang)].format(error=(zh if lang == "zh" else en) + (f", {err}" if err in NET_ERRORS else ""))


#: HTTP statuses below 500 of the main document that a later visit may not meet (every 5xx is transient too).
TRANSIENT_HTTP = frozenset({408, 425, 429})

ASKS: dict[str, tuple[str, str]] = {
    "phone": ("phone", "手机号"), "sms_code": ("SMS code", "短信验证码"), "login": ("login", "登录"),
    "follow": ("follow", "关注公众号"), "membership": ("membership", "注册会员"),
    "profile_auth": ("profile authorisation", "授权头像昵称"), "location": ("location", "位置"),
    "camera": ("camera", "摄像头/人脸"), "fields": ("personal fields", "个人信息字段"),
    "consent": ("consent", "隐私同意"), "name": ("name", "姓名"), "email": ("e-mail", "邮箱"),
    "id_number": ("ID number", "身份证号"), "birthday": ("birthday", "生日"), "gender": ("gender", "性别"),
    "address": ("address", "地址"), "username": ("user name", "用户名"), "password": ("password", "密码"),
    "bank_card": ("bank card number", "银行卡号"),
}

REACHED: dict[str, tuple[str, str]] = {
    "none": ("none", "未打开"), "landing": ("landing", "落地页"), "menu": ("menu", "菜单"),
    "item": ("item", "选菜"), "cart": ("cart", "购物车"), "checkout": ("checkout", "结算页"),
    "submitted": ("submitted", "已提交订单"),
}

MODES: dict[str, tuple[str, str]] = {"dine_in": ("dine-in", "堂食"), "pickup": ("pickup", "自取"),
                                     "delivery": ("delivery", "外卖")}

DOING: dict[str, tuple[str, str]] = {
    Doing.OPENING: ("opening the page", "打开页面"),
    Doing.ENTERING_MENU: ("entering the menu", "进入菜单"),
    Doing.ADDING: ("adding an item", "加菜"),
    Doing.OPTIONS: ("choosing item options", "选择规格"),
    Doing.MODE: ("choosing order mode {mode}", "选择就餐方式（{mode}）"),
    Doing.CART: ("opening the cart", "打开购物车"),
    Doing.CHECKOUT: ("opening the checkout", "打开结算页"),
    Doing.AT_CHECKOUT: ("at checkout", "在结算页"),
    Doing.GATE: ("getting past a gate ({asks})", "通过拦截层（{asks}）"),
    Doing.NOTICE: ("dismissing a notice", "关闭提示"),
    Doing.AFTER_ORDER: ("looking at what follows the order", "查看下单后的页面"),
}


@dataclass(frozen=True)
class Reason:
    """A reason code and its parameters (plain JSON values)."""

    code: Code
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        """The reason in words (``en`` or ``zh``)."""
        return render(self.code, self.params, lang)

    def to_dict(self) -> dict[str, Any]:
        return {"code": str(self.code), "params": dict(self.params)}


def _i(lang: str) -> int:
    return 1 if lang == "zh" else 0


def _asks(v: Any, lang: str) -> str:
    items = v if isinstance(v, list | tuple) else [x.strip() for x in str(v or "").split(",") if x.strip()]
    sep = "、" if lang == "zh" else ", "
    return sep.join(ASKS.get(a, (a, a))[_i(lang)] for a in items)


def doing_text(doing: Any, lang: str = "en", **params: Any) -> str:
    """``Ctx.doing`` (a :class:`Doing` value, with ``mode`` / ``asks`` in ``params``) in words."""
    tpl = DOING.get(str(doing))
    if tpl is None:
        return str(doing or "")
    mode = params.get("mode")
    return tpl[_i(lang)].format(mode=MODES.get(mode, (mode, mode))[_i(lang)] if mode else "",
                                asks=_asks(params.get("asks"), lang))


def load_failure_words(params: Mapping[str, Any], lang: str = "en") -> str:
    """Why a page could not be loaded, in words: the net error or the HTTP status of a
    :attr:`Code.LOAD_FAILED` reason's ``params``."""
    return _net(params, lang)


#: HTTP statuses of the main document that ask for credentials: their words
AUTH_HTTP: dict[int, tuple[str, str]] = {
    401: ("the site asks for a password (HTTP 401)", "网站要求登录密码（HTTP 401）"),
    407: ("a proxy asks for a password (HTTP 407)", "代理服务器要求登录密码（HTTP 407）"),
}


def _net(p: Mapping[str, Any], lang: str) -> str:
    if p.get("http_status"):
        status = int(p["http_status"]) if str(p["http_status"]).isdigit() else 0
        if status in AUTH_HTTP:
            return AUTH_HTTP[status][_i(lang)]
        return f"HTTP {p['http_status']}" if lang != "zh" else f"服务器返回错误（状态码 {p['http_status']}）"
    err = str(p.get("net_error") or "network error")
    en, zh, _t = NET_ERRORS.get(err, (err, err, True))
    words = zh if lang == "zh" else en
    if lang == "zh":  # the browser's error code stays in the data and the English words
        return words if err in NET_ERRORS else "网络错误"
    return words if err == "timeout" or err not in NET_ERRORS else f"{words} ({err})"


def _reached(p: Mapping[str, Any], lang: str) -> str:
    r = str(p.get("reached") or "none")
    return REACHED.get(r, (r, r))[_i(lang)]


def _doing(p: Mapping[str, Any], lang: str) -> str:
    return doing_text(p.get("doing"), lang, mode=p.get("mode"), asks=p.get("doing_asks"))


Render = Callable[[Mapping[str, Any], str], str]

#: code -> (English, Chinese) renderers.  The one table of reason words.
WORDS: dict[Code, tuple[Render, Render]] = {
    Code.LOAD_FAILED: (lambda p, lang: f"page could not be loaded: {_net(p, lang)}", lambda p, lang: f"页面无法打开：{_net(p, lang)}"),
    Code.REDIRECT_LOOP: (lambda p, lang: "redirect loop: the page keeps redirecting", lambda p, lang: "重定向循环：页面不断跳转"),
    Code.DIALOG_LOOP: (lambda p, lang: "dialog loop: the page keeps opening alert dialogs",
                       lambda p, lang: "弹窗循环：页面不断弹出提示框"),
    Code.PAGE_BROKEN: (lambda p, lang: "page broken: script error and empty page" if p.get("script_error")
                       else "page broken: empty page",
                       lambda p, lang: "页面故障：脚本出错，页面空白" if p.get("script_error") else "页面故障：页面空白"),
    Code.CLOSED: (lambda p, lang: "closed: the merchant is not taking orders now (休息/打烊/closed)",
                  lambda p, lang: "商家休息中：当前不接受点餐（休息/打烊）"),
    Code.SOLD_OUT: (lambda p, lang: "no items to order: everything is sold out (售罄)", lambda p, lang: "没有可点的菜品：全部售罄"),
    Code.DEAD_END: (lambda p, lang: f"dead end while {_doing(p, lang)}", lambda p, lang: f"无法继续：在「{_doing(p, lang)}」时走不下去"),
    Code.TIMEOUT: (lambda p, lang: f"timeout after {p.get('seconds', 0):g} s while {_doing(p, lang)}",
                   lambda p, lang: f"超时：{p.get('seconds', 0):g} 秒内未完成（当时在「{_doing(p, lang)}」）"),
    Code.AGENT_ERROR: (lambda p, lang: f"agent error while {_doing(p, lang)}: {p.get('error', '')}",
                       lambda p, lang: f"审计程序出错（在「{_doing(p, lang)}」时）"),
    Code.AGENT_DID_NOT_RUN: (lambda p, lang: "agent did not run", lambda p, lang: "审计程序未运行"),
    Code.MINI_PROGRAM: (lambda p, lang: "mini-program only: the page asks to open a WeChat mini-program",
                        lambda p, lang: "仅限小程序：页面要求打开微信小程序"),
    Code.APP_ONLY: (lambda p, lang: "app-only: the page asks to download/open an app",
                    lambda p, lang: "仅限手机应用：页面要求下载或打开手机应用"),
    Code.APP_LINK: (lambda p, lang: ("mini-program or app link" if p.get("kind", "app") == "app" else "non-web link")
                    + f" ({p.get('scheme', '')}://): not a web page; mini-program/app only",
                    lambda p, lang: "小程序或手机应用的链接：不是网页，只能在小程序或手机应用中打开"),
    Code.GATE_NO_WAY: (lambda p, lang: f"PI gate ({_asks(p.get('asks'), lang)}) with no way past it",
                       lambda p, lang: f"索取个人信息的拦截层（{_asks(p.get('asks'), lang)}）无法绕过"),
    Code.GATE_NOT_PASSED: (lambda p, lang: f"PI gate ({_asks(p.get('asks'), lang)}) not passed even with canary values",
                           lambda p, lang: f"填写测试信息后仍未通过索取个人信息的拦截层（{_asks(p.get('asks'), lang)}）"),
    Code.PERMISSION_NOT_PASSED: (lambda p, lang: f"permission gate ({_asks(p.get('asks'), lang)}) not passed even when granted",
                                 lambda p, lang: f"授予权限后仍未通过权限拦截层（{_asks(p.get('asks'), lang)}）"),
    Code.CHECKOUT_REFUSED: (lambda p, lang: "checkout form" + (f" ({_asks(p.get('asks'), lang)})" if p.get("asks") else "")
                            + " not accepted even with canary values",
                            lambda p, lang: "填写测试信息后结算表单" + (f"（{_asks(p.get('asks'), lang)}）" if p.get("asks") else "")
                            + "仍未被接受"),
    Code.SUBMIT_REFUSED: (lambda p, lang: "submit not accepted at checkout" + (" (no PI field to fill)" if p.get("no_pi_field") else ""),
                          lambda p, lang: "结算页提交未被接受" + ("（没有可填写的个人信息字段）" if p.get("no_pi_field") else "")),
    Code.BLOCKED_BEFORE_CHECKOUT: (lambda p, lang: f"blocked before checkout (reached {_reached(p, lang)})",
                                   lambda p, lang: f"到达结算页前被拦截（进度：{_reached(p, lang)}）"),
    Code.INCOMPLETE: (lambda p, lang: "visit cut short (incomplete trace)", lambda p, lang: "访问中断（记录不完整）"),
    Code.NOT_COMPLETED: (lambda p, lang: f"order path not completed (reached {_reached(p, lang)})",
                         lambda p, lang: f"下单路径未走完（进度：{_reached(p, lang)}）"),
    Code.NO_CHECKOUT: (lambda p, lang: f"could not reach checkout (reached {_reached(p, lang)})",
                       lambda p, lang: f"未能到达结算页（进度：{_reached(p, lang)}）"),
    Code.CRAWL_ERROR: (lambda p, lang: f"crawl error: {p.get('error', '')}", lambda p, lang: "抓取出错（错误详情见英文版）"),
    Code.ENGINE_ERROR: (lambda p, lang: f"audit error: {p.get('error', '')}", lambda p, lang: "审计出错（错误详情见英文版）"),
    Code.UNKNOWN: (lambda p, lang: str(p.get("text", "")), lambda p, lang: str(p.get("text", ""))),
}


def render(code: str | Code | None, params: Mapping[str, Any] | None = None, lang: str = "en") -> str:
    """The words of reason ``code`` with ``params`` in ``lang`` (``en`` | ``zh``); ``""`` for no code.
    An unknown code is shown as it is (a newer tool's code read by an older one)."""
    if not code:
        return ""
    try:
        c = Code(str(code))
    except ValueError:
        return str(code)
    en, zh = WORDS[c]
    return (zh if lang == "zh" else en)(params or {}, lang)


def is_transient(code: str | None, params: Mapping[str, Any] | None) -> bool:
    """Whether a visit ended this way may go better later (``crawl --resume`` retries it):
    a network error that comes and goes, or a transient HTTP status."""
    if code != Code.LOAD_FAILED:
        return False
    p = params or {}
    if p.get("http_status"):
        status = int(p["http_status"])
        return status >= 500 or status in TRANSIENT_HTTP
    return NET_ERRORS.get(str(p.get("net_error")), ("", "", True))[2]


# ---- legacy: English sentences of runs stored before reason codes ------------------------------

_NET_BY_EN = {v[0]: k for k, v in NET_ERRORS.items()}


def _legacy_doing(text: str) -> dict[str, Any]:
    text = text.strip()
    for d, (en, _zh) in DOING.items():
        if "{" not in en and en == text:
            return {"doing": str(d)}
    m = re.fullmatch(r"choosing order mode (\w+)", text)
    if m:
        return {"doing": str(Doing.MODE), "mode": m[1]}
    m = re.fullmatch(r"opening the (\w+)", text)
    if m:
        return {"doing": str(Doing.CART if m[1] == "cart" else Doing.CHECKOUT)}
    m = re.fullmatch(r"getting past a gate \((.*)\)", text)
    if m:
        return {"doing": str(Doing.GATE), "doing_asks": [a.strip() for a in m[1].split(",") if a.strip()]}
    return {"doing": text}


def _legacy_net(cause: str) -> dict[str, Any]:
    cause = cause.strip()
    m = re.fullmatch(r"HTTP (\d{3})", cause)
    if m:
        return {"http_status": int(m[1])}
    m = re.search(r"\((ERR_[A-Z_]+)\)$", cause) or re.fullmatch(r"(ERR_[A-Z_]+)", cause)
    if m:
        return {"net_error": m[1]}
    return {"net_error": _NET_BY_EN.get(cause, cause or "network error")}


def _asks_list(s: str) -> list[str]:
    return [a.strip() for a in s.split(",") if a.strip()]


_LEGACY: list[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[Code, dict[str, Any]]]]] = [
    (re.compile(r"page could not be loaded: (.*)", re.S), lambda m: (Code.LOAD_FAILED, _legacy_net(m[1]))),
    (re.compile(r"no items to order: .*", re.S), lambda m: (Code.SOLD_OUT, {})),
    (re.compile(r"dead end while (.*)", re.S), lambda m: (Code.DEAD_END, _legacy_doing(m[1]))),
    (re.compile(r"timeout after ([\d.]+) s while (.*)", re.S),
     lambda m: (Code.TIMEOUT, {"seconds": float(m[1]), **_legacy_doing(m[2])})),
    (re.compile(r"agent error while (.*?): (.*)", re.S), lambda m: (Code.AGENT_ERROR, {**_legacy_doing(m[1]), "error": m[2]})),
    (re.compile(r"redirect loop: .*", re.S), lambda m: (Code.REDIRECT_LOOP, {})),
    (re.compile(r"dialog loop: .*", re.S), lambda m: (Code.DIALOG_LOOP, {})),
    (re.compile(r"mini-program only: .*", re.S), lambda m: (Code.MINI_PROGRAM, {})),
    (re.compile(r"app-only: .*", re.S), lambda m: (Code.APP_ONLY, {})),
    (re.compile(r"(mini-program or app|non-web) link \((\w+)://\).*", re.S),
     lambda m: (Code.APP_LINK, {"scheme": m[2], "kind": "app" if m[1] != "non-web" else "other"})),
    (re.compile(r"unsupported: not a web page \((\w+):// link.*", re.S), lambda m: (Code.APP_LINK, {"scheme": m[1]})),
    (re.compile(r"not a web page \(mini-program or app-only link\)"), lambda m: (Code.APP_LINK, {})),
    (re.compile(r"closed: .*", re.S), lambda m: (Code.CLOSED, {})),
    (re.compile(r"page broken: (script error and )?empty page( \(script error\))?"),
     lambda m: (Code.PAGE_BROKEN, {"script_error": bool(m[1] or m[2])})),
    (re.compile(r"PI gate \((.*)\) with no way past it", re.S), lambda m: (Code.GATE_NO_WAY, {"asks": _asks_list(m[1])})),
    (re.compile(r"gate asks for an SMS code \((.*)\).*", re.S), lambda m: (Code.GATE_NOT_PASSED, {"asks": _asks_list(m[1])})),
    (re.compile(r"gate would send an SMS"), lambda m: (Code.GATE_NOT_PASSED, {"asks": ["sms_code"]})),
    (re.compile(r"PI gate \((.*)\) not passed even with canary values", re.S),
     lambda m: (Code.GATE_NOT_PASSED, {"asks": _asks_list(m[1])})),
    (re.compile(r"permission gate \((.*)\) not passed even when granted", re.S),
     lambda m: (Code.PERMISSION_NOT_PASSED, {"asks": _asks_list(m[1])})),
    (re.compile(r"submit not accepted at checkout( \(no PI field to fill\))?", re.S),
     lambda m: (Code.SUBMIT_REFUSED, {"no_pi_field": bool(m[1])})),
    (re.compile(r"checkout form not accepted even with canary values"), lambda m: (Code.CHECKOUT_REFUSED, {})),
    (re.compile(r"checkout form \((.*)\) not accepted", re.S), lambda m: (Code.CHECKOUT_REFUSED, {"asks": _asks_list(m[1])})),
    (re.compile(r"agent did not run"), lambda m: (Code.AGENT_DID_NOT_RUN, {})),
    (re.compile(r"blocked before checkout \(reached (\w+)\)"), lambda m: (Code.BLOCKED_BEFORE_CHECKOUT, {"reached": m[1]})),
    (re.compile(r"visit cut short \(incomplete trace\)"), lambda m: (Code.INCOMPLETE, {})),
    (re.compile(r"order path not completed \(reached (\w+)\)"), lambda m: (Code.NOT_COMPLETED, {"reached": m[1]})),
    (re.compile(r"could not reach checkout \(reached (\w+)\)"), lambda m: (Code.NO_CHECKOUT, {"reached": m[1]})),
    (re.compile(r"crawl error: (.*)", re.S), lambda m: (Code.CRAWL_ERROR, {"error": m[1]})),
    (re.compile(r"audit error: (.*)", re.S), lambda m: (Code.ENGINE_ERROR, {"error": m[1]})),
]


def stored(code: str | None, params: Any, text: str | None) -> Reason | None:
    """The reason of a stored result: its code and parameters (JSON text or a dict), or —
    stored before codes — its English ``text`` read back (:func:`from_legacy_text`)."""
    if code:
        if isinstance(params, str):
            try:
                params = json.loads(params)
            except ValueError:
                params = {}
        try:
            return Reason(Code(code), params if isinstance(params, dict) else {})
        except ValueError:
            return Reason(Code.UNKNOWN, {"text": text or code})
    return from_legacy_text(text)


def from_legacy_text(text: str | None) -> Reason | None:
    """The :class:`Reason` of an English sentence stored before reason codes (``None`` for none);
    a sentence it does not know becomes :attr:`Code.UNKNOWN` with the text kept."""
    if not text:
        return None
    t = str(text).strip()
    for rx, fn in _LEGACY:
        m = rx.fullmatch(t)
        if m:
            code, params = fn(m)
            return Reason(code, params)
    return Reason(Code.UNKNOWN, {"text": t})
