"""Pieces shared by the vendor engines: menus, wording, the QA page config, common endpoints.

Every vendor engine is a module with ``handle(sb, req, m, rest) -> Resp`` for the
merchant ``m`` (a :mod:`sandbox.merchants` entry) and the path ``rest`` below
``/m/<vendor>/<mid>``.  Endpoints every vendor shares (privacy page, order/pay/sms
APIs, OAuth callback, follow-check page) are answered here first.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib
import io
import json
import random
import time
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from sandbox.web import Req, Resp

STATIC = Path(__file__).resolve().parent.parent / "static"

#: vendor style name -> path segment
VENDOR_SHORT = {
    "forms": "kd",
    "hash_spa": "hs",
    "web_components": "wc",
    "iframe_shell": "if",
    "lazy_json": "lz",
    "uni_app": "ua",
}
VENDOR_MODULE = {
    "forms": "sandbox.sites.forms",
    "hash_spa": "sandbox.sites.spa",
    "web_components": "sandbox.sites.webcomp",
    "iframe_shell": "sandbox.sites.iframe",
    "lazy_json": "sandbox.sites.lazy",
    "uni_app": "sandbox.sites.uni",
}

CTYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".png": "image/png", ".svg": "image/svg+xml", ".json": "application/json"}

esc = html.escape


def static_file(name: str) -> Resp:
    """Serve a file of ``sandbox/static`` (404 for anything else)."""
    path = (STATIC / name).resolve()
    if STATIC not in path.parents or not path.is_file():
        return Resp("not found", 404, "text/plain")
    return Resp(path.read_bytes(), ctype=CTYPES.get(path.suffix, "application/octet-stream"))


@lru_cache(maxsize=256)
def qr_png(data: str, box: int = 6) -> bytes:
    """A PNG of a QR code of ``data`` (cached)."""
    import qrcode  # noqa: PLC0415  (heavy: loaded only when needed)

    img = qrcode.make(data or "-", box_size=box, border=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


# ---- menus -----------------------------------------------------------------

def _i(iid: str, name: str, price: float, spec: list[str] | None = None, member: float | None = None,
       cat: str = "", soldout: bool = False, desc: str = "") -> dict[str, Any]:
    return {"id": iid, "name": name, "price": price, "spec": spec, "member_price": member, "cat": cat,
            "soldout": soldout, "desc": desc}


MENUS: dict[str, list[dict[str, Any]]] = {
    "noodles": [
        _i("n1", "红烧牛肉面", 28, ["大份", "小份"], cat="招牌面", desc="慢炖牛腩，汤头浓郁"),
        _i("n2", "葱油拌面", 16, cat="招牌面", desc="现熬葱油"),
        _i("n3", "雪菜肉丝面", 22, cat="招牌面"),
        _i("n4", "卤蛋", 4, cat="小食"),
        _i("n5", "凉拌黄瓜", 9, cat="小食"),
        _i("n6", "酸梅汤", 6, cat="饮品"),
    ],
    "tea": [
        _i("t1", "杨枝甘露", 19, ["大杯", "中杯"], cat="鲜果茶", desc="芒果西柚"),
        _i("t2", "茉莉奶绿", 15, ["大杯", "中杯"], cat="奶茶"),
        _i("t3", "柠檬红茶", 12, cat="鲜果茶"),
        _i("t4", "芋泥波波奶茶", 18, cat="奶茶"),
        _i("t5", "草莓酸奶", 21, cat="酸奶"),
    ],
    "roast": [
        _i("r1", "叉烧饭", 32, cat="烧腊饭"),
        _i("r2", "烧鹅饭", 38, ["例牌", "大份"], cat="烧腊饭"),
        _i("r3", "豉汁排骨饭", 30, cat="烧腊饭"),
        _i("r4", "白切鸡", 48, ["半只", "一只"], cat="例牌"),
        _i("r5", "老火例汤", 8, cat="汤品"),
    ],
    "dumplings": [
        _i("d1", "猪肉白菜水饺", 22, ["12只", "20只"], cat="水饺"),
        _i("d2", "三鲜水饺", 26, cat="水饺"),
        _i("d3", "鲜肉锅贴", 18, cat="锅贴"),
        _i("d4", "酸辣汤", 10, cat="汤"),
        _i("d5", "拍黄瓜", 8, cat="凉菜"),
    ],
    "fish": [
        _i("f1", "招牌麻辣烤鱼", 98, ["清江鱼", "黑鱼"], cat="烤鱼"),
        _i("f2", "蒜香烤鱼", 98, cat="烤鱼"),
        _i("f3", "土豆片", 8, cat="配菜"),
        _i("f4", "宽粉", 8, cat="配菜"),
        _i("f5", "冰镇酸梅汤", 12, cat="饮品"),
    ],
    "bento": [
        _i("b1", "照烧鸡腿便当", 29, cat="便当"),
        _i("b2", "咖喱牛肉便当", 33, ["标准", "加饭"], cat="便当"),
        _i("b3", "日式炸猪排便当", 31, cat="便当"),
        _i("b4", "味噌汤", 6, cat="汤"),
        _i("b5", "乌龙茶", 7, cat="饮品"),
    ],
    "hotpot": [
        _i("h1", "单人麻辣小火锅", 45, ["微辣", "中辣"], cat="锅底"),
        _i("h2", "番茄小火锅", 42, cat="锅底"),
        _i("h3", "肥牛卷", 26, cat="荤菜"),
        _i("h4", "娃娃菜", 9, cat="素菜"),
        _i("h5", "手工虾滑", 28, cat="荤菜"),
        _i("h6", "红糖糍粑", 16, cat="小吃"),
    ],
    "canteen": [
        _i("c1", "番茄炒蛋盖饭", 18, cat="盖饭"),
        _i("c2", "鱼香肉丝盖饭", 22, cat="盖饭"),
        _i("c3", "宫保鸡丁盖饭", 22, ["大份", "小份"], cat="盖饭"),
        _i("c4", "紫菜蛋花汤", 5, cat="汤"),
        _i("c5", "米饭", 2, cat="主食"),
    ],
    "bakery": [
        _i("k1", "海盐卷", 9, cat="面包"),
        _i("k2", "拿铁", 22, ["大杯", "中杯"], cat="咖啡"),
        _i("k3", "美式咖啡", 18, cat="咖啡"),
        _i("k4", "牛角包", 12, cat="面包"),
        _i("k5", "巴斯克芝士蛋糕", 28, cat="甜点"),
    ],
    "en_burger": [
        _i("e1", "Classic Beef Burger", 42, ["Regular", "Large"], cat="Burgers"),
        _i("e2", "Crispy Chicken Burger", 38, cat="Burgers"),
        _i("e3", "French Fries", 15, cat="Sides"),
        _i("e4", "Caesar Salad", 32, cat="Sides"),
        _i("e5", "Iced Lemon Tea", 14, cat="Drinks"),
    ],
    "en_cafe": [
        _i("e1", "Flat White", 28, ["Regular", "Large"], cat="Coffee"),
        _i("e2", "Avocado Toast", 36, cat="Brunch"),
        _i("e3", "Eggs Benedict", 48, cat="Brunch"),
        _i("e4", "Blueberry Muffin", 16, cat="Bakery"),
        _i("e5", "Fresh Orange Juice", 22, cat="Drinks"),
    ],
    "zht_tea": [
        _i("z1", "珍珠奶茶", 18, ["大杯", "中杯"], cat="奶茶"),
        _i("z2", "四季春青茶", 14, cat="純茶"),
        _i("z3", "鮮芒果綠茶", 22, cat="鮮果茶"),
        _i("z4", "黑糖鮮奶", 20, cat="鮮奶"),
        _i("z5", "檸檬愛玉", 16, cat="鮮果茶"),
    ],
    "zht_dimsum": [
        _i("y1", "鮮蝦餃", 28, ["三件", "四件"], cat="點心"),
        _i("y2", "燒賣皇", 24, cat="點心"),
        _i("y3", "叉燒包", 18, cat="點心"),
        _i("y4", "豉汁蒸鳳爪", 20, cat="蒸品"),
        _i("y5", "楊枝甘露", 22, cat="甜品"),
        _i("y6", "港式奶茶", 15, cat="飲品"),
    ],
    "zht_noodle": [
        _i("x1", "紅燒牛肉麵", 32, ["大碗", "小碗"], cat="麵食"),
        _i("x2", "炸醬麵", 24, cat="麵食"),
        _i("x3", "滷肉飯", 18, cat="飯類"),
        _i("x4", "燙青菜", 10, cat="小菜"),
        _i("x5", "貢丸湯", 12, cat="湯品"),
    ],
}

#: a longer menu for the infinite-scroll vendor
MENUS["bbq"] = [
    _i(f"q{i:02d}", n, p, s, cat=c) for i, (n, p, s, c) in enumerate([
        ("羊肉串", 5, None, "烤串"), ("牛肉串", 6, None, "烤串"), ("鸡翅", 9, ["中辣", "微辣"], "烤串"),
        ("烤韭菜", 4, None, "素串"), ("烤馒头片", 3, None, "主食"), ("烤茄子", 15, None, "素串"),
        ("烤生蚝", 12, None, "海鲜"), ("烤鱿鱼", 18, None, "海鲜"), ("炒河粉", 16, None, "主食"),
        ("毛豆", 8, None, "凉菜"), ("花生米", 6, None, "凉菜"), ("冰啤酒", 10, None, "饮品"),
        ("北冰洋汽水", 6, None, "饮品"), ("烤鸡心", 5, None, "烤串"), ("烤面筋", 3, None, "素串"),
        ("蒜蓉扇贝", 15, None, "海鲜"),
    ], start=1)
]
MENUS["zht_bbq"] = [
    _i(f"w{i:02d}", n, p, s, cat=c) for i, (n, p, s, c) in enumerate([
        ("鹽烤雞翅", 9, ["小辣", "不辣"], "串燒"), ("牛五花串", 12, None, "串燒"), ("香菇串", 5, None, "蔬菜"),
        ("烤玉米", 8, None, "蔬菜"), ("明太子飯糰", 15, None, "主食"), ("烤秋刀魚", 22, None, "海鮮"),
        ("味噌湯", 6, None, "湯品"), ("生啤酒", 18, None, "飲品"), ("烏龍茶", 8, None, "飲品"),
        ("烤吐司", 6, None, "主食"), ("烤干貝", 20, None, "海鮮"), ("涼拌豆腐", 9, None, "小菜"),
    ], start=1)
]


def menu_of(m: dict[str, Any]) -> list[dict[str, Any]]:
    """The menu items of merchant ``m`` (sold out everywhere when ``cfg.special == 'soldout'``)."""
    items = [dict(x) for x in MENUS[m["cfg"]["menu"]]]
    if m["cfg"].get("member_prices"):
        for x in items:
            x["member_price"] = round(x["price"] * 0.85)
    if m["cfg"].get("special") == "soldout":
        for x in items:
            x["soldout"] = True
    return items


def find_item(m: dict[str, Any], iid: str) -> dict[str, Any] | None:
    """The menu item ``iid`` of ``m`` or ``None``."""
    for x in menu_of(m):
        if x["id"] == iid:
            return x
    return None


# ---- wording -----------------------------------------------------------------

WORDS = {
    "zhs": {"pp": "隐私政策", "tel": "订餐电话", "follow_us": "关注我们", "table": "桌号", "lang": "zh-CN",
            "member_price": "会员价", "closed": "本店今日休息，暂停营业", "soldout": "售罄"},
    "zht": {"pp": "隱私權政策", "tel": "訂餐電話", "follow_us": "關注我們", "table": "桌號", "lang": "zh-TW",
            "member_price": "會員價", "closed": "本店今日公休，暫停營業", "soldout": "售完"},
    "en": {"pp": "Privacy Policy", "tel": "Call us", "follow_us": "Follow us", "table": "Table", "lang": "en",
           "member_price": "Member price", "closed": "Closed today", "soldout": "Sold out"},
}


def w(m: dict[str, Any], key: str) -> str:
    """A word in the merchant's language."""
    return WORDS[m["cfg"].get("lang", "zhs")][key]


def mbase(m: dict[str, Any]) -> str:
    """The merchant's path prefix ``/m/<vendor>/<mid>``."""
    return f"/m/{VENDOR_SHORT[m['vendor']]}/{m['id']}"


def table_of(req: Req) -> str:
    """The table code of the request's query (``table=``), or ``""``."""
    return (req.query.get("table") or "")[:12]


def footer_html(m: dict[str, Any], cls: str) -> str:
    """The merchant footer: address, optionally the shop's own phone, "follow us", privacy link."""
    f = m["cfg"].get("footer", {})
    parts = [f"<span>{esc(m['address'])}</span>"]
    if f.get("phone"):
        parts.append(f'<span>{w(m, "tel")}：<a href="tel:{m["cfg"].get("shop_phone", "021-5555-0101")}">'
                     f'{m["cfg"].get("shop_phone", "021-5555-0101")}</a></span>')
    if f.get("follow_us"):
        oa = {"zhs": "官方公众号", "zht": "官方公眾號", "en": " official account"}[m["cfg"].get("lang", "zhs")]
        parts.append(f'<span class="{cls}-follow-us">{w(m, "follow_us")}：{esc(m["name"])}{oa}</span>')
    if f.get("privacy", True):
        parts.append(f'<a href="{mbase(m)}/privacy">{w(m, "pp")}</a>')
    return f'<footer class="{cls}-footer">' + " · ".join(parts) + "</footer>"


def _digest(s: str) -> str:

    return hashlib.md5(s.encode()).hexdigest()


def authorize_url(req: Req, m: dict[str, Any], provider: str, scope: str, table: str) -> str:
    """The real WeChat/Alipay OAuth authorize URL with the sandbox callback as redirect_uri."""
    cb = f"{req.origin}{mbase(m)}/oauth/cb"
    state = "t" + (table or "0")
    if provider == "alipay":
        return "https://openauth.alipay.com/oauth2/publicAppAuthorize.htm?" + urlencode(
            {"app_id": "2021000" + str(int(_digest(m["id"]), 16) % 10**9).zfill(9), "scope": scope,
             "redirect_uri": cb, "state": state})
    appid = "wx" + _digest("qa" + m["id"])[:16]
    return ("https://open.weixin.qq.com/connect/oauth2/authorize?appid=" + appid + "&redirect_uri=" + quote(cb, safe="")
            + "&response_type=code&scope=" + scope + "&state=" + state + "#wechat_redirect")


def qa_config(sb: Any, req: Req, m: dict[str, Any], skin: dict[str, Any]) -> str:
    """The ``window.QA`` JSON for the JS vendors (gates, checkout, leak, third-party base)."""
    cfg = m["cfg"]
    table = table_of(req)
    conf = {"mid": m["id"], "base": mbase(m), "lang": cfg.get("lang", "zhs"), "table": table,
            "tp": sb.third_party_base, "skin": skin, "gates": cfg.get("gates", []),
            "checkout": cfg.get("checkout", {}), "leak": cfg.get("leak"), "sdk": bool(cfg.get("sdk")),
            "name": m["name"], "submit": cfg.get("submit"), "traps": cfg.get("traps", {})}
    for g in conf["gates"]:
        if g.get("type") in ("oauth", "topup"):
            conf["oauth_url"] = authorize_url(req, m, g.get("provider", "wechat"), g.get("scope", "snsapi_userinfo"),
                                              table)
    return json.dumps(conf, ensure_ascii=False).replace("</", "<\\/")


def page(m: dict[str, Any], title: str, body: str, head: str = "", body_attr: str = "") -> Resp:
    """A full HTML page for merchant ``m``.

    A merchant with ``cfg.charset`` (e.g. ``gbk``) gets its pages encoded in that
    charset, declared only in a ``<meta http-equiv>`` tag: the HTTP header says
    ``text/html`` with no charset, as on old server-rendered sites.
    """
    lang = w(m, "lang")
    charset = m["cfg"].get("charset")
    meta = (f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset
            else '<meta charset="utf-8">')
    text = (f'<!DOCTYPE html><html lang="{lang}"><head>{meta}'
            f'<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">'
            f"<title>{esc(title)}</title>{head}</head><body {body_attr}>{body}</body></html>")
    if charset:
        return Resp(text.encode(charset, "xmlcharrefreplace"), ctype="text/html")
    return Resp(text)


PRIVACY = {
    "zhs": ("隐私政策", "本隐私政策说明{name}（下称“我们”）在扫码点餐服务中如何处理您的个人信息。"
            "我们仅为完成您的订单处理必要信息：桌号、所点菜品与支付结果。外卖订单需要收货人手机号和地址。"
            "您可以随时联系门店查阅、更正或删除您的信息。"),
    "zht": ("隱私權政策", "本隱私權政策說明{name}（下稱「我們」）在掃碼點餐服務中如何處理您的個人資料。"
            "我們僅為完成您的訂單處理必要資料：桌號、所點餐點與付款結果。您可以隨時聯絡門市查閱、更正或刪除您的資料。"),
    "en": ("Privacy Policy", "This policy explains how {name} handles your personal data when you order at the table. "
           "We only process what the order needs: table number, items and payment result. "
           "Contact the shop to access, correct or delete your data."),
}


def privacy_page(m: dict[str, Any]) -> Resp:
    """The merchant's privacy policy page."""
    title, text = PRIVACY[m["cfg"].get("lang", "zhs")]
    return page(m, title, f"<h1>{title}</h1><p>{esc(text.format(name=m['name']))}</p>"
                          f'<p><a href="javascript:history.back()">返回 / Back</a></p>')


def follow_check_page(m: dict[str, Any], req: Req) -> Resp:
    """The "请先关注公众号" page of the follow-check gate (POST sets the follow cookie and goes back)."""
    back = req.query.get("back") or req.form.get("back") or mbase(m) + "/"
    if not back.startswith("/m/"):
        back = mbase(m) + "/"
    if req.method == "POST":
        return Resp.redirect(back, 303, [("Set-Cookie", f"qa_followed=1; Path={mbase(m)}/")])
    qr = "/qr.png?d=" + quote("https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzQaCheck" + m["id"] + "==")
    body = (f'<div style="max-width:420px;margin:30px auto;text-align:center;font-family:sans-serif">'
            f"<h2>请先关注公众号</h2><p>关注「{esc(m['name'])}」公众号后才能下单</p>"
            f'<img src="{qr}" width="180" height="180" alt="公众号二维码">'
            f"<p>长按识别二维码，关注后返回本页</p>"
            f'<form method="post"><input type="hidden" name="back" value="{esc(back)}">'
            f'<button type="submit" style="padding:10px 30px;background:#07c160;color:#fff;border:0;border-radius:20px">'
            f"我已关注</button></form>"
            f'<p style="font-size:12px;color:#888">关注即表示同意<a href="{mbase(m)}/privacy">《隐私政策》</a></p></div>')
    return page(m, "请先关注公众号", body)


def order_id() -> str:
    """A fresh order number."""
    return time.strftime("%y%m%d") + str(random.randint(100000, 999999))


COLD_AFTER_S = 20.0  # a cold-start merchant is cold again after this long without a landing request
WARMING_S = 1.0  # ... and drops every landing request for this long after the first one


def _cold(sb: Any, m: dict[str, Any], rest: str) -> bool:
    """Whether this landing request hits a cold start (dropped without a response): the first
    landing request after ``COLD_AFTER_S`` idle and every one within ``WARMING_S`` after it
    (so the browser's own immediate retry fails too)."""
    if not m["cfg"].get("cold_start") or rest != "/" or not hasattr(sb, "warm"):
        return False
    now = time.monotonic()
    started, last = sb.warm.get(m["id"], (None, None))
    if last is None or now - last > COLD_AFTER_S:
        started = now
    sb.warm[m["id"]] = (started, now)
    return now - started < WARMING_S


def _own_socket(sb: Any, m: dict[str, Any], req: Req) -> Resp:
    """``/ws``: the merchant's own order-status socket (messages logged as ``own_ws`` events)."""
    def on_message(data: bytes, binary: bool) -> str:
        sb.record("own_ws", m["id"], req.path, data.hex() if binary else data.decode("utf-8", "replace"))
        return json.dumps({"type": "status", "queue": 3, "msg": "已收到"}, ensure_ascii=False)

    return Resp.websocket(on_message, greeting=json.dumps({"type": "hello", "shop": m["id"]}))


def coupon_page(m: dict[str, Any], req: Req) -> Resp:
    """``/coupon``: the "领券" window the popups merchant opens; it reports the diner to the CRM after load."""
    ph = req.query.get("ph", "")
    tp = req.query.get("tp", "")
    js = ("setTimeout(function(){var p=" + json.dumps(ph) + ";if(!p)return;"
          "crypto.subtle.digest('SHA-1',new TextEncoder().encode(p)).then(function(b){"
          "var h=Array.prototype.map.call(new Uint8Array(b),function(x){return ('0'+x.toString(16)).slice(-2);}).join('');"
          "new Image().src=" + json.dumps(tp + "/pixel.gif?ev=coupon&u=") + "+h;});},400);")
    body = (f'<div style="text-align:center;padding:30px;font-family:sans-serif"><h2>领取优惠券</h2>'
            f"<p>{esc(m['name'])} 满30减5 优惠券已放入您的账户</p></div><script>{js}</script>")
    return page(m, "领取优惠券", body)


def env_api(m: dict[str, Any], req: Req) -> Resp:
    """``/api/env``: the "in WeChat?" check of the environment-checking merchant, from the request's
    user agent and client hints: an Android WebView must send its ``Android WebView`` brand at the
    UA's Chrome version; an iPhone's WKWebView sends no client hints at all."""
    ua = req.headers.get("User-Agent", "")
    ch = req.headers.get("Sec-CH-UA", "")
    ok = "MicroMessenger" in ua
    if "Android" in ua:
        ver = ua.split("Chrome/", 1)[1].split(".", 1)[0] if "Chrome/" in ua else ""
        ok = ok and bool(ch) and f'"Android WebView";v="{ver}"' in ch and "HeadlessChrome" not in ch
        ok = ok and req.headers.get("Sec-CH-UA-Platform", "") == '"Android"'
    elif "iPhone" in ua:
        ok = ok and not ch
    return Resp.json({"ok": ok, "why": "" if ok else "client hints do not match the user agent"})


def site_dispatch(sb: Any, req: Req, m: dict[str, Any], rest: str) -> Resp:
    """Answer the shared endpoints of a merchant, else hand over to its vendor engine."""
    cfg = m["cfg"]
    if cfg.get("basic_auth"):
        auth = req.headers.get("Authorization", "")
        if auth != "Basic " + base64.b64encode(cfg["basic_auth"].encode()).decode():
            return Resp("<html><body><h1>401 Authorization Required</h1><hr>nginx</body></html>", 401,
                        headers=[("WWW-Authenticate", 'Basic realm="staff only"')])
    if _cold(sb, m, rest):
        return Resp.drop()
    if rest == "/ws" and req.upgrade:
        return _own_socket(sb, m, req)
    if rest == "/api/segment":
        return Resp.json({"prefix": req.query.get("p", "")[:7], "carrier": "中国移动", "city": "上海"})
    if rest == "/api/env":
        return env_api(m, req)
    if rest == "/coupon":
        return coupon_page(m, req)
    if rest == "/privacy":
        return privacy_page(m)
    if rest == "/api/order" and req.method == "POST":
        sb.record("order_submit", m["id"], req.path, req.json if req.json is not None else (req.form or req.body))
        return Resp.json({"ok": True, "order_id": order_id()})
    if rest.startswith("/api/pay") or rest.startswith("/pay"):
        sb.record("pay", m["id"], req.path, req.json if req.json is not None else (req.form or req.body))
        return Resp.json({"ok": False, "msg": "sandbox: payment is not available"})
    if rest == "/api/sms" and req.method == "POST":
        sb.record("sms_send", m["id"], req.path, req.json if req.json is not None else (req.form or req.body))
        return Resp.json({"ok": True, "msg": "验证码已发送"})
    if rest == "/api/track":
        return Resp(b"", 204, "text/plain")
    if rest == "/follow-check":
        return follow_check_page(m, req)
    if rest == "/oauth/cb":
        return oauth_callback(m, req)
    mod = importlib.import_module(VENDOR_MODULE[m["vendor"]])
    return mod.handle(sb, req, m, rest)


def oauth_callback(m: dict[str, Any], req: Req) -> Resp:
    """OAuth redirect_uri: with ``code``/``auth_code`` set the auth cookie and go to the menu;
    without (a decline), go back with ``auth=denied`` (the site decides what that means)."""
    base = mbase(m)
    state = req.query.get("state", "")
    table = state[1:] if state.startswith("t") else ""
    code = req.query.get("code") or req.query.get("auth_code")
    oauth = m["cfg"].get("server_oauth") or {}
    target = f"{base}/?table={quote(table)}"
    if code or oauth.get("scope") in ("snsapi_base", "auth_base"):
        return Resp.redirect(target, 302, [("Set-Cookie", f"qa_auth={quote(code or 'base')}; Path={base}/")])
    return Resp.redirect(target + "&auth=denied", 302)
