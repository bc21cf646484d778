"""Shared reading of a trace for the rules: what a gate asks for, whether it is
forced, whether a field is required, and evidence dicts.

All functions are pure over :mod:`crawler.trace` objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from crawler.trace import STAGES, Element, FormField, Gate, Step, Trace
from detectors import text as tx
from detectors.base import REGISTRY, Finding

#: try outcomes that mean "this no-PI way did not get past"
FAILED = ("still_blocked", "gate_returned", "error", "navigated_away")

USERINFO_SCOPES = ("snsapi_userinfo", "auth_user", "auth_userinfo", "snsapi_login")


def order_mode(trace: Trace) -> str:
    """The order mode the path went on with; ``None`` in the trace means dine-in."""
    return trace.order_mode or "dine_in"


def step_of(trace: Trace, n: int | None) -> Step | None:
    """Step ``n``, else the closest earlier step, else the first step; ``None`` if no steps."""
    if not trace.steps:
        return None
    if n is None:
        return trace.steps[0]
    best = None
    for s in trace.steps:
        if s.n == n:
            return s
        if s.n < n and (best is None or s.n > best.n):
            best = s
    return best or trace.steps[0]


def stage_of(trace: Trace, n: int | None) -> str:
    """The stage of step ``n`` (see :func:`step_of`); ``entry`` when unknown."""
    s = step_of(trace, n)
    return s.stage if s and s.stage in STAGES else "entry"


def tried(gate: Gate | None) -> list[str]:
    """The no-PI tries made at ``gate`` as ``"method: outcome"`` strings."""
    if gate is None:
        return []
    return [f"{t.method}: {t.outcome}" for t in gate.tries]


def evidence(
    trace: Trace,
    step: int | None,
    *,
    gate: Gate | None = None,
    element: Element | None = None,
    text: str | None = None,
    url: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Build a finding's evidence dict: url, step, screenshot, dom, selector, text, tried + ``extra``."""
    s = step_of(trace, step)
    el = element or (gate.element if gate else None)
    ev: dict[str, Any] = {
        "url": url or (s.url if s else trace.url),
        "step": step if step is not None else (s.n if s else None),
        "screenshot": (gate.screenshot if gate and gate.screenshot else None) or (s.screenshot if s else None),
        "dom": (gate.dom if gate and gate.dom else None) or (s.dom if s else None),
        "selector": el.selector if el else None,
        "text": (text if text is not None else (gate.text if gate else (el.text if el else "")))[:500],
        "tried": tried(gate),
    }
    if gate is not None:
        ev["gate"] = gate.id
        ev["passed_by"] = gate.passed_by
        ev["appearances"] = gate.appearances
    ev.update(extra)
    return ev


def make(
    rule_id: str,
    stage: str,
    explanation: str,
    explanation_zh: str,
    ev: dict[str, Any],
    *,
    confidence: str = "high",
    severity: str | None = None,
) -> Finding:
    """Build a :class:`Finding` with the group, severity and legal basis of the registered rule."""
    info = REGISTRY[rule_id]
    return Finding(
        rule=rule_id,
        group=info.group,
        stage=stage if stage in STAGES else "entry",
        severity=severity or info.severity,
        explanation=explanation,
        legal_basis=list(info.legal_basis),
        evidence=ev,
        explanation_zh=explanation_zh,
        confidence=confidence,
    )


# ---------------------------------------------------------------------------
# forced or not


def gate_forced(trace: Trace, gate: Gate) -> tuple[bool, str]:
    """Whether no no-PI way got past ``gate``; returns ``(forced, confidence)``.

    Forced: ``passed_by`` ``canary``/``granted`` with no successful try, or
    ``not_passed`` with every no-PI try failing (or, with no try recorded, a visit
    that ended ``blocked``).  ``try``/``self`` → not forced.  A non-blocking
    overlay is never forced unless PI had to be given to pass it.
    """
    if gate.passed_by in ("try", "self"):
        return False, "high"
    if any(t.outcome == "passed" for t in gate.tries):
        return False, "high"
    if gate.passed_by in ("canary", "granted"):
        if not gate.blocking and gate.kind in ("overlay", "dialog") and not gate.tries:
            return False, "medium"
        return True, "high" if gate.tries or gate.kind in ("oauth", "permission") else "medium"
    # not_passed
    if gate.tries:
        return all(t.outcome in FAILED for t in gate.tries), "high"
    if not gate.blocking:
        return False, "medium"
    return trace.outcome == "blocked", "medium"


# ---------------------------------------------------------------------------
# what a gate asks for


@dataclass
class Ask:
    """One thing a gate asks for: ``kind`` (phone, follow, membership, profile_auth,
    location, camera, or a field kind), where it was seen (``source``), the words
    and the element."""

    kind: str
    source: str
    text: str = ""
    element: Element | None = None
    field: FormField | None = None


@dataclass
class GateInfo:
    """A gate with its asks (``{kind: [Ask]}``) and forcedness."""

    gate: Gate
    asks: dict[str, list[Ask]] = field(default_factory=dict)
    forced: bool = False
    confidence: str = "high"

    def first(self, kind: str) -> Ask | None:
        a = self.asks.get(kind)
        return a[0] if a else None


def _add(asks: dict[str, list[Ask]], a: Ask) -> None:
    asks.setdefault(a.kind, []).append(a)


def field_asks(fields: Iterable[FormField]) -> Iterator[Ask]:
    """Yield an :class:`Ask` per PI field (``sms_code`` fields ask ``phone``)."""
    for f in fields:
        k = tx.field_kind(f)
        if k in tx.PI_FIELD_KINDS:
            yield Ask("phone" if k == "sms_code" else k, "field", f.label or f.placeholder or f.name, f.element, f)


def analyse_gate(trace: Trace, gate: Gate) -> GateInfo:
    """Classify what ``gate`` asks for (fields, words, buttons, QR images, OAuth, permission)."""
    asks: dict[str, list[Ask]] = {}
    for a in field_asks(gate.fields):
        _add(asks, a)
    for b in gate.buttons:
        words = " ".join([b.text, b.attrs.get("aria-label", ""), b.attrs.get("title", "")])
        if (b.attrs.get("open-type") or "").lower() == "getphonenumber":
            _add(asks, Ask("phone", "button", b.text or "getPhoneNumber", b))
        for k, phrase in tx.text_asks(words).items():
            _add(asks, Ask(k, "button", phrase, b))
    for k, phrase in tx.text_asks(gate.text).items():
        _add(asks, Ask(k, "text", phrase, gate.element))
    if "follow" not in asks:
        weak = tx.follow_phrase(gate.text)
        qr = [i for i in gate.images if tx.is_qr_image(i)]
        if weak and qr:
            _add(asks, Ask("follow", "image", f"{weak} + QR", gate.element))
    if gate.oauth is not None and 0 <= gate.oauth < len(trace.oauth):
        ev = trace.oauth[gate.oauth]
        if any(s in ev.scope for s in USERINFO_SCOPES):
            _add(asks, Ask("profile_auth", "oauth", ev.scope))
    if gate.permission is not None and 0 <= gate.permission < len(trace.permissions):
        p = trace.permissions[gate.permission]
        if p.name == "geolocation":
            _add(asks, Ask("location", "permission", p.api))
        elif p.name == "camera" or p.constraints.get("video"):
            _add(asks, Ask("camera", "permission", p.api))
    forced, conf = gate_forced(trace, gate)
    return GateInfo(gate, asks, forced, conf)


def analyse_gates(trace: Trace) -> list[GateInfo]:
    """:func:`analyse_gate` over every gate of the trace, in order."""
    return [analyse_gate(trace, g) for g in trace.gates]


def field_required(f: FormField, info: GateInfo | None) -> tuple[bool, str]:
    """Whether a field must be filled to go on; returns ``(required, confidence)``.

    Optional signals (选填, submitted empty OK) win; required signals count
    unless the gate was passed without PI; with no signal either way the field
    is required only when its whole gate is forced.
    """
    if f.optional_signals:
        return False, "high"
    if info is not None and info.gate.passed_by in ("try", "self"):
        return False, "high"
    if f.required_signals:
        strong = any(s in ("validation-message", "submit-disabled-while-empty") for s in f.required_signals)
        return True, "high" if strong or (info is not None and info.forced) else "medium"
    if info is not None and info.forced:
        return True, "medium"
    return False, "medium"


def gate_blocks_on(info: GateInfo, kind: str) -> tuple[Ask, str] | None:
    """If ``info``'s gate is forced and asks ``kind``, return ``(ask, confidence)``.

    For a form gate the asking field itself must be required (see :func:`field_required`);
    for other gates the gate being forced is enough.
    """
    asks = info.asks.get(kind)
    if not asks:
        return None
    if info.gate.kind == "form":
        for a in asks:
            if a.field is not None:
                req, conf = field_required(a.field, info)
                if req:
                    return a, conf
            elif info.forced:
                return a, info.confidence
        return None
    if not info.forced:
        return None
    for a in asks:
        if a.field is not None and a.field.optional_signals:
            continue
        return a, info.confidence
    return None


def step_required_fields(trace: Trace, kinds: Iterable[str]) -> Iterator[tuple[Step, Ask]]:
    """Yield ``(step, ask)`` for fields on steps (outside gates) of ``kinds`` with
    required signals and no optional one."""
    kinds = set(kinds)
    in_gates = {f.element.selector for g in trace.gates for f in g.fields if f.element}
    for s in trace.steps:
        for a in field_asks(s.fields):
            if a.kind not in kinds or a.field is None or (a.element and a.element.selector in in_gates):
                continue  # fields of a gate are judged with their gate (its tries count)
            if a.field.required_signals and not a.field.optional_signals:
                yield s, a


def stage_index(stage: str) -> int:
    return STAGES.index(stage) if stage in STAGES else len(STAGES)
