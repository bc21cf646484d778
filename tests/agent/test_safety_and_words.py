"""No-browser tests: sandbox hosts, the submit/pay guard, canaries, scoring and gate words."""

from __future__ import annotations

import pytest

from core.errors import QrauditError
from crawler.agent.agent import submit_decision
from crawler.agent.canary import canaries
from crawler.agent.gates import asks_of, field_kind, gate_press_act, pi_act
from crawler.agent.words import APP_ONLY_RE, is_pay, leaves_to_app, score
from crawler.engine import AuditConfig, check_url, is_sandbox_host

VP = {"width": 390, "height": 844}


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "127.255.0.9", "::1", "[::1]", "localhost", "LOCALHOST",
                                  "shop.example.com", "10.0.0.1", "", "127.0.0.1.evil.com"])
def test_no_host_is_sandbox_unless_declared(host):
    # a localhost tunnel to a real shop must never receive orders: loopback is live too
    assert not is_sandbox_host(host, AuditConfig())


def test_declared_sandbox_host():
    cfg = AuditConfig(sandbox_hosts=["Demo.Test", "127.0.0.1", "[::1]"])
    assert is_sandbox_host("demo.test", cfg) and is_sandbox_host("127.0.0.1", cfg) and is_sandbox_host("::1", cfg)
    assert not is_sandbox_host("sub.demo.test", cfg)
    assert not is_sandbox_host("127.0.0.2", cfg)


def test_submit_guard():
    real = AuditConfig()
    assert submit_decision("shop.example.com", real, "提交订单") == "stop"
    assert submit_decision("127.0.0.1", real, "提交订单") == "stop"
    assert submit_decision("127.0.0.1", AuditConfig(sandbox_hosts=["127.0.0.1"]), "提交订单") == "press"
    assert submit_decision("shop.example.com", AuditConfig(allow_submit=True), "提交订单") == "press"
    for pay in ("去支付", "立即支付 ¥38", "确认付款", "Pay now"):
        assert submit_decision("127.0.0.1", AuditConfig(allow_submit=True), pay) == "never"


def test_pay_controls_score_never():
    for text in ("立即支付", "去支付", "微信支付", "pay", "买单", "埋單"):  # 埋單: Cantonese for 買單, the bill
        d = {"text": text, "box": {"x": 0, "y": 800, "width": 390, "height": 44}, "bottomBar": True}
        assert is_pay(d)
        assert score(d, "submit", VP)[0] < 0


def test_cantonese_place_order_is_a_final_submit():
    d = {"text": "落單", "box": {"x": 0, "y": 800, "width": 390, "height": 44}, "bottomBar": True}
    assert score(d, "submit", VP)[0] >= 5 and not is_pay(d)


def test_a_short_word_in_a_menu_rows_add_place_takes_the_dish():
    row = {"box": {"x": 320, "y": 120, "width": 48, "height": 26}, "row": 1, "rowAdd": 1}
    assert score({**row, "text": "选择"}, "add", VP)[0] >= 4
    assert score({**row, "text": "查看详情"}, "add", VP)[0] < 4


def test_app_links_are_never_followed():
    assert leaves_to_app({"text": "下载APP点餐"})
    assert leaves_to_app({"text": "打开", "href": "weixin://dl/business/?t=x"})
    assert not leaves_to_app({"text": "开始点餐", "href": "/menu"})


def test_add_to_cart_beats_banner():
    add = {"text": "加入购物车", "box": {"x": 280, "y": 300, "width": 90, "height": 30}, "saturated": True}
    banner = {"text": "开通会员 立享8折 领取新人券", "box": {"x": 0, "y": 60, "width": 390, "height": 80}}
    assert score(add, "add", VP)[0] > score(banner, "add", VP)[0]


def test_icon_only_close_in_top_right_scores():
    ov = {"x": 30, "y": 200, "width": 330, "height": 300}
    icon = {"text": "", "hasSvg": True, "box": {"x": 326, "y": 206, "width": 28, "height": 28}}
    s, why = score(icon, "close", VP, ov)
    assert s >= 4 and any("top-right" in w for w in why)


def test_skip_words_all_scripts():
    for t in ("暂不", "跳過", "以后再说", "Not now", "continue as guest", "No thanks"):
        assert score({"text": t, "box": {"x": 0, "y": 0, "width": 80, "height": 30}}, "skip", VP)[0] >= 5, t


def test_login_is_no_skip():
    assert score({"text": "登录", "box": {"x": 0, "y": 0, "width": 80, "height": 30}}, "skip", VP)[0] <= 0


def test_canaries_unique_and_valid():
    a, b = canaries("v1"), canaries("v2")
    assert a["phone"] != b["phone"]
    assert a == canaries("v1")
    for c in (a, b):
        assert len(c["phone"]) == 11 and c["phone"][0] == "1" and c["phone"][1] in "3456789"
        assert len(c["id_number"]) == 18


def test_asks_and_hard_negatives():
    assert asks_of("请输入手机号后点餐") == ["phone"]
    assert "follow" in asks_of("关注公众号后即可点餐")
    assert asks_of("会员价 ¥12  订餐电话：021-5555-0101") == []
    assert "membership" in asks_of("注册会员后下单")
    assert "profile_auth" in asks_of("授权获取你的头像、昵称")


def test_field_kind_trusts_more_than_type():
    assert field_kind({"type": "text", "placeholder": "请输入手机号"}) == "phone"
    assert field_kind({"type": "text", "label": "手机号 获取验证码", "placeholder": "验证码"}) == "sms_code"
    assert field_kind({"type": "tel", "label": ""}) == "phone"
    assert field_kind({"type": "text", "label": "電子郵件"}) == "email"
    assert field_kind({"type": "text", "placeholder": "口味偏好（选填）", "name": "remark"}) == "remark"


@pytest.mark.parametrize("bad", ["", "not a url", "http://", "/just/a/path"])
def test_bad_input_raises(bad):
    with pytest.raises(QrauditError):
        check_url(bad)


def test_english_a_diner_reads_scores_like_the_chinese():
    # the words of a cart bar, a skip and an authorise wall in English, not only in Chinese
    def best(text, purpose):
        return score({"text": text, "tag": "button", "box": {"width": 120, "height": 40}}, purpose, VP)[0]
    assert best("Next", "checkout") >= 5 and best("Next", "cart") >= 5
    assert best("Proceed to checkout", "checkout") >= 6
    assert best("Order directly", "skip") >= 6
    assert best("Place my order", "submit") >= 7
    assert best("Next", "add") == 0


def test_traditional_control_words_score_through_the_normaliser():
    def best(text, purpose):
        return score({"text": text, "tag": "button", "box": {"width": 120, "height": 40}}, purpose, VP)[0]
    assert best("去結賬", "checkout") == best("去结账", "checkout") > 0
    assert best("暫不登錄", "skip") == best("暂不登录", "skip") > 0


def test_english_gate_words():
    assert "profile_auth" in asks_of("Top up 1000 get 100\nAuthorise")
    assert "profile_auth" not in asks_of("We authorise refunds within 7 days")
    assert "follow" in asks_of("Add customer service on WeCom, to get the ordering menu")
    assert "camera" in asks_of("Quick order with your face (recommended)")
    assert pi_act("I have added it") == "follow" and pi_act("Open card now") == "join"
    assert pi_act("Not now") is None
    assert gate_press_act("", ["unknown"]) == "unknown"
    assert APP_ONLY_RE.search("This shop only supports APP Order") and APP_ONLY_RE.search("Download APP Order")
    assert not APP_ONLY_RE.search("Order from our menu")


def test_traditional_gate_and_field_words():
    assert "phone" in asks_of("請輸入手機號碼")
    assert "follow" in asks_of("添加企業微信客服後才能點餐")
    assert field_kind({"label": "收貨地址", "type": "text"}) == "address"


@pytest.mark.parametrize("text,cls,ok", [
    ("热菜", "_c1x", True), ("店长推荐", "", True), ("Noodles", "", True), ("秋冬限定", "swiper-slide", True),
    ("我的", "tab-item", False), ("订单", "", False), ("开通会员", "", False), ("授权登录", "", False), ("堂食", "", False),
    ("去支付", "", False), ("点餐", "", False), ("领券中心", "", False),
])
def test_a_strip_member_is_a_category_unless_it_is_navigation_an_act_or_a_mode(text, cls, ok):
    d = {"text": text, "cls": cls, "strip": 4, "box": {"x": 0, "y": 100, "width": 80, "height": 40}}
    s, why = score(d, "category", {"width": 390, "height": 844})
    assert (s >= 4) is ok, (s, why)
    assert score({**d, "strip": 0}, "category", {"width": 390, "height": 844})[0] <= 0  # no strip, no category
    assert score({**d, "bottomBar": True}, "category", {"width": 390, "height": 844})[0] <= 0  # a tab bar is navigation


@pytest.mark.parametrize("text,asks", [
    ("开通山茶会员，本单立省 ¥3 暂不开通 立即开通", True),  # the programme's name between the words
    ("加入星享會員 享會員價", True),
    ("登录后可实时查看出餐进度、领取会员积分", False),  # points to collect: no joining
    ("会员价 ¥18", False),
    ("本店網上落單只限會員。登記會員即享 9 折", True),  # Hong Kong usage
])
def test_joining_a_named_membership_programme_is_a_membership_ask(text, asks):
    assert ("membership" in asks_of(text)) is asks


@pytest.mark.parametrize("text,ok", [("¥31 ›", True), ("$12 ›", True), ("合计 ¥38", True), ("¥31 去结算", False)])
def test_a_bottom_bar_control_showing_only_the_total_is_the_way_on(text, ok):
    d = {"text": text, "bottomBar": True, "box": {"x": 270, "y": 790, "width": 110, "height": 50}}
    s, why = score(d, "cart", {"width": 390, "height": 844})
    assert any("bottom bar's right end" in w for w in why) is ok, (s, why)
