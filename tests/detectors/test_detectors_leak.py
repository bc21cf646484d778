"""third_party_leak and the encodings."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote

import pytest

from core.trace import TypedValue, WebSocketFrame
from detectors import judge
from detectors.encodings import b58encode, build_needles, haystack_views
from detectors.rules.leak import merchant_sites

from .builders import PHONE, SHOP, phone_gate, request, rules_of, step, trace, typed_phone

PRIVACY = [{"text": "隐私政策", "href": "/privacy"}]
TRACKER = "https://collect.tracker-cdn.net/t"


def _md5(s: str) -> str:
    return hashlib.md5(s.encode()).hexdigest()


def _sha256(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def leak_trace(*reqs, **kw):
    g = phone_gate(links=[__import__("tests.detectors.builders", fromlist=["el"]).el("a", "隐私政策")], passed_by="try",
                   tried=__import__("tests.detectors.builders", fromlist=["el"]).tries(("skip link", "passed")))
    return trace(gates=[g], typed=[typed_phone(1)], requests=list(reqs), links=PRIVACY, **kw)


@pytest.mark.parametrize("url, chain", [
    (f"{TRACKER}?p={PHONE}", "typed"),
    (f"{TRACKER}?p={_b64(PHONE)}", "base64(typed)"),
    (f"{TRACKER}?p={_md5(PHONE)}", "md5(typed)"),
    (f"{TRACKER}?p={_sha256(PHONE).upper()}", "sha256(typed)"),
    (f"{TRACKER}?p={_b64(_md5(PHONE))}", "base64(md5(typed))"),
    (f"{TRACKER}?p={_sha256(_md5(PHONE))}", "sha256(md5(typed))"),
    (f"{TRACKER}?p=%2B86{PHONE}", "86"),
    (f"{TRACKER}?p=%252B86%2520{PHONE[:3]}%2520{PHONE[3:7]}%2520{PHONE[7:]}", "url(url(spaced))"),
    (f"{TRACKER}?p={PHONE[:3]}****{PHONE[7:]}", "masked"),
    (f"{TRACKER}?p={b58encode(PHONE.encode())}", "base58(typed)"),
    (f"{TRACKER}?p={quote(_b64(PHONE))}", "base64-nopad(typed)"),
    (f"{TRACKER}?p={quote(_b64(_b64(PHONE)))}", "base64(base64(typed))"),
])
def test_leak_in_url(url, chain):
    r = judge(leak_trace(request(1, url, step_n=2)))
    assert rules_of(r) == {("third_party_leak", "menu")}
    ev = r.findings[0].evidence
    assert ev["host"] == "collect.tracker-cdn.net"
    assert chain in ev["encoding"]
    assert ev["before_submit"] is True
    assert ev["request"]["url"] == url and ev["method"] == "GET"


def test_leak_urlencoded_in_body():
    body = "data=" + quote('{"u":{"mobile":"' + PHONE + '"}}')
    r = judge(leak_trace(request(1, TRACKER, method="POST", body=body, step_n=4)))
    assert rules_of(r) == {("third_party_leak", "cart")}
    assert r.findings[0].evidence["request"]["where"] == "body"


def test_leak_base64_json_body_and_websocket():
    body = _b64('{"event":"login","phone":"' + PHONE + '"}')
    assert rules_of(judge(leak_trace(request(1, TRACKER, method="POST", body=body)))) == {("third_party_leak", "menu")}
    t = leak_trace()
    t.websocket_frames = [WebSocketFrame(step=5, t_ms=1, url="wss://push.other-im.cn/ws", direction="sent",
                                         payload='{"tel":"' + PHONE + '"}')]
    assert rules_of(judge(t)) == {("third_party_leak", "checkout")}


def test_leak_in_referer_and_cookie():
    r = judge(leak_trace(request(1, TRACKER, headers={"Referer": f"{SHOP}&phone={PHONE}"})))
    assert r.findings[0].evidence["request"]["where"] == "header:referer"
    r = judge(leak_trace(request(2, TRACKER, headers={"Cookie": f"sid=1; uid={_md5(PHONE)}"})))
    assert r.findings[0].evidence["request"]["where"] == "header:cookie"


def test_own_host_and_subdomain_are_not_leaks():
    reqs = [request(1, f"https://m.shop-example.com.cn/api/login?phone={PHONE}"),
            request(2, f"https://api.shop-example.com.cn/v1/user?p={_md5(PHONE)}")]
    r = judge(leak_trace(*reqs))
    assert r.findings == [] and r.verdict == "compliant"


def test_different_ip_is_a_leak_same_ip_is_not():
    t = leak_trace(request(1, f"http://127.0.0.1:8000/api?p={PHONE}"),
                   request(2, f"http://127.0.0.2:8001/collect?p={PHONE}", step_n=5),
                   url="http://127.0.0.1:8000/m01/?table=A3")
    t.final_url = t.url
    r = judge(t)
    assert rules_of(r) == {("third_party_leak", "checkout")}
    assert r.findings[0].evidence["host"] == "127.0.0.2"


def test_oauth_host_not_merchant_site_and_redirect_chain():
    t = trace(url="https://s.short.link/x1", final_url="https://open.weixin.qq.com/connect/oauth2/authorize?x",
              requests=[request(1, "https://s.short.link/x1", step_n=1, is_navigation=True),
                        request(2, "https://m.shop-example.com.cn/o", step_n=1, is_navigation=True,
                                redirected_from="https://s.short.link/x1")])
    assert merchant_sites(t) == {"short.link", "shop-example.com.cn"}


def test_leak_after_submit():
    t = leak_trace(request(1, f"{TRACKER}?p={PHONE}", step_n=6), reached="submitted")
    t.steps.append(step(6, "post_order", state="confirmation"))
    t.steps[4].candidates = [__import__("core.trace", fromlist=["Candidate"]).Candidate(
        purpose="submit", score=5, element=__import__("tests.detectors.builders", fromlist=["el"]).el("button"), chosen=True)]
    r = judge(t)
    assert rules_of(r) == {("third_party_leak", "post_order")}
    assert r.findings[0].evidence["before_submit"] is False


def test_no_leak_of_unrelated_values():
    r = judge(leak_trace(request(1, f"{TRACKER}?p=13800000000&t={_md5('13800000000')}&sid=abcdef1234567890")))
    assert r.findings == []


def test_sms_code_is_not_searched():
    t = leak_trace(request(1, f"{TRACKER}?code=482913"))
    t.typed.append(TypedValue(step=1, kind="sms_code", value="482913"))
    assert judge(t).findings == []


def test_needles_and_views():
    ns = build_needles([("phone", PHONE)])
    assert len(ns) > 200
    assert _md5(PHONE) in ns.hexes[32]
    views = dict(haystack_views("x=" + quote(_b64("a=" + PHONE))))
    assert any(PHONE in v for k, v in haystack_views("x=" + quote(_b64("a=" + PHONE))) if k.startswith("base64"))
    assert "urldecoded" in views
