"""Words and matching for zh-Hans, zh-Hant and English page text.

Everything is matched on :func:`norm` text: NFKC (full-width digits/letters →
half-width), traditional → simplified (:mod:`core.lexicon`, OpenCC's character table),
camelCase split (``userPhone`` → ``user phone``), lower case.

Classifiers:

* :func:`field_kind` — what a :class:`~core.trace.FormField` asks for
  (``phone``, ``sms_code``, ``name``, ``id_number``, ``bank_card``, ``birthday``,
  ``gender``, ``email``, ``address``, ``table``, ``people``, ``remark``, ``coupon``,
  ``captcha``, ``username``, ``password``, ``other``), from label, placeholder, name,
  attributes and type —
  never the type alone.
* :func:`text_asks` — which PI asks a gate's text makes (``phone``, ``follow``,
  ``membership``, ``profile_auth``, ``location``, ``camera``, ``login``), each with
  the phrase that matched.  ``follow`` covers official accounts and private
  channels (adding a staff member's WeCom contact, joining a group).  Harmless
  look-alikes (the merchant's own 订餐电话, 会员价, a footer 关注我们) do not match.
* :func:`has_privacy_notice` — whether text speaks of a privacy policy/notice.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from core.lexicon import fold

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@lru_cache(maxsize=8192)
def norm(text: str | None) -> str:
    """Return ``text`` normalised for matching (see module doc); ``None`` → ``""``."""
    if not text:
        return ""
    return fold(_CAMEL.sub(" ", unicodedata.normalize("NFKC", text)))


def _rx(*alts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alts))


def find(pattern: re.Pattern[str], text: str) -> str | None:
    """Return the first match of ``pattern`` in normalised ``text`` or ``None``."""
    m = pattern.search(norm(text))
    return m.group(0) if m else None


# ---------------------------------------------------------------------------
# words


#: phone number asked for (in a gate's text / on a button), not merely shown
PHONE_ASK = _rx(
    r"(请|输入|填写|绑定|验证|授权|获取|提供|留下|登记|使用)[^。\n,，]{0,6}(手机号|电话号码|本机号码|联系电话|联系方式)",
    r"手机(号码?)?(快捷|一键)?(登录|登陆|注册|验证|授权|绑定)",
    r"(本机号码|手机号)一键登录",
    r"(?<!微信)一键登录",
    r"获取(短信)?验证码|发送(短信)?验证码|短信验证|简讯验证|收不到验证码",
    r"get\s*phone\s*number",
    r"(enter|your|verify|provide|bind)\s+(your\s+)?(mobile|phone)(\s+number)?",
    r"(mobile|phone)\s*(number\s*)?(login|log in|sign in|sign-in|verification)",
    r"send\s+(the\s+)?(sms\s+)?code|get\s+(sms\s+)?code|quick\s+login|one[- ]tap\s+login",
)

#: a private channel: a staff member's WeCom (企业微信) contact, a customer-service WeChat, a group
PRIVATE_CHANNEL = _rx(
    r"(添加|加|扫码添加|长按添加)(门店|店长|客服|专属|导购|服务|顾问|管家|我们的|店铺)?[^。\n,，]{0,4}(企业微信|企微|微信好友|客服微信|个人微信|好友)",
    r"(添加|加)(企业微信|企微)(客服|好友)?",
    r"(加入|进入|扫码进|扫码加入|进|加)[^。\n,，群]{0,6}(微信|福利|会员|粉丝|顾客|优惠)群",
    r"add\s+(our\s+|the\s+|the\s+shop'?s\s+|a\s+)?(staff|service|customer\s+service|wecom|shop\s+assistant)\s*(member|contact|account)?",
    r"wecom\s+(contact|group)|\bon\s+wecom\b",
    r"join\s+(our\s+|the\s+)?(wechat\s+|fan\s+|vip\s+|customer\s+|member\s+)?group",
)

FOLLOW_STRONG = _rx(
    PRIVATE_CHANNEL.pattern,
    r"关注(我们的)?(微信)?(公众号|服务号|订阅号|官方(微信|账号|帐号))",
    r"关注后(才能|方可|即可|再)?(点餐|下单|使用|继续|浏览)",
    r"(长按|扫码|扫描)(识别)?(二维码)?[^。\n]{0,6}关注",
    r"识别(图中)?二维码[^。\n]{0,6}关注",
    r"follow\s+(our|the)\s+(official|service|wechat)\s+account",
    r"follow\s+(us|the account)\s+to\s+(order|continue)",
    r"subscribe\s+to\s+(our|the)\s+(official\s+)?account",
)
FOLLOW_WEAK = _rx(r"关注", r"follow", r"subscribe", r"企业微信|企微|加好友|加群|客服微信", r"wecom")

#: a login or registration asked for (counted when it comes back: ``induced_consent``)
LOGIN = _rx(r"登录|登陆|注册|(?<!未)登入", r"\blog\s?in\b|\bsign\s?(in|up)\b|\bregister\b")
#: a page that an account opens: "登录后查看更多商家", "请先登录", "log in to order" (a member
#: login/registration wall: forced_membership when nothing else is asked and no try got past)
ACCOUNT_WALL = _rx(
    r"(登录|登陆|登入|注册)(之)?后(才能|才可|方可|可以|可|查看|浏览|使用|继续|下单|点餐|购买)",
    r"(请|须|需|需要|必须)(先)?(登录|登陆|登入|注册)",
    r"\b(log|sign)\s?in\s+(first|to\s+(see|view|order|continue|browse|use|shop))\b",
    r"\b(please|you\s+must|you\s+need\s+to)\s+(log|sign)\s?in\b",
)

MEMBERSHIP = _rx(
    r"(注册|开通|成为|加入|申请|办理|激活|领取|登记)(为)?(\S{0,4})?会员(?!价|专享价|折扣|积分)",  # (领取会员积分: points, no joining)
    r"会员(注册|登录|登陆|开通|开卡|入会|登记)",
    r"(领取|开通|激活|办理|申领)会员卡",
    r"(?<!公)开卡(?!券)",
    r"(?<![进出])入会(?!场)",
    r"join\s+(our\s+|the\s+)?(membership|loyalty|member|club)",
    r"become\s+a\s+member|sign\s*up\s+as\s+a?\s*member|register\s+as\s+a?\s*member|member(ship)?\s+(registration|sign[- ]?up|login)",
)

PROFILE = _rx(
    r"授权[^。\n]{0,8}(头像|昵称|用户信息|个人信息|公开信息)",
    r"获取(你|您)的(昵称|头像|公开信息|用户信息|微信头像)",
    r"(头像|昵称)[、和与及/,，]{1,2}(昵称|头像)",
    r"微信(授权|一键|快捷)登录",
    r"(用户|个人)信息授权",
    r"authori[sz]e\s+(your\s+)?(profile|avatar|nickname|user\s*info)",
    r"(nickname|avatar)\s+and\s+(nickname|avatar)",
    r"public\s+profile|profile\s+authori[sz]ation|wechat\s+login",
)

LOCATION = _rx(
    r"定位(权限|服务)?|位置(信息|权限)|获取(你|您)?的?(当前)?(地理)?位置|地理位置|所在位置",
    r"\b(geo)?location\b|your\s+position",
)

CAMERA = _rx(
    r"刷脸|人脸|面部识别|面容|活体(检测|识别)|摄像头|相机权限|拍摄(你|您)?的?(脸|面部|正脸)",
    r"\bface\b|facial|selfie|liveness|\bcamera\b",
)

#: the user chose to scan (camera then is fine)
SCAN_CONTROL = _rx(r"扫一扫|扫码|扫描", r"\bscan\b")

PRIVACY_NOTICE = _rx(
    r"隐私(权)?(政策|协议|保护|条款|声明|指引|说明|权)",
    r"私隐(政策|声明|条款|保护|政策声明)",  # Hong Kong and Macau usage (私隱政策)
    r"(收集)?个人资料(收集)?(声明|政策)",
    r"个人(信息|资料)(保护|处理|收集|使用)(政策|规则|说明|协议|声明|指引)?",
    r"个资",
    r"privacy\s*(policy|notice|statement|terms)|personal\s+(information|data)\s+protection|data\s+protection",
)

MARKETING = _rx(
    r"营销|推广|广告|优惠(信息|活动|通知)|促销|推送|短信通知|订阅(消息|通知)",
    r"marketing|promotion|advertis|newsletter|offers",
)
DATA_SHARING = _rx(
    r"第三方|合作(方|伙伴|商户)|共享|提供给|关联(公司|方)",
    r"third[- ]part|share\s+(my|your)\s+(data|information)|partners",
)
MEMBER_WORD = _rx(r"会员|入会|开卡|积分", r"member|loyalty")
CONSENT_WORD = _rx(r"同意|已阅读|阅读并|接受|授权", r"agree|accept|consent|have read")

#: a phone shown as the merchant's own contact — never a PI ask
MERCHANT_PHONE = _rx(r"(订餐|订座|预订|外卖|门店|商家|客服|联系|服务)电话|热线|hotline|call\s+us")


# ---------------------------------------------------------------------------
# fields

_F_CAPTCHA = _rx(r"图形验证码|图片验证码|captcha")
_F_SMS = _rx(
    r"验证码|校验码|动态码|短信码|短信|简讯",
    r"\bsms\b|\botp\b|verif\w*\s*code|v\s?code|sms\s?code|auth\s*code|one-time-code|\bcode\b",
)
_F_COUPON = _rx(r"优惠码|兑换码|券码|邀请码|优惠券", r"coupon|promo|voucher|invite")
_F_PHONE = _rx(
    r"手机|电话|联系方式|本机号码",
    r"mobile|phone|cellphone|\btel\b|\btelephone\b",
)
_PHONE_NUMBER = _rx(r"手机号|电话号码|本机号码", r"(phone|mobile)\s*(number|no)|\btel\b")
_F_TABLE = _rx(r"桌号|台号|桌台|餐桌|桌位|房间号", r"\btable\b|\bseat\b")
_F_PEOPLE = _rx(r"人数|用餐人|就餐人", r"\bpeople\b|\bguests?\b|party\s*size|\bpax\b")
_F_ID = _rx(r"身份证|证件号|证件号码|护照", r"id\s*card|id\s*number|\bidentity\b|passport|\bid\s*no\b")
_F_BANK = _rx(
    r"银行卡|银行账号|银行帐号|银行账户|储蓄卡|借记卡|信用卡(?!积分)|结算卡",
    r"bank\s*(card|account)|card\s*(number|no)\b|credit\s*card|debit\s*card|\biban\b",
)
_F_BIRTH = _rx(r"生日|出生", r"birth|\bdob\b|birthday")
_F_GENDER = _rx(r"性别", r"gender|\bsex\b")
_F_EMAIL = _rx(r"邮箱|电子邮件|邮件", r"e-?mail\b|\bmail\b|email")
_F_ADDRESS = _rx(r"地址|住址|门牌|街道|小区|楼号", r"address|street|\baddr\b")
_F_NAME = _rx(
    r"姓名|名字|称呼|联系人|收货人|收件人|真实姓名|昵称",
    r"\bname\b|full\s*name|your\s*name|first\s*name|last\s*name|nick\s*name|\bnickname\b",
)
_F_REMARK = _rx(r"备注|留言|口味|忌口|要求", r"remark|\bnote|comment|message")
_F_PASSWORD = _rx(r"密码", r"password|passwd|\bpwd\b")
_F_USERNAME = _rx(r"用户名|账号|帐号|账户|帐户", r"username|user\s*name|login\s*id|\baccount\b")

#: field kinds that are personal information
PI_FIELD_KINDS = ("phone", "sms_code", "name", "id_number", "bank_card", "birthday", "gender", "email", "address")
#: field kinds of an account (a login or registration wall): they make the diner a member
ACCOUNT_KINDS = ("username", "password")
#: field kinds excessive for an in-store order (phone is the business of forced_phone)
EXCESSIVE_KINDS = ("name", "id_number", "bank_card", "birthday", "gender", "email", "address")

#: each field class in words (English, Chinese), as findings name them
FIELD_CLASS_WORDS = {
    "name": ("real name", "姓名"), "id_number": ("ID number", "身份证号"), "bank_card": ("bank card number", "银行卡号"),
    "birthday": ("birthday", "生日"), "gender": ("gender", "性别"), "email": ("e-mail", "邮箱"),
    "address": ("home address", "地址"), "phone": ("mobile number", "手机号"),
}


def field_text(f) -> str:
    """Return the normalised words describing a FormField (label, placeholder, name, attrs)."""
    a = f.element.attrs if f.element else {}
    parts = [
        f.label, f.placeholder, f.name,
        a.get("name", ""), a.get("id", ""), a.get("aria-label", ""), a.get("placeholder", ""),
        a.get("title", ""), a.get("autocomplete", ""),
    ]
    return norm(" ".join(p for p in parts if p))


def field_kind(f) -> str:
    """Classify a :class:`~core.trace.FormField`; returns one of the kinds in the module doc."""
    t = field_text(f)
    a = f.element.attrs if f.element else {}
    itype = (f.input_type or a.get("type", "") or "").lower()
    ac = (a.get("autocomplete") or "").lower()
    inputmode = (a.get("inputmode") or "").lower()
    if itype in ("checkbox", "radio", "submit", "button", "hidden", "search", "file"):
        if itype == "radio" and (_F_GENDER.search(t) or {"男", "女"} <= set(f.options)):
            return "gender"
        return "other"
    if ac == "one-time-code":
        return "sms_code"
    if itype == "password" or ac in ("current-password", "new-password") or _F_PASSWORD.search(t):
        return "password"
    if _F_CAPTCHA.search(t):
        return "captcha"
    if _F_COUPON.search(t):
        return "coupon"
    if _F_TABLE.search(t):
        return "table"
    if _F_SMS.search(t) and not _PHONE_NUMBER.search(t):
        return "sms_code"
    if _F_PEOPLE.search(t):
        return "people"
    if _F_PHONE.search(t) or ac.startswith("tel"):
        return "phone"
    if _F_ID.search(t):
        return "id_number"
    if _F_BANK.search(t) and not re.search(r"会员卡|优惠券|礼品卡|member\s*card|gift\s*card", t):
        return "bank_card"
    if _F_BIRTH.search(t) or ac.startswith("bday"):
        return "birthday"
    if _F_GENDER.search(t) or ac == "sex" or ({"男", "女"} <= {norm(o) for o in f.options}):
        return "gender"
    if _F_EMAIL.search(t) or itype == "email" or ac == "email":
        return "email"
    if _F_ADDRESS.search(t) or ac.startswith(("street-address", "address")):
        return "address"
    if _F_NAME.search(t) or ac in ("name", "given-name", "family-name", "nickname"):
        return "name"
    if _F_REMARK.search(t):
        return "remark"
    if _F_USERNAME.search(t) or ac == "username":
        return "username"
    # the type alone, last: a tel input / an 11-digit numeric box with a phone pattern
    pattern = a.get("pattern", "") or ""
    maxlength = (a.get("maxlength") or "").strip()
    if itype == "tel" or inputmode == "tel":
        return "phone"
    if maxlength == "11" and (inputmode == "numeric" or itype == "number" or "1[3-9]" in pattern or "1[0-9]" in pattern):
        return "phone"
    if maxlength in ("4", "6") and (inputmode == "numeric" or itype == "number"):
        return "sms_code"
    return "other"


# ---------------------------------------------------------------------------
# gate text


def text_asks(text: str) -> dict[str, str]:
    """Return ``{ask: matched phrase}`` for the PI asks spoken of in ``text``.

    Asks: ``phone``, ``membership``, ``profile_auth``, ``location``, ``camera``,
    ``follow`` (strong phrases only, official accounts and private channels; see
    :func:`follow_phrase` for the weak one), ``login`` (a login or registration; no
    rule fires on it alone, it counts repeated prompts).
    """
    t = norm(text)
    out: dict[str, str] = {}
    for ask, rx in (
        ("phone", PHONE_ASK), ("follow", FOLLOW_STRONG), ("membership", MEMBERSHIP),
        ("profile_auth", PROFILE), ("location", LOCATION), ("camera", CAMERA), ("login", LOGIN),
    ):
        m = rx.search(t)
        if m:
            out[ask] = m.group(0)
    return out


def follow_phrase(text: str) -> str | None:
    """Return a weak follow word (关注/follow) in ``text``, or ``None``."""
    return find(FOLLOW_WEAK, text)


def has_privacy_notice(*texts: str) -> str | None:
    """Return the privacy-notice phrase found in any of ``texts`` or ``None``."""
    for t in texts:
        if t:
            m = PRIVACY_NOTICE.search(norm(t))
            if m:
                return m.group(0)
    return None


def is_qr_image(img: dict) -> bool:
    """Whether a gate image (``{"src","alt","qr_text",...}``) looks like a QR code."""
    if img.get("qr_text"):
        return True
    words = norm(" ".join(str(img.get(k) or "") for k in ("alt", "src", "class", "title")))
    return bool(re.search(r"qr|二维码|qrcode|wxcode|mp\.weixin|work\.weixin|企业微信", words))
