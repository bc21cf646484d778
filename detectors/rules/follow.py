"""forced_follow: going on requires following an official/service account."""

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
    "forced_follow",
    group="forced",
    severity="high",
    title="Following an official account forced to order",
    title_zh="强制关注公众号才能点餐",
    legal_basis=with_newer("forced_follow", [
        "CRPL art. 9", "CRPL art. 10", "CRPL art. 16(3)", "CRPL art. 26(2)", "PIPL art. 16",
        "Shanghai Consumer Council online-ordering PI guideline (2023)", "Beijing CAC scan-to-order guide (2023)",
    ]),
)
def forced_follow(trace: Trace) -> Iterator[Finding]:
    """A gate (account QR with "follow to order", a subscribe-check page) that no
    no-PI try got past.

    Legal basis: CRPL arts. 9, 10, 16(3), 26(2) (free choice, fair trade, no forced
    deals by technical means); PIPL art. 16; Shanghai Consumer Council guideline
    (18 Jul 2023: no forced or induced OA follow); Beijing CAC guide (31 Aug 2023).
    Not fired for a dismissible "关注领券" banner or card, or a footer "关注我们".
    """
    for g, ask, conf in forced_gates(trace, "follow"):
        qr = [i.get("qr_text") or i.get("src") for i in g.images]
        yield make(
            "forced_follow", gate_stage(trace, g),
            f"Ordering was blocked until an official account was followed ({ask.text!r}).",
            f"须关注公众号/服务号才能继续点餐（{ask.text}）。",
            gate_evidence(trace, g, ask, "follow", qr=qr),
            confidence=conf,
        )
