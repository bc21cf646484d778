"""Word lists and the candidate scorer (zh-Hans, zh-Hant, English).

A control is scored for a *purpose* (``add``, ``cart``, ``submit``, ``close``...)
from its text (weighted most), accessible name (aria-label/title/alt), class
hints, size, position (bottom bar, top-right corner of an overlay) and colour
contrast, after *Dark Patterns at Scale* (Mathur et al. 2019).  Every score
keeps its reasons, so a wrong turn can be debugged from the trace alone.

Nothing here knows a site: only words a diner would read.
"""

from __future__ import annotations

import re
from typing import Any

from core.lexicon import simplified

#: purpose -> [(word, weight)].  Matching is case-insensitive; exact match of
#: the whole control text scores the full weight, containment 70 %.
WORDS: dict[str, list[tuple[str, float]]] = {
    "enter_menu": [
        ("开始点餐", 6), ("開始點餐", 6), ("立即点餐", 6), ("立即點餐", 6), ("去点餐", 6), ("去點餐", 6),
        ("点餐", 4), ("點餐", 4), ("进店", 4), ("進店", 4), ("进入菜单", 5), ("查看菜单", 5), ("查看菜單", 5),
        ("菜单", 2.5), ("菜單", 2.5), ("order now", 6), ("start order", 6), ("start ordering", 6),
        ("view menu", 5), ("menu", 2.5), ("点菜", 4), ("點菜", 4), ("进入", 2), ("進入", 2), ("enter", 2),
    ],
    "add": [
        ("加入购物车", 7), ("加入購物車", 7), ("加购", 6), ("加購", 6), ("加入", 5), ("选规格", 6), ("選規格", 6),
        ("选择规格", 6), ("選擇規格", 6), ("+", 6), ("＋", 6), ("add to cart", 7), ("add to order", 7),
        ("add", 5), ("加", 3), ("点一份", 4), ("來一份", 4), ("来一份", 4),
    ],
    "open_item": [
        ("查看详情", 5), ("詳情", 4), ("详情", 4), ("details", 4), ("view", 2),
    ],
    "spec_confirm": [
        ("确定", 6), ("確定", 6), ("加入购物车", 7), ("加入購物車", 7), ("确认", 5), ("確認", 5),
        ("选好了", 6), ("選好了", 6), ("add to cart", 7), ("confirm", 5), ("ok", 4), ("done", 4), ("完成", 4),
    ],
    "cart": [
        ("购物车", 5), ("購物車", 5), ("去结算", 7), ("去結算", 7), ("结算", 6), ("結算", 6), ("选好了", 6),
        ("選好了", 6), ("下一步", 5), ("view cart", 6), ("go to cart", 6), ("cart", 4), ("basket", 4), ("bag", 3),
        ("checkout", 6), ("check out", 6), ("proceed to checkout", 7), ("next", 5), ("proceed", 4), ("review order", 5),
        ("i'm done", 5), ("done", 3), ("去下单", 5),
        ("去下單", 5), ("好了", 3), ("已选", 3), ("已選", 3), ("去结账", 7), ("去結帳", 7), ("结账", 6), ("結帳", 6),
        ("結賬", 6), ("去結賬", 7),
    ],
    "checkout": [
        ("去结算", 7), ("去結算", 7), ("结算", 6), ("結算", 6), ("选好了", 6), ("選好了", 6), ("下一步", 5),
        ("去下单", 6), ("去下單", 6), ("checkout", 6), ("check out", 6), ("proceed to checkout", 7), ("next", 5),
        ("proceed", 4), ("review order", 5), ("继续", 3), ("繼續", 3), ("continue", 3),
        ("确认订单", 5), ("確認訂單", 5), ("去结账", 7), ("去結帳", 7), ("结账", 6), ("結帳", 6), ("結賬", 6),
        ("去結賬", 7),
    ],
    "submit": [
        ("提交订单", 8), ("提交訂單", 8), ("确认下单", 8), ("確認下單", 8), ("确认提交", 7), ("確認提交", 7),
        ("立即下单", 7), ("立即下單", 7), ("去下单", 6), ("去下單", 6), ("下单", 6), ("下單", 6),
        ("确认落单", 8), ("確認落單", 8), ("落单", 6), ("落單", 6),
        ("place order", 8), ("place my order", 8), ("submit order", 8), ("confirm order", 7), ("send order", 7),
        ("complete order", 7), ("order now", 6), ("提交", 5), ("submit", 5),
        ("送出订单", 7), ("送出訂單", 7),
    ],
    "close": [
        ("×", 7), ("✕", 7), ("✖", 7), ("╳", 7), ("x", 5), ("关闭", 7), ("關閉", 7), ("close", 7), ("dismiss", 6),
        ("收起", 3),
    ],
    "skip": [
        ("暂不", 7), ("暫不", 7), ("跳过", 7), ("跳過", 7), ("以后再说", 7), ("以後再說", 7), ("稍后", 6),
        ("稍後", 6), ("游客", 6), ("遊客", 6), ("直接点餐", 7), ("直接點餐", 7), ("普通点餐", 6), ("普通點餐", 6), ("手动点餐", 6), ("手動點餐", 6), ("先逛逛", 6), ("不了", 5),
        ("取消", 5), ("不同意", 4), ("拒绝", 4), ("拒絕", 4), ("not now", 7), ("skip", 7), ("later", 6),
        ("continue as guest", 7), ("guest", 5), ("no thanks", 7), ("no, thanks", 7), ("maybe later", 7),
        ("order directly", 7), ("order without", 6), ("continue without", 6), ("regular order", 6), ("order normally", 6),
        ("just browsing", 5), ("browse first", 5), ("not needed", 6), ("no need", 6), ("got it", 4), ("cancel", 5),
        ("back", 2),
        ("继续点餐", 6), ("繼續點餐", 6), ("先不", 6), ("下次再说", 6), ("下次再說", 6), ("我知道了", 4),
        ("知道了", 4), ("残忍拒绝", 7), ("殘忍拒絕", 7), ("不需要", 6), ("不用了", 6), ("随便看看", 5), ("隨便看看", 5),
        ("返回", 2),
    ],
    "decline": [
        ("不同意", 7), ("拒绝", 7), ("拒絕", 7), ("不允许", 7), ("不允許", 7), ("deny", 7), ("decline", 7),
        ("disagree", 7), ("don't allow", 7), ("do not allow", 7), ("refuse", 7), ("reject", 6), ("cancel", 4), ("取消", 4), ("不授权", 7), ("不授權", 7),
    ],
    "mode_dine_in": [
        ("堂食", 7), ("店内用餐", 7), ("店內用餐", 7), ("在店吃", 6), ("店内就餐", 7), ("店內就餐", 7),
        ("dine in", 7), ("dine-in", 7), ("eat in", 7), ("堂吃", 6),
    ],
    "mode_pickup": [
        ("到店自取", 7), ("自提", 7), ("自取", 7), ("外带", 6), ("外帶", 6), ("打包", 5), ("pickup", 7),
        ("pick up", 7), ("pick-up", 7), ("takeaway", 6), ("take away", 6), ("to go", 5),
    ],
    "mode_delivery": [
        ("外卖", 7), ("外賣", 7), ("外送", 7), ("配送", 5), ("送餐", 5), ("delivery", 7), ("deliver", 6),
    ],
}

#: Controls never pressed: money moves.  Matched on the control's own text.
PAY_RE = re.compile(r"支付|付款|买单|買單|埋单|埋單|结账付款|去付|立即付|\bpay\b|pay now|checkout and pay|微信支付|支付宝", re.I)

#: A page that says it moves on by itself after a countdown (5 秒后自动进入点餐, redirecting in 3 s).
COUNTDOWN_RE = re.compile(r"\d+\s*(?:秒|s\b|sec|seconds?)[^\n]{0,12}?(?:自动|自動|跳转|跳轉|进入|進入|返回|redirect|continu|automatic)"
                          r"|(?:自动|自動|跳转|跳轉|redirect\w*)[^\n]{0,12}?\d+\s*(?:秒|s\b|sec|seconds?)", re.I)

#: A request address that asks for money (an order's payment, a cashier page): never released from a hold.
PAY_URL_RE = re.compile(r"(?<![a-z])pay|prepay|wxpay|alipay|cashier|unifiedorder|收银|收銀|支付", re.I)

#: Words that turn a control into a PI act (login/registration/follow...): never a way "past" a gate,
#: and a poor "add"/"cart" choice.
PI_ACT_RE = re.compile(
    r"登录|登入|登錄|注册|註冊|手机号|手機號|手机|手機|验证码|驗證碼|授权|授權|开卡|開卡|入会|入會|领取会员|成为会员|开通会员|開通會員|"
    r"关注|關注|允许|允許|同意并|同意|绑定|綁定|获取|獲取|login|log in|sign in|sign up|register|authori[sz]e|follow|allow|agree|accept",
    re.I,
)

#: Class-name hints per purpose.
CLASS_HINTS: dict[str, re.Pattern[str]] = {
    "add": re.compile(r"(^|[\s_-])(add|plus|increase|incr|add-?cart|btn-?add|jia)([\s_-]|$)", re.I),
    "close": re.compile(r"close|dismiss|(^|[\s_-])(x|cancel|icon-?x)([\s_-]|$)", re.I),
    "cart": re.compile(r"cart|basket|bag|settle|checkout", re.I),
    "checkout": re.compile(r"checkout|settle|submit|next", re.I),
    "submit": re.compile(r"submit|place-?order|confirm", re.I),
    "skip": re.compile(r"skip|later|cancel|guest|decline", re.I),
}

#: Controls that empty the cart or remove an item: never a way on.
CLEAR_RE = re.compile(r"清空|删除|刪除|移除|清除|\bclear\b|\bremove\b|\bdelete\b|\bempty\b", re.I)
BANNER_RE = re.compile(r"会员|會員|开卡|開卡|优惠券|優惠券|领券|領券|关注|關注|公众号|公眾號|活动|活動|member|coupon|banner|广告|廣告", re.I)
SOLD_OUT_RE = re.compile(r"售罄|已售完|售完|卖完|賣完|sold\s*out|暂停供应|暫停供應|已下架|unavailable|估清|沽清", re.I)

_ALL_WORDS = sorted({w for ws in WORDS.values() for w, _ in ws if len(w) >= 2}, key=len, reverse=True)


def words_regex() -> str:
    """JS regex source matching any purpose word (so the scanner keeps texty divs as candidates)."""
    return "(" + "|".join(re.escape(w) for w in _ALL_WORDS) + r"|^[+＋×✕✖]$)"


def _norm(s: str) -> str:
    """A control's words for matching: Simplified Chinese (:mod:`core.lexicon`), one space, lower case."""
    return re.sub(r"\s+", " ", simplified(s).strip().lower())


def _match(word: str, text: str) -> float:
    """1.0 exact, 0.7 contained (word-bounded for ASCII words), 0 otherwise."""
    if not text:
        return 0.0
    w = word.lower()
    if text == w:
        return 1.0
    if w.isascii() and w.replace(" ", "").replace("-", "").isalpha():
        if len(w) <= 2:
            return 0.0
        if re.search(r"(?<![a-z])" + re.escape(w) + r"(?![a-z])", text):
            return 0.7
        return 0.0
    if len(w) == 1:  # +, ×, x: only whole-text matches (done above) or a leading glyph
        return 0.8 if text.startswith(w) and len(text) <= 3 else 0.0
    if w in text:
        return 0.85 if len(text) <= len(w) + 5 else 0.7
    return 0.0


APP_RE = re.compile(r"下载|下載|download|打开app|打開app|open (in )?(the )?app|app store|应用商店|應用商店", re.I)
APP_HREF_RE = re.compile(r"^(?!https?:|/|#|\?|javascript:|$)[a-z][a-z0-9+.-]*:|apps\.apple\.com|itunes\.apple\.com|play\.google\.com|"
                         r"\.apk(\?|$)|app\.mi\.com|sj\.qq\.com|appgallery", re.I)


def leaves_to_app(d: dict[str, Any]) -> bool:
    """True when a control opens an app, an app store or a non-web scheme (weixin://, alipays://)."""
    href = (d.get("href") or "").strip()
    if href and APP_HREF_RE.search(href):
        return True
    t = " ".join(x for x in (d.get("text", ""), d.get("aria", "")) if x)
    return bool(APP_RE.search(t)) and len(t) <= 30


def by_words(reasons: list[str]) -> bool:
    """Whether a control was scored by its words (its text or accessible name), not by look or place."""
    return any(r.startswith(("text:", "name:")) for r in reasons)


def is_pay(d: dict[str, Any]) -> bool:
    """True when a control reads as a payment control (never pressed)."""
    t = " ".join(x for x in (d.get("text", ""), d.get("aria", ""), d.get("title", "")) if x)
    return bool(PAY_RE.search(t)) and len(t) <= 40


def _word_score(d: dict[str, Any], purpose: str, text: str, alt: str) -> tuple[float, list[str]]:
    """The words of a control (its text, else its accessible name) and its class hints, for ``purpose``."""
    best, reasons = 0.0, []
    why = ""
    for word, w in WORDS.get(purpose, []):
        m = _match(word, text)
        if m and w * m > best:
            best, why = w * m, f"text:{word} +{w * m:.1f}"
        m2 = _match(word, alt) * 0.85
        if m2 and w * m2 > best:
            best, why = w * m2, f"name:{word} +{w * m2:.1f}"
    if best:
        reasons.append(why)
    cls = d.get("cls", "") + " " + (d.get("attrs", {}) or {}).get("id", "")
    hint = CLASS_HINTS.get(purpose)
    if hint and hint.search(cls):
        best += 2.0 if best else 3.0
        reasons.append("class-hint +%.0f" % (2.0 if reasons else 3.0))
    return best, reasons


def _icon_only(d: dict[str, Any], text: str) -> bool:
    return not text.replace("+", "").replace("＋", "").strip() and bool(
        d.get("hasSvg") or d.get("hasImg") or d.get("glyph") or d.get("bgIcon") or d.get("why") in ("svg", "img", "icon"))


#: A control whose only words are a price and an arrow (¥31 ›): the cart bar's way on, drawn without words.
PRICE_ONLY_RE = re.compile(r"(合计|合計|total)?\s*([¥￥$]|hk\$|rmb)\s*\d+(\.\d+)?\s*[›>»→〉]*", re.I)


def _shape_score(d: dict[str, Any], purpose: str, text: str, overlay_box: dict | None, vw: int = 390) -> tuple[float, str]:
    """What a control's shape and place say when words do not: the small right-hand control of a
    repeated menu row adds the dish (its left twin takes one away), a dish row opens the dish,
    an icon in the bottom bar opens the cart, an icon in an overlay closes it."""
    if purpose == "add":
        if d.get("rowMinus"):
            return -6.0, "row's other control -6"
        if d.get("rowAdd"):
            if not text or text in ("+", "＋"):
                return 6.0, "menu row's small control +6"
            # a short word there (选择, 加入, 選擇, 选口味) is the row's way to take the dish; a longer one may be anything
            return (4.5 if len(text) <= 3 else 3.0), "menu row's small control +" + ("4.5" if len(text) <= 3 else "3")
    if purpose == "open_item" and d.get("rowOpen"):
        return 4.5, "opens a menu row +4.5"
    if purpose == "cart" and d.get("bottomBar") and (_icon_only(d, text) or PRICE_ONLY_RE.fullmatch(text)):
        b = d.get("box") or {}
        if b.get("x", 0) + b.get("width", 0) / 2 > vw * 0.6 and b.get("width", 0) >= 64:
            return 4.5, "wide icon or picture at the bottom bar's right end (where the way on sits) +4.5"
        return 4.0, "icon in the bottom bar +4"
    if purpose in ("close", "skip", "decline") and d.get("primary") and _icon_only(d, text):
        return -3.0, "icon-only primary: the layer's main action, no way out -3"
    if purpose == "close" and overlay_box and _icon_only(d, text):
        if d.get("secondary") or d.get("sole"):
            return 3.5, "icon-only, the layer's way out +3.5"
        return 2.0, "icon-only +2"
    if not _icon_only(d, text) or d.get("row"):
        return 0.0, ""
    # no words at all: the layer's main action by look and place (see scan.js)
    main = d.get("primary") or d.get("formSubmit")
    if purpose in ("add", "spec_confirm") and main and d.get("choices") and not d.get("bottomBar"):
        return 4.5, "confirms the choices of its form or layer +4.5"
    if purpose == "enter_menu" and d.get("primary") and d.get("overlay", -1) < 0:
        return 3.0, "the page's primary control +3"
    if purpose == "checkout" and d.get("primary"):
        return 3.5, "the primary control +3.5"
    if purpose == "skip" and overlay_box and d.get("secondary"):
        return 3.0, "icon-only secondary control +3"
    return 0.0, ""


#: A strip's member that is the page's navigation, an account or a way to order, not a part of the menu.
NAV_RE = re.compile(r"首页|首頁|主页|主頁|我的|个人|個人|订单|訂單|购物车|購物車|消息|发现|發現|客服|分享|扫码|掃碼|评价|評價|商家|门店|門店|"
                    r"语言|語言|english|中文|home|orders?|account|profile|cart|share|reviews?|language|help", re.I)
#: Words of a menu's categories (dishes are grouped under them): a strip whose members read so is the menu's.
CATEGORY_RE = re.compile(r"推荐|推薦|热销|熱銷|招牌|人气|人氣|必点|必點|新品|特色|主食|凉菜|涼菜|热菜|熱菜|小吃|套餐|饮品|飲品|饮料|飲料|酒水|"
                         r"甜品|汤|湯|粥|面|麵|饭|飯|粉|锅|鍋|烧烤|燒烤|炒|菜|肉|鱼|魚|海鲜|海鮮|素|点心|點心|早餐|午餐|晚餐|"
                         r"popular|recommend|signature|mains?|starters?|appetizers?|drinks?|beverages?|desserts?|noodles?|rice|soups?|snacks?|"
                         r"combos?|sets?|sides?|specials?", re.I)
#: Class names of category tabs, sidebars and carousels.
CATEGORY_CLASS_RE = re.compile(r"cate|categ|classify|tab|nav|sort|type|group|kind|menu-?(left|side|list)|side|slide|swiper|segment", re.I)


def category_score(d: dict[str, Any]) -> tuple[float, list[str]]:
    """How much a scanned control reads as a menu category (a tab, a sidebar entry, a carousel card)
    whose tap shows its dishes: a member of a strip (``d["strip"]``, see scan.js) 4, its class or
    role +1, a category word +1.5; 0 for anything else — a member of a bottom bar, an overlay or a
    menu row, the page's navigation, a PI act, an order mode or a control that moves money."""
    text = _norm(d.get("text", ""))
    if not d.get("strip") or d.get("bottomBar") or d.get("row") or d.get("overlay", -1) >= 0:
        return 0.0, []
    if is_pay(d) or leaves_to_app(d) or NAV_RE.search(text) or PI_ACT_RE.search(text) or BANNER_RE.search(text):
        return 0.0, ["navigation, account or offer words"]
    if any(_word_score(d, m, text, "")[0] >= 4 for m in ("mode_dine_in", "mode_pickup", "mode_delivery", "enter_menu")):
        return 0.0, ["an order mode or a way into the menu, not a category"]
    sc, reasons = 4.0, [f"one of a strip of {d['strip']} +4"]
    if d.get("role") == "tab" or CATEGORY_CLASS_RE.search(d.get("cls", "")):
        sc += 1.0
        reasons.append("tab or category class +1")
    if CATEGORY_RE.search(text):
        sc += 1.5
        reasons.append("category words +1.5")
    if not d.get("enabled", True):
        sc -= 3
        reasons.append("disabled -3")
    return sc, reasons


def score(d: dict[str, Any], purpose: str, viewport: dict[str, int], overlay_box: dict | None = None) -> tuple[float, list[str]]:
    """Score one scanned control ``d`` (a ``scan.js`` candidate dict) for ``purpose``.

    Returns ``(score, reasons)``; ``score <= 0`` means "not a candidate".
    Pay controls score ``-100`` for every purpose.  ``overlay_box`` (the gate's
    box) enables the top-right-corner bonus for ``close``.
    """
    reasons: list[str] = []
    text = _norm(d.get("text", ""))
    alt = _norm(" ".join(x for x in (d.get("aria", ""), d.get("title", ""), d.get("alt", "")) if x))
    if is_pay(d):
        return -100.0, ["pay control: never pressed"]
    if leaves_to_app(d):
        return -100.0, ["opens an app / app store: never followed"]
    if purpose == "category":
        return category_score(d)
    sc, reasons = _word_score(d, purpose, text, alt)
    if purpose == "submit" and not by_words(reasons):
        return 0.0, reasons  # the final submit is named (提交订单, place order): a class name alone is not enough
    if purpose == "submit" and d.get("row"):
        return 0.0, reasons + ["in a menu row: a dish's words, not the final submit"]
    shape, why_shape = _shape_score(d, purpose, text, overlay_box, viewport.get("width", 390))
    if shape and not (purpose == "close" and sc > 0):  # an icon-only close counts only without words
        sc += shape
        reasons.append(why_shape)
    if sc <= 0:
        return 0.0, reasons
    b = d.get("box") or {}
    w, h = b.get("width", 0), b.get("height", 0)
    vw, vh = viewport.get("width", 390), viewport.get("height", 844)
    long_text = len(text) > 24
    if long_text and purpose != "close" and not (purpose == "open_item" and d.get("rowOpen")):  # (a dish card says much)
        pen = min(4.0, (len(text) - 24) / 10)
        sc -= pen
        reasons.append(f"long text -{pen:.1f}")
    if purpose in ("cart", "checkout", "submit") and d.get("bottomBar"):
        sc += 1.5
        reasons.append("bottom bar +1.5")
    if purpose in ("cart", "checkout", "submit", "add", "spec_confirm", "enter_menu") and d.get("saturated"):
        sc += 0.8
        reasons.append("filled colour +0.8")
    if purpose in ("cart", "checkout", "submit", "enter_menu", "spec_confirm") and w * h >= 0.03 * vw * vh:
        sc += 0.5
        reasons.append("large +0.5")
    if purpose == "close":
        if overlay_box:
            ox, oy, ow = overlay_box.get("x", 0), overlay_box.get("y", 0), overlay_box.get("width", vw)
            cx, cy = b.get("x", 0) + w / 2, b.get("y", 0) + h / 2
            if cx > ox + ow * 0.7 and cy < oy + 80:
                sc += 2.0
                reasons.append("top-right +2")
            if 0 < w <= 60 and 0 < h <= 60 and abs(w - h) <= 16:
                sc += 1.0
                reasons.append("small square +1")
        if w * h > 0.1 * vw * vh:
            sc -= 3
            reasons.append("too big -3")
    if purpose in ("add", "cart", "checkout", "submit", "enter_menu", "spec_confirm", "mode_dine_in",
                   "mode_pickup", "mode_delivery") and PI_ACT_RE.search(text + " " + alt):
        sc -= 4
        reasons.append("PI act words -4")
    if purpose in ("skip", "close", "decline") and PI_ACT_RE.search(text) and not re.search(r"不|暂|暫|拒|not|no |skip|later|cancel|取消", text):
        sc -= 6
        reasons.append("PI act words -6")
    if purpose in ("cart", "checkout", "submit", "add", "spec_confirm") and CLEAR_RE.search(text):
        sc -= 8
        reasons.append("empties or removes -8")
    if purpose in ("add", "enter_menu") and BANNER_RE.search(text + " " + d.get("ctx", "")[:60]) and len(text) > 4:
        sc -= 2
        reasons.append("banner words -2")
    if purpose == "add" and SOLD_OUT_RE.search(d.get("ctx", "") + " " + text):
        sc -= 5
        reasons.append("sold out -5")
    if not d.get("enabled", True):
        sc -= 3
        reasons.append("disabled -3")
    if 0 < w < 10 or 0 < h < 10:
        sc -= 1
        reasons.append("tiny -1")
    return round(sc, 2), reasons


# ---- page text: what the page as a whole says -------------------------------------------

CLOSED_RE = re.compile(r"休息中|已打烊|打烊|暂停营业|暫停營業|停止营业|停止營業|不在营业时间|不在營業時間|非营业时间|非營業時間|歇业|歇業|"
                       r"closed (today|now|for)|we are closed|currently closed|not open", re.I)
MINIPROGRAM_RE = re.compile(r"请在微信小程序|請在微信小程序|小程序中打开|小程序中打開|打开小程序|打開小程序|仅支持小程序|僅支持小程序|"
                            r"open (it )?in (the )?(wechat )?mini[- ]?program|mini[- ]?program only", re.I)
APP_ONLY_RE = re.compile(r"下载APP|下載APP|下载App|下载app|打开APP|打開APP|请在APP|請在APP|download (the |our )?app|open (in )?(the |our )?app|app only|"
                         r"only (supports?|available|accepts?) (in |on |via )?(the |our )?app|order (in|on|via|through) (the |our )?app", re.I)
CONFIRM_RE = re.compile(r"下单成功|下單成功|订单已提交|訂單已提交|提交成功|订单提交成功|訂單提交成功|已下单|已下單|等待上菜|正在制作|正在製作|"
                        r"订单已送出|訂單已送出|订单编号|訂單編號|待接单|待接單|待门店接单|待門店接單|等待商家接单|等待商家接單|已点菜品|已點菜品|订单详情|訂單詳情|"
                        r"order (placed|submitted|received|confirmed)|thank you for your order|your order|订单号|訂單號|取餐号|取餐號", re.I)
#: Words only a placed order shows (its status in the kitchen, a success message): enough on their
#: own, where the weaker words of :data:`CONFIRM_RE` (订单详情, 已点菜品...) also need the merchant's answer
#: to an order request.
ORDER_STATUS_RE = re.compile(r"下单成功|下單成功|订单已提交|訂單已提交|订单提交成功|訂單提交成功|等待上菜|正在制作|正在製作|"
                             r"(?<![新上])制作中|(?<![新上])製作中|待取餐|订单已送出|訂單已送出|"
                             r"order (placed|submitted|received|confirmed)|thank you for your order|(being|now being) prepared|in the kitchen", re.I)
NEED_AUTH_RE = re.compile(r"授权|授權|authori[sz]", re.I)
VALIDATION_RE = re.compile(r"请输入|請輸入|请填写|請填寫|不能为空|不能為空|必填|不正确|不正確|格式|有误|有誤|required|invalid|please (enter|fill)|must", re.I)
SCAN_CONTROL_RE = re.compile(r"扫一扫|掃一掃|扫码|掃碼|scan", re.I)
CHECKOUT_MOVE_RE = re.compile(r"结算|結算|结账|結帳|結賬|选好了|選好了|下一步|去下单|去下單|确认订单|確認訂單|checkout|check out|\bnext\b|proceed|review order", re.I)
CONSENT_BOX_RE = re.compile(r"隐私|隱私|私隱|私隐|协议|協議|条款|條款|同意|授权|授權|会员|會員|营销|營銷|短信|推送|优惠|優惠|订阅|訂閱|"
                            r"privacy|terms|agree|consent|member|marketing|newsletter|offers", re.I)
TICK_RE = re.compile(r"勾选|勾選|同意|阅读|閱讀|agree|accept|tick|check the box", re.I)
SPEC_RE = re.compile(r"规格|規格|口味|温度|溫度|甜度|份量|大小|杯型|辣度|size|options|choose", re.I)
PRICE_RE = re.compile(r"[¥￥]\s*\d|\d+(\.\d+)?\s*元")
