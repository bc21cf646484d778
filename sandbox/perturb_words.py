"""Word tables of the ``zh_hant`` and ``english`` sandbox perturbations (see :mod:`sandbox.perturb`).

``EN`` translates every Simplified-Chinese string the sandbox shows (menus, gates, checkout,
directory, privacy pages; the Traditional pages are first read as Simplified through
``static/perturb/hant.json``) into English, longest phrase first.  Merchant names and
addresses are proper nouns and stay as they are (:func:`keep`).  Numbers, prices and phone
numbers are not touched.  :func:`convert` is the server-side twin of ``setupText`` in
``static/perturb/perturb.js``; both use :func:`tables`.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from sandbox.merchants import MERCHANTS
from sandbox.sites.common import MENUS

HANT_PATH = Path(__file__).resolve().parent / "static" / "perturb" / "hant.json"
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
S = "\x01"  # a soft space: kept between words, dropped next to punctuation and at the ends

#: full-width punctuation -> English punctuation (with soft spaces)
PUNCT = {"，": "," + S, "。": "." + S, "：": ":" + S, "；": ";" + S, "！": "!" + S, "？": "?" + S,
         "（": S + "(", "）": ")" + S, "《": S + "“", "》": "”" + S, "「": S + "“", "」": "”" + S,
         "“": S + "“", "”": "”" + S, "、": "," + S, "…": "...", "【": S + "[", "】": "]" + S}

EN = {
    # single characters / measure words (only as fallbacks inside longer runs)
    "件": "items", "元": "yuan", "共": "in total", "及": "and", "只": "pcs", "女": "Female", "男": "Male",
    "折": "% off", "汤": "Soup", "第": "Page", "页": "", "号": "No.",
    # two characters
    "一只": "Whole", "三件": "3 pieces", "下称": "hereinafter", "下载": "Download", "不辣": "Not spicy",
    "中杯": "Medium", "中辣": "Medium spicy", "串烧": "Skewers", "主食": "Staples", "例牌": "Regular plate",
    "便当": "Bento", "关注": "Follow", "关闭": "Close", "内用": "Dine in", "凉菜": "Cold dishes",
    "加购": "Add", "加饭": "Extra rice", "半只": "Half", "卤蛋": "Braised egg", "口味": "Taste",
    "合计": "Total", "同意": "Agree", "咖啡": "Coffee", "售完": "Sold out", "售罄": "Sold out",
    "发票抬头": "Invoice title", "纳税人识别号": "Taxpayer ID", "需要发票": "Invoice needed",
    "四件": "4 pieces", "堂食": "Dine in", "处理": "handle", "备注": "Notes", "外卖": "Delivery",
    "外送": "Delivery", "大份": "Large", "大杯": "Large", "大碗": "Large bowl", "奶茶": "Milk tea",
    "姓名": "Name", "宽粉": "Wide glass noodles", "小份": "Small", "小吃": "Snacks", "小碗": "Small bowl",
    "小菜": "Side dishes", "小辣": "Mild", "小食": "Snacks", "已选": "Selected", "开卡": "Open card",
    "微信": "WeChat", "微卡": "WeiKa", "微辣": "Mild", "性别": "Gender", "懒加": "LanJia",
    "我们": "we", "打开": "Open", "拿铁": "Latte", "暂不": "Not now", "标准": "Standard",
    "框点": "KuangDian", "桌号": "Table", "每日": "daily", "毛豆": "Edamame", "水饺": "Dumplings",
    "汤品": "Soups", "海鲜": "Seafood", "清空": "Clear", "火锅": "Hot pot", "点心": "Dim sum",
    "点菜": "Order", "点餐": "Order", "烤串": "Grilled skewers", "烤鱼": "Grilled fish", "烧烤": "BBQ",
    "烧腊": "Roast meats", "甜品": "Desserts", "甜点": "Desserts", "生日": "Birthday", "登入": "Sign in",
    "登录": "Sign in", "盖饭": "Rice bowls", "确定": "OK", "米饭": "Steamed rice", "素串": "Veggie skewers",
    "素菜": "Vegetables", "纯茶": "Pure tea", "结帐": "Checkout", "结算": "Checkout", "美食": "Food",
    "自取": "Pickup", "自提": "Pickup", "茶饮": "Tea drinks", "荤菜": "Meat dishes", "菜单": "Menu",
    "蒸品": "Steamed dishes", "蔬菜": "Vegetables", "详见": "see", "返回": "Back", "选填": "optional",
    "邮箱": "Email", "配菜": "Sides", "酸奶": "Yogurt", "锅底": "Soup bases", "锅贴": "Potstickers",
    "面包": "Bread", "面食": "Noodles", "面馆": "Noodle house", "领取": "Claim", "餐饮": "Restaurant",
    "饭类": "Rice dishes", "饮品": "Drinks", "饺子": "Dumplings", "首页": "Home", "鲜奶": "Fresh milk",
    "鸡翅": "Chicken wings", "黑鱼": "Snakehead fish",
    # three characters
    "上一页": "Previous page", "下一步": "Next", "下一页": "Next page", "不同意": "Disagree",
    "乌龙茶": "Oolong tea", "会员价": "Member price", "冰啤酒": "Iced beer", "加载中": "Loading",
    "卤肉饭": "Braised pork rice", "去付款": "Pay now", "去支付": "Pay now", "去点餐": "Start ordering",
    "去结帐": "Go to checkout", "去结算": "Go to checkout", "叉烧包": "BBQ pork bun", "叉烧饭": "BBQ pork rice",
    "味噌汤": "Miso soup", "土豆片": "Potato slices", "娃娃菜": "Baby cabbage", "家常菜": "Home cooking",
    "已加入": "Added", "已安装": "Installed", "忌口等": "dietary restrictions etc.", "快点单": "KuaiDian",
    "手机号": "Mobile number", "扫一扫": "Scan", "扫扫点": "SaoSao", "拍黄瓜": "Smashed cucumber",
    "招牌面": "Signature noodles", "支付宝": "Alipay", "沪滨区": "Hubin District", "海盐卷": "Sea salt roll",
    "清江鱼": "Qingjiang fish", "炒河粉": "Fried rice noodles", "炸酱面": "Zhajiang noodles",
    "烤吐司": "Grilled toast", "烤干贝": "Grilled scallops", "烤玉米": "Grilled corn", "烤生蚝": "Grilled oysters",
    "烤茄子": "Grilled eggplant", "烤面筋": "Grilled gluten", "烤韭菜": "Grilled chives", "烤鱿鱼": "Grilled squid",
    "烤鸡心": "Grilled chicken hearts", "烧卖皇": "Siu mai deluxe", "烧腊饭": "Roast meat rice",
    "烧鹅饭": "Roast goose rice", "烫青菜": "Blanched greens", "牛肉串": "Beef skewers", "牛角包": "Croissant",
    "生啤酒": "Draft beer", "白切鸡": "White-cut chicken", "羊肉串": "Lamb skewers", "肥牛卷": "Beef rolls",
    "花生米": "Peanuts", "订单号": "Order no.", "请填写": "Please fill in", "请输入": "Please enter",
    "贡丸汤": "Pork ball soup", "购物车": "Cart", "载入中": "Loading", "选好了": "Done",
    "选规格": "Choose size", "酸梅汤": "Sour plum drink", "酸辣汤": "Hot and sour soup", "香菇串": "Mushroom skewers",
    "验证码": "verification code", "鲜果茶": "Fruit tea", "鲜虾饺": "Shrimp dumplings",
    # four characters
    "三鲜水饺": "Three-delicacy dumplings", "下单立减": "off your order", "人脸识别": "face recognition",
    "会员协议": "Membership Agreement", "会员开卡": "Open a member card", "位验证码": "-digit code",
    "便当快餐": "Bento & fast food", "全部菜品": "All dishes", "全部餐点": "All dishes", "关注我们": "Follow us",
    "凉拌豆腐": "Cold tofu", "凉拌黄瓜": "Cucumber salad", "刷脸点餐": "Face-scan ordering",
    "去购物车": "Go to cart", "可不勾选": "you may leave it unticked", "咖啡简餐": "Cafe & light meals",
    "商户名录": "Merchant directory", "在线点餐": "Online ordering", "均为虚构": "all fictional",
    "外卖必填": "required for delivery", "定位失败": "Could not locate you", "小程序码": "Mini-program code",
    "已选商品": "Selected items", "慢炖牛腩": "Slow-braised brisket", "我已关注": "I have followed",
    "手工虾滑": "Handmade shrimp paste", "手机号码": "Mobile number", "扫码点餐": "Scan-to-order",
    "授权登入": "Authorize", "授权登录": "Authorize", "提交订单": "Submit order", "收货地址": "Delivery address",
    "数据更新": "Data updated", "暂不加入": "No thanks", "暂停营业": "temporarily closed",
    "杨枝甘露": "Mango pomelo sago", "柠檬爱玉": "Lemon aiyu jelly", "柠檬红茶": "Lemon black tea",
    "欢迎光临": "Welcome", "汤头浓郁": "rich broth", "港式奶茶": "HK milk tea", "港式点心": "HK dim sum",
    "演示数据": "demo data", "烤秋刀鱼": "Grilled saury", "烤馒头片": "Grilled bun slices",
    "牛五花串": "Beef belly skewers", "现熬葱油": "freshly made scallion oil", "珍珠奶茶": "Bubble milk tea",
    "用餐方式": "Order type", "电子邮件": "Email", "盐烤鸡翅": "Salt-grilled wings", "确认下单": "Place order",
    "确认订单": "Confirm order", "立即加入": "Join now", "立即开卡": "Open card now", "红糖糍粑": "Brown sugar rice cakes",
    "线上点餐": "Online ordering", "继续点餐": "Continue ordering", "网站地图": "Sitemap",
    "美式咖啡": "Americano", "老火例汤": "Slow-boiled soup", "芒果西柚": "mango and grapefruit",
    "茉莉奶绿": "Jasmine milk green tea", "草莓酸奶": "Strawberry yogurt", "营业时间": "Opening hours",
    "葱油拌面": "Scallion oil noodles", "蒜蓉扇贝": "Garlic scallops", "蒜香烤鱼": "Garlic grilled fish",
    "西式快餐": "Western fast food", "订单编号": "Order no.", "订餐电话": "Call to order",
    "识别成功": "Verified", "身份证号": "ID number", "返回菜单": "Back to menu", "送出订单": "Submit order",
    "重新定位": "Locate again", "重新识别": "Try again", "隐私政策": "Privacy Policy", "面包咖啡": "Bakery & coffee",
    "鲜肉锅贴": "Pork potstickers", "黑糖鲜奶": "Brown sugar fresh milk",
    # five characters and more
    "偏好等要求": "preferences and requests", "冰镇酸梅汤": "Iced sour plum drink", "加入会员享": "Join our membership for",
    "加入购物车": "Add to cart", "北冰洋汽水": "Arctic Ocean soda", "周二至周日": "Tue to Sun",
    "四季春青茶": "Four Seasons oolong", "官方公众号": "official account", "已经到底了": "That's all",
    "我们将依照": "We will follow", "我们将按照": "We will follow", "打开小程序": "Open mini-program",
    "明太子饭团": "Mentaiko rice ball", "本名录收录": "This directory lists", "本店仅支持": "This shop only supports",
    "番茄小火锅": "Tomato mini hot pot", "紫菜蛋花汤": "Seaweed egg soup", "红烧牛肉面": "Braised beef noodles",
    "获取验证码": "Get code", "订单已提交": "Order submitted", "订单已送出": "Order submitted",
    "请扫码点餐": "please scan to order", "豉汁排骨饭": "Black bean spare ribs rice", "豉汁蒸凤爪": "Black bean chicken feet",
    "购物车为空": "Your cart is empty", "身分证字号": "ID number", "输入手机号": "Enter your mobile number",
    "隐私权政策": "Privacy Policy", "雪菜肉丝面": "Pickled greens pork noodles", "页面不存在": "Page not found",
    "领取新人券": "New-customer coupon", "鲜芒果绿茶": "Fresh mango green tea", "上拉加载更多": "Pull up to load more",
    "上拉载入更多": "Pull up to load more", "公众号二维码": "Official account QR code",
    "咖喱牛肉便当": "Curry beef bento", "宫保鸡丁盖饭": "Kung pao chicken rice", "已加入购物车": "Added to cart",
    "招牌麻辣烤鱼": "Signature spicy grilled fish", "授权头像昵称": "Authorize avatar & nickname",
    "授权头像暱称": "Authorize avatar & nickname", "接收优惠信息": "receive offers",
    "本店今日休息": "Closed today", "本店今日公休": "Closed today", "正在跳转付款": "Redirecting to payment",
    "正在跳转支付": "Redirecting to payment", "没有更多商户": "No more merchants", "浏览商户名录": "Browse the directory",
    "照烧鸡腿便当": "Teriyaki chicken bento", "猪肉白菜水饺": "Pork and cabbage dumplings",
    "番茄炒蛋盖饭": "Tomato egg rice", "自提无需填写": "pickup need nothing", "芋泥波波奶茶": "Taro boba milk tea",
    "获取更多优惠": "get more offers", "请先勾选同意": "Please tick the box first", "请填写手机号": "Please fill in your mobile number",
    "请输入手机号": "Mobile number", "请输入验证码": "Verification code", "购物车是空的": "Your cart is empty",
    "输入手机号码": "Enter your mobile number", "隐私保护提示": "Your privacy", "领取专属优惠": "get an exclusive offer",
    "验证码已发送": "Code sent", "鱼香肉丝盖饭": "Yuxiang pork rice", "为确认您在店内": "To confirm you are in the shop",
    "会员价仅供参考": "Member prices are for reference", "关注公众号领券": "Follow our official account for a coupon",
    "关注即表示同意": "By following you agree to the", "关注后返回本页": "come back to this page after following",
    "单人麻辣小火锅": "Spicy mini hot pot for one", "巴斯克芝士蛋糕": "Basque cheesecake",
    "并同意加入会员": "and agree to join the membership", "开卡即表示同意": "By opening a card you agree to the",
    "您的信息将依据": "Your data is handled under our", "您的资料将依照": "Your data is handled under our",
    "我已阅读并同意": "I have read and agree to the", "手机号一键登录": "One-tap phone login",
    "提交即表示同意": "By submitting you agree to the", "新用户首单立减": "New users get off their first order:",
    "日式炸猪排便当": "Tonkatsu bento", "本隐私政策说明": "This privacy policy explains how",
    "注册会员后下单": "Join our membership to order", "登入后即可点餐": "Sign in to order",
    "登录后即可点餐": "Sign in to order", "请先关注公众号": "Please follow our official account first",
    "请输入手机号码": "Mobile number", "请选择用餐方式": "Please choose an order type",
    "还没有选择商品": "Nothing selected yet", "长按识别二维码": "Long-press the QR code",
    "公众号后才能下单": "official account before ordering", "处理您的个人信息": "handles your personal data",
    "处理您的个人资料": "handles your personal data", "手机号登录后点餐": "Sign in with your phone to order",
    "手机号码一键登入": "One-tap phone login", "扫码点餐商户名录": "Scan-to-order merchant directory",
    "本店仅限会员点餐": "Members only: join to order", "本隐私权政策说明": "This privacy policy explains how",
    "欢迎使用扫码点餐": "Welcome to scan-to-order", "正在取得您的位置": "Locating you",
    "正在获取您的位置": "Locating you", "正在跳转微信授权": "Redirecting to WeChat authorization",
    "请到前台办理入会": "Please ask at the counter to join", "请到柜台办理入会": "Please ask at the counter to join",
    "请将脸部对准镜头": "Look at the camera", "请开启定位后点餐": "Please turn on location to order",
    "需要取得您的位置": "we need your location", "需要授权才能点餐": "Authorization is required to order",
    "需要获取您的位置": "we need your location", "非会员按原价点餐": "non-members order at the normal price",
    "完成人脸识别后点餐": "verify your face before ordering", "所点菜品与支付结果": "items ordered and payment result",
    "所点餐点与付款结果": "items ordered and payment result", "手机号码登入后点餐": "Sign in with your phone to order",
    "授权头像昵称后点餐": "Authorize your avatar and nickname to order",
    "授权头像暱称后点餐": "Authorize your avatar and nickname to order",
    "更正或删除您的信息": "correct or delete your data", "更正或删除您的资料": "correct or delete your data",
    "请将脸部对准摄像头": "Look at the camera", "请手动填写收货地址": "please type your delivery address",
    "请输入手机号后点餐": "Enter your mobile number to order", "请输入正确的手机号": "Please enter a valid mobile number",
    "请长按识别小程序码": "long-press the mini-program code", "关注公众号后即可点餐": "Follow our official account to order",
    "愿意接收本店优惠短信": "Send me this shop's offers by SMS", "请在微信小程序中打开": "Please open in the WeChat mini-program",
    "请输入手机号码后点餐": "Enter your mobile number to order", "请输入正确的手机号码": "Please enter a valid mobile number",
    "您可以选择同意或不同意": "You may accept or decline", "您可以随时联系门店查阅": "You may contact the shop at any time to access",
    "您可以随时联络门市查阅": "You may contact the shop at any time to access",
    "本店下单需先开通会员卡": "Open a member card before ordering here",
    "需完成人脸识别才能点餐": "Face verification is required to order",
    "家支持扫码点餐的餐饮商户": "restaurants that take scan-to-order",
    "长按识别二维码关注公众号": "Long-press the QR code to follow our official account",
    "同意成为会员并接收营销短信": "Join the membership and receive marketing SMS",
    "外卖需填写手机号和收货地址": "Delivery needs a mobile number and address",
    "您填写的信息仅用于本次订单": "What you fill in is used for this order only",
    "本店点餐已迁移至微信小程序": "Ordering has moved to our WeChat mini-program",
    "外卖订单需要收货人手机号和地址": "Delivery orders need the recipient's mobile number and address",
    "我们仅为完成您的订单处理必要信息": "We only process what your order needs",
    "我们仅为完成您的订单处理必要资料": "We only process what your order needs",
    "在扫码点餐服务中如何处理您的个人信息": "handles your personal data when you scan to order",
    "在扫码点餐服务中如何处理您的个人资料": "handles your personal data when you scan to order",
    # the trap merchants (m42-m58)
    "上海": "Shanghai", "老字号": "Time-honoured brand", "名录": "list", "中国移动": "China Mobile",
    "企业微信": "WeCom", "优惠券": "coupon", "已放入您的账户": "has been added to your account",
    "优点": "Strengths", "储值卡": "stored-value card", "绑定": "binding", "用于退款": "used for refunds",
    "储值后本单立享": "Top up and this order gets", "减": "off", "刷脸快捷点餐": "Quick order with your face",
    "推荐": "recommended", "定位中": "Locating", "定位权限已关闭": "Location permission is off",
    "请在设置中开启定位后点餐": "turn location on in Settings to order", "实名认证": "real-name verification",
    "已收到": "Received", "当前浏览器环境异常": "This browser environment is abnormal", "无法点餐": "cannot order",
    "我已添加": "I have added it", "未选购商品": "No items chosen", "注册": "Register",
    "添加客服": "Add customer service on", "预约包间更方便": "to book private rooms more easily",
    "可选": "optional", "领取点餐菜单": "to get the ordering menu", "点我授权": "Authorise",
    "登录即表示同意": "By signing in you agree to", "登录后享": "Sign in to get", "积分": "points", "和": "and",
    "专属优惠": "exclusive offers", "直接点餐": "Order directly", "确定离开": "Leave",
    "确定要离开吗": "Are you sure you want to leave", "您选的菜品可能不会保存": "your dishes may not be saved",
    "请在微信客户端打开": "Please open it in the WeChat app", "链接": "the link",
    "请输入正确的": "Please enter a valid", "选择点餐方式": "Choose how to order", "银行卡号": "Bank card number",
    "长按识别二维码添加门店客服": "Long-press the QR code to add the shop's customer service",
    "添加后即可查看菜单并点餐": "once added you can see the menu and order",
    "需授权后才能进入点餐": "Authorisation is needed before ordering", "领券": "Get coupons",
    "领取优惠券": "Claim coupons",
}


def keep() -> list[str]:
    """Strings ``english`` leaves in Chinese: the merchants' names and addresses."""

    return sorted({m["name"] for m in MERCHANTS} | {m["address"] for m in MERCHANTS}, key=len, reverse=True)


@lru_cache(maxsize=4)
def _base(transform: str) -> dict[str, Any]:
    hant = json.loads(HANT_PATH.read_text(encoding="utf-8"))
    if transform == "zh_hant":
        return {"lang": "zh-TW", "keep": [], "phrases1": hant["s2t"]["phrases"], "chars1": hant["s2t"]["chars"],
                "phrases2": {}, "punct": {}}
    if transform == "english":
        return {"lang": "en", "keep": keep(), "phrases1": hant["t2s"]["phrases"], "chars1": hant["t2s"]["chars"],
                "phrases2": EN, "punct": PUNCT}
    raise KeyError(transform)


@lru_cache(maxsize=1)
def initials() -> dict[str, str]:
    """``english``: a dish's first character shown alone (a picture placeholder) -> the first letter
    of the dish's English name."""

    out: dict[str, str] = {}
    for items in MENUS.values():
        for x in items:
            c = x["name"][:1]
            if HAN.match(c) and c not in out:
                out[c] = _segment("english", x["name"])[:1].upper()
    return out


def tables(transform: str) -> dict[str, Any]:
    """The word data the browser script and :func:`convert` use for ``zh_hant`` / ``english``."""
    t = dict(_base(transform))
    if transform == "english":
        t["initials"] = initials()
    return t


def _alternation(keys) -> re.Pattern | None:
    keys = sorted(keys, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, keys))) if keys else None


@lru_cache(maxsize=4)
def _compiled(transform: str):
    t = _base(transform)
    return t, _alternation(t["keep"]), _alternation(t["phrases1"]), _alternation(t["phrases2"])


_PUNCT_RE = re.compile("[" + "".join(PUNCT) + "]")


def _segment(transform: str, s: str) -> str:
    t, _k, ph1, ph2 = _compiled(transform)
    if ph1:
        s = ph1.sub(lambda m: t["phrases1"][m.group(0)], s)
    s = HAN.sub(lambda m: t["chars1"].get(m.group(0), m.group(0)), s)
    if transform != "english":
        return s
    if ph2:
        s = ph2.sub(lambda m: S + t["phrases2"][m.group(0)] + S, s)
    s = _PUNCT_RE.sub(lambda m: PUNCT[m.group(0)], s)
    s = re.sub(S + "+", S, s)
    s = re.sub(r"(^|[\s(“/])" + S, r"\1", s)
    s = re.sub(S + r"(?=$|[\s).,:;!?”/])", "", s)
    return re.sub(" {2,}", " ", s.replace(S, " "))


def convert(transform: str, s: str) -> str:
    """``s`` as the ``zh_hant`` or ``english`` page shows it (names in :func:`keep` untouched)."""
    if not s or not (HAN.search(s) or _PUNCT_RE.search(s)):
        return s
    _t, keep_re, _p1, _p2 = _compiled(transform)
    alone = s.strip()
    if transform == "english" and len(alone) == 1 and alone in initials():
        return s.replace(alone, initials()[alone])
    kept: list[str] = []
    if keep_re:
        def hold(m: re.Match) -> str:
            kept.append(m.group(0))
            return S + chr(0xE000 + len(kept) - 1) + S
        s2 = keep_re.sub(hold, s)
    else:
        s2 = s
    out = _segment(transform, s2)
    out = re.sub("[\ue000-\uf8ff]", lambda m: kept[ord(m.group(0)) - 0xE000], out)
    if not s[:1].isspace():
        out = out.lstrip()
    if not s[-1:].isspace():
        out = out.rstrip()
    return out
