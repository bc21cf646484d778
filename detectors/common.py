"""Shared reading of a trace for the rules: what a gate asks for, whether it is
forced, whether a field is required, and evidence dicts.

All functions are pure over :mod:`core.trace` objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from core.trace import STAGES, Element, FormField, Gate, Step, Trace, Try
from detectors import text as tx
from detectors.base import REGISTRY, Finding

#: try outcomes that mean "this no-PI way did not get past"
FAILED = ("still_blocked", "gate_returned", "error", "navigated_away", "returned_on_retry")

USERINFO_SCOPES = ("snsapi_userinfo", "auth_user", "auth_userinfo", "snsapi_login")


_DELIVERY_FIELD = re.compile(r"收货地址|收货人|配送地址|送货地址|外卖地址|delivery\s+address|shipping\s+address")


def order_mode(trace: Trace) -> str:
    """The order mode the path went on with.  ``None`` in the trace means dine-in,
    unless the page offered delivery only, or the order form asked for a delivery
    address (收货地址/配送地址/delivery address): then it is a delivery order."""
    if trace.order_mode:
        return trace.order_mode
    if trace.order_modes_offered and set(trace.order_modes_offered) == {"delivery"}:
        return "delivery"
    for fields in [g.fields for g in trace.gates] + [s.fields for s in trace.steps]:
        for f in fields:
            if _DELIVERY_FIELD.search(tx.norm(" ".join([f.label, f.placeholder, f.name]))):
                return "delivery"
    return "dine_in"


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


#: the stage a chosen control's purpose implies from its step on
_PURPOSE_STAGE = {"add": "menu", "spec_confirm": "menu", "cart": "cart", "checkout": "checkout", "submit": "checkout"}


def implied_stage(trace: Trace, n: int | None) -> str:
    """The furthest stage implied by the controls chosen up to step ``n``: once the
    agent pressed "去结算" (purpose ``checkout``) whatever shows next is on the way to
    submitting, even if the step itself was recorded as ``cart``."""
    best = 0
    if n is None:
        return STAGES[0]
    for s in trace.steps:
        if s.n > n:
            continue
        for c in s.candidates:
            if c.chosen and c.purpose in _PURPOSE_STAGE:
                best = max(best, STAGES.index(_PURPOSE_STAGE[c.purpose]))
    return STAGES[best]


def effective_stage(trace: Trace, n: int | None, recorded: str | None = None) -> str:
    """The later of the recorded stage (or step ``n``'s) and :func:`implied_stage`."""
    if recorded not in STAGES:
        s = step_of(trace, n)
        recorded = s.stage if s and s.stage in STAGES else "entry"
    imp = implied_stage(trace, n)
    return imp if STAGES.index(imp) > STAGES.index(recorded) else recorded


def stage_of(trace: Trace, n: int | None) -> str:
    """The stage of step ``n`` (see :func:`step_of`, :func:`effective_stage`); ``entry`` when unknown."""
    return effective_stage(trace, n)


def gate_stage(trace: Trace, gate: Gate) -> str:
    """The stage of ``gate`` (its recorded stage, moved on by :func:`implied_stage`)."""
    return effective_stage(trace, gate.step, gate.stage)


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


_PI_TRY = re.compile(r"canary|grant|allow|fill|accept|授权|允许|同意", re.I)


#: tries that dismiss a gate in place (a gate that comes back after one is nagging, not forced)
_DISMISS = re.compile(r"close|skip|decline|escape|outside|cancel|later|guest|other order mode|leave empty", re.I)


def _works(t: Try) -> bool:
    """Whether a no-PI try showed a way past: it ``passed``, or it dismissed the gate
    which then came back (``gate_returned``).  Going ``back`` leaves the order path,
    so a "passed" back counts only when the agent then went on without PI."""
    if re.search(r"\bback\b", t.method or "", re.I):
        return False
    if t.outcome == "passed":
        return True
    return t.outcome == "gate_returned" and bool(_DISMISS.search(t.method or ""))


def no_pi_tries(gate: Gate) -> list[Try]:
    """The gate's tries that gave no PI (a recorded "canary values"/"grant" step is not one)."""
    return [t for t in gate.tries if not _PI_TRY.search(t.method or "")]


def gate_forced(trace: Trace, gate: Gate) -> tuple[bool, str]:
    """Whether no no-PI way got past ``gate``; returns ``(forced, confidence)``.

    Forced: ``passed_by`` ``canary``/``granted`` with no no-PI try that worked, or
    ``not_passed`` with every no-PI try failing (or, with no try recorded, a visit
    that ended ``blocked``).  ``try``/``self`` → not forced.  A try "works" when it
    passed, or when it dismissed the gate and the gate came back (that is nagging:
    ``induced_consent``, not forced); a "back" never counts as a way on.  Tries
    recorded for giving canaries or granting are not no-PI tries.  A non-blocking
    overlay is never forced unless PI had to be given to pass it.
    """
    if gate.passed_by in ("try", "self"):
        return False, "high"
    tries = no_pi_tries(gate)
    if any(_works(t) for t in tries):
        return False, "high"
    if gate.passed_by in ("canary", "granted"):
        if not gate.blocking and gate.kind in ("overlay", "dialog") and not tries:
            return False, "medium"
        return True, "high" if tries or gate.kind in ("oauth", "permission") else "medium"
    # not_passed
    if tries:
        return True, "high"  # no no-PI try worked (a "passed" back leads away)
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
    """Yield an :class:`Ask` per PI field (``sms_code`` fields ask ``phone``); the fields of an
    account (user name, password) ask ``membership``: they make the diner a registered member."""
    for f in fields:
        k = tx.field_kind(f)
        if k in tx.PI_FIELD_KINDS:
            yield Ask("phone" if k == "sms_code" else k, "field", f.label or f.placeholder or f.name, f.element, f)
        elif k in tx.ACCOUNT_KINDS:
            yield Ask("membership", "field", f.label or f.placeholder or f.name, f.element, f)


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
    text = _without_checkbox_labels(gate)
    for k, phrase in tx.text_asks(text).items():
        _add(asks, Ask(k, "text", phrase, gate.element))
    if "follow" not in asks:
        weak = tx.follow_phrase(text)
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
    if "login" in asks and not asks.keys() & _ACCOUNT_OR_PI:
        wall = tx.find(tx.ACCOUNT_WALL, text)
        if wall:  # a member login/registration wall (legal-basis: forced_member_registration)
            _add(asks, Ask("membership", "text", wall, gate.element))
    forced, conf = gate_forced(trace, gate)
    return GateInfo(gate, asks, forced, conf)


#: asks that name what a login wall wants by themselves (then the login is theirs)
_ACCOUNT_OR_PI = {"phone", "membership", "follow", "profile_auth", "location", "camera"}


def _without_checkbox_labels(gate: Gate) -> str:
    """The gate's text less its checkboxes' labels.

    A tick box saying "同意加入会员、接收优惠信息" is consent, judged by
    ``induced_consent`` (pre-ticked or bundled); it does not make the gate a
    membership (or phone, follow…) wall by itself.
    """
    text = " ".join(gate.text.split())
    for cb in gate.checkboxes:
        label = " ".join(cb.label.split())
        if label:
            text = text.replace(label, " ")
    return text


def analyse_gates(trace: Trace) -> list[GateInfo]:
    """:func:`analyse_gate` over every gate of the trace, in order."""
    return [analyse_gate(trace, g) for g in trace.gates]


def field_required(f: FormField, info: GateInfo | None) -> tuple[bool, str]:
    """Whether a field must be filled to go on; returns ``(required, confidence)``.

    Behaviour first (submitted empty OK, or in live mode the order request formed
    with it empty and held → optional; a validation message or a
    submit disabled while empty → required), then the field's own label and
    placeholder (选填/optional vs ``*``/必填/required), then the recorded text
    signals when they agree; with nothing conclusive the field is required only
    when its whole gate is forced.  A gate passed without PI makes nothing required.
    """
    if "submitted-empty-ok" in f.optional_signals or "held-submit-accepted-empty" in f.optional_signals:
        return False, "high"  # the page took the order with it empty (live: formed, held, never sent)
    if info is not None and info.gate.passed_by in ("try", "self"):
        return False, "high"
    if any(s in ("validation-message", "submit-disabled-while-empty") for s in f.required_signals):
        return True, "high"
    # "外卖必填" / "required for delivery": required for another order mode, not this one
    own = _FOR_DELIVERY.sub(" ", tx.norm(" ".join([f.label, f.placeholder])))
    if _OPTIONAL_WORDS.search(own):
        return False, "high"
    if _REQUIRED_WORDS.search(own):
        return True, "high" if info is not None and info.forced else "medium"
    signals = [x for x in f.required_signals if x != "required-for-delivery"]
    if f.optional_signals and not signals:
        return False, "high"
    if signals and not f.optional_signals:
        return True, "high" if info is not None and info.forced else "medium"
    if info is not None and info.forced:
        return True, "medium"
    return False, "medium"


_FOR_DELIVERY = re.compile(r"(外卖|外送|配送|送餐|delivery)[^,，。;；]{0,4}(必填|必须|required)|required\s+for\s+delivery")
_OPTIONAL_WORDS = re.compile(r"选填|可不填|非必填|可选|optional|not required")
_REQUIRED_WORDS = re.compile(r"\*|必填|required")


def gate_blocks_on(info: GateInfo, kind: str) -> tuple[Ask, str] | None:
    """If ``info``'s gate is forced and asks ``kind``, return ``(ask, confidence)``.

    An ask made by a field needs that field to be required (:func:`field_required`,
    which counts the gate's forcedness when the field says nothing); an ask made by
    words, a button, OAuth or a permission needs the gate to be forced.
    """
    asks = info.asks.get(kind)
    if not asks:
        return None
    if info.gate.passed_by in ("try", "self"):
        return None
    for a in asks:
        if a.field is not None:
            req, conf = field_required(a.field, info)
            if req:
                return a, conf
        elif info.forced and info.gate.kind != "form":
            return a, info.confidence
    if info.gate.kind == "form" and info.forced and not any(a.field is not None for a in asks):
        return asks[0], "medium"
    return None


def forced_gates(trace: Trace, ask_kind: str, *, skip_kind: str | None = None) -> Iterator[tuple[Gate, Ask, str]]:
    """Yield ``(gate, ask, confidence)`` for each gate that is forced and asks ``ask_kind``
    (:func:`gate_blocks_on`), skipping gates of kind ``skip_kind`` (judged from their
    OAuth or permission event instead)."""
    for info in analyse_gates(trace):
        if skip_kind is not None and info.gate.kind == skip_kind:
            continue
        hit = gate_blocks_on(info, ask_kind)
        if hit:
            yield info.gate, hit[0], hit[1]


def gate_evidence(trace: Trace, gate: Gate, ask: Ask, ask_kind: str, **extra: Any) -> dict[str, Any]:
    """The evidence of a finding made on ``gate`` by ``ask``: its step, the asking element, the words."""
    return evidence(trace, gate.step, gate=gate, element=ask.element or gate.element, asks=ask_kind,
                    matched=ask.text, **extra)


def step_required_fields(trace: Trace, kinds: Iterable[str]) -> Iterator[tuple[Step, Ask]]:
    """Yield ``(step, ask)`` for fields on steps (outside gates) of ``kinds`` with
    required signals and no optional one."""
    kinds = set(kinds)
    in_gates = {f.element.selector for g in trace.gates for f in g.fields if f.element}
    for s in trace.steps:
        for a in field_asks(s.fields):
            if a.kind not in kinds or a.field is None or (a.element and a.element.selector in in_gates):
                continue  # fields of a gate are judged with their gate (its tries count)
            if field_required(a.field, None)[0]:
                yield s, a


def stage_index(stage: str) -> int:
    return STAGES.index(stage) if stage in STAGES else len(STAGES)
