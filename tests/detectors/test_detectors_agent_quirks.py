"""Reading traces as the order agent records them (conflicting signals, recorded
canary tries, stages, delivery-only pages)."""

from __future__ import annotations

from core.trace import Candidate
from detectors import judge
from detectors.common import order_mode

from .builders import checkbox, el, field, gate, phone_gate, rules_of, step, trace, tries

PRIVACY = [{"text": "隐私政策", "href": "/privacy"}]


def test_recorded_canary_try_does_not_unforce():
    g = phone_gate(tried=tries(("Escape", "still_blocked"), ("wait", "still_blocked"), ("canary values", "passed")))
    assert rules_of(judge(trace(gates=[g], links=PRIVACY))) == {("forced_phone", "entry")}


def test_dismissed_then_returning_is_nagging_not_forced():
    g = phone_gate(text="输入手机号，领取专属优惠 确定 暂不", appearances=2, links=[el("a", "隐私政策")],
                   tried=tries(("skip link", "gate_returned"), ("Escape", "still_blocked"), ("canary values", "passed"),
                               ("skip link", "gate_returned"), ("canary values", "passed")))
    assert rules_of(judge(trace(gates=[g]))) == {("induced_consent", "entry")}


def test_back_that_passes_is_no_way_on():
    g = phone_gate(stage="checkout", step=5, kind="page", appearances=5, links=[el("a", "隐私政策")],
                   tried=tries(("wait", "still_blocked"), ("back", "passed"), ("wait", "still_blocked"),
                               ("back", "passed"), ("canary values", "passed")))
    assert rules_of(judge(trace(gates=[g]))) == {("forced_phone", "checkout")}


def test_own_label_beats_conflicting_text_signals():
    fields = [field("姓名 *", name="name", required=("asterisk",), optional=("text-选填",)),
              field("备注（选填）", name="remark", required=("asterisk",), optional=("text-选填",)),
              field("生日（选填）", name="bday", required=("asterisk",), optional=("text-选填",))]
    g = gate(stage="checkout", step=5, kind="page", text="确认订单 隐私政策", fields=fields)
    r = judge(trace(gates=[g]))
    assert rules_of(r) == {("excessive_fields", "checkout")}
    assert [f["kind"] for f in r.findings[0].evidence["fields"]] == ["name"]


def test_stage_follows_the_checkout_click():
    t = trace(links=PRIVACY)
    t.steps[3].candidates = [Candidate("checkout", 5, el("a.go", "去结算"), chosen=True)]
    t.gates = [gate(stage="cart", step=4, text="请先关注公众号 关注后才能下单 长按识别二维码")]
    assert rules_of(judge(t)) == {("forced_follow", "checkout")}


def test_delivery_inferred():
    t = trace(order_modes_offered=["delivery"])
    assert order_mode(t) == "delivery"
    g = gate(stage="checkout", step=5, kind="page", text="隐私政策",
             fields=[field("手机号 *", input_type="tel", name="phone"), field("收货地址 *", name="addr")])
    t2 = trace(gates=[g])
    assert order_mode(t2) == "delivery" and judge(t2).findings == []
    assert order_mode(trace(order_modes_offered=["dine_in", "delivery"])) == "dine_in"


def test_delivery_inferred_from_a_traditional_chinese_form():
    # 收貨地址: 貨 is read as 货 by the one normaliser (a zh-TW delivery form asks phone and address lawfully)
    g = gate(stage="checkout", step=5, kind="page", text="隱私權政策",
             fields=[field("手機號 *", input_type="tel", name="phone"), field("收貨地址 *", name="addr")])
    t = trace(gates=[g])
    assert order_mode(t) == "delivery" and judge(t).findings == []


def test_tick_demanded_by_page_makes_bundled_box_required():
    t = trace(links=PRIVACY, checkboxes=[checkbox("我已阅读并同意《隐私政策》并同意加入会员、接收优惠信息", False)])
    assert judge(t).findings == []
    t.steps.append(step(6, "checkout", state="checkout", visible_text="请先勾选同意 提交订单", links=PRIVACY))
    assert rules_of(judge(t)) == {("induced_consent", "checkout")}
