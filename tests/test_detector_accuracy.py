"""Detector accuracy over the whole sandbox, audited once through the real browser.

For every ground-truth merchant the agent's trace is judged again with the
current rules (``detectors.judge``); a finding matches a labelled
``(rule, stage)`` pair.  Prints per-rule precision/recall and asserts verdict
agreement (with the reason keyword for inconclusive/unsupported) and
precision = recall = 1.0 for every rule.  Merchants whose labelled verdict waits for
an order-agent change (``pending`` in the ground truth) are left out here and tested
on their own (``tests/sandbox/test_traps.py``, expected to fail until the change lands).
"""

from __future__ import annotations

from collections import Counter

import pytest

from detectors import judge

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _table(tp: Counter, fp: Counter, fn: Counter) -> str:
    rules = sorted(set(tp) | set(fp) | set(fn))
    lines = [f"{'rule':<22} {'TP':>3} {'FP':>3} {'FN':>3} {'precision':>9} {'recall':>7}"]
    for r in rules:
        p = tp[r] / (tp[r] + fp[r]) if tp[r] + fp[r] else 1.0
        rc = tp[r] / (tp[r] + fn[r]) if tp[r] + fn[r] else 1.0
        lines.append(f"{r:<22} {tp[r]:>3} {fp[r]:>3} {fn[r]:>3} {p:>9.2f} {rc:>7.2f}")
    T, F, N = sum(tp.values()), sum(fp.values()), sum(fn.values())
    lines.append(f"{'ALL':<22} {T:>3} {F:>3} {N:>3} {T / (T + F) if T + F else 1:>9.2f} {T / (T + N) if T + N else 1:>7.2f}")
    return "\n".join(lines)


def test_detector_precision_recall_and_verdicts(sandbox, sandbox_audits):

    gt = {m["id"]: m for m in sandbox.ground_truth()["merchants"] if not m.get("pending")}
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    problems: list[str] = []
    for mid, m in sorted(gt.items()):
        assert mid in sandbox_audits, f"{mid}: not audited"
        trace, _ = sandbox_audits[mid]
        result = judge(trace)
        got = {(f.rule, f.stage) for f in result.findings}
        want = {(f["rule"], f["stage"]) for f in m["findings"]}
        for rule, _stage in got & want:
            tp[rule] += 1
        for rule, stage in got - want:
            fp[rule] += 1
            problems.append(f"{mid}: unexpected {rule}@{stage}")
        for rule, stage in want - got:
            fn[rule] += 1
            problems.append(f"{mid}: missed {rule}@{stage}")
        if result.verdict != m["expected_verdict"]:
            problems.append(f"{mid}: verdict {result.verdict} (reason {result.reason!r}), "
                            f"expected {m['expected_verdict']}")
        elif m.get("expected_reason") and m["expected_reason"].lower() not in (result.reason or "").lower():
            problems.append(f"{mid}: reason {result.reason!r} lacks {m['expected_reason']!r}")
        if result.errors:
            problems.append(f"{mid}: rule errors {result.errors}")
    print()
    print(_table(tp, fp, fn))
    for p in problems:
        print("  ", p)
    assert not problems, f"{len(problems)} disagreements with the ground truth:\n" + "\n".join(problems)
