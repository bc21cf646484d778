"""Chinese display text for the reasons of ``inconclusive`` and ``unsupported`` verdicts.

The audit engine writes its reasons in English (``crawler/agent/agent.py``,
``crawler/audit.py``, ``detectors/engine.py``) and they are stored as written:
the data keep the English.  :func:`reason_text` only translates for display,
pattern by pattern; a reason it does not know is shown unchanged, and the
variable parts it does not know (an exception message, a host name) stay as they
are inside the Chinese sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Chromium net errors as the agent names them (``NET_ERRORS`` in crawler/agent/agent.py).
NET_ERRORS_ZH = {
    "connection refused": "连接被拒绝",
    "host name not found (DNS)": "域名无法解析（DNS）",
    "host name not found": "域名无法解析",
    "connection timed out": "连接超时",
    "timed out": "超时",
    "connection reset": "连接被重置",
    "address unreachable": "地址无法访问",
    "no network": "无网络",
    "TLS certificate not trusted": "TLS 证书不受信任",
    "TLS certificate expired": "TLS 证书已过期",
    "TLS certificate for another host": "TLS 证书与域名不符",
    "TLS error": "TLS 错误",
    "port blocked by the browser": "端口被浏览器禁止",
    "empty response": "服务器无响应内容",
    "network error": "网络错误",
}

#: What a gate asks for (``crawler.agent.gates.ASK_PATTERNS`` and the field kinds).
ASKS_ZH = {
    "phone": "手机号",
    "sms_code": "短信验证码",
    "login": "登录",
    "follow": "关注公众号",
    "membership": "注册会员",
    "profile_auth": "授权头像昵称",
    "location": "位置",
    "camera": "摄像头/人脸",
    "fields": "个人信息字段",
    "consent": "隐私同意",
    "name": "姓名",
    "email": "邮箱",
    "id_number": "身份证号",
    "birthday": "生日",
    "gender": "性别",
    "address": "地址",
}

#: How far the order path got (``crawler.trace.REACHED``).
REACHED_ZH = {
    "none": "未打开",
    "landing": "落地页",
    "menu": "菜单",
    "item": "选菜",
    "cart": "购物车",
    "checkout": "结算页",
    "submitted": "已提交订单",
}

_MODES_ZH = {"dine_in": "堂食", "pickup": "自取", "delivery": "外卖"}
_PURPOSES_ZH = {"cart": "购物车", "checkout": "结算页"}


def _asks(text: str) -> str:
    return "、".join(ASKS_ZH.get(a.strip(), a.strip()) for a in text.split(",") if a.strip())


def _reached(value: str) -> str:
    return REACHED_ZH.get(value, value)


#: The agent's "what it was doing" (``Ctx.doing``) -> Chinese; fixed texts first, then patterns.
_DOING_FIXED = {
    "opening the page": "打开页面",
    "adding an item": "加菜",
    "at checkout": "在结算页",
    "choosing item options": "选择规格",
    "dismissing a notice": "关闭提示",
    "entering the menu": "进入菜单",
    "looking at what follows the order": "查看下单后的页面",
}
_DOING_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"choosing order mode (\w+)"), lambda m: f"选择就餐方式（{_MODES_ZH.get(m[1], m[1])}）"),
    (re.compile(r"opening the (\w+)"), lambda m: f"打开{_PURPOSES_ZH.get(m[1], m[1])}"),
    (re.compile(r"getting past a gate \((.*)\)"), lambda m: f"通过拦截层（{_asks(m[1])}）"),
]


def _doing(text: str) -> str:
    text = text.strip()
    if text in _DOING_FIXED:
        return _DOING_FIXED[text]
    for rx, fn in _DOING_PATTERNS:
        m = rx.fullmatch(text)
        if m:
            return fn(m)
    return text


def _load_failure(text: str) -> str:
    """``host name not found (DNS) (ERR_NAME_NOT_RESOLVED)``, ``ERR_X``, ``HTTP 404`` -> Chinese."""
    text = text.strip()
    m = re.fullmatch(r"(.*?)\s*\((ERR_[A-Z_]+)\)", text)
    if m and m[1] in NET_ERRORS_ZH:
        return f"{NET_ERRORS_ZH[m[1]]}（{m[2]}）"
    if text in NET_ERRORS_ZH:
        return NET_ERRORS_ZH[text]
    m = re.fullmatch(r"HTTP (\d{3})", text)
    if m:
        return f"服务器返回 HTTP {m[1]} 错误"
    return text


#: (pattern over the whole English reason, Chinese text).  Order matters: first match wins.
_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"page could not be loaded: (.*)", re.S), lambda m: f"页面无法打开：{_load_failure(m[1])}"),
    (re.compile(r"no items to order: everything is sold out.*", re.S), lambda m: "没有可点的菜品：全部售罄"),
    (re.compile(r"dead end while (.*)", re.S), lambda m: f"无法继续：在「{_doing(m[1])}」时走不下去"),
    (re.compile(r"timeout after ([\d.]+) s while (.*)", re.S),
     lambda m: f"超时：{m[1]} 秒内未完成（当时在「{_doing(m[2])}」）"),
    (re.compile(r"agent error while (.*?): (.*)", re.S),
     lambda m: f"审计程序出错（在「{_doing(m[1])}」时）：{m[2]}"),
    (re.compile(r"redirect loop: .*", re.S), lambda m: "重定向循环：页面不断跳转"),
    (re.compile(r"dialog loop: .*", re.S), lambda m: "弹窗循环：页面不断弹出提示框"),
    (re.compile(r"mini-program only: .*", re.S), lambda m: "仅限小程序：页面要求打开微信小程序"),
    (re.compile(r"app-only: .*", re.S), lambda m: "仅限 App：页面要求下载或打开 App"),
    (re.compile(r"mini-program or app link \((\w+)://\): .*", re.S),
     lambda m: f"小程序或 App 链接（{m[1]}://）：不是网页，只能在小程序或 App 中打开"),
    (re.compile(r"non-web link \((\w+)://\): .*", re.S),
     lambda m: f"非网页链接（{m[1]}://）：不是网页，只能在小程序或 App 中打开"),
    (re.compile(r"not a web page \(mini-program or app-only link\)"), lambda m: "不是网页（小程序或仅限 App 的链接）"),
    (re.compile(r"closed: .*", re.S), lambda m: "商家休息中：当前不接受点餐（休息/打烊）"),
    (re.compile(r"page broken: script error and empty page"), lambda m: "页面故障：脚本出错，页面空白"),
    (re.compile(r"page broken: empty page \(script error\)"), lambda m: "页面故障：页面空白（脚本出错）"),
    (re.compile(r"page broken: empty page"), lambda m: "页面故障：页面空白"),
    (re.compile(r"gate asks for an SMS code \((.*)\); send-code not pressed outside the sandbox", re.S),
     lambda m: f"拦截层要求短信验证码（{_asks(m[1])}）；在沙盒之外不点击“发送验证码”"),
    (re.compile(r"PI gate \((.*)\) with no way past it", re.S),
     lambda m: f"索取个人信息的拦截层（{_asks(m[1])}）无法绕过"),
    (re.compile(r"gate would send an SMS"), lambda m: "通过拦截层需要发送短信验证码（未发送）"),
    (re.compile(r"PI gate \((.*)\) not passed even with canary values", re.S),
     lambda m: f"填写测试信息后仍未通过索取个人信息的拦截层（{_asks(m[1])}）"),
    (re.compile(r"permission gate \((.*)\) not passed even when granted", re.S),
     lambda m: f"授予权限后仍未通过权限拦截层（{_asks(m[1])}）"),
    (re.compile(r"submit not accepted at checkout \(no PI field to fill\)"),
     lambda m: "结算页提交未被接受（没有可填写的个人信息字段）"),
    (re.compile(r"submit not accepted at checkout"), lambda m: "结算页提交未被接受"),
    (re.compile(r"checkout form not accepted even with canary values"), lambda m: "填写测试信息后结算表单仍未被接受"),
    (re.compile(r"checkout form \((.*)\) not accepted", re.S), lambda m: f"结算表单（{_asks(m[1])}）未被接受"),
    (re.compile(r"agent did not run"), lambda m: "审计程序未运行"),
    (re.compile(r"blocked before checkout \(reached (\w+)\)"), lambda m: f"到达结算页前被拦截（进度：{_reached(m[1])}）"),
    (re.compile(r"visit cut short \(incomplete trace\)"), lambda m: "访问中断（记录不完整）"),
    (re.compile(r"order path not completed \(reached (\w+)\)"), lambda m: f"下单路径未走完（进度：{_reached(m[1])}）"),
    (re.compile(r"could not reach checkout \(reached (\w+)\)"), lambda m: f"未能到达结算页（进度：{_reached(m[1])}）"),
    # bare outcomes used as reasons
    (re.compile(r"closed"), lambda m: "商家休息中"),
    (re.compile(r"timeout"), lambda m: "超时"),
    (re.compile(r"error"), lambda m: "出错"),
    (re.compile(r"blocked"), lambda m: "被拦截"),
    (re.compile(r"unsupported"), lambda m: "不支持"),
]


def reason_zh(reason: str | None) -> str | None:
    """The Chinese text of a known English reason; ``None`` when the reason is not known."""
    if not reason:
        return None
    text = str(reason).strip()
    for rx, fn in _PATTERNS:
        m = rx.fullmatch(text)
        if m:
            return fn(m)
    return None


def reason_text(reason: str | None, lang: str) -> str:
    """A reason to show in a report in ``lang``: Chinese for ``zh`` when known, else as stored."""
    if not reason:
        return ""
    if lang == "zh":
        return reason_zh(reason) or str(reason)
    return str(reason)
