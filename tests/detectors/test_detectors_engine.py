"""judge(): verdicts, dedup, ordering, JSON contract, round trip, broken rules; text classifiers."""

from __future__ import annotations

import json

from core.trace import Trace
from detectors import RULES_VERSION, judge
from detectors import text as tx
from detectors.base import GROUPS, REGISTRY, SEVERITIES, Finding, rule
from detectors.engine import load_rules

from .builders import checkbox, field, gate, phone_gate, request, trace, typed_phone

TOP_KEYS = {"url", "final_url", "verdict", "reason", "order_reached", "findings", "steps",
            "visit_id", "env", "order_mode", "rules_version", "errors", "reason_code", "reason_params", "mode",
            "not_observed", "faults"}
FINDING_KEYS = {"rule", "group", "stage", "severity", "explanation", "explanation_zh", "legal_basis",
                "evidence", "confidence"}
EVIDENCE_KEYS = {"url", "step", "screenshot", "dom", "selector", "text", "tried"}


def _busy_trace() -> Trace:
    t = trace(gates=[phone_gate(), gate("g2", 3, "menu", text="注册会员后才能点餐")],
              checkboxes=[checkbox("同意接收营销短信", True)], typed=[typed_phone()],
              requests=[request(1, "https://t.ads-example.net/c?m=13912345678", step_n=5)])
    return t


def test_json_shape_matches_contract():
    d = judge(_busy_trace()).to_dict()
    assert set(d) == TOP_KEYS
    assert d["verdict"] == "violation" and d["reason"] is None
    assert d["rules_version"] == RULES_VERSION
    assert d["findings"]
    for f in d["findings"]:
        assert set(f) == FINDING_KEYS
        assert EVIDENCE_KEYS <= set(f["evidence"])
        assert f["group"] in GROUPS and f["severity"] in SEVERITIES
        assert f["legal_basis"] and f["explanation"] and f["explanation_zh"]
    for s in d["steps"]:
        assert set(s) == {"n", "action", "url", "screenshot", "stage", "state", "note"}
    json.dumps(d, ensure_ascii=False)  # plain types only


def test_sorted_by_stage_then_severity_and_deduped():
    r = judge(_busy_trace())
    got = [(f.stage, f.rule) for f in r.findings]
    assert got == [
        ("entry", "forced_phone"), ("entry", "no_privacy_notice"),
        ("menu", "forced_membership"), ("menu", "no_privacy_notice"),
        ("checkout", "third_party_leak"), ("checkout", "induced_consent"),
    ]
    # two phone gates at entry -> one finding, the other step kept
    t = _busy_trace()
    t.gates.append(phone_gate(gid="g3", step=2, tried=[]))
    r2 = judge(t)
    fp = [f for f in r2.findings if f.rule == "forced_phone"]
    assert len(fp) == 1 and fp[0].evidence["step"] == 1 and fp[0].evidence["also_steps"] == [2]


def test_round_trip_json():
    t = _busy_trace()
    t2 = Trace.from_dict(json.loads(t.to_json()))
    assert judge(t2).to_dict() == judge(t).to_dict()


def test_verdicts():
    assert judge(trace()).verdict == "compliant"
    r = judge(trace(outcome="unsupported", reached="none", reason="mini-program link (weixin://dl/business)"))
    assert r.verdict == "unsupported" and "mini-program" in r.reason
    r = judge(trace(outcome="error", reached="landing", reason="shop closed"))
    assert r.verdict == "inconclusive" and r.reason == "shop closed"
    r = judge(trace(outcome="blocked", reached="menu"))
    assert r.verdict == "inconclusive" and "blocked before checkout" in r.reason
    r = judge(trace(outcome="error", reached="menu", reason=None))
    assert r.verdict == "inconclusive" and r.reason
    # unsupported wins even with findings-like content
    assert judge(trace(outcome="unsupported", reason="app only", gates=[phone_gate()])).verdict == "unsupported"


def test_broken_rule_does_not_lose_the_others():
    load_rules()

    @rule("zz_test_broken", group="forced", severity="low")
    def broken(trace):
        """Test rule that always raises."""
        raise RuntimeError("boom")

    try:
        r = judge(trace(gates=[phone_gate()]))
        assert any(f.rule == "forced_phone" for f in r.findings)
        assert r.errors == ["zz_test_broken: RuntimeError: boom"]
        assert r.to_dict()["errors"] == r.errors
    finally:
        REGISTRY.pop("zz_test_broken", None)


def test_every_rule_documented():
    reg = load_rules()
    assert set(reg) >= {"forced_phone", "forced_follow", "forced_membership", "forced_profile_auth",
                        "forced_location", "forced_biometric", "excessive_fields", "induced_consent",
                        "no_privacy_notice", "third_party_leak"}
    for info in reg.values():
        assert info.legal_basis and info.title and info.title_zh
        assert "Legal basis" in info.doc


def test_finding_to_dict():
    f = Finding("r", "forced", "entry", "high", "x", ["PIPL art. 16"], {"url": "u"})
    assert f.to_dict()["rule"] == "r"


# ---- text ------------------------------------------------------------------

def test_norm_traditional_fullwidth_camel():
    assert tx.norm("手機號碼 １３９") == "手机号码 139"
    assert tx.norm("userPhone") == "user phone"
    assert tx.norm("會員註冊 隱私權政策 掃一掃 驗證碼") == "会员注册 隐私权政策 扫一扫 验证码"


def test_field_kinds():
    assert tx.field_kind(field("", placeholder="请输入手机号")) == "phone"
    assert tx.field_kind(field("", name="userTel")) == "phone"
    assert tx.field_kind(field("", input_type="tel", name="x")) == "phone"
    assert tx.field_kind(field("", name="x", maxlength="11", inputmode="numeric")) == "phone"
    assert tx.field_kind(field("短信验证码", name="c")) == "sms_code"
    assert tx.field_kind(field("手機驗證碼", name="c")) == "sms_code"
    assert tx.field_kind(field("", name="x", autocomplete="one-time-code")) == "sms_code"
    assert tx.field_kind(field("图形验证码", name="c")) == "captcha"
    assert tx.field_kind(field("桌号", input_type="tel", name="t")) == "table"
    assert tx.field_kind(field("就餐人数", input_type="number", name="n")) == "people"
    assert tx.field_kind(field("身份證號", name="i")) == "id_number"
    assert tx.field_kind(field("Date of birth", name="d")) == "birthday"
    assert tx.field_kind(field("", name="g", input_type="select", options=("男", "女"))) == "gender"
    assert tx.field_kind(field("", name="contact", input_type="email")) == "email"
    assert tx.field_kind(field("Your name", name="n")) == "name"
    assert tx.field_kind(field("备注", name="r")) == "remark"
    assert tx.field_kind(field("口味偏好", name="r")) == "remark"
    assert tx.field_kind(field("搜索菜品", input_type="search", name="q")) == "other"


def test_text_asks_and_look_alikes():
    assert "phone" in tx.text_asks("请输入手机号码登录")
    assert "phone" in tx.text_asks("手机号快捷登录")
    assert "phone" in tx.text_asks("Enter your phone number to log in")
    assert "phone" not in tx.text_asks("订餐电话 021-62345678 客服热线")
    assert "phone" not in tx.text_asks("请使用手机扫描二维码")
    assert "follow" in tx.text_asks("長按識別二維碼 關注公眾號後點餐")
    assert "follow" not in tx.text_asks("关注我们")
    assert "membership" in tx.text_asks("立即注册会员")
    assert "membership" in tx.text_asks("Join our membership to order")
    assert "membership" not in tx.text_asks("会员价 ¥25 会员专享价 进入会场")
    assert "profile_auth" in tx.text_asks("获取你的昵称、头像")
    assert "profile_auth" not in tx.text_asks("头像")
    assert "location" in tx.text_asks("需要获取您的位置信息")
    assert "camera" in tx.text_asks("请进行人脸识别")
    assert tx.has_privacy_notice("阅读《隱私權政策》")
    assert tx.has_privacy_notice("see our Privacy Notice")
    assert not tx.has_privacy_notice("尊重您的选择")
