"""forced_membership: going on requires registering as a member / opening a member card."""

from __future__ import annotations

from collections.abc import Iterator

from core.trace import Trace
from detectors.base import Finding, rule
from detectors.common import (
    forced_gates,
    gate_evidence,
    gate_stage,
    make,
)
from detectors.legal import with_newer


@rule(
    "forced_membership",
    group="forced",
    severity="high",
    title="Membership registration forced to order",
    title_zh="强制注册会员/开卡才能点餐",
    legal_basis=with_newer("forced_membership", [
        "PIPL art. 16", "Necessary-PI Scope art. 4", "App Identification Method item 4.2",
        "CRPL art. 16(3)", "Shanghai CAC 半天妖 case (Feb 2024)",
    ]),
)
def forced_membership(trace: Trace) -> Iterator[Finding]:
    """A gate demanding member registration / login / a member card that no no-PI
    try got past.

    Legal basis: PIPL art. 16; Necessary-PI Scope art. 4; 认定方法 item 4.2 (function
    refused because non-necessary PI was refused); CRPL art. 16(3); Shanghai CAC,
    2 Feb 2024 (半天妖): a non-member ordering in-store need give no PI at all.
    Not fired for member prices (会员价) or a join offer that can be declined.
    """
    for g, ask, conf in forced_gates(trace, "membership"):
        yield make(
            "forced_membership", gate_stage(trace, g),
            f"Ordering was blocked until the diner joined the membership ({ask.text!r}).",
            f"须注册会员/开卡才能继续点餐（{ask.text}）。",
            gate_evidence(trace, g, ask, "membership"),
            confidence=conf,
        )
