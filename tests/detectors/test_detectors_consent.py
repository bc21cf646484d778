"""induced_consent and no_privacy_notice."""

from __future__ import annotations

from detectors import judge

from .builders import checkbox, el, field, gate, oauth, permission, phone_gate, rules_of, step, trace, tries

PRIVACY = [{"text": "隐私政策", "href": "/privacy"}]


def test_prechecked_marketing_box():
    t = trace(links=PRIVACY, checkboxes=[checkbox("我同意接收优惠活动短信推送", True)])
    r = judge(t)
    assert rules_of(r) == {("induced_consent", "checkout")}
    assert r.findings[0].evidence["kind"] == "prechecked"
    assert r.findings[0].group == "induced"


def test_prechecked_privacy_box():
    t = trace(links=PRIVACY, checkboxes=[checkbox("我已阅读并同意", True, links=("《隱私權政策》",))])
    assert rules_of(judge(t)) == {("induced_consent", "checkout")}


def test_unticked_optional_box_is_fine():
    t = trace(links=PRIVACY, checkboxes=[checkbox("同意成为会员并接收营销短信", False)])
    assert judge(t).findings == []


def test_prechecked_harmless_box_is_fine():
    t = trace(links=PRIVACY, checkboxes=[checkbox("需要餐具", True), checkbox("使用余额支付", True)])
    assert judge(t).findings == []


def test_bundled_tick_required():
    cb = checkbox("我已阅读并同意《隐私政策》并同意注册成为会员", False, required=("submit-disabled-while-empty",))
    r = judge(trace(links=PRIVACY, checkboxes=[cb]))
    assert rules_of(r) == {("induced_consent", "checkout")}
    assert r.findings[0].evidence["kind"] == "bundled"


def test_prompt_returning_three_times():
    g = phone_gate(stage="menu", step=2, appearances=3, passed_by="try", links=[el("a", "隐私政策")],
                   tried=tries(("close icon", "gate_returned"), ("close icon", "gate_returned"), ("close icon", "passed")))
    r = judge(trace(gates=[g]))
    assert rules_of(r) == {("induced_consent", "menu")}
    assert r.findings[0].evidence["shown"] == 3


def test_prompt_shown_twice_is_not_nagging():
    g = phone_gate(stage="menu", step=2, appearances=2, passed_by="try", links=[el("a", "隐私政策")],
                   tried=tries(("close icon", "gate_returned"), ("close icon", "passed")))
    assert judge(trace(gates=[g])).findings == []


def test_privacy_link_absent_with_phone_gate():
    r = judge(trace(gates=[phone_gate()]))
    assert rules_of(r) == {("forced_phone", "entry"), ("no_privacy_notice", "entry")}
    npn = [f for f in r.findings if f.rule == "no_privacy_notice"][0]
    assert npn.evidence["asks"] == ["phone"]


def test_privacy_link_in_gate_or_step():
    assert rules_of(judge(trace(gates=[phone_gate(links=[el("a", "《个人信息保护政策》")])]))) == {
        ("forced_phone", "entry")}
    assert rules_of(judge(trace(gates=[phone_gate()], page_text="点餐 Privacy Policy"))) == {
        ("forced_phone", "entry")}


def test_no_notice_once_per_stage_for_optional_fields():
    s5 = step(5, "checkout", state="checkout", visible_text="确认订单",
              fields=[field("手机号（选填）", input_type="tel", name="p", optional=("text-选填",)),
                      field("姓名（选填）", name="n", optional=("text-选填",))])
    t = trace()
    t.steps[4] = s5
    r = judge(t)
    assert [(f.rule, f.stage) for f in r.findings] == [("no_privacy_notice", "checkout")]


def test_oauth_redirect_alone_needs_no_merchant_notice():
    assert judge(trace(oauth=[oauth("snsapi_userinfo", "declined_passed")])).findings == []
    assert judge(trace(oauth=[oauth("snsapi_base", "silent_code")])).findings == []
    r = judge(trace(oauth=[oauth("snsapi_userinfo", "declined_then_granted")]))
    assert rules_of(r) == {("forced_profile_auth", "entry")}


def test_dismissible_follow_banner_needs_no_notice():
    g = gate(stage="menu", step=2, text="关注公众号领券", passed_by="try", blocking=False,
             tried=tries(("close icon", "passed")))
    assert judge(trace(gates=[g])).findings == []


def test_required_bundled_tick_in_a_consent_form_gate_is_not_a_membership_wall():
    label = "我已阅读并同意 《隐私政策》 并同意加入会员、接收优惠信息"
    cb = checkbox(label, False, step_n=8, links=("《隐私政策》",))
    g = gate(stage="checkout", step=8, kind="form", text=label, passed_by="canary",
             tried=tries(("leave empty and go on", "still_blocked")), links=[el("a", "《隐私政策》")],
             checkboxes=[cb])
    r = judge(trace(gates=[g], checkboxes=[cb], links=PRIVACY))
    assert rules_of(r) == {("induced_consent", "checkout")}


def test_membership_wall_with_a_consent_box_still_counts_as_membership():
    label = "我已阅读并同意《隐私政策》"
    cb = checkbox(label, False, step_n=8, links=("《隐私政策》",))
    g = gate(stage="checkout", step=8, kind="overlay", text="注册会员后下单 " + label, passed_by="canary",
             tried=tries(("close icon", "still_blocked"), ("Escape", "still_blocked")), links=[el("a", "《隐私政策》")],
             checkboxes=[cb])
    assert ("forced_membership", "checkout") in rules_of(judge(trace(gates=[g], checkboxes=[cb], links=PRIVACY)))


def test_a_location_request_made_while_the_notice_showed_is_not_without_notice():
    """A retry's location request is recorded with the step after the press, whose page has already
    moved on (the diner-count view, no policy): the page the diner saw at the request — the step
    before, same document — showed the notice.  Another document before it does not count."""
    t = trace(page_text="几位用餐？", permissions=[permission(step_n=3, answer="granted")])
    t.steps[1].visible_text = "定位失败 重新定位 位置信息仅用于确认您在店内用餐，详见《隐私政策》"
    assert ("no_privacy_notice", "menu") not in rules_of(judge(t))
    t.steps[1].url = "http://127.0.0.1/elsewhere"
    assert ("no_privacy_notice", "menu") in rules_of(judge(t))


def test_a_hong_kong_privacy_policy_is_a_notice():
    """私隱政策 (Hong Kong and Macau usage) and a personal information collection statement are notices."""
    for words in ("我已閱讀並同意《私隱政策》", "收集個人資料聲明"):
        assert rules_of(judge(trace(gates=[phone_gate(links=[el("a", words)])]))) == {("forced_phone", "entry")}, words


def test_the_same_page_asking_again_after_showing_its_notice_is_not_without_notice():
    """The locate page asked at load with its policy in view; after a reload (left, came back) it asks
    again and the grant moves it on at once: the second ask is the same page's, its notice already seen."""
    t = trace(permissions=[permission(step_n=1), permission(step_n=4, answer="granted")])
    t.steps[0].visible_text = "定位失败 重新定位 详见《隐私政策》"
    t.steps[2].url = "about:blank"
    t.steps[2].visible_text = t.steps[3].visible_text = "几位用餐？"
    assert ("no_privacy_notice", "cart") not in rules_of(judge(t)) and ("no_privacy_notice", "menu") not in rules_of(judge(t))
    t.steps[0].visible_text = "定位失败 重新定位"
    assert any(r == "no_privacy_notice" for r, _s in rules_of(judge(t)))
