"""forced_phone: a dine-in or pickup order that cannot go on without a mobile number."""

from __future__ import annotations

from collections.abc import Iterator

from core.trace import Trace
from detectors.base import Finding, rule
from detectors.common import (
    evidence,
    forced_gates,
    gate_evidence,
    gate_stage,
    make,
    order_mode,
    stage_of,
    step_required_fields,
)
from detectors.legal import with_newer


@rule(
    "forced_phone",
    group="forced",
    severity="high",
    title="Mobile number forced for a dine-in/pickup order",
    title_zh="堂食/自取强制索要手机号",
    legal_basis=with_newer("forced_phone", [
        "PIPL art. 6", "PIPL art. 16", "CRPL art. 29", "Necessary-PI Scope art. 4",
        "Necessary-PI Scope art. 5(7)",
    ]),
)
def forced_phone(trace: Trace) -> Iterator[Finding]:
    """A phone-login / SMS-code gate, a "quick phone login" as the only way on, or a
    required phone field, on a dine-in or pickup order.

    Legal basis: PIPL arts. 6, 16 (minimum necessary; no refusal of service for
    refusing unnecessary PI); CRPL art. 29; Necessary-PI Scope (国信办秘字〔2021〕14号)
    arts. 4, 5(7) (food ordering needs no phone for dine-in); CRPL Implementing Regulations
    art. 23 (Decree No. 778, to verify); the 2025 special action (wording to verify).
    Not fired for delivery (the phone is necessary there), for an optional or
    skippable phone field, or for the merchant's own phone shown as text.
    """
    if order_mode(trace) == "delivery":
        return
    mode = order_mode(trace).replace("_", "-")
    for g, ask, conf in forced_gates(trace, "phone"):
        yield make(
            "forced_phone", gate_stage(trace, g),
            f"The {mode} order could not go on without a mobile number ({ask.source}: {ask.text!r}); "
            f"no way past without it was found.",
            f"{'堂食' if mode == 'dine-in' else '自取'}点餐不提供手机号无法继续（{ask.text}），未找到跳过方式。",
            gate_evidence(trace, g, ask, "phone", source=ask.source, order_mode=order_mode(trace)),
            confidence=conf,
        )
    for s, ask in step_required_fields(trace, ["phone"]):
        f = ask.field
        yield make(
            "forced_phone", stage_of(trace, s.n),
            f"A required phone field ({f.label or f.placeholder or f.name!r}) on the {mode} order path.",
            f"点餐流程中手机号为必填项（{f.label or f.placeholder or f.name}）。",
            evidence(trace, s.n, element=f.element, text=f.label or f.placeholder, asks="phone",
                     source="field", required_signals=list(f.required_signals), order_mode=order_mode(trace)),
            confidence="high" if "validation-message" in f.required_signals else "medium",
        )
