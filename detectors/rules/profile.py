"""forced_profile_auth: profile authorisation (nickname/avatar, OAuth userinfo) demanded before ordering."""

from __future__ import annotations

from collections.abc import Iterator

from core.trace import Trace
from detectors.base import Finding, rule
from detectors.common import (
    USERINFO_SCOPES,
    evidence,
    forced_gates,
    gate_evidence,
    gate_forced,
    gate_stage,
    make,
    stage_of,
)
from detectors.legal import with_newer


@rule(
    "forced_profile_auth",
    group="forced",
    severity="high",
    title="Profile authorisation (nickname/avatar) forced to order",
    title_zh="强制授权头像昵称等个人信息",
    legal_basis=with_newer("forced_profile_auth", [
        "PIPL art. 6", "PIPL art. 16", "Shanghai self-check list item 4",
        "WeChat web authorisation rules (snsapi_userinfo, snapshot mode 2022)",
    ]),
)
def forced_profile_auth(trace: Trace) -> Iterator[Finding]:
    """WeChat OAuth ``scope=snsapi_userinfo`` / Alipay ``auth_user`` whose decline did
    not let the order go on (handled ``declined_then_granted``), or an "authorise your
    avatar and nickname" gate no no-PI try got past.

    Legal basis: PIPL arts. 6, 16; Shanghai self-check list (Jul 2023) item 4 (WeChat
    one-tap login pop-ups); WeChat web-authorisation rules (snapshot mode since
    12 Jul 2022: userinfo only when needed, guest mode, no forced login).
    Never fired for silent identity (``snsapi_base``, ``auth_base``) or when
    declining let the order go on (``declined_passed``).
    """
    for i, ev in enumerate(trace.oauth):
        if not any(s in ev.scope for s in USERINFO_SCOPES):
            continue
        gate = next((g for g in trace.gates if g.oauth == i), None)
        if ev.handled == "declined_passed":
            continue
        if gate is not None:
            forced, conf = gate_forced(trace, gate)
            if not forced:
                continue
        elif ev.handled == "declined_then_granted":
            conf = "high"
        elif ev.handled == "granted":
            conf = "medium"
        else:
            continue
        stage = gate_stage(trace, gate) if gate is not None else stage_of(trace, ev.step)
        yield make(
            "forced_profile_auth", stage,
            f"{ev.provider or 'OAuth'} authorisation with scope {ev.scope} was required to go on "
            f"(declining did not let the order continue).",
            f"须授权{'微信' if ev.provider == 'wechat' else '支付宝' if ev.provider == 'alipay' else ''}"
            f"用户信息（{ev.scope}）才能继续点餐，拒绝后无法下单。",
            evidence(trace, ev.step, gate=gate, url=ev.url, text=f"scope={ev.scope}",
                     oauth_url=ev.url, scope=ev.scope, provider=ev.provider, handled=ev.handled,
                     appid=ev.appid),
            confidence=conf,
        )
    for g, ask, conf in forced_gates(trace, "profile_auth", skip_kind="oauth"):
        yield make(
            "forced_profile_auth", gate_stage(trace, g),
            f"Ordering was blocked until the diner authorised their profile ({ask.text!r}).",
            f"须授权头像、昵称等个人信息才能继续点餐（{ask.text}）。",
            gate_evidence(trace, g, ask, "profile_auth"),
            confidence=conf,
        )
