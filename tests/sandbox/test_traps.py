"""The traps of live pages and of the browser stack, and the behaviours regulators found
after 2023 (issue 13), in the sandbox: merchants m42-m58.

Every one ends with its labelled verdict, rules and reason within 60 s, and the trap was
met and handled as its evidence shows.  Uses the session-wide audit of the sandbox in
privileged mode (``tests/conftest.py``: no extra browser work), except the last test,
which audits three trap pages as live sites.  A merchant whose verdict waits for an
order-agent change (``pending`` in the ground truth) is expected to fail here until that
change lands (strict: its success fails the test, so the label is then removed).
"""

from __future__ import annotations

import asyncio
import re
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from app.jobs import audit_many
from crawler.engine import AuditConfig
from crawler.scrapy.discovery import decode_html, parse_listing
from detectors import judge
from sandbox.merchants import MERCHANTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TRAPS = [m for m in MERCHANTS if "m42" <= m["id"] <= "m58"]
BUDGET_S = 60


def _seconds(trace) -> float:
    a, b = (datetime.fromisoformat(x.replace("Z", "+00:00")) for x in (trace.started_at, trace.ended_at))
    return (b - a).total_seconds()


def _params():
    for m in TRAPS:
        marks = [pytest.mark.xfail(strict=True, reason=m["pending"])] if m["pending"] else []
        yield pytest.param(m["id"], id=m["id"], marks=marks)


@pytest.mark.parametrize("mid", list(_params()))
def test_trap_page_judged_right_within_60s(sandbox_audits, mid):
    m = next(x for x in TRAPS if x["id"] == mid)
    trace, _ = sandbox_audits[mid]
    result = judge(trace)
    assert _seconds(trace) < BUDGET_S, f"{mid}: {_seconds(trace):.0f} s"
    assert result.verdict == m["expected_verdict"], (result.verdict, result.reason)
    assert {(f.rule, f.stage) for f in result.findings} == {(f["rule"], f["stage"]) for f in m["findings"]}
    if m["expected_reason"]:
        assert m["expected_reason"] in (result.reason or "")
    assert not result.errors


def _leaks(result) -> list[dict]:
    return [x for f in result.findings if f.rule == "third_party_leak" for x in f.evidence.get("leaks", [])]


def test_websockets_binary_frame_from_a_worker(sandbox_audits):
    """m42: the phone goes in a binary frame over a worker's socket to the tracker (found) and as
    JSON over the merchant's own socket (not a leak); frames of both sockets are in the trace."""
    trace, _ = sandbox_audits["m42"]
    urls = {f.url.split("?")[0].rsplit("/", 2)[-2] + "/" + f.url.split("?")[0].rsplit("/", 1)[-1]
            for f in trace.websocket_frames}
    assert any("127.0.0.2" in f.url and f.payload.startswith("base64:") and f.direction == "sent"
               for f in trace.websocket_frames), urls
    assert any("/m/ua/m42/ws" in f.url and f.direction == "received" for f in trace.websocket_frames)
    leaks = _leaks(judge(trace))
    assert leaks and all("127.0.0.2" in x["url"] and x["method"] == "WS" for x in leaks)


def test_keystrokes_one_character_per_request(sandbox_audits):
    """m43: each digit went to the tracker in a request of its own; joined, they are the phone."""
    trace, _ = sandbox_audits["m43"]
    leaks = _leaks(judge(trace))
    assert any(x["where"].startswith("keystrokes:") and x.get("keystrokes", 0) >= 11 for x in leaks), leaks
    assert not any("/api/segment" in x["url"] for x in leaks)  # the shop's own number-segment lookup


def test_gbk_page_read_as_chinese(sandbox, sandbox_audits):
    """m44: a GBK page with its charset only in <meta>: the snapshot, the classifiers and discovery
    read Chinese; the name leaves GBK-percent-encoded and is found."""
    trace, _ = sandbox_audits["m44"]
    assert any("老正兴菜馆" in s.visible_text for s in trace.steps)
    assert any("订餐电话" in s.visible_text for s in trace.steps)  # the shop's own phone (a hard negative)
    leaks = _leaks(judge(trace))
    assert leaks and leaks[0]["encoding"].startswith("url-gbk") and leaks[0]["value_kind"] == "name"
    with urllib.request.urlopen(sandbox.base_url + "/directory/old", timeout=10) as r:
        assert "charset" not in r.headers.get("Content-Type", "")
        cands, _ = parse_listing(decode_html(r.read()), sandbox.base_url + "/directory/old", None)
    assert {c["name"] for c in cands} >= {"老正兴菜馆"}


def test_touch_only_controls_are_tapped(sandbox_audits):
    """m45: the coupon's × answers only a finger (closed by a tap: no forced_phone at entry), the
    menu's + only touches on the scroll wrapper; the tracker got 8-10 digits, never the whole number."""
    trace, _ = sandbox_audits["m45"]
    assert any(s.action == "tap" for s in trace.steps)
    coupon = next(g for g in trace.gates if g.stage == "entry")
    assert coupon.passed_by == "try"
    leaks = _leaks(judge(trace))
    assert leaks and all("prefix" in x["encoding"] for x in leaks)


def test_onbeforeunload_never_hangs(sandbox_audits, tmp_path_factory):
    """m46: every navigation after the first tap asks 确定要离开吗 (accepted); the refusal the server
    sent before the next page loaded is kept as evidence (response bodies read before they vanish)."""
    trace, _ = sandbox_audits["m46"]
    assert any(d.type == "beforeunload" and d.answer == "accept" for d in trace.dialogs)
    assert trace.outcome == "completed" and trace.order_reached == "submitted"
    kept = trace.meta.get("response_bodies") or {}
    (folder,) = {p.parent.resolve() for p in tmp_path_factory.getbasetemp().glob("sandbox-audits*/m46/trace.json")
                 if trace.visit_id in p.read_text("utf-8")}
    texts = [(folder / rel).read_text("utf-8", "replace") for rel in kept.values()]
    assert any("请填写手机号" in t for t in texts), "the server's refusal was not kept"


def test_emulation_passes_the_in_app_browser_check(sandbox_audits):
    """m47: the page, a worker and the server check client hints, userAgentData, platform, touch and
    plugins against the WeChat Android user agent: the audit gets past to the follow wall."""
    trace, _ = sandbox_audits["m47"]
    assert not any("请在微信客户端打开" in s.visible_text for s in trace.steps)
    emu = trace.meta.get("emulation") or {}
    assert emu.get("client_hints") is True and emu.get("device") == "Linux armv8l"


def test_geolocation_that_never_answers_a_refusal(sandbox_audits):
    """m48: refused, the page waits for ever; granted (and permissions.query agreeing), it goes on."""
    trace, _ = sandbox_audits["m48"]
    answers = [p.answer for p in trace.permissions if p.name == "geolocation"]
    assert "denied" in answers and answers[-1] == "granted"
    assert trace.order_reached == "submitted"


def test_certificate_error_audited_and_recorded(sandbox_audits):
    """m49: a self-signed certificate on the merchant's host: audited all the same, the fault recorded."""
    trace, result = sandbox_audits["m49"]
    assert trace.url.startswith("https://")
    assert [f["kind"] for f in result.faults] == ["certificate_error"]
    assert "ERR_CERT_AUTHORITY_INVALID" in result.faults[0]["text"]


def test_http_401_named(sandbox_audits):
    """m50: HTTP 401 with a Basic prompt ends at once, with a named reason."""
    _, result = sandbox_audits["m50"]
    assert result.reason_code == "load_failed" and "password" in result.reason


def test_failed_navigation_then_oauth(sandbox_audits):
    """m51: the first request got no answer (the page left on the browser's error page); loaded again,
    then the OAuth round trips (a failing navigation to an unreachable host, then the return)."""
    trace, result = sandbox_audits["m51"]
    assert [f["kind"] for f in result.faults] == ["navigation_retried"]
    assert trace.oauth and trace.order_reached == "submitted"


def test_popups_opened_from_an_iframe(sandbox_audits):
    """m52: three windows opened from inside the menu frame (one opening another): the requests of
    every window count, also those a window's own script sends after loading."""
    trace, _ = sandbox_audits["m52"]
    leaks = _leaks(judge(trace))
    encodings = {x["encoding"] for x in leaks}
    assert any(e.startswith("sha1") for e in encodings), encodings  # the 领取优惠券 window, 400 ms after loading
    assert any("ev=nested" in x["url"] for x in leaks)  # the window opened by a window
    assert len(trace.meta.get("popups") or []) >= 3


def test_wecom_card_and_a_single_login_prompt_are_fine(sandbox_audits):
    """m54: an optional WeCom card and one login prompt that stays away once declined."""
    trace, result = sandbox_audits["m54"]
    assert result.verdict == "compliant"
    assert all(g.passed_by == "try" and g.appearances == 1 for g in trace.gates)


def test_id_and_bank_card_named(sandbox_audits):
    """m56: the finding names the field classes; the optional invoice fields are not among them."""
    f = next(x for x in judge(sandbox_audits["m56"][0]).findings if x.rule == "excessive_fields")
    assert f.evidence["field_classes"] == ["id_number", "bank_card"]
    assert "ID number" in f.explanation and "bank card number" in f.explanation


def test_login_prompts_counted_per_order(sandbox_audits):
    """m57: a login/register prompt on every page, declined each time: counted."""
    f = next(x for x in judge(sandbox_audits["m57"][0]).findings if x.rule == "induced_consent")
    assert f.evidence["kind"] == "repeated_prompt" and f.evidence["prompts_per_order"] >= 3
    assert len(f.evidence["stages"]) >= 2


def test_face_only_at_checkout(sandbox_audits):
    """m58: the landing's face button is one way among others (passed by 直接点餐); checkout accepts
    only a face."""
    trace, _ = sandbox_audits["m58"]
    entry = next(g for g in trace.gates if g.stage == "entry")
    assert entry.passed_by == "try"
    assert [(f.rule, f.stage) for f in judge(trace).findings] == [("forced_biometric", "checkout")]


def test_trap_pages_as_live_sites(sandbox, tmp_path):
    """Three trap pages audited as live sites (nothing sent on the diner's behalf): each answered
    within 60 s with its verdict; no order reached the merchant."""
    ids = ["m42", "m49", "m51"]
    sandbox.reset_events()
    sandbox.warm.pop("m51", None)  # its cold start, whenever another test landed on it last
    cfg = AuditConfig(out_dir=tmp_path, timeout_s=45)  # no sandbox host declared: live
    # in a thread of its own: pytest-playwright's sync fixtures may run an event loop in this one
    with ThreadPoolExecutor(max_workers=1) as pool:
        results = pool.submit(asyncio.run, audit_many({i: sandbox.merchant_url(i) for i in ids}, cfg,
                                                      concurrency=2)).result()
    for mid in ids:
        trace, result = results[mid]
        assert result.mode == "live" and _seconds(trace) < BUDGET_S, mid
        want = next(m for m in MERCHANTS if m["id"] == mid)
        # live: what only a placed order shows is not observed; the rest of the labels hold
        assert result.verdict in (want["expected_verdict"], "compliant"), (mid, result.verdict, result.reason)
    assert not [e for e in sandbox.events if e["type"] in ("order_submit", "pay")]
    assert [f["kind"] for f in results["m49"][1].faults] == ["certificate_error"]
    assert not [h for h in sandbox.third_party_hits if h.get("method") == "WS" and h.get("binary")]
    assert re.search(r"navigation_retried", str(results["m51"][1].faults))
