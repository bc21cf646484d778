"""The demo district a month later (sandbox state ``followup``): the campaign's re-check.

Some merchants rectified what the first audit found, some got worse, the rest
did not change.  ``SandboxServer(state="followup")`` serves every merchant with
:data:`CHANGES` applied to its site configuration (same names, addresses and
URLs, so merchant ids stay the same and ``qraudit diff`` pairs them);
``seeds/demo-followup.toml`` crawls it (``qraudit crawl --district demo-followup``).

:data:`CHANGES` is also the ground truth of that state: each entry's
``expected_verdict`` and ``findings`` replace the merchant's, and ``change``
says what a diff of the two states shows for it.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.merchants import GT_KEYS, MERCHANTS

STATES = ("initial", "followup")

_BOX = {"k": "join", "checked": True, "required": False, "text": "同意成为会员并接收营销短信"}

#: merchant id -> {"cfg": changes to its site configuration (merged one level deep), the new
#: expected verdict and findings, "change": "fixed" | "worse", "notes"}.
CHANGES: dict[str, dict[str, Any]] = {
    "m01": {"change": "fixed", "expected_verdict": "compliant", "findings": [],
            "cfg": {"gates": [], "footer": {"phone": True, "privacy": True}},
            "notes": "Rectified: the phone modal is gone and the footer links the privacy policy."},
    "m06": {"change": "fixed", "expected_verdict": "compliant", "findings": [],
            "cfg": {"checkout": {"fields": [{"k": "name", "req": False}]}},
            "notes": "Rectified: checkout no longer asks for the ID number; the name is optional (选填)."},
    "m11": {"change": "fixed", "expected_verdict": "compliant", "findings": [],
            "cfg": {"gates": []},
            "notes": "Rectified: adding a dish no longer opens the phone modal."},
    "m02": {"change": "worse", "expected_verdict": "violation",
            "findings": [{"rule": "forced_phone", "stage": "checkout"}],
            "cfg": {"checkout": {"fields": [{"k": "phone", "req": True}],
                                 "boxes": [{"k": "marketing", "checked": False, "required": False,
                                            "text": "愿意接收本店优惠短信（可不勾选）"}]}},
            "notes": "Worse: the checkout phone field is now required for dine-in."},
    "m41": {"change": "worse", "expected_verdict": "violation",
            "findings": [{"rule": "induced_consent", "stage": "checkout"}],
            "cfg": {"checkout": {"boxes": [_BOX]}},
            "notes": "Worse: checkout now carries a pre-ticked membership and marketing box."},
}


def in_state(merchant: dict[str, Any], state: str | None) -> dict[str, Any]:
    """The merchant entry as served in ``state`` (``initial``/``None``: unchanged).
    Raises ``ValueError`` for an unknown state."""
    if not state or state == "initial":
        return merchant
    if state not in STATES:
        raise ValueError(f"unknown sandbox state {state!r} (one of {', '.join(STATES)})")
    change = CHANGES.get(merchant["id"])
    if change is None:
        return merchant
    out = copy.deepcopy(merchant)
    out["cfg"].update(copy.deepcopy(change["cfg"]))
    out["expected_verdict"] = change["expected_verdict"]
    out["findings"] = copy.deepcopy(change["findings"])
    out["notes"] = change["notes"]
    return out


def ground_truth(state: str | None = "followup") -> dict[str, Any]:
    """The ground truth of ``state``, shaped like ``sandbox/ground_truth.json``, each merchant
    with its ``change`` (``fixed``, ``worse`` or ``None``)."""
    merchants = []
    for m in MERCHANTS:
        s = in_state(m, state)
        merchants.append({**{k: s[k] for k in GT_KEYS}, "change": (CHANGES.get(m["id"]) or {}).get("change")
                          if state == "followup" else None})
    return {"version": 1, "state": state or "initial", "merchants": merchants}
