"""forced_location and forced_biometric: browser permissions (or face steps) demanded to order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from core.trace import Gate, PermissionRequest, Trace
from detectors import text as tx
from detectors.base import Finding, rule
from detectors.common import (
    evidence,
    forced_gates,
    gate_evidence,
    gate_forced,
    gate_stage,
    make,
    order_mode,
    stage_of,
)
from detectors.legal import with_newer


def _is_camera(p: PermissionRequest) -> bool:
    return p.name == "camera" or bool(p.constraints.get("video"))


def _permission_forced(trace: Trace, i: int, p: PermissionRequest) -> tuple[bool, str, Gate | None, int]:
    """Whether denying permission request ``i`` blocked the order: its gate was passed
    only by granting, or the page asked again and the agent granted.  Returns
    ``(forced, confidence, gate, step)``; for a re-ask the step (and gate) are those of
    the first denied request, where the page demanded it."""
    gate = next((g for g in trace.gates if g.permission == i), None)
    if gate is not None:
        forced, conf = gate_forced(trace, gate)
        return forced, conf, gate, gate.step
    if p.answer == "granted":
        same = _is_camera if _is_camera(p) else (lambda q: q.name == p.name)
        first = next((j for j, q in enumerate(trace.permissions[:i]) if same(q) and q.answer == "denied"), None)
        if first is not None:
            q = trace.permissions[first]
            g0 = next((g for g in trace.gates if g.permission == first), None)
            if p.user_initiated and q.user_initiated and g0 is None:
                return False, "high", None, p.step
            return True, "high", g0, q.step
    return False, "medium", None, p.step


def _forced_permissions(
    trace: Trace, wanted: Callable[[PermissionRequest], bool], *, constraints: bool = False
) -> Iterator[tuple[PermissionRequest, str, dict[str, Any], str]]:
    """Yield ``(request, stage, evidence, confidence)`` for each ``wanted`` permission request
    whose denial blocked the order (:func:`_permission_forced`)."""
    for i, p in enumerate(trace.permissions):
        if not wanted(p):
            continue
        forced, conf, gate, at = _permission_forced(trace, i, p)
        if not forced:
            continue
        stage = gate_stage(trace, gate) if gate is not None else stage_of(trace, at)
        extra = {"constraints": p.constraints} if constraints else {}
        ev = evidence(trace, at, gate=gate, text=gate.text if gate else p.api, permission=p.name,
                      api=p.api, answer=p.answer, **extra, user_initiated=p.user_initiated)
        yield p, stage, ev, conf


_FACE = tx._rx(r"刷脸|人脸|面部|面容|活体", r"\bface\b|facial|selfie|liveness")

#: a control offering another way to order than the face (its own words, not the gate's)
ALTERNATIVE_WAY = tx._rx(
    r"(普通|直接|手动|常规|扫码|自助|人工|其他|其它|密码|输入)(方式)?(点餐|下单|支付|验证)|其他方式|其它方式|不使用刷脸|不刷脸|跳过",
    r"(order|continue|pay)\s+(without|another\s+way)|other\s+way|manual(ly)?\s+order|skip",
)


def untried_alternative(gate: Gate | None) -> str | None:
    """The words of a control of ``gate`` offering another way to order than the face, which no
    no-PI try pressed (so the face was not shown to be the only way), or ``None``."""
    if gate is None:
        return None
    tried = {tx.norm(t.control.text) for t in gate.tries if t.control is not None}
    for b in gate.buttons:
        words = tx.norm(b.text)
        if words and len(words) <= 16 and ALTERNATIVE_WAY.search(words) and not _FACE.search(words) \
                and words not in tried:
            return b.text
    return None


@rule(
    "forced_location",
    group="over_collection",
    severity="medium",
    title="Geolocation forced for an order at a QR-identified table",
    title_zh="扫桌码点餐强制获取位置信息",
    legal_basis=with_newer("forced_location", [
        "PIPL art. 6", "PIPL art. 16", "PIPL arts. 28-29", "App Identification Method items 4.1-4.2",
    ]),
)
def forced_location(trace: Trace) -> Iterator[Finding]:
    """Geolocation asked on a table (dine-in/pickup) order and denying it blocked the
    order (its permission gate passed only by granting, or the page re-asked until granted),
    or a location gate no no-PI try got past.

    Legal basis: PIPL arts. 6, 16, 28-29 (location tracks are sensitive PI);
    认定方法 items 4.1-4.2; Shanghai Consumer Council, Mar 2023 (一点点: a manual store
    picker should be offered).  Not fired for delivery, or when refusing let the order go on.
    """
    if order_mode(trace) == "delivery":
        return
    for p, stage, ev, conf in _forced_permissions(trace, lambda q: q.name == "geolocation"):
        yield make(
            "forced_location", stage,
            f"Ordering at the table required granting geolocation ({p.api}); denying it blocked the order.",
            f"扫桌码点餐须授权定位（{p.api}），拒绝后无法继续。",
            ev,
            confidence=conf,
        )
    for g, ask, conf in forced_gates(trace, "location", skip_kind="permission"):
        yield make(
            "forced_location", gate_stage(trace, g),
            f"Ordering was blocked until location was shared ({ask.text!r}).",
            f"须开启定位才能继续点餐（{ask.text}）。",
            gate_evidence(trace, g, ask, "location"),
            confidence=conf,
        )


@rule(
    "forced_biometric",
    group="over_collection",
    severity="high",
    title="Face recognition / camera forced to order",
    title_zh="强制刷脸/开启摄像头才能点餐",
    legal_basis=with_newer("forced_biometric", [
        "PIPL art. 26", "PIPL arts. 28-30", "SPC face-recognition interpretation (法释〔2021〕15号) arts. 2(3), 4",
    ]),
)
def forced_biometric(trace: Trace) -> Iterator[Finding]:
    """A face-scan step or a camera ``getUserMedia`` (video) whose denial blocked the
    order, with no other way to order.  A gate offering another way (直接点餐, 普通点餐,
    other way...) that was never tried is not shown to be forced, and does not fire.

    Legal basis: PIPL arts. 26, 28-30 (biometrics are sensitive PI: specific purpose,
    necessity, separate consent); SPC face-recognition interpretation arts. 2(3), 4
    (consent is no defence when face processing is a condition of service); the
    face-recognition security measures (CAC and MPS, in force 1 June 2025: where a
    non-face method achieves the purpose, face recognition must not be the only way).
    Not fired when the camera opened only because the diner chose to scan a code
    (user-initiated after a 扫一扫/scan control, with no gate).
    """
    for p, stage, ev, conf in _forced_permissions(trace, _is_camera, constraints=True):
        gate = next((g for g in trace.gates if g.id == ev.get("gate")), None)
        if untried_alternative(gate):
            continue
        yield make(
            "forced_biometric", stage,
            f"Ordering required camera access ({p.api}); denying it blocked the order.",
            f"须开启摄像头（{p.api}）才能继续点餐，拒绝后无法下单。",
            ev,
            confidence=conf,
        )
    for g, ask, conf in forced_gates(trace, "camera", skip_kind="permission"):
        if not _FACE.search(tx.norm(g.text)) and tx.SCAN_CONTROL.search(tx.norm(g.text)):
            continue  # a scan-the-code prompt, not a face step
        if untried_alternative(g):
            continue  # another way to order is offered and was not shown to fail
        yield make(
            "forced_biometric", gate_stage(trace, g),
            f"Ordering was blocked behind a face-recognition/camera step ({ask.text!r}).",
            f"须刷脸/人脸识别才能继续点餐（{ask.text}）。",
            gate_evidence(trace, g, ask, "camera"),
            confidence=conf,
        )
