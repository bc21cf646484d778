"""forced_phone, forced_follow, forced_membership, forced_profile_auth, location, biometric, fields."""

from __future__ import annotations

from detectors import judge

from .builders import (
    checkbox,
    el,
    field,
    gate,
    oauth,
    permission,
    phone_gate,
    rules_of,
    step,
    trace,
    tries,
)

PRIVACY = [{"text": "《隐私政策》", "href": "/privacy"}]


# ---- forced_phone -----------------------------------------------------------

def test_phone_gate_at_entry_forced():
    r = judge(trace(gates=[phone_gate()], links=PRIVACY))
    assert rules_of(r) == {("forced_phone", "entry")}
    assert r.verdict == "violation"
    f = r.findings[0]
    assert f.group == "forced" and f.severity == "high"
    assert f.evidence["step"] == 1 and f.evidence["screenshot"] == "step-01.png"
    assert "close icon: still_blocked" in f.evidence["tried"]
    assert "PIPL art. 16" in f.legal_basis and f.explanation_zh


def test_phone_gate_closed_by_icon_is_not_forced():
    g = phone_gate(tried=tries(("close icon", "passed")), passed_by="try")
    r = judge(trace(gates=[g], links=PRIVACY))
    assert ("forced_phone", "entry") not in rules_of(r)
    assert r.verdict == "compliant"


def test_phone_gate_not_passed_all_tries_failed_is_forced():
    g = phone_gate(passed_by="not_passed")
    r = judge(trace(gates=[g], outcome="blocked", reached="landing", links=PRIVACY))
    assert rules_of(r) == {("forced_phone", "entry")}


def test_phone_required_for_delivery_is_not_a_finding():
    g = phone_gate(stage="checkout", step=5, kind="form", text="收货人 手机号 地址",
                   fields=[field("手机号", input_type="tel", name="tel", required=("required-attr",)),
                           field("收货地址", name="addr", required=("required-attr",))])
    r = judge(trace(mode="delivery", gates=[g], links=PRIVACY))
    assert r.findings == []
    assert r.verdict == "compliant"


def test_merchant_phone_in_text_only():
    r = judge(trace(page_text="订餐电话 021-62345678 欢迎光临 手机 138 0000 0000",
                    links=[{"text": "拨打电话", "href": "tel:02162345678"}]))
    assert r.findings == [] and r.verdict == "compliant"


def test_optional_phone_field_at_checkout():
    s5 = step(5, "checkout", state="checkout", visible_text="确认订单 手机号（选填）", links=PRIVACY,
              fields=[field("手机号（选填）", input_type="tel", name="phone", optional=("text-选填",))])
    t = trace(links=PRIVACY)
    t.steps[4] = s5
    assert judge(t).findings == []


def test_required_phone_field_at_checkout():
    s5 = step(5, "checkout", state="checkout", visible_text="确认订单 联系电话 提交订单 隐私政策",
              fields=[field("联系电话", input_type="text", name="contact",
                            required=("asterisk", "validation-message"))])
    t = trace()
    t.steps[4] = s5
    assert rules_of(judge(t)) == {("forced_phone", "checkout")}


def test_phone_field_found_by_label_not_type():
    g = gate(text="登录后继续", fields=[field("", placeholder="請輸入手機號碼", name="u1")])
    r = judge(trace(gates=[g], links=PRIVACY))
    assert rules_of(r) == {("forced_phone", "entry")}


def test_quick_phone_login_only_way():
    g = gate(text="本机号码一键登录", buttons=[el("button.q", "本机号码一键登录", tag="button")])
    assert rules_of(judge(trace(gates=[g], links=PRIVACY))) == {("forced_phone", "entry")}


# ---- forced_follow ---------------------------------------------------------

QR = [{"src": "/img/qrcode.png", "alt": "二维码", "width": 200, "height": 200, "qr_text": "http://weixin.qq.com/r/abc"}]


def test_forced_follow_gate_with_qr():
    g = gate(stage="menu", step=2, text="长按识别二维码，关注公众号后即可点餐", images=QR)
    r = judge(trace(gates=[g]))
    assert rules_of(r) == {("forced_follow", "menu")}
    assert r.findings[0].evidence["qr"] == ["http://weixin.qq.com/r/abc"]


def test_weak_follow_word_needs_qr():
    g = gate(stage="menu", step=2, text="关注我们 后才能继续", images=QR)
    assert rules_of(judge(trace(gates=[g]))) == {("forced_follow", "menu")}
    g2 = gate(stage="menu", step=2, text="关注我们 后才能继续")
    assert judge(trace(gates=[g2])).findings == []


def test_follow_banner_dismissed():
    g = gate(stage="menu", step=2, text="关注公众号领券 立减5元 ×", images=QR, blocking=False,
             tried=tries(("close icon", "passed")), passed_by="try")
    r = judge(trace(gates=[g], page_text="关注我们 招牌牛肉面"))
    assert r.findings == [] and r.verdict == "compliant"


# ---- forced_membership -----------------------------------------------------

def test_member_prices_are_not_membership():
    r = judge(trace(page_text="招牌牛肉面 ¥28 会员价 ¥25 会员专享价"))
    assert r.findings == []


def test_forced_membership_gate():
    g = gate(stage="menu", step=3, text="注册会员后才能下单 立即开卡", fields=[], buttons=[el("a.k", "立即开卡")])
    assert rules_of(judge(trace(gates=[g], links=PRIVACY))) == {("forced_membership", "menu")}


def test_membership_join_offer_declined():
    g = gate(stage="cart", step=4, text="成为会员享9折 暂不加入", tried=tries(("skip link", "passed")), passed_by="try")
    assert judge(trace(gates=[g])).findings == []


def test_member_registration_with_phone_is_both():
    g = phone_gate(text="會員註冊 請輸入手機號碼 獲取驗證碼", privacy=None) if False else phone_gate(
        text="會員註冊 請輸入手機號碼 獲取驗證碼", links=[el("a.p", "隱私權政策")])
    assert rules_of(judge(trace(gates=[g]))) == {("forced_phone", "entry"), ("forced_membership", "entry")}


def test_a_page_an_account_opens_is_forced_membership_in_every_wording():
    for words in ("没有结果 登录后查看更多商家 登录", "請先登錄後點餐 登錄", "Please log in to order. Log in"):
        g = gate(kind="page", text=words, buttons=[el("button.l", words.split()[-1], tag="button")],
                 passed_by="not_passed")
        assert rules_of(judge(trace(gates=[g], links=PRIVACY, reached="landing"))) == {("forced_membership", "entry")}, words


def test_a_login_offer_is_not_a_wall():
    # a login a diner may start, with the menu reachable: no try was needed, or one got past
    for text, kw in (("首页 订单 我的 登录", {"passed_by": "not_passed"}),
                     ("登录后查看更多商家 登录", {"passed_by": "try", "tried": tries(("back", "passed"))})):
        g = gate(kind="page", text=text, buttons=[el("button.l", "登录", tag="button")], **kw)
        assert "forced_membership" not in {r for r, _s in rules_of(judge(trace(gates=[g], links=PRIVACY)))}, text


def test_a_phone_login_wall_is_forced_phone_not_also_a_login_membership():
    g = phone_gate(text="请先登录 请输入手机号 获取验证码 登录", links=[el("a.p", "隐私政策")])
    assert rules_of(judge(trace(gates=[g]))) == {("forced_phone", "entry")}


# ---- forced_profile_auth ---------------------------------------------------

def test_snsapi_base_never():
    r = judge(trace(oauth=[oauth("snsapi_base", "silent_code")]))
    assert r.findings == []


def test_snsapi_userinfo_declined_then_granted():
    t = trace(oauth=[oauth("snsapi_userinfo", "declined_then_granted")], links=PRIVACY)
    r = judge(t)
    assert rules_of(r) == {("forced_profile_auth", "entry")}
    assert "scope=snsapi_userinfo" in r.findings[0].evidence["oauth_url"]


def test_snsapi_userinfo_declined_passed():
    r = judge(trace(oauth=[oauth("snsapi_userinfo", "declined_passed")], links=PRIVACY))
    assert r.findings == []


def test_oauth_gate_passed_by_try_not_forced():
    g = gate(kind="oauth", oauth=0, text="", tried=tries(("oauth decline", "passed")), passed_by="try")
    r = judge(trace(oauth=[oauth("snsapi_userinfo", "granted")], gates=[g], links=PRIVACY))
    assert r.findings == []


def test_profile_gate_on_page():
    g = gate(stage="checkout", step=5, text="申请获取你的昵称、头像 允许 拒绝")
    assert rules_of(judge(trace(gates=[g], links=PRIVACY))) == {("forced_profile_auth", "checkout")}


# ---- permissions -----------------------------------------------------------

def test_location_forced_by_gate_granted():
    g = gate(kind="permission", permission=0, text="", passed_by="granted", tried=tries(("decline", "still_blocked")))
    t = trace(permissions=[permission("geolocation", answer="granted")], gates=[g], links=PRIVACY)
    assert rules_of(judge(t)) == {("forced_location", "entry")}


def test_location_refusable_or_delivery():
    t = trace(permissions=[permission("geolocation", answer="denied")], links=PRIVACY)
    assert judge(t).findings == []
    g = gate(kind="permission", permission=0, passed_by="granted", tried=tries(("decline", "still_blocked")))
    t2 = trace(mode="delivery", permissions=[permission("geolocation", answer="granted")], gates=[g], links=PRIVACY)
    assert judge(t2).findings == []


def test_location_asked_again_until_granted():
    t = trace(permissions=[permission("geolocation", answer="denied"),
                           permission("geolocation", answer="granted", step_n=2)], links=PRIVACY)
    assert rules_of(judge(t)) == {("forced_location", "entry")}  # where it was first demanded


def test_face_gate_and_camera():
    g = gate(stage="checkout", step=5, text="请先完成人脸识别验证 开始刷脸", kind="page")
    assert rules_of(judge(trace(gates=[g], links=PRIVACY))) == {("forced_biometric", "checkout")}
    pg = gate(kind="permission", permission=0, passed_by="granted", tried=tries(("decline", "still_blocked")))
    t = trace(permissions=[permission("camera", answer="granted", video=True)], gates=[pg], links=PRIVACY)
    assert rules_of(judge(t)) == {("forced_biometric", "entry")}


def test_camera_user_chose_to_scan():
    t = trace(permissions=[permission("camera", answer="granted", user_initiated=True, video=True)], links=PRIVACY)
    assert judge(t).findings == []


# ---- excessive_fields ------------------------------------------------------

def test_required_birthday_on_dine_in():
    g = gate(stage="checkout", step=5, kind="form", text="填写信息 生日 性别",
             fields=[field("生日", input_type="date", name="bday", required=("asterisk",)),
                     field("性别", input_type="select", name="g", options=("男", "女"), required=("asterisk",))],
             links=[el("a.p", "隐私政策")])
    r = judge(trace(gates=[g]))
    assert rules_of(r) == {("excessive_fields", "checkout")}
    assert {f["kind"] for f in r.findings[0].evidence["fields"]} == {"birthday", "gender"}


def test_optional_fields_and_delivery_name_address():
    g = gate(stage="checkout", step=5, kind="form", text="生日（选填）",
             fields=[field("生日（选填）", name="bday", optional=("text-选填",))], links=[el("a.p", "隐私政策")])
    assert judge(trace(gates=[g])).findings == []
    g2 = gate(stage="checkout", step=5, kind="form", text="收货人 地址 隐私政策",
              fields=[field("收货人姓名", name="n", required=("required-attr",)),
                      field("详细地址", name="a", required=("required-attr",))])
    assert judge(trace(mode="delivery", gates=[g2])).findings == []
    assert rules_of(judge(trace(mode="pickup", gates=[g2]))) == {("excessive_fields", "checkout")}


def test_prechecked_box_in_gate_is_consent_not_fields():
    g = gate(stage="checkout", step=5, kind="form", text="隐私政策",
             checkboxes=[checkbox("同意成为会员并接收营销短信", True)])
    assert rules_of(judge(trace(gates=[g]))) == {("induced_consent", "checkout")}
