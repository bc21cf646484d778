"""The detector registry, the finding model and the verdict (findings.md contract).

A rule is a pure function ``(Trace) -> Iterable[Finding]`` registered with
:func:`rule`.  :func:`judge` runs every registered rule over a trace and
builds the :class:`AuditResult`, whose :meth:`AuditResult.to_dict` is exactly
the JSON object ``qraudit check URL --format json`` prints
(``../shared/spec/findings.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from core.trace import Trace

#: The four campaign groups (亮剑浦江 2023): 过度采, 强制要, 诱导取, 违规用.
GROUPS = {
    "over_collection": "过度采",
    "forced": "强制要",
    "induced": "诱导取",
    "unlawful_handling": "违规用",
}

SEVERITIES = ("low", "medium", "high")
VERDICTS = ("violation", "compliant", "inconclusive", "unsupported")


@dataclass
class Finding:
    """One rule broken on one visit.

    ``rule``: stable snake_case id; ``group``: a key of :data:`GROUPS`;
    ``stage``: ``entry|menu|cart|checkout|post_order``; ``severity``:
    ``low|medium|high``; ``explanation``: English one-liner and
    ``explanation_zh`` its Chinese; ``legal_basis``: list of citations such as
    ``"PIPL art. 16"``; ``evidence``: dict with at least ``url``, ``step``,
    ``screenshot``, ``dom``, ``selector``, ``text``, ``tried`` (list of the no-PI
    tries made), plus rule-specific keys (``request`` for third_party_leak,
    ``oauth_url`` for profile auth, ...).  ``confidence``: ``low|medium|high``.
    """

    rule: str
    group: str
    stage: str
    severity: str
    explanation: str
    legal_basis: list[str]
    evidence: dict[str, Any]
    explanation_zh: str = ""
    confidence: str = "high"

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as a JSON-ready dict (findings.md fields first)."""
        return asdict(self)


@dataclass
class RuleInfo:
    """Registry entry: the rule id, its group, default severity, the function and its doc."""

    id: str
    group: str
    severity: str
    func: Callable[[Trace], Iterable[Finding]]
    title: str = ""
    title_zh: str = ""
    legal_basis: list[str] = field(default_factory=list)

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()


REGISTRY: dict[str, RuleInfo] = {}


def rule(
    rule_id: str,
    *,
    group: str,
    severity: str = "high",
    title: str = "",
    title_zh: str = "",
    legal_basis: list[str] | None = None,
) -> Callable[[Callable[[Trace], Iterable[Finding]]], Callable[[Trace], Iterable[Finding]]]:
    """Register a detector function under ``rule_id``.

    Raises ``ValueError`` for an unknown group/severity or a duplicate id.
    """
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}")
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")

    def deco(func: Callable[[Trace], Iterable[Finding]]) -> Callable[[Trace], Iterable[Finding]]:
        if rule_id in REGISTRY and REGISTRY[rule_id].func is not func:
            raise ValueError(f"rule {rule_id!r} registered twice")
        REGISTRY[rule_id] = RuleInfo(
            rule_id, group, severity, func, title, title_zh, list(legal_basis or [])
        )
        return func

    return deco


@dataclass
class AuditResult:
    """The verdict of one visit: the findings.md JSON object.

    ``verdict``: one of :data:`VERDICTS`; ``reason``: why inconclusive or
    unsupported, in English (``None`` otherwise), with ``reason_code`` (a
    :class:`core.reasons.Code`) and ``reason_params`` — resume, exit statuses and
    the report decide on the code; ``mode``: ``live`` (nothing was sent on the
    diner's behalf) or ``privileged`` (a declared sandbox host, or ``allow_submit``);
    ``not_observed``: what a live audit could not see without placing an order
    (see :data:`detectors.engine.NOT_OBSERVED`); ``order_reached``: the trace's
    ``order_reached``; ``steps``: ``[{"n", "action", "url", "screenshot", ...}]``;
    ``errors``: one line per rule that raised while judging (the other rules still ran);
    ``faults``: faults of the site the auditor got past and recorded (a certificate error,
    a page that did not answer the first time): ``[{"kind", "text", ...}]`` (see
    :data:`core.reasons.FAULTS`).
    """

    url: str
    final_url: str | None
    verdict: str
    reason: str | None
    order_reached: str
    findings: list[Finding]
    steps: list[dict[str, Any]]
    visit_id: str = ""
    env: str = "wechat"
    order_mode: str | None = None
    rules_version: str = ""
    errors: list[str] = field(default_factory=list)
    reason_code: str | None = None
    reason_params: dict[str, Any] = field(default_factory=dict)
    mode: str = "privileged"
    not_observed: list[str] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the findings.md JSON object (required fields first, extras after)."""
        return {
            "url": self.url,
            "final_url": self.final_url,
            "verdict": self.verdict,
            "reason": self.reason,
            "order_reached": self.order_reached,
            "findings": [f.to_dict() for f in self.findings],
            "steps": self.steps,
            "visit_id": self.visit_id,
            "env": self.env,
            "order_mode": self.order_mode,
            "rules_version": self.rules_version,
            "errors": list(self.errors),
            "reason_code": self.reason_code,
            "reason_params": dict(self.reason_params),
            "mode": self.mode,
            "not_observed": list(self.not_observed),
            "faults": [dict(f) for f in self.faults],
        }
