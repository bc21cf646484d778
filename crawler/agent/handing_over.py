"""Handing over: canary values typed into a gate's fields, its confirm pressed (with the
network held in live mode), permissions granted — only after every no-PI try failed."""

from __future__ import annotations

import asyncio
import re

from core.reasons import Code, Reason
from core.trace import FormField, Gate, Try, TypedValue
from crawler.agent import gates as G
from crawler.agent.scan import Ref
from crawler.agent.session import Finished, Session
from crawler.agent.words import (
    is_pay,
)


class HandingOver(Session):
    """A room of the order agent (see the module doc); mixed into ``OrderAgent``."""

    async def type_into(self, f: Ref, kind: str, gate: Gate | None, ff: FormField | None = None) -> str | None:
        value = self.canary.get(kind)
        if kind == "remark" or value is None:
            return None
        try:
            # (a hard cap over Playwright's own timeouts: a frame caught between two history entries can
            # leave an action waiting past them)
            value = await asyncio.wait_for(self._type_value(f, value), 8)
        except Exception:
            return None
        if value is None:
            return None
        tv = TypedValue(step=self.visit.step_no + 1, kind=kind, value=value, selector=f.selector, frame_url=f.frame_url)
        self.trace.typed.append(tv)
        if gate is not None:
            gate.canary_filled.append(tv)
        if ff is not None:
            ff.value_typed = value
        return value

    @staticmethod
    async def _type_value(f: Ref, value: str) -> str | None:
        """Put ``value`` in the field ``f`` as a diner would (a choice for a select); the value put, or
        ``None`` when the field took nothing."""
        d = f.d
        try:
            loc = f.locator()
            if d.get("tag") == "select":
                opts = d.get("options") or []
                pick = next((o for o in opts[1:] if o), opts[0] if opts else None)
                if pick is None:
                    return None
                await loc.select_option(label=pick, timeout=2000)
                value = pick
            elif d.get("type") == "date":
                await loc.fill(value, timeout=2000)
            else:
                await loc.fill("", timeout=2000)
                await loc.type(value, delay=5, timeout=4000)  # one key event per character
        except Exception:
            try:
                await f.locator().fill(value, timeout=2000)
            except Exception:
                return None
        return value

    async def give_canaries(self, gate: Gate, view: G.GateView, *, seen_now: bool = False) -> None:
        """Every no-PI try failed: give canary values (or grant) so the path can go on; else blocked.

        ``seen_now``: the gate was just seen standing (do not ask the page again first).  A gate
        handed canaries twice that still comes back does not let the diner through: blocked."""
        self.ctx.handed[gate.id] = self.ctx.handed.get(gate.id, 0) + 1
        # live mode: what lies behind a held act is not observed; its gate back again means no way on
        limit = 1 if self.visit.held else 2
        if self.ctx.handed[gate.id] > limit or sum(self.ctx.handed.values()) > 8:
            gate.passed_by = gate.passed_by if gate.passed_by != "try" else "not_passed"
            given = "after canary values were given" if gate.canary_filled else "and no way past it without what it asks"
            await self.record("stop", note=f"gate {gate.id}: still in the way {given}")
            raise Finished("blocked", Reason(Code.GATE_NOT_PASSED, {"asks": list(gate.asks_hint)}))
        # permission walls: grant and retry
        if gate.kind == "permission" or (not view.fields and ("location" in view.asks or "camera" in view.asks)):
            await self._grant_and_retry(gate, view)
            return
        if not seen_now and not await self._still_there(gate, view):
            return  # it went away meanwhile (or a try navigated): the main loop goes on
        await self._fill_gate(gate, view)
        scored = await self._gate_confirms(view)
        if not scored:
            gate.passed_by = "not_passed"
            await self.record("stop", note=f"gate {gate.id}: no way past it (no control to submit canaries)")
            raise Finished("blocked", Reason(Code.GATE_NO_WAY, {"asks": list(gate.asks_hint)}))
        ref = scored[0][1]
        ranked = [(s, c, ["gate submit"]) for s, c in scored]
        held = await self.held_press(ref, G.gate_press_act(ref.text(), gate.asks_hint))
        n_oauth = len(self.trace.oauth)
        await self.click(ref, allow_force=False)
        await self.settle()
        await self._after_action()
        self._link_oauth(gate, n_oauth)
        given = "canary values given, " if gate.canary_filled else ""
        await self.record("click", note=f"gate {gate.id}: {given}pressed '{ref.text()[:20]}'"
                          + (" with the network held (nothing sent)" if held else ""),
                          target=ref, candidates=self.candidates_for_trace(ranked, ref, "other"))
        if held and self.left_for_held():
            # the press took the diner to another page, whose load the hold stopped:
            # what lies behind the gate is not observed, and the gate was not passed
            gate.passed_by = "not_passed"
            await self.record("stop", note=f"gate {gate.id}: pressing '{ref.text()[:20]}' leaves the page, "
                              "whose load was held: what lies behind is not observed")
            raise Finished("blocked", Reason(Code.GATE_NOT_PASSED, {"asks": list(gate.asks_hint)}))
        if await self._unfolded(gate, view):
            return
        if await self._still_there(gate, view):
            # one more chance: another submit-like control
            for _s, c in scored[1:3]:
                await self.click(c, allow_force=False)
                await self.settle()
                if not await self._still_there(gate, view):
                    break
            else:
                gate.passed_by = "not_passed"
                raise Finished("blocked", Reason(Code.GATE_NOT_PASSED, {"asks": list(gate.asks_hint)}))
        if gate.oauth is not None and any(t.method == "oauth decline" and t.outcome == "passed" for t in gate.tries):
            gate.passed_by = "try"  # pressed, then declined the authorisation: no PI given
            return
        gate.passed_by = "canary"  # Gate.tries keeps only no-PI tries; the control pressed is the step's target

    async def _unfolded(self, gate: Gate, view: G.GateView) -> bool:
        """The press left the same gate standing, now with personal fields it did not show before
        (a login layer whose first control opens its phone form): the gate asks for them.  They join
        the gate's fields and asks, and the gate is handed canaries once more (once per gate).
        True when that was done."""
        if gate.id in self.ctx.unfolded:
            return False
        v2 = self.gate_now(await self.look())
        if v2 is None or v2.signature != view.signature:
            return False
        known = {ff.element.selector for ff in gate.fields} | {f.selector for f in view.fields}
        new = [f for f in v2.fields if f.selector not in known and G.field_kind(f.d) in G.PI_FIELD_KINDS]
        if not new:
            return False
        self.ctx.unfolded.add(gate.id)
        gate.fields.extend(self.form_field(f) for f in new)
        gate.asks_hint = sorted(set(gate.asks_hint) - {"unknown"} | set(v2.asks) - {"unknown"})
        await self.record("wait", note=f"gate {gate.id}: the press showed the fields it asks for "
                                       f"({', '.join(sorted({G.field_kind(f.d) for f in new}))})")
        self.ctx.handed[gate.id] -= 1  # the first press only showed the form
        await self.give_canaries(gate, v2, seen_now=True)
        return True

    async def _fill_gate(self, gate: Gate, view: G.GateView) -> None:
        """Canaries into the gate's fields (phone and name; other personal fields when the gate
        asks for them), the SMS code after pressing send-code (held in live mode), its boxes ticked."""
        scan = self.scan
        pool_fields = view.fields if view.fields else []
        if view.overlay is not None:
            pool_fields = [f for f in scan.fields if f.frame is view.overlay.frame and f.d.get("overlay") == self._ov_index(view.overlay)] or pool_fields
        kinds = {f.key: G.field_kind(f.d) for f in pool_fields}
        needs_code = any(k == "sms_code" for k in kinds.values())
        ffs = {ff.element.selector: ff for ff in gate.fields}
        for f in pool_fields:
            k = kinds[f.key]
            if k in ("sms_code", "other", "table", "people", "coupon", "remark"):
                continue
            if k in ("email", "id_number", "birthday", "address", "gender") and not (f.d.get("required") or "fields" in view.asks and len(pool_fields) <= 3):
                if not f.d.get("required"):
                    continue
            await self.type_into(f, k, gate, ffs.get(f.selector))
        if needs_code:
            send = [c for c in view.buttons if G.SEND_CODE_RE.search(c.text()) and len(c.text()) <= 12]
            if view.overlay is not None:
                send = [c for c in self.scan.candidates if c.frame is view.overlay.frame and G.SEND_CODE_RE.search(c.text()) and len(c.text()) <= 12] or send
            if send:
                await self.held_press(send[0], "send_code")
                await self.click(send[0], allow_force=False)
                await self.settle()
            for f in pool_fields:
                if kinds[f.key] == "sms_code":
                    await self.type_into(f, "sms_code", gate, ffs.get(f.selector))
        # tick consent boxes in the gate (recorded initial state first)
        for cb in (view.checkboxes if view.overlay is None else [c for c in self.scan.checkboxes if c.frame is view.overlay.frame and c.d.get("overlay") == self._ov_index(view.overlay)]):
            if not cb.d.get("checked"):
                await self._tick(cb)

    async def _gate_confirms(self, view: G.GateView) -> list[tuple[float, Ref]]:
        """The gate's confirm-like controls (登录, 确定, 同意, 我已关注...), best first; never a
        refusal, a policy link, send-code or a payment control."""
        await self.settle()
        scan = await self.look()
        pool = [c for c in scan.candidates if view.overlay is None or (c.frame is view.overlay.frame and c.d.get("overlay") == self._ov_index(view.overlay))]
        if view.overlay is not None and not pool:
            pool = scan.candidates
        scored = []
        for c in pool:
            t = c.text()
            if not t or is_pay(c.d) or G.SEND_CODE_RE.search(t) or len(t) > (20 if re.search(r"[\u3400-\u9fff]", t) else 40):
                continue
            if re.search(r"暂不|暫不|跳过|跳過|取消|关闭|關閉|拒绝|拒絕|不同意|以后|以後|稍后|稍後|later|skip|cancel|close|《|隐私|隱私|协议|協議|policy", t, re.I):
                continue
            m = G.GATE_SUBMIT_WORDS.search(t)
            if m:
                # a text with no sign of a control (no tag, role or listener of one) scores below one
                s = (3 if c.d.get("why") == "text" else 5) + (1 if c.d.get("saturated") else 0) \
                    + (c.d.get("box", {}).get("width", 0) / 400)
                scored.append((s, c))
        # a gate whose controls have no words: its primary control (filled, or its form's
        # submit) is the confirmation; never its secondary one (the way out)
        scored += [(4.0 + (c.d.get("box", {}).get("width", 0) / 400), c) for c in pool
                   if not c.text().strip() and (c.d.get("primary") or c.d.get("formSubmit"))
                   and not c.d.get("secondary") and not is_pay(c.d)]
        scored.sort(key=lambda x: -x[0])
        return scored

    async def held_press(self, ref: Ref, act: str | None, *, always: bool = False) -> bool:
        """Before pressing ``ref`` for ``act`` (a PI act or ``submit``): in live mode (or
        ``always``) hold the network for the rest of the visit (nothing the press triggers
        leaves the browser); True when the press is held.  No-op for ``None``, and in
        privileged mode unless ``always``; there, ``always`` holds as a probe that
        :meth:`crawler.browser.Visit.release_network` may end."""
        if act is None or not (self.live() or always):
            return False
        await self.visit.hold_network(act, ref.element(), probe=not self.live())
        return True

    def _link_oauth(self, gate: Gate, n_before: int) -> None:
        """A press on ``gate`` that sent the diner to a profile OAuth (an event after the first
        ``n_before``): the gate asked for that authorisation, and how the OAuth gate was passed
        (its decline worked, or it had to be granted) is how this gate was passed."""
        for i in range(n_before, len(self.trace.oauth)):
            ev = self.trace.oauth[i]
            if not re.search(r"userinfo|auth_user", (ev.scope or "").lower()) or gate.kind == "oauth":
                continue
            gate.oauth = i
            og = next((g for g in self.trace.gates if g.kind == "oauth" and g.oauth == i and g is not gate), None)
            if og is not None and og.passed_by == "try":
                gate.tries.append(Try("oauth decline", "passed", step=og.tries[-1].step if og.tries else None))
            return

    def left_for_held(self) -> bool:
        """Whether, since the network was held, the page set off for another document whose
        load the hold stopped (a held navigation, or the browser's error page shown)."""
        if not self.visit.held:
            return False
        since = self.visit.network_hold.since or 0
        if (self.page.url or "").startswith("chrome-error:"):
            return True
        return any(r.held and r.is_navigation and not r.popup and r.step >= since for r in self.trace.requests)

    async def _grant_and_retry(self, gate: Gate, view: G.GateView) -> None:
        """A permission wall (location, camera): grant with canary answers, then press its retry
        control (else reload).  Once per gate: a wall that is still there — or back after the
        grant — ends the visit blocked."""
        if gate.passed_by == "granted" or any(s.action == "grant" and f"gate {gate.id}:" in s.note
                                               for s in self.trace.steps):
            gate.passed_by = "not_passed"
            raise Finished("blocked", Reason(Code.PERMISSION_NOT_PASSED, {"asks": list(gate.asks_hint)}))
        self.visit.set_permission_mode("grant")
        retry = None
        for c in self.scan.candidates:
            if re.search(r"重新|重试|重試|开启|開啟|允许|允許|授权|授權|定位|开始|開始|刷脸|刷臉|retry|allow|enable|try again|start", c.text(), re.I) and len(c.text()) <= 16 and not is_pay(c.d):
                retry = c
                break
        if retry is not None:
            await self.click(retry, allow_force=False)
        else:
            try:
                await self.page.reload(timeout=10000)
            except Exception:
                pass
        await self.settle()
        await self._after_action()
        await self.record("grant", note=f"gate {gate.id}: permission granted, " + ("pressed retry" if retry else "reloaded"))
        if await self._still_there(gate, view):
            if retry is not None:
                try:
                    await self.page.reload(timeout=10000)
                except Exception:
                    pass
                await self.settle()
            if await self._still_there(gate, view):
                gate.passed_by = "not_passed"
                raise Finished("blocked", Reason(Code.PERMISSION_NOT_PASSED, {"asks": list(gate.asks_hint)}))
        gate.passed_by = "granted"  # recorded as a "grant" step, not as a no-PI try
