"""Run every rule over a trace and build the verdict (findings.md contract)."""

from __future__ import annotations

from typing import Any

import detectors.rules  # noqa: F401  (importing the rule modules registers every rule)
from core.reasons import Code, Reason, fault_text, from_legacy_text
from core.trace import STAGES, Trace
from detectors.base import REGISTRY, SEVERITIES, AuditResult, Finding, RuleInfo

#: bumped whenever a rule's logic or words change (stored with each result)
RULES_VERSION = "2025.2"

_CONF = {"low": 0, "medium": 1, "high": 2}


#: What a live audit cannot observe, by code: the server's own checks of the order (a field it
#: requires, a refusal), whatever follows a placed order (post_order findings), and what lies
#: behind a login / register / join / follow / authorise pressed with the network held.
NOT_OBSERVED = {
    "server_validation": "the server's checks of the order (required fields, refusals)",
    "post_order": "what follows a placed order",
    "behind_held_act": "what lies behind a login, registration, membership, follow or authorisation pressed "
                       "with the network held",
}


def not_observed(trace: Trace) -> list[str]:
    """Codes of :data:`NOT_OBSERVED` for a live ``trace`` (``[]`` in privileged mode)."""
    if trace.sandbox or trace.allow_submit:
        return []
    out = []
    if trace.order_reached in ("checkout", "submitted") or any(h.act == "submit" for h in trace.holds):
        out += ["server_validation", "post_order"]
    if any(h.act != "submit" for h in trace.holds):
        out.append("behind_held_act")
    return out


def faults(trace: Trace) -> list[dict[str, Any]]:
    """The site's faults the auditor got past (``trace.meta["faults"]``), each with its words (``text``)."""
    out = []
    for f in trace.meta.get("faults") or []:
        if isinstance(f, dict) and f.get("kind"):
            out.append({**f, "text": fault_text(str(f["kind"]), f)})
    return out


def load_rules() -> dict[str, RuleInfo]:
    """The registry of every rule (``{rule id: RuleInfo}``), filled when this module was imported."""
    return REGISTRY


def _strength(f: Finding) -> tuple:
    ev = f.evidence or {}
    return (
        _CONF.get(f.confidence, 0),
        SEVERITIES.index(f.severity) if f.severity in SEVERITIES else -1,
        bool(ev.get("screenshot")),
        bool(ev.get("selector")),
        -(ev.get("step") or 0),
    )


def dedup(findings: list[Finding]) -> list[Finding]:
    """One finding per (rule, stage): the one with the strongest evidence (confidence,
    severity, screenshot, selector, earliest step); the others' steps are kept in
    ``evidence["also_steps"]``."""
    best: dict[tuple[str, str], Finding] = {}
    others: dict[tuple[str, str], list[int]] = {}
    for f in findings:
        key = (f.rule, f.stage)
        cur = best.get(key)
        if cur is None:
            best[key] = f
            continue
        loser = f
        if _strength(f) > _strength(cur):
            best[key], loser = f, cur
        st = (loser.evidence or {}).get("step")
        if st is not None:
            others.setdefault(key, []).append(st)
    out = []
    for key, f in best.items():
        if key in others:
            mine = (f.evidence or {}).get("step")
            also = sorted({s for s in others[key] if s != mine})
            if also:
                f.evidence = {**f.evidence, "also_steps": also}
        out.append(f)
    out.sort(key=lambda f: (
        STAGES.index(f.stage) if f.stage in STAGES else len(STAGES),
        -(SEVERITIES.index(f.severity) if f.severity in SEVERITIES else -1),
        f.rule,
    ))
    return out


def _steps(trace: Trace) -> list[dict[str, Any]]:
    return [
        {"n": s.n, "action": s.action, "url": s.url, "screenshot": s.screenshot,
         "stage": s.stage, "state": s.state, "note": s.note}
        for s in trace.steps
    ]


def trace_reason(trace: Trace) -> Reason | None:
    """The trace's own reason: its code, or (a trace stored before codes) its English words read back."""
    if trace.reason_code:
        try:
            return Reason(Code(trace.reason_code), trace.reason_params or {})
        except ValueError:  # a code of a newer tool: keep its words
            return Reason(Code.UNKNOWN, {"text": trace.reason or trace.reason_code})
    return from_legacy_text(trace.reason)


def _default_reason(trace: Trace) -> Reason:
    reached = {"reached": trace.order_reached}
    if trace.outcome == "blocked":
        return Reason(Code.BLOCKED_BEFORE_CHECKOUT, reached)
    if not trace.complete:
        return Reason(Code.INCOMPLETE)
    if trace.outcome == "completed":
        return Reason(Code.NOT_COMPLETED, reached)
    return Reason(Code.NO_CHECKOUT, reached)


def judge(trace: Trace) -> AuditResult:
    """Run every registered rule over ``trace``; return the :class:`AuditResult`.

    Verdict: ``unsupported`` when the trace's outcome says so (reason from the
    trace); ``violation`` with at least one finding; ``compliant`` when the visit
    completed (reached checkout or submitted); else ``inconclusive`` with the
    trace's reason (never ``None``).  A rule that raises is recorded in
    ``errors`` and the others still run.  Never raises for a well-formed trace.
    """
    registry = load_rules()
    findings: list[Finding] = []
    errors: list[str] = []
    for rid, info in registry.items():
        try:
            findings.extend(info.func(trace) or ())
        except Exception as exc:  # a broken rule must not lose the others
            errors.append(f"{rid}: {type(exc).__name__}: {exc}")
    findings = dedup(findings)
    reason: Reason | None = None
    if trace.outcome == "unsupported":
        verdict = "unsupported"
        reason = trace_reason(trace) or Reason(Code.APP_LINK)
    elif findings:
        verdict = "violation"
    elif trace.outcome == "completed" and trace.order_reached in ("checkout", "submitted"):
        verdict = "compliant"
    else:
        verdict = "inconclusive"
        reason = trace_reason(trace) or _default_reason(trace)
    return AuditResult(
        url=trace.url,
        final_url=trace.final_url,
        verdict=verdict,
        reason=reason.text("en") if reason else None,
        reason_code=str(reason.code) if reason else None,
        reason_params=dict(reason.params) if reason else {},
        mode="privileged" if trace.sandbox or trace.allow_submit else "live",
        not_observed=not_observed(trace),
        faults=faults(trace),
        order_reached=trace.order_reached,
        findings=findings,
        steps=_steps(trace),
        visit_id=trace.visit_id,
        env=trace.env,
        order_mode=trace.order_mode,
        rules_version=RULES_VERSION,
        errors=errors,
    )
