"""induced_consent and no_privacy_notice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from core.trace import Checkbox, Gate, Trace
from detectors import text as tx
from detectors.base import Finding, rule
from detectors.common import (
    GateInfo,
    analyse_gates,
    evidence,
    field_asks,
    gate_stage,
    make,
    no_pi_tries,
    stage_index,
    stage_of,
    step_of,
)
from detectors.legal import with_newer

#: asks that make a gate a PI prompt for the repeat check
PROMPT_ASKS = ("phone", "follow", "membership", "profile_auth", "location", "camera", *tx.EXCESSIVE_KINDS)


def _all_checkboxes(trace: Trace) -> list[tuple[Checkbox, Gate | None]]:
    seen: set[tuple[int, str]] = set()
    out: list[tuple[Checkbox, Gate | None]] = []
    for g in trace.gates:
        for c in g.checkboxes:
            key = (c.step, c.element.selector)
            if key not in seen:
                seen.add(key)
                out.append((c, g))
    for c in trace.checkboxes:
        key = (c.step, c.element.selector)
        if key not in seen:
            seen.add(key)
            out.append((c, None))
    return out


def _topics(c: Checkbox) -> dict[str, str]:
    t = tx.norm(" ".join([c.label, *c.links]))
    out = {}
    for name, rx in (("privacy", tx.PRIVACY_NOTICE), ("membership", tx.MEMBER_WORD),
                     ("marketing", tx.MARKETING), ("data_sharing", tx.DATA_SHARING),
                     ("consent", tx.CONSENT_WORD)):
        m = rx.search(t)
        if m:
            out[name] = m.group(0)
    return out


@rule(
    "induced_consent",
    group="induced",
    severity="medium",
    title="Consent taken by inducement (pre-ticked, bundled or nagging)",
    title_zh="诱导同意（默认勾选、捆绑授权、反复弹窗）",
    legal_basis=with_newer("induced_consent", [
        "PIPL art. 14", "App Identification Method items 3.2, 3.4",
        "E-Commerce Law art. 19", "Network Data Security Regulations art. 22(5)", "GB/T 35273-2020 5.3",
    ]),
)
def induced_consent(trace: Trace) -> Iterator[Finding]:
    """A pre-ticked box for membership, marketing, data sharing or privacy consent; one
    tick bundling the privacy policy with membership/marketing/sharing; a PI prompt
    shown three times or more in one order after being declined (it came back twice),
    on one page or on every page (every login/register prompt of the order counts:
    ``evidence["prompts_per_order"]``).

    Legal basis: PIPL art. 14 (informed, voluntary, explicit consent); CRPL Impl.
    Reg. art. 23 (no one-time blanket or default authorisation); 认定方法 items 3.2
    (frequent re-asking), 3.4 (default-ticked); E-Commerce Law art. 19; NDSR art. 22(5);
    GB/T 35273-2020 5.3(a),(d).  Not fired for an unticked, optional box.
    """
    for c, g in _all_checkboxes(trace):
        topics = _topics(c)
        step_of(trace, c.step)
        stage = gate_stage(trace, g) if g is not None else stage_of(trace, c.step)
        purposes = [k for k in ("membership", "marketing", "data_sharing") if k in topics]
        bundled = "privacy" in topics and purposes
        if c.checked_initially and (purposes or "privacy" in topics or "consent" in topics):
            kind = "bundled_prechecked" if bundled else "prechecked"
            yield make(
                "induced_consent", stage,
                f"A consent box was ticked in advance ({c.label[:80]!r}).",
                f"同意框被默认勾选（{c.label[:80]}）。",
                evidence(trace, c.step, gate=g, element=c.element, text=c.label, kind=kind,
                         topics=topics, checked_initially=True, links=list(c.links)),
            )
        elif bundled and (c.required_signals or (g is not None and g.passed_by in ("canary", "granted"))
                          or _tick_demanded(trace, c.step)):
            yield make(
                "induced_consent", stage,
                f"One tick bundles the privacy policy with {', '.join(purposes)} ({c.label[:80]!r}).",
                f"一个勾选框将隐私政策与{'、'.join({'membership': '会员', 'marketing': '营销', 'data_sharing': '信息共享'}[p] for p in purposes)}捆绑（{c.label[:80]}）。",
                evidence(trace, c.step, gate=g, element=c.element, text=c.label, kind="bundled",
                         topics=topics, checked_initially=c.checked_initially, links=list(c.links)),
            )
    yield from _bundled_buttons(trace)
    # repeated prompts: a PI prompt dismissed and shown again (on the same page, or on every page)
    yield from _repeated_prompts(trace)


#: asks of a login/register prompt: every such prompt of the visit counts, whatever its words
_LOGIN_FAMILY = ("login", "phone", "membership")


def _prompt_family(info: GateInfo) -> tuple[str, ...]:
    asks = {k for k in info.asks if k in PROMPT_ASKS or k == "login"}
    if asks & set(_LOGIN_FAMILY):
        return ("login",)
    return tuple(sorted(asks))


def _repeated_prompts(trace: Trace) -> Iterator[Finding]:
    """A PI prompt shown three times or more in one order after being declined: per family of
    prompts (every login/register/phone/membership prompt is one family, the others by what they
    ask), across pages and stages.  ``evidence["prompts_per_order"]`` is how often the family was
    shown on the way; ``declined`` how often the auditor turned it down."""
    groups: dict[tuple, list[GateInfo]] = {}
    for info in analyse_gates(trace):
        if info.gate.kind not in ("overlay", "page", "dialog"):
            continue
        fam = _prompt_family(info)
        if not fam or fam == ("login",) and not ({"login", "phone", "membership"} & set(info.asks)):
            continue
        groups.setdefault((info.gate.kind if fam != ("login",) else "prompt", fam), []).append(info)
    for infos in groups.values():
        shown = sum(max(1, i.gate.appearances) for i in infos)
        tries = [t for i in infos for t in no_pi_tries(i.gate)]
        returned = sum(1 for t in tries if t.outcome == "gate_returned")
        dismissed = sum(1 for t in tries if t.outcome in ("passed", "gate_returned") and not _BACK.search(t.method))
        reworded = len(infos) >= 2 and dismissed >= 2  # declined, then asked again in new words
        if returned < 2 and not (shown >= 3 and dismissed >= 2) and not reworded:
            continue
        g = min((i.gate for i in infos), key=lambda x: x.step)
        asks = sorted({k for i in infos for k in i.asks if k in PROMPT_ASKS or k == "login"})
        steps = sorted({n for i in infos for n in (i.gate.appeared_steps or [i.gate.step])})
        stages = sorted({stage_of(trace, n) for n in steps}, key=stage_index)
        pages = sorted({(step_of(trace, n).url if step_of(trace, n) else "") for n in steps} - {""})
        yield make(
            "induced_consent", gate_stage(trace, g),
            f"A prompt asking for {', '.join(asks)} came back after being declined: shown {shown} times in one "
            f"order ({', '.join(stages)}), declined {dismissed} times.",
            f"拒绝后仍反复弹出索取个人信息（登录/注册等）的提示：一次点餐中出现{shown}次，被拒绝{dismissed}次。",
            evidence(trace, g.step, gate=g, kind="repeated_prompt", shown=shown, returned=returned,
                     prompts_per_order=shown, declined=dismissed, appeared_steps=steps, stages=stages,
                     pages=pages[:20], gates=[i.gate.id for i in infos]),
        )


_AGREE = re.compile(r"同意|agree|accept|确认开通|接受")


def _bundled_buttons(trace: Trace) -> Iterator[Finding]:
    """A gate with no box to tick whose one agree-control accepts the privacy policy together
    with membership, marketing or sharing ("点击同意并开通即表示您同意《会员协议》《隐私政策》并接收
    推送"), and that the diner could not get past otherwise: one act, bundled consent."""
    for info in analyse_gates(trace):
        g = info.gate
        if g.checkboxes or g.kind not in ("overlay", "page", "dialog") or not info.forced:
            continue
        t = tx.norm(" ".join([g.text, *[e.text for e in g.links]]))
        purposes = {name: m.group(0) for name, rx in (("membership", tx.MEMBER_WORD), ("marketing", tx.MARKETING),
                                                      ("data_sharing", tx.DATA_SHARING)) if (m := rx.search(t))}
        privacy = tx.PRIVACY_NOTICE.search(t)
        agree = [b for b in g.buttons if _AGREE.search(tx.norm(b.text)) and len(b.text) <= 20]
        if not (privacy and purposes and agree):
            continue
        yield make(
            "induced_consent", gate_stage(trace, g),
            f"One button ({agree[0].text[:20]!r}) takes consent to the privacy policy together with "
            f"{', '.join(purposes)}, and there was no way on without it.",
            f"一个按钮（{agree[0].text[:20]}）将隐私政策与"
            f"{'、'.join({'membership': '会员', 'marketing': '营销', 'data_sharing': '信息共享'}[p] for p in purposes)}"
            f"捆绑同意，且不同意无法继续。",
            evidence(trace, g.step, gate=g, element=agree[0], text=g.text, kind="bundled_button",
                     topics={"privacy": privacy.group(0), **purposes}),
            confidence=info.confidence,
        )


_TICK_REQUIRED = re.compile(
    r"请(先)?(勾选|同意|阅读并同意)|须(先)?(勾选|同意)|未勾选|please\s+(tick|check|agree|accept)|must\s+(agree|accept)"
)


def _tick_demanded(trace: Trace, step: int) -> bool:
    """Whether, at or after ``step``, the page told the diner to tick/agree first
    (a validation message or dialog such as 请先勾选同意): the box was required."""
    texts = [s.visible_text for s in trace.steps if s.n >= step]
    texts += [d.message for d in trace.dialogs if d.step >= step]
    return any(_TICK_REQUIRED.search(tx.norm(t)) for t in texts if t)


_BACK = re.compile(r"\bback\b", re.I)


def _gate_has_notice(g: Gate) -> str | None:
    texts = [g.text]
    texts += [f"{e.text} {e.attrs.get('href', '')}" for e in g.links]
    texts += [" ".join([c.label, *c.links]) for c in g.checkboxes]
    return tx.has_privacy_notice(*texts)


def _step_has_notice(trace: Trace, n: int | None) -> str | None:
    s = step_of(trace, n)
    if s is None:
        return None
    texts = [s.visible_text]
    texts += [f"{lk.get('text', '')} {lk.get('href', '')}" for lk in s.links]
    return tx.has_privacy_notice(*texts)


def _shown_before(trace: Trace, n: int | None) -> str | None:
    """The notice of the page the diner saw when step ``n`` began: step ``n - 1``'s, when step ``n``
    is still on the same document (a request made at a press or a reload is recorded with the
    step after it, whose page may already have moved on to a view without the notice)."""
    if n is None or n <= 1:
        return None
    s, before = step_of(trace, n), step_of(trace, n - 1)
    if s is None or before is None or s.url.split("#")[0] != before.url.split("#")[0]:
        return None
    return _step_has_notice(trace, n - 1)


def _collected_with_notice(trace: Trace, infos: list[GateInfo], prompt: Gate, kinds: list[str]) -> bool:
    """Whether a later gate of the same stage collects what ``prompt`` asked for in fields and
    shows a privacy notice there (the prompt only asked leave to collect it)."""
    stage = gate_stage(trace, prompt)
    for info in infos:
        g = info.gate
        if g is prompt or g.step < prompt.step or gate_stage(trace, g) != stage or not g.fields:
            continue
        if any(k in info.asks and any(a.field is not None for a in info.asks[k]) for k in kinds) and (
                _gate_has_notice(g) or _step_has_notice(trace, g.step)):
            return True
    return False


_PI_ASKS = ("phone", "membership", "profile_auth", "location", "camera", *tx.EXCESSIVE_KINDS)


@rule(
    "no_privacy_notice",
    group="unlawful_handling",
    severity="medium",
    title="PI asked with no privacy notice in reach",
    title_zh="收集个人信息未提供隐私政策",
    legal_basis=with_newer("no_privacy_notice", [
        "PIPL art. 7", "PIPL art. 17", "CRPL art. 29", "App Identification Method items 1.1-1.2",
        "Shanghai self-check list item 1",
    ]),
)
def no_privacy_notice(trace: Trace) -> Iterator[Finding]:
    """A gate or step that asks for PI (a phone/name/ID/... field, a location or camera
    request, a forced PI gate) where neither the gate's text, links and boxes nor the
    step's links and visible text show a privacy notice or policy.  Reported once per
    stage.  An OAuth authorize redirect alone is not counted: it shows no page of the
    merchant (the platform's consent screen speaks), and a merchant page shown before
    it is judged on its own.

    Legal basis: PIPL arts. 7, 17 (public processing rules; conspicuous prior notice);
    CRPL art. 29 ¶1; 认定方法 items 1.1-1.2; Shanghai self-check list item 1 (no pop-up
    or other conspicuous notice at first use).
    """
    hits: dict[str, dict[str, Any]] = {}

    def add(stage: str, what: str, ev: dict[str, Any]) -> None:
        if stage not in hits:
            hits[stage] = {"what": what, "ev": ev}

    infos = analyse_gates(trace)
    for info in infos:
        g = info.gate
        if g.kind == "oauth":
            continue  # the platform's consent screen, no page of the merchant
        pi = [k for k in info.asks if k in _PI_ASKS
              and any(a.source != "oauth" for a in info.asks[k])
              and (info.forced or any(a.source in ("field", "permission") for a in info.asks[k]))]
        if not pi:
            continue
        if _gate_has_notice(g) or _step_has_notice(trace, g.step):
            continue
        if not g.fields and _collected_with_notice(trace, infos, g, pi):
            continue  # a prompt whose "allow" leads to the form that collects it, with the notice
        add(gate_stage(trace, g), ", ".join(sorted(pi)), evidence(trace, g.step, gate=g, asks=sorted(pi)))
    gate_selectors = {f.element.selector for g in trace.gates for f in g.fields if f.element}
    for s in trace.steps:
        pi = sorted({a.kind for a in field_asks(s.fields)
                     if a.element is None or a.element.selector not in gate_selectors})
        if not pi or _step_has_notice(trace, s.n):
            continue
        add(stage_of(trace, s.n), ", ".join(pi), evidence(trace, s.n, text=", ".join(pi), asks=pi))
    noticed: set[tuple[str, str]] = set()  # (permission, page) asked once with a notice in reach
    for i, p in enumerate(trace.permissions):
        if p.name not in ("geolocation", "camera"):
            continue
        gate = next((g for g in trace.gates if g.permission == i), None)
        if (gate is not None and _gate_has_notice(gate)) or _step_has_notice(trace, p.step) \
                or _shown_before(trace, p.step):
            noticed.add((p.name, p.frame_url))
            continue
        if p.user_initiated or (p.name, p.frame_url) in noticed:
            continue  # (the same page asking again, after the diner saw its notice with the first ask)
        st = gate_stage(trace, gate) if gate else stage_of(trace, p.step)
        add(st, p.name, evidence(trace, p.step, gate=gate, text=p.api, asks=[p.name]))
    for stage in sorted(hits, key=stage_index):
        h = hits[stage]
        yield make(
            "no_privacy_notice", stage,
            f"Personal information ({h['what']}) was asked for with no privacy notice or policy in reach.",
            f"索取个人信息（{h['what']}）时页面未提供隐私政策或个人信息处理规则。",
            h["ev"],
            confidence="medium",
        )
