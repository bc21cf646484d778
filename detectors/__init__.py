"""qraudit's judgment side: pure rules over a recorded trace (see detectors.base).

``judge(trace) -> AuditResult`` runs every rule (detectors/rules/*) and sets the
verdict; ``RULES_VERSION`` is stored with each result.
"""

from detectors.engine import RULES_VERSION, judge, load_rules

__all__ = ["RULES_VERSION", "judge", "load_rules"]
