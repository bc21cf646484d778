"""excessive_fields: required fields the order type does not need (name, ID, birthday, ...)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.trace import Trace
from detectors import text as tx
from detectors.base import Finding, rule
from detectors.common import (
    analyse_gates,
    evidence,
    gate_blocks_on,
    gate_stage,
    make,
    order_mode,
    stage_of,
    step_required_fields,
)
from detectors.legal import with_newer

#: field classes that are sensitive PI (PIPL art. 28: financial accounts; an ID number is
#: treated as such by the Shanghai self-check list and GB/T 35273 Annex B)
SENSITIVE_KINDS = ("id_number", "bank_card")


def excessive_kinds(mode: str) -> tuple[str, ...]:
    """Field kinds not needed for ``mode`` (delivery needs the recipient's name and address)."""
    if mode == "delivery":
        return tuple(k for k in tx.EXCESSIVE_KINDS if k not in ("name", "address"))
    return tx.EXCESSIVE_KINDS


@rule(
    "excessive_fields",
    group="over_collection",
    severity="medium",
    title="Fields not needed for the order type are required",
    title_zh="索要与点餐无关的个人信息",
    legal_basis=with_newer("excessive_fields", [
        "PIPL art. 6", "CRPL art. 29", "Shanghai Consumer Protection Regulations art. 31",
        "App Identification Method item 4.1", "Shanghai self-check list item 3",
    ]),
)
def excessive_fields(trace: Trace) -> Iterator[Finding]:
    """Required real name, ID number, bank card number, birthday, gender, e-mail or home
    address on a dine-in/pickup path (on delivery: all but name and address).  The
    explanation names each field class (``evidence["field_classes"]``) and says which are
    sensitive PI (an ID number, a bank card number: ``evidence["sensitive"]``).

    Legal basis: PIPL art. 6 (minimum necessary); CRPL art. 29; Shanghai Consumer
    Protection Regulations art. 31; 认定方法 item 4.1; Shanghai self-check list item 3
    (unrelated PI not marked optional).  Not fired when the same fields are optional.
    """
    mode = order_mode(trace)
    kinds = excessive_kinds(mode)
    by_stage: dict[str, list[dict[str, Any]]] = {}
    first: dict[str, dict[str, Any]] = {}
    for info in analyse_gates(trace):
        g = info.gate
        for kind in kinds:
            hit = gate_blocks_on(info, kind)
            if not hit:
                continue
            ask, conf = hit
            f = ask.field
            by_stage.setdefault(gate_stage(trace, g), []).append(
                {"kind": kind, "label": ask.text, "selector": ask.element.selector if ask.element else None}
            )
            first.setdefault(gate_stage(trace, g), {"step": g.step, "gate": g, "element": ask.element, "conf": conf,
                                       "signals": list(f.required_signals) if f else []})
    for s, ask in step_required_fields(trace, kinds):
        by_stage.setdefault(stage_of(trace, s.n), []).append(
            {"kind": ask.kind, "label": ask.text, "selector": ask.element.selector if ask.element else None}
        )
        first.setdefault(stage_of(trace, s.n), {"step": s.n, "gate": None, "element": ask.element, "conf": "medium",
                                   "signals": list(ask.field.required_signals)})
    for stage, fields in by_stage.items():
        kinds_seen = sorted({f["kind"] for f in fields}, key=lambda k: tx.EXCESSIVE_KINDS.index(k))
        classes = [tx.FIELD_CLASS_WORDS.get(k, (k, k)) for k in kinds_seen]
        sensitive = [k for k in kinds_seen if k in SENSITIVE_KINDS]
        f0 = first[stage]
        yield make(
            "excessive_fields", stage,
            f"The {mode.replace('_', '-')} order required fields it does not need: {', '.join(c[0] for c in classes)}"
            + (f" ({', '.join(tx.FIELD_CLASS_WORDS[k][0] for k in sensitive)}: sensitive PI)" if sensitive else "") + ".",
            f"点餐要求填写与订单无关的信息：{'、'.join(c[1] for c in classes)}"
            + (f"（{'、'.join(tx.FIELD_CLASS_WORDS[k][1] for k in sensitive)}属于敏感个人信息）" if sensitive else "") + "。",
            evidence(trace, f0["step"], gate=f0["gate"], element=f0["element"],
                     text=", ".join(f["label"] for f in fields), fields=fields, order_mode=mode,
                     field_classes=kinds_seen, sensitive=sensitive, required_signals=f0["signals"]),
            confidence=f0["conf"],
        )
