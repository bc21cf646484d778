"""The order agent over the whole simulated district (ground truth: sandbox/ground_truth.json).

Uses the session-wide ``sandbox_audits`` fixture (every merchant audited once
through the real browser).  Figures printed: order-path completion rate and
gate-hit rate; both must be 100 %.

* completion: every merchant expected to be auditable reached checkout/submitted,
  or was stopped by a gate (outcome ``blocked``);
* gate hit: every labelled gate was met at its labelled stage — a recorded gate of
  that stage whose ``asks_hint`` (or text) names what the label asks.  A labelled
  gate that is *not forced* and asks for camera/location only when the diner taps
  a control on purpose (e.g. 扫一扫) is not a gate by design: the agent does not
  tap such controls, so for those we assert that no forced gate was recorded;
* inconclusive/unsupported merchants end with the expected verdict and reason keyword;
* the sandbox never saw a ``pay`` event.

Merchants whose labelled verdict waits for an order-agent change (``pending``) are
left out of the rates (see ``tests/sandbox/test_traps.py``).
"""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ASK_WORDS = {
    "phone": r"手机|手機|phone|mobile",
    "sms_code": r"验证码|驗證碼|code",
    "follow": r"关注|關注|公众号|公眾號|follow",
    "membership": r"会员|會員|开卡|開卡|注册|註冊|member",
    "profile_auth": r"授权|授權|头像|頭像|昵称|暱稱|oauth|snsapi_userinfo|auth_user",
    "location": r"定位|位置|location",
    "camera": r"刷脸|刷臉|人脸|人臉|相机|相機|camera",
    "fields": r"姓名|身份证|身份證|生日|性别|性別|邮箱|郵箱|电子邮件|電子郵件|地址",
    "consent": r"隐私|隱私|同意|协议|協議|privacy|agree",
}


def _gate_matches(gate, label) -> bool:
    if gate.stage != label["stage"]:
        return False
    if label["asks"] in gate.asks_hint:
        return True
    return bool(re.search(ASK_WORDS[label["asks"]], gate.text, re.I))


def _user_initiated_only(label) -> bool:
    return not label.get("forced", True) and label["asks"] in ("camera", "location")


def test_every_merchant_audited(sandbox, sandbox_audits):
    gt = sandbox.ground_truth()["merchants"]
    assert set(sandbox_audits) == {m["id"] for m in gt}


def _measured(sandbox) -> list[dict]:
    return [m for m in sandbox.ground_truth()["merchants"] if not m.get("pending")]


def test_completion_and_gate_hit_rates(sandbox, sandbox_audits):
    gt = _measured(sandbox)
    auditable = [m for m in gt if m["expected_verdict"] in ("violation", "compliant")]
    done, misses, total_gates, hit_gates = [], [], 0, 0
    for m in auditable:
        trace, _result = sandbox_audits[m["id"]]
        if trace.order_reached in ("checkout", "submitted") or trace.outcome == "blocked":
            done.append(m["id"])
        else:
            misses.append(f"{m['id']}: {trace.outcome} {trace.reason} (reached {trace.order_reached})")
    gate_misses = []
    for m in gt:
        trace, _ = sandbox_audits[m["id"]]
        for label in m["gates"]:
            if _user_initiated_only(label):
                forced = [g for g in trace.gates if _gate_matches(g, label) and g.passed_by in ("granted", "canary")]
                assert not forced, f"{m['id']}: a user-initiated {label['asks']} prompt was recorded as a forced gate"
                continue
            total_gates += 1
            if any(_gate_matches(g, label) for g in trace.gates):
                hit_gates += 1
            else:
                have = [(g.stage, g.asks_hint) for g in trace.gates]
                gate_misses.append(f"{m['id']}: {label['asks']}@{label['stage']} not met (recorded: {have})")
    completion = len(done) / len(auditable)
    gate_rate = hit_gates / total_gates if total_gates else 1.0
    print(f"\norder-path completion: {len(done)}/{len(auditable)} = {completion:.0%}")
    print(f"gate-hit rate: {hit_gates}/{total_gates} = {gate_rate:.0%}")
    assert not misses, "not completed:\n" + "\n".join(misses)
    assert not gate_misses, "gates missed:\n" + "\n".join(gate_misses)


def test_inconclusive_and_unsupported_reasons(sandbox, sandbox_audits):
    bad = []
    for m in _measured(sandbox):
        if m["expected_verdict"] not in ("inconclusive", "unsupported"):
            continue
        trace, result = sandbox_audits[m["id"]]
        want = m.get("expected_reason") or ""
        if result.verdict != m["expected_verdict"] or want.lower() not in (result.reason or "").lower():
            bad.append(f"{m['id']}: {result.verdict} {result.reason!r}, expected {m['expected_verdict']} ~ {want!r}")
    assert not bad, "\n".join(bad)


def test_gates_record_tries_before_canaries(sandbox, sandbox_audits):
    """A gate passed with canary values shows that no-PI tries were made first."""
    for m in sandbox.ground_truth()["merchants"]:
        trace, _ = sandbox_audits[m["id"]]
        for g in trace.gates:
            if g.passed_by == "canary" and g.kind in ("overlay", "page"):
                assert g.tries, f"{m['id']} gate {g.id}: canaries given without any no-PI try"
                assert not [t for t in g.tries if "canary" in t.method], "Gate.tries holds only no-PI tries"


def test_canary_phone_is_unique_per_visit(sandbox_audits):
    phones = [t.canaries["phone"] for t, _ in sandbox_audits.values()]
    assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)
    assert len(set(phones)) == len(phones)


def test_never_paid(sandbox_audit_run):
    events = sandbox_audit_run.events
    submits = [e for e in events if e.get("type") == "order_submit"]
    assert submits, "no order was ever submitted in the sandbox"
    pays = [e for e in events if e.get("type") == "pay"]
    assert not pays, f"the agent pressed a pay control: {pays[:3]}"


def test_follow_gates_have_their_qr_code_read(sandbox, sandbox_audits):
    """Every labelled forced-follow gate with a QR image has that code decoded (the
    official account's mp.weixin.qq.com address, or a WeCom contact's work.weixin.qq.com
    one), and forced_follow's evidence names it."""
    seen = 0
    for m in _measured(sandbox):
        if not any(f["rule"] == "forced_follow" for f in m["findings"]):
            continue
        trace, result = sandbox_audits[m["id"]]
        follow = [g for g in trace.gates if "follow" in g.asks_hint and g.images]
        assert follow, f"{m['id']}: no follow gate with an image recorded"
        codes = [i["qr_text"] for g in follow for i in g.images if i.get("qr_text")]
        assert codes and all(c.startswith(("https://mp.weixin.qq.com/", "https://work.weixin.qq.com/"))
                             for c in codes), f"{m['id']}: {codes}"
        finding = next(f for f in result.findings if f.rule == "forced_follow")
        assert set(codes) & set(finding.evidence.get("qr", [])), f"{m['id']}: evidence {finding.evidence}"
        seen += 1
    assert seen >= 2
