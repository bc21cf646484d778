"""Where a gate is recognised — the ONE place.

A *gate* is an overlay, a page or a form on the order path whose text or fields
ask for personal information (PI) or for an act that yields PI: a phone number
or SMS code, a login, following an official account, joining a membership,
authorising a profile, granting location or camera, personal fields (name, ID,
birthday, gender, e-mail, address), or a privacy-consent modal.

:func:`asks_of` names what a text/field set asks for (the agent's hint, stored
in ``Gate.asks_hint``); :func:`find_gate` looks at a :class:`~crawler.agent.scan.PageScan`
and returns the gate the diner faces now (a :class:`GateView`) or ``None``;
:func:`field_kind` guesses the kind of one input.  Every trace :class:`~core.trace.Gate`
is built here too (:func:`gate_from_view`, :func:`oauth_gate`, :func:`form_gate`).
How the agent tries to get past a gate lives in :mod:`crawler.agent.getting_past`
and :mod:`crawler.agent.handing_over`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.lexicon import simplified
from core.trace import Checkbox, Element, FormField, Gate, Trace
from crawler.agent.scan import PageScan, Ref

#: What a gate may ask for -> patterns over its visible text.
ASK_PATTERNS: dict[str, re.Pattern[str]] = {
    "phone": re.compile(
        r"手机号|手機號|手机号码|手機號碼|手机登录|手機登錄|电话号码|電話號碼|一键登录|一鍵登錄|快捷登录|快捷登錄|本机号码|本機號碼|"
        r"获取手机号|獲取手機號|mobile (number|phone)|phone number|phone login|(?<![a-z])mobile(?![a-z])",
        re.I,
    ),
    "sms_code": re.compile(r"验证码|驗證碼|校验码|校驗碼|短信码|短信碼|sms code|verification code|one-time code|otp", re.I),
    "login": re.compile(r"登录|登入|登錄|log ?in|sign ?in", re.I),
    # an official account, or a private channel: a staff member's WeCom contact, a group
    "follow": re.compile(r"关注|關注|公众号|公眾號|服务号|服務號|订阅号|訂閱號|official account|follow|"
                         r"企业微信|企業微信|企微|添加客服|加客服|加好友|加群|进群|進群|入群|社群|"
                         r"add (our |the |the shop's )?(staff|wecom|customer service|shop assistant)|on wecom|"
                         r"join (our |the )?(\w+ )?(group|community)", re.I),
    "membership": re.compile(
        r"开卡|開卡|入会|入會|注册会员|註冊會員|成为会员|成為會員|加入会员|加入會員|会员登录|會員登錄|会员注册|會員註冊|领取会员(?!积分)|領取會員(?!積分)|"
        r"开通会员|開通會員|注册|註冊|会员卡|會員卡|join (our )?(membership|loyalty|club)|become a member|membership|sign ?up|register|"
        # the programme's name in between: 开通山茶会员, 加入星享会員
        r"(?:开通|開通|加入|成为|成為|领取|領取)[^\s，。,.!！?？]{1,6}(?:会员|會員)|"
        r"登记会员|登記會員|会员登记|會員登記",  # Hong Kong usage: 登記會員 (register as a member)
        re.I,
    ),
    "profile_auth": re.compile(
        r"头像|頭像|昵称|暱稱|微信信息|用户信息|用戶信息|个人信息授权|個人信息授權|授权登录|授權登錄|获取你的|獲取你的|公开信息|公開信息|"
        r"点我授权|點我授權|去授权|去授權|立即授权|立即授權|"
        r"avatar|nickname|profile|"
        # a control that only says "authorise" (the English of 点我授权): a line of its own
        r"(?m:^\s*(?:tap (?:here )?to |click to |go |please )?authori[sz]e(?: now| here| to continue)?\s*$)",
        re.I,
    ),
    "location": re.compile(r"定位|位置信息|获取位置|獲取位置|地理位置|开启位置|開啟位置|location|geolocat", re.I),
    "camera": re.compile(r"刷脸|刷臉|人脸|人臉|面部识别|面部識別|相机|相機|摄像头|攝像頭|camera|face (scan|recognition|id)|"
                         r"(with|by|using) (your )?face|facial", re.I),
    "fields": re.compile(
        r"姓名|真实姓名|真實姓名|身份证|身份證|生日|出生日期|性别|性別|邮箱|郵箱|电子邮件|電子郵件|家庭住址|详细地址|詳細地址|"
        r"real name|id (card|number)|birthday|date of birth|gender|e-?mail|home address",
        re.I,
    ),
    "consent": re.compile(r"隐私政策|隱私政策|私隱政策|私隐政策|隐私协议|隱私協議|隐私保护|隱私保護|个人信息保护|個人信息保護|用户协议|用戶協議|privacy (policy|notice)", re.I),
}

#: Texts that only *look* like asks (hard negatives): merchant's phone, member prices...
NOT_ASK_RE = re.compile(r"会员价|會員價|member price|商家电话|商家電話|门店电话|門店電話|联系电话[:：]?\s*[\d-]{7,}|客服电话|客服電話|服务热线|服務熱線")

#: An "auth needed" wall: text of a page standing instead of the menu.
WALL_RE = re.compile(r"请先|請先|需要|须|須|必须|必須|才能|后方可|後方可|方可|before (you )?(order|continue)|required|please", re.I)
#: A page that says an account opens it: 登录后查看更多商家, 注册后才能下单, "log in to see more".
LOGIN_WALL_RE = re.compile(
    r"(?:登录|登錄|登入|注册|註冊)(?:之)?(?:后|後)(?:才能|才可|方可|可以|可|查看|浏览|瀏覽|使用|继续|繼續|下单|下單|点餐|點餐|购买|購買)|"
    r"(?:请|請|须|須|需|需要|必须|必須)(?:先)?(?:登录|登錄|登入|注册|註冊)|"
    r"(?:log|sign) ?in (?:first|to (?:see|view|order|continue|browse|use|shop))|(?:please|you must|you need to) (?:log|sign) ?in",
    re.I,
)

#: Confirmation-ish controls of a gate form (pressed only when canaries are given).
GATE_SUBMIT_WORDS = re.compile(
    r"登录|登錄|登入|确定|確定|确认|確認|提交|同意|授权|授權|允许|允許|我已关注|已关注|已關注|完成关注|已添加|开卡|開卡|注册|註冊|"
    r"领取|領取|立即|继续|繼續|下一步|开启|開啟|重新定位|开始识别|開始識別|刷脸|刷臉|一键|一鍵|"
    r"ok|confirm|submit|continue|agree|allow|log ?in|sign ?in|join|next|done|authori[sz]e|claim|"
    r"(open|get|activate) (a |the |your )?(member(ship)? )?card|"
    r"(i('ve| have) )?(added|followed|subscribed|joined)( it| you| us)?",
    re.I,
)
SEND_CODE_RE = re.compile(r"获取验证码|獲取驗證碼|发送验证码|發送驗證碼|获取短信|發送短信|发送|發送|get code|send code|send sms", re.I)

#: Acts that hand over PI or create an account/relationship, by the words of the control
#: that makes them (first match wins).  In live mode they are pressed only with the network held.
PI_ACTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("send_code", SEND_CODE_RE),
    ("register", re.compile(r"注册|註冊|sign ?up|register", re.I)),
    ("join", re.compile(r"开卡|開卡|入会|入會|开通|開通|领取会员|領取會員|领卡|領卡|成为会员|成為會員|加入会员|加入會員|"
                        r"join|become a member|(open|get|activate) (a |the |your )?(member(ship)? )?card", re.I)),
    ("login", re.compile(r"登录|登入|登錄|一键|一鍵|快捷|log ?in|sign ?in", re.I)),
    ("follow", re.compile(r"关注|關注|我已添加|已添加|添加客服|加好友|加群|进群|進群|入群|follow|subscribe|"
                          r"i('ve| have) added|added (it|you|us)", re.I)),
    ("authorise", re.compile(r"授权|授權|允许|允許|authori[sz]|allow", re.I)),
)
#: Words that turn a control into the refusal of an act (暂不登录, 拒绝授权, not now...).
REFUSAL_RE = re.compile(r"不|暂|暫|拒|跳过|跳過|取消|稍后|稍後|以后|以後|not|no\b|skip|later|cancel|decline|deny", re.I)


def pi_act(control_text: str) -> str | None:
    """The PI act (see :data:`PI_ACTS`) a control with this text makes, or ``None``
    (also ``None`` for a refusal such as 暂不登录 or "not now")."""
    t = (control_text or "").strip()
    if not t or REFUSAL_RE.search(t):
        return None
    for act, rx in PI_ACTS:
        if rx.search(t):
            return act
    return None


def gate_press_act(control_text: str, asks: list[str]) -> str | None:
    """What pressing a gate's confirm control with canary values amounts to: a PI act
    named by the control's words, else ``submit`` when the gate asks for personal
    data (a form handing over phone, code or fields), ``unknown`` for a gate without words
    (:func:`wordless_wall`), else ``None`` (agreeing to a notice, granting a browser permission)."""
    act = pi_act(control_text)
    if act is not None:
        return act
    if "unknown" in asks:
        return "unknown"  # a gate that says nothing of what it asks: what the press does is not known
    if set(asks) & {"phone", "sms_code", "fields", "membership", "follow", "profile_auth"}:
        return "submit"
    return None


def asks_of(text: str, fields: list[Ref] | None = None) -> list[str]:
    """What a gate with this visible ``text`` and these input ``fields`` asks for.

    Returns a sorted subset of ``phone, sms_code, follow, membership,
    profile_auth, location, camera, fields, consent`` (``login`` alone maps to
    ``phone`` when a phone input is present, else is kept out).
    """
    t = NOT_ASK_RE.sub(" ", simplified(text))
    asks: set[str] = set()
    for k, rx in ASK_PATTERNS.items():
        if k == "login":
            continue
        if rx.search(t):
            asks.add(k)
    kinds = {field_kind(f.d) for f in fields or []}
    if "phone" in kinds:
        asks.add("phone")
    if "sms_code" in kinds:
        asks.add("sms_code")
    if kinds & {"name", "id_number", "birthday", "gender", "email", "address"}:
        asks.add("fields")
    if kinds & ACCOUNT_FIELD_KINDS:
        asks.add("membership")
    if "profile_auth" in asks and not re.search(r"授权|授權|允许|允許|authori[sz]|allow|获取|獲取", t, re.I):
        asks.discard("profile_auth")
    if "consent" in asks and len(asks) > 1 and not re.search(r"同意|agree|accept", t, re.I):
        asks.discard("consent")
    return sorted(asks)


FIELD_KIND_RES: list[tuple[str, re.Pattern[str]]] = [
    ("password", re.compile(r"密码|密碼|password|passwd|\bpwd\b", re.I)),
    ("username", re.compile(r"用户名|用戶名|账号|賬號|帳號|帐号|username|user name|login id|account", re.I)),
    ("sms_code", re.compile(r"验证码|驗證碼|校验码|sms|otp|verif|captcha|code", re.I)),
    ("phone", re.compile(r"手机|手機|电话|電話|联系方式|聯繫方式|mobile|phone|tel", re.I)),
    ("id_number", re.compile(r"身份证|身份證|证件号|證件號|id ?(card|number|no)|idcard", re.I)),
    ("birthday", re.compile(r"生日|出生|birth", re.I)),
    ("gender", re.compile(r"性别|性別|gender|sex", re.I)),
    ("email", re.compile(r"邮箱|郵箱|电子邮件|電子郵件|e-?mail", re.I)),
    ("table", re.compile(r"桌号|桌號|台号|台號|餐桌|座位|table|seat", re.I)),
    ("people", re.compile(r"人数|人數|就餐人|用餐人|几位|幾位|guests|people|party size", re.I)),
    ("remark", re.compile(r"备注|備註|口味|要求|留言|remark|note|comment|instruction", re.I)),
    ("coupon", re.compile(r"优惠|優惠|券|coupon|promo", re.I)),
    ("address", re.compile(r"地址|住址|address", re.I)),
    ("name", re.compile(r"姓名|名字|称呼|稱呼|联系人|聯繫人|收货人|收貨人|(?<![a-z])name", re.I)),
]


def field_kind(d: dict) -> str:
    """Guess the kind of one scanned field (``scan.js`` field dict): phone, sms_code, name, ..., other.

    Input types are not trusted alone (Leaky Forms): labels, names, placeholders
    and autocomplete count too.
    """
    typ = (d.get("type") or "").lower()
    if typ == "password":
        return "password"
    hay = simplified(" ".join(str(d.get(k, "")) for k in ("label", "placeholder", "name", "id", "autocomplete")))
    own = simplified(" ".join(str(d.get(k, "")) for k in ("placeholder", "name", "id", "autocomplete")))
    for kind, rx in FIELD_KIND_RES:  # the field's own words first (a row label may name a neighbour)
        if rx.search(own) and not (kind == "sms_code" and re.search(r"邮编|郵編|zip|postal|优惠|coupon", own, re.I)):
            if kind in ("name",) and re.search(r"手机|手機|phone|mobile|tel", hay, re.I) and not re.search(r"姓名|名字", own):
                continue
            return kind
    if typ == "email":
        return "email"
    if typ == "date" and not re.search(r"用餐|就餐|到店|pick|arriv", hay, re.I):
        return "birthday"
    for kind, rx in FIELD_KIND_RES:
        if rx.search(hay):
            if kind == "sms_code" and re.search(r"邮编|郵編|zip|postal|优惠|coupon", hay, re.I):
                continue
            return kind
    if typ == "tel" or d.get("inputmode") == "tel" or d.get("maxlength") == "11":
        return "phone"
    if d.get("inputmode") == "numeric" and d.get("maxlength") in ("4", "6"):
        return "sms_code"
    return "other"


PI_FIELD_KINDS = {"phone", "sms_code", "name", "id_number", "birthday", "gender", "email", "address"}
#: Fields of an account (a login or registration wall): not PI themselves, but they make an account.
ACCOUNT_FIELD_KINDS = {"username", "password"}


@dataclass
class GateView:
    """A gate as seen now (before it becomes a trace :class:`~core.trace.Gate`).

    ``kind``: overlay | page | form; ``overlay``: the overlay ref (overlay kind);
    ``signature``: stable id of "the same gate" across appearances (text-based).
    """

    kind: str
    text: str
    asks: list[str]
    signature: str
    overlay: Ref | None = None
    buttons: list[Ref] = field(default_factory=list)
    fields: list[Ref] = field(default_factory=list)
    checkboxes: list[Ref] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)


_TRANSIENT_LINE = re.compile(r"请输入正确|請輸入正確|不正确|不正確|有误|有誤|不能为空|不能為空|已发送|已發送|秒后|秒後|重新获取|重新獲取|invalid|required", re.I)


def signature(text: str) -> str:
    """A text signature robust to counters, timers, validation messages and whitespace."""
    t = "\n".join(line for line in (text or "").splitlines() if not _TRANSIENT_LINE.search(line))
    t = re.sub(r"\d+", "#", t)
    t = re.sub(r"\s+", "", t)[:400]
    return hashlib.sha1(t.encode("utf-8")).hexdigest()[:12]


def _in_overlay(ref: Ref, ov: Ref, ov_index: int) -> bool:
    return ref.frame is ov.frame and ref.d.get("overlay") == ov_index


def wordless_wall(ov: Ref, controls: list[Ref]) -> bool:
    """A modal layer (covering at least half the screen) whose every control, links and texts aside, has no
    words, one of them its primary: a gate that says what it asks only once its control is pressed
    (its asks are ``["unknown"]``; found only where no menu shows)."""
    if ov.d.get("cover", 0) < 0.5:
        return False
    acts = [c for c in controls if not (c.d.get("tag") == "a" and c.d.get("href")) and c.d.get("why") != "text"]
    return bool(acts) and all(not c.text().strip() for c in acts) and \
        any(c.d.get("primary") or c.d.get("formSubmit") for c in acts)


def find_gate(scan: PageScan, *, menu_visible: bool,
              order_form: Callable[[list[Ref], str], bool] | None = None) -> GateView | None:
    """Return the PI gate the diner faces in ``scan``, or ``None``.

    Order: a raised overlay whose text or inputs ask for PI (the topmost, i.e.
    the last reported); else, when no menu is visible, a page whose inputs or
    controls ask for PI (a login/follow/authorise wall).  ``menu_visible``: the
    agent sees orderable items (a page with a menu and a PI *banner* is no gate).
    ``order_form(controls, text)``: whether a layer holding these controls and this text is
    the order form itself (its fields are judged at checkout, not as a gate in the way).
    """
    cands = scan.candidates
    fields = scan.fields
    boxes = scan.checkboxes
    # --- overlays, per frame: index among that frame's overlays
    for fs in reversed(scan.frames):
        ovs = fs.data.get("overlays", [])
        for idx in range(len(ovs) - 1, -1, -1):
            ov = Ref(fs.frame, fs.index, fs.url, ovs[idx], fs.data.get("doc", ""))
            text = ov.d.get("text", "")
            ofields = [f for f in fields if _in_overlay(f, ov, idx)]
            asks = asks_of(text, ofields)
            controls = [c for c in cands if _in_overlay(c, ov, idx)]
            if asks == ["consent"] and not re.search(r"同意|agree|accept|允许|允許", text, re.I):
                asks = []  # a policy named in passing asks nothing
            if not asks and not menu_visible and wordless_wall(ov, controls):
                asks = ["unknown"]
            if not asks:
                continue
            if not controls and not ofields and (ov.d.get("cover", 1) < 0.5 or len(text.strip()) <= 60):
                continue  # a message that asks nothing of the diner's hands (a toast): not a gate
            if order_form is not None and order_form(controls, text):
                continue
            return GateView(
                kind="overlay", text=text, asks=asks, signature=signature(text), overlay=ov,
                buttons=[c for c in cands if _in_overlay(c, ov, idx)], fields=ofields,
                checkboxes=[c for c in boxes if _in_overlay(c, ov, idx)],
                links=ov.d.get("links", []), images=ov.d.get("images", []),
            )
    if menu_visible:
        return None
    # --- a page standing instead of the menu
    text = scan.text
    pfields = [f for f in fields if f.d.get("overlay", -1) < 0]
    pi_fields = [f for f in pfields if field_kind(f.d) in PI_FIELD_KINDS | ACCOUNT_FIELD_KINDS]
    asks = asks_of(text, pi_fields)
    if not asks and LOGIN_WALL_RE.search(text):
        asks = ["login"]  # an account opens the page: what the login asks shows once it is pressed
    if not asks:
        return None
    act_buttons = [
        c for c in cands
        if re.search(r"登录|登錄|一键|一鍵|授权|授權|允许|允許|关注|關注|开卡|開卡|注册|註冊|定位|刷脸|刷臉|log ?in|sign|authori|allow|follow|join|register",
                     c.text(), re.I)
    ]
    wall = (bool(WALL_RE.search(text)) and any(a in asks for a in ("follow", "profile_auth", "location", "camera", "membership", "phone"))) \
        or asks == ["login"]
    if not (pi_fields or act_buttons or wall):
        return None
    if asks == ["consent"] and not pi_fields:
        return None
    return GateView(
        kind="page", text=text[:4000], asks=asks, signature=signature(text[:600]), overlay=None,
        buttons=cands, fields=pfields, checkboxes=[c for c in boxes if c.d.get("overlay", -1) < 0],
        links=scan.links[:50], images=[i.d for i in scan.images][:20],
    )


# ---- building trace Gates: the one place ------------------------------------------------


def next_gate_id(trace: Trace) -> str:
    """``g1``, ``g2``, ...: the id of the next gate of ``trace``."""
    return f"g{len(trace.gates) + 1}"


def checkbox_of(cb: Ref, step: int) -> Checkbox:
    """The trace :class:`Checkbox` of a scanned checkbox first seen at ``step``."""
    return Checkbox(step=step, element=cb.element(), label=cb.d.get("label", "")[:500],
                    checked_initially=bool(cb.d.get("checked")), links=list(cb.d.get("links", [])),
                    required_signals=list(cb.d.get("required", [])))


def form_field_of(f: Ref) -> FormField:
    """The trace :class:`FormField` of a scanned input (its own required/optional signals kept)."""
    d = f.d
    return FormField(element=f.element(), input_type=d.get("type", "text"), name=d.get("name", ""),
                     label=d.get("label", ""), placeholder=d.get("placeholder", ""),
                     required_signals=list(d.get("required", [])), optional_signals=list(d.get("optional", [])),
                     kind_hint=field_kind(d), options=list(d.get("options", [])))


def gate_from_view(trace: Trace, view: GateView, step: Any, stage: str, permission: int | None) -> Gate:
    """A new trace :class:`Gate` for the gate the diner faces (``view``), first seen at ``step``."""
    return Gate(
        id=next_gate_id(trace), step=step.n, stage=stage, kind="permission" if permission is not None else view.kind,
        element=view.overlay.element() if view.overlay is not None else None,
        text=view.text[:4000], fields=[form_field_of(f) for f in view.fields],
        buttons=[b.element() for b in view.buttons[:40]],
        checkboxes=[checkbox_of(c, step.n) for c in view.checkboxes],
        links=[Element(selector=x.get("selector", ""), tag="a", text=x.get("text", ""), attrs={"href": x.get("href", "")})
               for x in view.links[:30]],
        images=[{k: i.get(k) for k in ("src", "alt", "width", "height")} | {"qr_text": None} for i in view.images[:20]],
        asks_hint=view.asks, appeared_steps=[step.n], screenshot=step.screenshot, dom=step.dom,
        permission=permission,
    )


def oauth_gate(trace: Trace, event: Any, index: int | None, step_no: int, stage: str) -> Gate:
    """A new trace :class:`Gate` for an OAuth authorize redirect asking for a profile scope."""
    return Gate(id=next_gate_id(trace), step=step_no, stage=stage, kind="oauth",
                text=f"OAuth authorize ({event.provider}, scope={event.scope})", asks_hint=["profile_auth"],
                oauth=index, appeared_steps=[step_no])


def form_gate(trace: Trace, step: Any, fields: list[tuple[Ref, FormField]], boxes: list[Ref],
              submit: Ref, all_boxes: list[Ref] | None = None) -> Gate:
    """A new trace :class:`Gate` of kind ``form``: the order form's personal fields and
    consent boxes standing before the final submit (seen at ``step``)."""
    asks = asks_of(" ".join(ff.label + " " + ff.placeholder for _f, ff in fields), [f for f, _ in fields])
    if boxes:
        asks = sorted(set(asks) | set(asks_of(" ".join(cb.d.get("label", "") for cb in boxes))) | {"consent"})
    return Gate(id=next_gate_id(trace), step=step.n, stage="checkout", kind="form",
                text=" | ".join([f"{ff.label or ff.placeholder}" for _f, ff in fields]
                                + [cb.d.get("label", "") for cb in boxes])[:4000],
                fields=[ff for _f, ff in fields], asks_hint=asks, appeared_steps=[step.n],
                screenshot=step.screenshot, dom=step.dom,
                blocking=any(ff.required_signals for _f, ff in fields) or any(cb.d.get("required") for cb in boxes),
                checkboxes=[checkbox_of(cb, step.n) for cb in (all_boxes if all_boxes is not None else boxes)],
                buttons=[submit.element()])


def boxes_gate(trace: Trace, step: Any, unticked: list[Ref], submit: Ref) -> Gate:
    """A new ``form`` :class:`Gate` for unticked boxes the order form refused to go on without."""
    labels = " ".join(cb.d.get("label", "") for cb in unticked)
    return Gate(id=next_gate_id(trace), step=step.n, stage="checkout", kind="form",
                text=" | ".join(cb.d.get("label", "") for cb in unticked)[:4000],
                asks_hint=sorted(set(asks_of(labels)) | {"consent"}),
                appeared_steps=[step.n], screenshot=step.screenshot, dom=step.dom, blocking=True,
                checkboxes=[checkbox_of(cb, step.n) for cb in unticked], buttons=[submit.element()])
