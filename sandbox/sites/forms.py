"""Vendor style ``forms`` ("快点单 KuaiDian"): server-rendered, multi-page, classic HTML forms.

Menu page with one ``<form method=post>`` per item, a spec page (选规格), a cart
page, a checkout form validated on the server and a confirmation page.  Gates
are server-rendered: overlays on the menu page (phone, follow), a membership
page before checkout, a server-side OAuth 302.  Cart and gate state live in
path-scoped cookies.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote, unquote

from sandbox.sites.common import (
    authorize_url,
    esc,
    find_item,
    footer_html,
    mbase,
    menu_of,
    order_id,
    page,
    table_of,
)
from sandbox.web import Req, Resp

CSS = """
body{margin:0;font-family:"PingFang SC","Microsoft YaHei",sans-serif;background:#f6f6f6;color:#333}
.kd-top{background:#ff6a00;color:#fff;padding:14px 16px}.kd-top h1{margin:0;font-size:20px}
.kd-top small{opacity:.9}.kd-wrap{padding:10px 12px 90px}
.kd-dish{display:flex;justify-content:space-between;align-items:center;background:#fff;margin:8px 0;padding:12px;border-radius:6px}
.kd-dish b{font-size:16px}.kd-price{color:#ff6a00;font-weight:bold}.kd-mp{color:#b8860b;font-size:12px;margin-left:6px}
.kd-btn{background:#ff6a00;color:#fff;border:0;border-radius:4px;padding:8px 12px;font-size:14px}
.kd-btn.big{display:block;width:100%;padding:12px;font-size:17px;margin-top:12px}
.kd-bar{position:fixed;bottom:0;left:0;right:0;background:#333;color:#fff;padding:10px 14px;display:flex;justify-content:space-between;align-items:center}
.kd-bar a{background:#ff6a00;color:#fff;padding:8px 18px;border-radius:4px;text-decoration:none}
.kd-mask{position:fixed;inset:0;background:rgba(0,0,0,.65);display:flex;align-items:center;justify-content:center;z-index:99}
.kd-modal{background:#fff;width:84%;max-width:340px;padding:18px;border-radius:8px}
.kd-modal input,.kd-form input,.kd-form textarea,.kd-form select{width:100%;box-sizing:border-box;padding:9px;margin:5px 0;border:1px solid #ccc;border-radius:4px}
.kd-form label{display:block;margin:10px 0 0}.kd-form .kd-inline{display:inline;width:auto}
.kd-err{color:#d00;margin:8px 0}.kd-footer{font-size:12px;color:#888;text-align:center;padding:16px 8px 70px}
.kd-footer a{color:#888}.kd-note{font-size:12px;color:#888}
"""


def _head() -> str:
    return f"<style>{CSS}</style>"


def _q(req: Req) -> str:
    return "?table=" + quote(table_of(req))


def _cart(req: Req, m: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    raw = unquote(req.cookies.get("kd_cart", ""))
    out = []
    for part in filter(None, raw.split("|")):
        iid, _, spec = part.partition(":")
        item = find_item(m, iid)
        if item:
            out.append((item, spec))
    return out


def _cookie(m: dict[str, Any], name: str, value: str) -> tuple[str, str]:
    return ("Set-Cookie", f"{name}={quote(value)}; Path={mbase(m)}/")


LOGIN_PROMPT = ("<h3>登录/注册</h3><p>登录后享会员价、积分和专属优惠</p>"
                "<a class=\"kd-btn big\" style=\"display:block;text-align:center;text-decoration:none\" href=\"{base}/login{q}\">"
                "手机号登录/注册</a><p style=\"text-align:center;margin:10px 0 0\"><a href=\"#\" class=\"kd-later\" "
                "onclick=\"try{{sessionStorage.setItem('kd_login_no'+location.pathname,'1')}}catch(e){{}}"
                "var x=this.closest('.kd-mask');x.parentNode.removeChild(x);return false;\">暂不登录</a></p>"
                "<p class=\"kd-note\">登录即表示同意<a href=\"{base}/privacy\">《隐私政策》</a></p>")

LOGIN_PROMPT_JS = ("<script>(function(){var x=document.querySelector('.kd-login');var no=null;"
                   "try{no=sessionStorage.getItem('kd_login_no'+location.pathname)}catch(e){}"
                   "if(x&&!no)x.style.display='flex';})();</script>")

#: set after the diner's first tap or key: leaving asks "确定离开？" and reports the leave (no PI) to the tracker
BEFOREUNLOAD_JS = """(function(){var armed=false;function arm(){if(armed)return;armed=true;
window.onbeforeunload=function(e){try{navigator.sendBeacon(%s,JSON.stringify({ev:'leave',page:location.pathname,t:Date.now()}));}catch(x){}
e.preventDefault();e.returnValue='确定要离开吗？您选的菜品可能不会保存';return e.returnValue;};}
document.addEventListener('pointerdown',arm,true);document.addEventListener('keydown',arm,true);document.addEventListener('touchstart',arm,true);})();"""


def _shell(m: dict[str, Any], req: Req, inner: str, title: str | None = None, overlay: str = "",
           login_prompt: bool = True) -> Resp:
    cfg = m["cfg"]
    sb = getattr(req, "sb", None)
    if cfg.get("login_every_page") and login_prompt and not overlay:
        # a login/register prompt on every page; 暂不登录 silences it on that page only
        overlay = ('<div class="kd-mask kd-login" role="dialog" aria-modal="true" style="display:none"><div class="kd-modal">'
                   + LOGIN_PROMPT.format(base=mbase(m), q=_q(req)) + "</div></div>" + LOGIN_PROMPT_JS)
    scripts = ""
    if cfg.get("beforeunload") and sb is not None:
        scripts += "<script>" + BEFOREUNLOAD_JS % json.dumps(sb.third_party_base + "/collect") + "</script>"
    body = (f'<header class="kd-top"><h1>{esc(m["name"])}</h1><small>桌号：{esc(table_of(req) or "-")}'
            f" · 扫码点餐</small></header><main class=\"kd-wrap\">{inner}</main>{footer_html(m, 'kd')}{overlay}{scripts}")
    return page(m, title or m["name"], body, _head())


def _gate_done(req: Req, i: int) -> bool:
    return req.cookies.get(f"kd_g{i}") == "1"


def _entry_overlay(m: dict[str, Any], req: Req) -> str:
    base = mbase(m)
    for i, g in enumerate(m["cfg"].get("gates", [])):
        if g["stage"] != "entry" or _gate_done(req, i):
            continue
        err = '<p class="kd-err">请输入正确的手机号</p>' if req.query.get("err") == str(i) else ""
        pp = "" if g.get("privacy") is False else (
            f'<p class="kd-note">提交即表示同意<a href="{base}/privacy">《隐私政策》</a></p>')
        if g["type"] == "phone":
            return (f'<div class="kd-mask" role="dialog" aria-modal="true"><div class="kd-modal">'
                    f'<h3>{esc(g.get("title", "请输入手机号后点餐"))}</h3>{err}'
                    f'<form method="post" action="{base}/gate/{i}{_q(req)}">'
                    f'<input type="tel" name="mobile" placeholder="请输入手机号" maxlength="11">'
                    f'<button class="kd-btn big" type="submit">确定</button></form>{pp}</div></div>')
        if g["type"] == "follow":
            qr = "/qr.png?d=" + quote("https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzQaKd" + m["id"] + "==")
            return (f'<div class="kd-mask" role="dialog" aria-modal="true"><div class="kd-modal" style="text-align:center">'
                    f"<h3>关注公众号后即可点餐</h3><img src=\"{qr}\" width=\"170\" height=\"170\" alt=\"公众号二维码\">"
                    f"<p>长按识别二维码，关注「{esc(m['name'])}」</p>"
                    f'<form method="post" action="{base}/gate/{i}{_q(req)}">'
                    f'<button class="kd-btn big" type="submit">我已关注，继续点餐</button></form>{pp}</div></div>')
    return ""


def _menu(m: dict[str, Any], req: Req) -> Resp:
    base = mbase(m)
    cfg = m["cfg"]
    if cfg.get("special") == "closed":
        return _shell(m, req, '<div style="text-align:center;padding:60px 0"><h2>本店今日休息</h2>'
                              "<p>暂停营业，营业时间：周二至周日 10:00-21:00</p></div>")
    items = []
    for x in menu_of(m):
        mp = f'<span class="kd-mp">会员价 ¥{x["member_price"]}</span>' if x.get("member_price") else ""
        if x.get("spec"):
            ctrl = f'<a class="kd-btn" href="{base}/item{_q(req)}&id={x["id"]}">选规格</a>'
        else:
            ctrl = (f'<form method="post" action="{base}/add{_q(req)}" style="margin:0">'
                    f'<input type="hidden" name="id" value="{x["id"]}">'
                    f'<button class="kd-btn" type="submit">加入购物车</button></form>')
        items.append(f'<div class="kd-dish"><div><b>{esc(x["name"])}</b><br><span class="kd-price">¥{x["price"]}</span>{mp}'
                     f'<div class="kd-note">{esc(x.get("desc", ""))}</div></div>{ctrl}</div>')
    cart = _cart(req, m)
    note = '<p class="kd-note">会员价仅供参考，非会员按原价点餐</p>' if cfg.get("member_prices") else ""
    bar = (f'<div class="kd-bar"><span>已选 {len(cart)} 件 · ¥{sum(x["price"] for x, _ in cart)}</span>'
           f'<a href="{base}/cart{_q(req)}">去购物车</a></div>')
    return _shell(m, req, f"<h2>菜单</h2>{note}{''.join(items)}{bar}", overlay=_entry_overlay(m, req))


def _item(m: dict[str, Any], req: Req) -> Resp:
    base = mbase(m)
    x = find_item(m, req.query.get("id", ""))
    if not x:
        return Resp("no such item", 404, "text/plain")
    opts = "".join(f'<label style="display:block;margin:8px 0"><input class="kd-inline" type="radio" name="spec" '
                   f'value="{esc(s)}"{" checked" if k == 0 else ""}> {esc(s)}</label>' for k, s in enumerate(x["spec"]))
    inner = (f"<h2>{esc(x['name'])}</h2><p class=\"kd-price\">¥{x['price']}</p><h3>选规格</h3>"
             f'<form class="kd-form" method="post" action="{base}/add{_q(req)}"><input type="hidden" name="id" value="{x["id"]}">'
             f'{opts}<button class="kd-btn big" type="submit">确定</button></form>'
             f'<p><a href="{base}/{_q(req)}">返回菜单</a></p>')
    return _shell(m, req, inner, "选规格")


def _add(m: dict[str, Any], req: Req) -> Resp:
    base = mbase(m)
    x = find_item(m, req.form.get("id", ""))
    if not x or x.get("soldout"):
        return Resp.redirect(f"{base}/{_q(req)}", 303)
    spec = req.form.get("spec", "")
    if x.get("spec") and spec not in x["spec"]:
        return Resp.redirect(f"{base}/item{_q(req)}&id={x['id']}", 303)
    raw = unquote(req.cookies.get("kd_cart", ""))
    raw = (raw + "|" if raw else "") + x["id"] + (":" + spec if spec else "")
    return Resp.redirect(f"{base}/{_q(req)}&added={x['id']}", 303, [_cookie(m, "kd_cart", raw)])


def _cart_page(m: dict[str, Any], req: Req) -> Resp:
    base = mbase(m)
    cart = _cart(req, m)
    if not cart:
        inner = f'<h2>购物车</h2><p>购物车是空的</p><a href="{base}/{_q(req)}">去点餐</a>'
    else:
        rows = "".join(f'<div class="kd-dish"><span>{esc(x["name"])}{("（" + esc(s) + "）") if s else ""}</span>'
                       f'<span class="kd-price">¥{x["price"]}</span></div>' for x, s in cart)
        inner = (f"<h2>购物车</h2>{rows}<p>合计：<b class=\"kd-price\">¥{sum(x['price'] for x, _ in cart)}</b></p>"
                 f'<a class="kd-btn big" style="text-align:center;text-decoration:none" href="{base}/checkout{_q(req)}">去结算</a>'
                 f'<p><a href="{base}/{_q(req)}">继续点餐</a></p>')
    return _shell(m, req, inner, "购物车")


FIELD_LABELS = {"phone": "手机号", "name": "姓名", "id_number": "身份证号", "address": "收货地址", "birthday": "生日",
                "gender": "性别", "email": "邮箱", "bank_card": "银行卡号"}
FIELD_NOTES = {"id_number": "（实名认证）", "bank_card": "（储值卡绑定，用于退款）"}
MODES = {"dine_in": "堂食", "pickup": "自提", "delivery": "外卖"}


def _checkout_form(m: dict[str, Any], req: Req, err: str = "", values: dict[str, str] | None = None) -> Resp:
    base = mbase(m)
    co = m["cfg"].get("checkout", {})
    values = values or {}
    cart = _cart(req, m)
    parts = [f"<h2>确认订单</h2><p>桌号：<b>{esc(table_of(req) or '-')}</b></p>",
             f'<p>共 {len(cart)} 件，合计 <b class="kd-price">¥{sum(x["price"] for x, _ in cart)}</b></p>']
    modes = co.get("modes") or []
    chosen = values.get("mode") or co.get("mode_default") or ""
    if len(modes) > 1:
        parts.append("<fieldset><legend>用餐方式</legend>" + "".join(
            f'<label style="display:inline;margin-right:12px"><input class="kd-inline" type="radio" name="mode" value="{md}"'
            f'{" checked" if md == chosen else ""}> {MODES[md]}</label>' for md in modes) + "</fieldset>")
        parts.append('<p class="kd-note">外卖需填写手机号和收货地址；堂食、自提无需填写</p>')
    for f in co.get("fields", []):
        req_txt = {True: ' <span style="color:#d00">*</span>', "delivery": "（外卖必填）"}.get(f["req"], "（选填）")
        typ = "tel" if f["k"] == "phone" else "date" if f["k"] == "birthday" else "text"
        note = FIELD_NOTES.get(f["k"], "")
        extra = ' inputmode="numeric"' if f["k"] in ("bank_card", "id_number") else ""
        parts.append(f'<label>{FIELD_LABELS[f["k"]]}{note}{req_txt}<input type="{typ}" name="{f["k"]}"{extra} '
                     f'value="{esc(values.get(f["k"], ""))}"></label>')
    if co.get("invoice"):
        # an invoice is asked for only when the diner ticks the box; its fields are then optional
        checked = " checked" if values.get("invoice") else ""
        shown = "block" if checked else "none"
        parts.append(f'<label style="font-size:13px"><input class="kd-inline" type="checkbox" name="invoice" value="1"{checked} '
                     f'onchange="document.getElementById(\'kd-inv\').style.display=this.checked?\'block\':\'none\'"> 需要发票</label>'
                     f'<div id="kd-inv" style="display:{shown}"><label>发票抬头（选填）<input type="text" name="invoice_title" '
                     f'value="{esc(values.get("invoice_title", ""))}"></label><label>纳税人识别号（选填）<input type="text" '
                     f'name="tax_no" value="{esc(values.get("tax_no", ""))}"></label></div>')
    parts.append('<label>备注（选填）<textarea name="remark" rows="2" placeholder="口味、忌口等">'
                 f'{esc(values.get("remark", ""))}</textarea></label>')
    for b in co.get("boxes", []):
        checked = " checked" if (values.get(b["k"]) if values else b.get("checked")) else ""
        text = esc(b["text"]).replace("《隐私政策》", f'<a href="{base}/privacy">《隐私政策》</a>')
        parts.append(f'<label style="font-size:13px"><input class="kd-inline" type="checkbox" name="{b["k"]}" value="1"{checked}> {text}</label>')
    if co.get("privacy", True) and (co.get("fields") or "delivery" in modes):
        parts.append(f'<p class="kd-note">您填写的信息仅用于本次订单，详见<a href="{base}/privacy">《隐私政策》</a></p>')
    if err:
        parts.append(f'<p class="kd-err" role="alert">{esc(err)}</p>')
    submit = m["cfg"].get("submit") or "提交订单"
    inner = (f'<form class="kd-form" method="post" action="{base}/checkout{_q(req)}">' + "".join(parts)
             + f'<button class="kd-btn big" type="submit">{esc(submit)}</button></form>')
    return _shell(m, req, inner, "确认订单")


def _validate(m: dict[str, Any], form: dict[str, str]) -> str:
    co = m["cfg"].get("checkout", {})
    modes = co.get("modes") or []
    mode = form.get("mode") or (modes[0] if len(modes) == 1 else "" if modes else "dine_in")
    if not mode:
        return "请选择用餐方式"
    for f in co.get("fields", []):
        need = f["req"] is True or (f["req"] == "delivery" and mode == "delivery")
        val = form.get(f["k"], "").strip()
        if need and not val:
            return "请填写" + FIELD_LABELS[f["k"]]
        if f["k"] == "phone" and val and not re.fullmatch(r"1\d{10}", val.replace(" ", "")):
            return "请输入正确的手机号"
        if val and not _valid_value(f["k"], val):
            return "请输入正确的" + FIELD_LABELS[f["k"]]
    for b in co.get("boxes", []):
        if b.get("required") and not form.get(b["k"]):
            return "请先勾选同意"
    return ""


def _valid_value(k: str, val: str) -> bool:
    """Server-side format checks of the order form (the ID number: 18 characters)."""
    if k == "id_number":
        return bool(re.fullmatch(r"\d{17}[\dXx]", val))
    return True


def _checkout(sb: Any, m: dict[str, Any], req: Req) -> Resp:
    base = mbase(m)
    for i, g in enumerate(m["cfg"].get("gates", [])):
        if g["stage"] == "checkout" and g["type"] == "member" and not _gate_done(req, i):
            return Resp.redirect(f"{base}/member{_q(req)}&g={i}", 302)
    if req.method == "GET":
        return _checkout_form(m, req)
    err = _validate(m, req.form)
    if err:
        return _checkout_form(m, req, err, req.form)
    data = dict(req.form)
    data["items"] = [x["id"] for x, _ in _cart(req, m)]
    data["table"] = table_of(req)
    sb.record("order_submit", m["id"], req.path, data)
    oid = order_id()
    headers = [_cookie(m, "kd_cart", ""), _cookie(m, "kd_order", oid)]
    if req.form.get("phone"):
        headers.append(_cookie(m, "kd_ph", req.form["phone"].strip()))
    if req.form.get("name"):
        headers.append(_cookie(m, "kd_nm", req.form["name"].strip()))
    return Resp.redirect(f"{base}/done{_q(req)}&o={oid}", 303, headers)


def _member(m: dict[str, Any], req: Req) -> Resp:
    base = mbase(m)
    i = int(req.query.get("g", "0") or 0)
    g = m["cfg"]["gates"][i]
    fields = g.get("fields", ["phone"])
    if req.method == "POST":
        missing = [k for k in fields if not req.form.get(k, "").strip()]
        bad = "phone" in fields and not re.fullmatch(r"1\d{10}", req.form.get("phone", "").strip())
        if not missing and not bad:
            return Resp.redirect(f"{base}/checkout{_q(req)}", 303, [_cookie(m, f"kd_g{i}", "1")])
        err = "请填写" + FIELD_LABELS[missing[0]] if missing else "请输入正确的手机号"
    else:
        err = ""
    rows = "".join(f'<label>{FIELD_LABELS[k]} <span style="color:#d00">*</span>'
                   f'<input type="{"tel" if k == "phone" else "date" if k == "birthday" else "text"}" name="{k}"></label>'
                   for k in fields)
    inner = (f'<h2>{esc(g.get("title", "注册会员后下单"))}</h2><p>本店下单需先开通会员卡</p>'
             f'<form class="kd-form" method="post" action="{base}/member{_q(req)}&g={i}">{rows}'
             + (f'<p class="kd-err" role="alert">{esc(err)}</p>' if err else "")
             + f'<button class="kd-btn big" type="submit">立即开卡</button></form>'
             f'<p class="kd-note">开卡即表示同意《会员协议》及<a href="{base}/privacy">《隐私政策》</a></p>')
    return _shell(m, req, inner, "会员开卡")


def _done(m: dict[str, Any], req: Req, sb: Any) -> Resp:
    base = mbase(m)
    oid = req.query.get("o") or unquote(req.cookies.get("kd_order", ""))
    inner = (f'<div style="text-align:center;padding:30px 0"><h2>订单已提交</h2><p>订单号：{esc(oid)}</p>'
             f"<p>桌号：{esc(table_of(req) or '-')}</p>"
             f'<form method="post" action="{base}/pay{_q(req)}"><input type="hidden" name="order" value="{esc(oid)}">'
             f'<button class="kd-btn big" type="submit">去支付</button></form></div>')
    leak = m["cfg"].get("leak")
    phone = unquote(req.cookies.get("kd_ph", ""))
    if leak and leak.get("when") == "after" and leak.get("what", "phone") == "phone" and phone:
        payload = json.dumps({"shop": m["id"], "ev": "order", "uid": base64.b64encode(phone.encode()).decode()})
        inner += ("<script>setTimeout(function(){fetch(" + json.dumps(sb.third_party_base + "/collect")
                  + ",{method:'POST',mode:'no-cors',headers:{'Content-Type':'text/plain'},body:"
                  + json.dumps(payload) + "});},300);</script>")
    if leak and leak.get("when") == "after" and leak.get("what") == "name" and unquote(req.cookies.get("kd_nm", "")):
        # the page's own charset encodes the query: on a GBK page the name leaves GBK-percent-encoded
        name = unquote(req.cookies.get("kd_nm", ""))
        inner += ("<script>setTimeout(function(){new Image().src=" + json.dumps(sb.third_party_base + "/pixel.gif?ev=order&n=")
                  + "+" + json.dumps(name, ensure_ascii=False) + ";},300);</script>")
    return _shell(m, req, inner, "订单已提交", login_prompt=False)


def handle(sb: Any, req: Req, m: dict[str, Any], rest: str) -> Resp:
    """Serve one request of a ``forms`` merchant."""
    base = mbase(m)
    cfg = m["cfg"]
    req.sb = sb  # type: ignore[attr-defined]  (the page shell reads the third-party base from it)
    if cfg.get("charset") and req.method == "POST":
        req.form = req.form_in(cfg["charset"])  # a GBK page posts its form in GBK
    if cfg.get("special") == "loop":
        n = int(req.query.get("n", "0") or 0) + 1
        nxt = f"{base}/go" if rest == "/" else f"{base}/"
        return Resp.redirect(f"{nxt}{_q(req)}&n={n}", 302)
    oauth = cfg.get("server_oauth")
    if oauth and rest in ("/", "/cart", "/checkout") and not req.cookies.get("qa_auth"):
        if oauth.get("scope") in ("snsapi_base", "auth_base") or req.query.get("auth") != "denied" or oauth.get(
                "on_decline") == "reauth":
            return Resp.redirect(authorize_url(req, m, oauth.get("provider", "wechat"), oauth["scope"], table_of(req)))
    if rest == "/":
        return _menu(m, req)
    if rest == "/item":
        return _item(m, req)
    if rest == "/add" and req.method == "POST":
        return _add(m, req)
    if rest == "/cart":
        return _cart_page(m, req)
    if rest == "/checkout":
        return _checkout(sb, m, req)
    if rest == "/member":
        return _member(m, req)
    if rest == "/done":
        return _done(m, req, sb)
    if rest == "/login":
        return _shell(m, req, '<h2>手机号登录</h2><form class="kd-form" method="post" action="#">'
                              '<input type="tel" name="mobile" placeholder="请输入手机号"><button class="kd-btn big" '
                              'type="button">获取验证码</button></form>', "登录", login_prompt=False)
    if rest.startswith("/gate/") and req.method == "POST":
        i = int(rest.rsplit("/", 1)[1])
        g = cfg["gates"][i]
        if g["type"] == "phone" and not re.fullmatch(r"1\d{10}", req.form.get("mobile", "").strip()):
            return Resp.redirect(f"{base}/{_q(req)}&err={i}", 303)
        return Resp.redirect(f"{base}/{_q(req)}", 303, [_cookie(m, f"kd_g{i}", "1")])
    return Resp("not found", 404, "text/plain")
