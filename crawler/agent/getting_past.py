"""Getting past a gate without giving anything: close, skip, decline, Escape, a click
outside, waiting, another order mode, back — each try recorded with its outcome.

Only when every try fails does the diner hand something over (:mod:`crawler.agent.handing_over`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time

from core.trace import Gate, Try
from crawler.agent import gates as G
from crawler.agent.scan import Ref, probe_blocking
from crawler.agent.session import Session
from crawler.agent.words import (
    is_pay,
)
from crawler.qr import read_qr_codes_at

#: How long a diner watches a gate that may still change by itself (a countdown on its close
#: control, a splash that removes itself) before calling it forced, in seconds from its first sight.
PATIENCE_S = 8.0

#: A gate that asks the diner to choose (a store, a language) rather than to hand something over.
CHOICE_RE = re.compile(r"选择|選擇|请选|請選|choose|select|pick", re.I)


class GettingPast(Session):
    """A room of the order agent (see the module doc); mixed into ``OrderAgent``."""

    # ------------------------------------------------------------------- gates
    def _gate_for(self, view: G.GateView, step) -> tuple[Gate, bool]:
        g = self.gates_by_sig.get(view.signature)
        if g is not None:
            if step.n not in g.appeared_steps:
                g.appearances += 1
                g.appeared_steps.append(step.n)
                last = g.tries[-1] if g.tries else None
                if last is not None and last.outcome == "passed" and g.passed_by in ("try", "self"):
                    if self._progress() == self._passed_at.get(g.id):
                        # back before the diner got any further: the dismissal led nowhere
                        last.outcome = "returned_on_retry"
                        last.detail = (last.detail + "; " if last.detail else "") + (
                            f"came back at step {step.n} before the order went any further")
                        g.passed_by = "not_passed"
                    else:
                        # the dismissal did not last: it came back later, on the way
                        last.outcome = "gate_returned"
                        last.detail = (last.detail + "; " if last.detail else "") + f"came back at step {step.n}"
            return g, False
        g = G.gate_from_view(self.trace, view, step, self.stage, self._recent_permission(view.asks))
        self._gate_seen[g.id] = time.monotonic()
        self.gates_by_sig[view.signature] = g
        self.trace.gates.append(g)
        return g, True

    async def _read_gate_qr(self, gate: Gate, view: G.GateView) -> None:
        """Decode the QR codes the gate shows (e.g. an official account's follow code)
        from the step's screenshot into ``gate.images[i]["qr_text"]``: a code goes to
        the image whose box holds its centre, or to the only square image."""
        raw = view.images[:len(gate.images)]
        square = [i for i, im in enumerate(raw)
                  if im.get("width", 0) >= 48 and abs(im.get("width", 0) - im.get("height", 0)) <= 0.2 * im.get("width", 1)]
        if not square or not gate.screenshot:
            return

        try:
            codes = await asyncio.to_thread(read_qr_codes_at, self.visit.out_dir / gate.screenshot)
        except Exception:
            return
        if not codes:
            return
        dx = dy = 0.0
        if view.overlay is not None and view.overlay.frame is not self.page.main_frame:
            with contextlib.suppress(Exception):
                bb = await (await view.overlay.frame.frame_element()).bounding_box()
                dx, dy = (bb["x"], bb["y"]) if bb else (0.0, 0.0)
        left = []
        for text, (cx, cy) in codes:
            for i in square:
                b = raw[i].get("box") or {}
                x, y = b.get("x", -1e9) + dx, b.get("y", -1e9) + dy
                if x - 4 <= cx <= x + b.get("width", 0) + 4 and y - 4 <= cy <= y + b.get("height", 0) + 4:
                    gate.images[i]["qr_text"] = text
                    break
            else:
                left.append(text)
        empty = [i for i in square if not gate.images[i].get("qr_text")]
        if len(left) == 1 and len(empty) == 1:
            gate.images[empty[0]]["qr_text"] = left[0]

    def _recent_permission(self, asks: list[str]) -> int | None:
        want = set()
        if "location" in asks:
            want.add("geolocation")
        if "camera" in asks:
            want.add("camera")
        for i in range(len(self.trace.permissions) - 1, -1, -1):
            p = self.trace.permissions[i]
            if p.name in want and not p.user_initiated:
                return i
        return None

    async def _still_there(self, gate: Gate, view: G.GateView, target: Ref | None = None) -> bool:
        """Ask the browser whether the gate still stands in the way."""
        if view.overlay is not None:
            pr = await probe_blocking(view.overlay, target)
            if pr.get("overlayVisible"):
                scan = await self.look()
                v2 = self.gate_now(scan)
                return v2 is not None and v2.signature == view.signature
        scan = await self.look()
        v2 = self.gate_now(scan)
        return v2 is not None and v2.signature == view.signature

    async def handle_gate(self, view: G.GateView, step) -> None:
        """Try every no-PI way past the gate, then canaries; raise Finished('blocked') if all fail."""
        gate, new = self._gate_for(view, step)
        if new and gate.images:
            await self._read_gate_qr(gate, view)
        if view.overlay is not None:
            pr = await probe_blocking(view.overlay)
            gate.blocking = bool(pr.get("covered")) or bool(pr.get("scrollLocked") and view.overlay.d.get("modal"))
            if not gate.blocking and not view.fields and not self.ctx.menu_seen and not self.menu_visible(self.scan):
                gate.blocking = True
        else:
            gate.blocking = True
        left = any(t.method == "back" and t.outcome == "navigated_away" for t in gate.tries)
        if gate.appearances > 4 or any(t.outcome == "returned_on_retry" for t in gate.tries) or (gate.appearances >= 2 and left):
            # nagged past patience, or its dismissal led nowhere (going back left the order path, and the
            # way in leads to it again): hand over what it asks
            await self.give_canaries(gate, view, seen_now=True)
            return
        if await self.try_no_pi(gate, view):
            return
        await self.give_canaries(gate, view)

    async def _try(self, gate: Gate, view: G.GateView, method: str, ref: Ref | None, coro) -> str:
        url_before = self.page.url
        try:
            await coro
        except Exception as exc:
            gate.tries.append(Try(method, "error", control=ref.element() if ref else None, detail=type(exc).__name__))
            return "error"
        vanished = await self._settle_watching(view)
        await self._after_action()
        if self.page.url.split("#")[0] != url_before.split("#")[0] and method == "back":
            outcome = "navigated_away"
        elif await self._still_there(gate, view):
            outcome = "gate_returned" if vanished else "still_blocked"
        else:
            # settling waited for the page's short timers, so a gate that comes
            # back a moment after its dismissal has come back by now
            outcome = "passed"
        st = await self.record("press" if method in ("Escape", "back") else ("wait" if method == "wait" else "click"),
                               note=f"gate {gate.id}: try '{method}' -> {outcome}", target=ref)
        gate.tries.append(Try(method, outcome, control=ref.element() if ref else None, step=st.n))
        if outcome == "passed":
            self._passed_at[gate.id] = self._progress()
        return outcome

    def _progress(self) -> tuple:
        """How far the order has got: where the diner is, what is in the cart, what was submitted."""
        c = self.ctx
        return (c.reached, c.added, c.cart_opened, c.at_checkout, c.submitted, c.top_ups, self.scan.cart)

    async def _settle_watching(self, view: G.GateView) -> bool:
        """Right after a try: settle, watching the gate's overlay; True when it
        vanished at some moment (even if it came back before the page settled)."""
        if view.overlay is None:
            await self.settle()
            return False
        gone = False

        async def watch() -> None:
            nonlocal gone
            if not gone:
                pr = await probe_blocking(view.overlay)
                gone = not pr.get("overlayVisible")

        await self.settle(watch=watch)
        if not gone:
            with contextlib.suppress(Exception):
                await watch()
        return gone

    def _returned(self, gate: Gate) -> None:
        """The gate came back after a try dismissed it: count the appearance."""
        n = (self.last_step.n if self.last_step is not None else self.visit.step_no)
        gate.appearances += 1
        gate.appeared_steps.append(n)

    async def try_no_pi(self, gate: Gate, view: G.GateView) -> bool:
        """The no-PI tries, in order; True when one of them passed the gate."""
        tried: set[str] = set()

        async def done(outcome: str, method: str) -> bool:
            if outcome == "passed":
                gate.passed_by = "self" if method == "wait" else "try"
                return True
            return False

        passed, view, ov = await self._dismiss_tries(gate, view, tried, done)
        if passed:
            return True
        if ov is not None:
            out = await self._try(gate, view, "Escape", None, self.page.keyboard.press("Escape"))
            if await done(out, "Escape"):
                return True
            pt = await self._outside_point(view)
            if pt is not None:
                out = await self._try(gate, view, "click outside", None, self.page.mouse.click(*pt))
                if await done(out, "click outside"):
                    return True
        # A gate may go away by itself, or a countdown may enable its close control: watch it with
        # a diner's patience (PATIENCE_S from its first sight, counting the tries above) while the
        # page can still change by itself; an idle page ends the wait at once.
        watched = time.monotonic() - self._gate_seen.get(gate.id, time.monotonic())
        t0 = time.monotonic()
        out = await self._try(gate, view, "wait", None, self._wait_unless_idle(max(0.1, PATIENCE_S - watched)))
        if await done(out, "wait"):
            return True
        if time.monotonic() - t0 > 2.0 and await self._still_there(gate, view):
            # the page kept changing while the diner waited: its own ways out, once more
            v2 = self.gate_now(self.scan)
            if v2 is not None and v2.signature == view.signature:
                passed, view, _ov = await self._dismiss_tries(gate, v2, set(), done)
                if passed:
                    return True
        if await self._choose_in_gate(gate, view, tried, done):
            return True
        # another order mode (when the page offers one outside the gate)
        for mode in ("dine_in", "pickup"):
            b = self.best(self.scan, "mode_" + mode, min_score=5, outside_overlays=True)
            if b and b[1].key not in tried and self.ctx.mode_chosen != mode:
                tried.add(b[1].key)
                out = await self._try(gate, view, "other order mode", b[1], self.click(b[1], allow_force=False))
                if await done(out, "other order mode"):
                    self.ctx.mode_chosen = mode
                    return True
        # back, unless going back already led the diner round to this gate again (it leaves the order path)
        if view.kind == "page" and not any(t.method == "back" and t.outcome in ("gate_returned", "returned_on_retry")
                                           for t in gate.tries):
            can_back = await self._can_go_back()
            if can_back:
                out = await self._try(gate, view, "back", None, self.page.go_back(timeout=5000))
                if out == "passed":
                    gate.passed_by = "try"
                    return True
                if out == "navigated_away":
                    await self._restore(view)
        return False

    async def _dismiss_tries(self, gate: Gate, view: G.GateView, tried: set[str], done):
        """The gate's own ways out, in order: a close icon or button, a skip/later/guest link, a
        decline; each again (bounded) while it dismisses the gate and the gate comes back.
        Returns ``(passed, view, overlay)`` (the view and overlay as last seen)."""
        scan = self.scan
        ov = view.overlay
        pools = view.buttons
        # 1. close icon/button; 2. skip/later/guest; 3. decline
        for purpose, method_of in (("close", None), ("skip", "skip link"), ("decline", "decline")):
            ranked = self.ranked(scan, purpose, within=ov) if ov is not None else self.ranked(scan, purpose, refs=pools)
            min_s = 2.0 if purpose == "close" else 3.5
            for s, ref, _why in ranked[:2]:
                if s < min_s or ref.key in tried or is_pay(ref.d):
                    continue
                if purpose == "skip" and ov is None and len(ref.d.get("text", "")) > 12:
                    continue
                tried.add(ref.key)
                method = method_of or ("close icon" if not ref.d.get("text", "").strip() or len(ref.d.get("text", "")) <= 1 else "close button")
                out = await self._try(gate, view, method, ref, self.click(ref, allow_force=False))
                by_tap = False
                if out == "still_blocked" and not ref.d.get("touchOnly") and self.may_press(ref):
                    # the click did not dismiss it: a finger's tap (a control that answers touches only)
                    fresh = self.current(ref)
                    out = await self._try(gate, view, method + " (tap)", fresh, self.tap(fresh))
                    by_tap = True
                while out == "gate_returned" and gate.appearances < 4:
                    # it went and came back: the same no-PI way again (bounded)
                    self._returned(gate)
                    v2 = self.gate_now(self.scan)
                    if v2 is None or v2.signature != view.signature or v2.overlay is None:
                        break
                    again = [r for r in self.ranked(self.scan, purpose, within=v2.overlay) if r[0] >= min_s and not is_pay(r[1].d)]
                    if not again:
                        break
                    view, ov, ref = v2, v2.overlay, again[0][1]
                    out = await self._try(gate, view, method + (" (tap)" if by_tap else ""), ref,
                                          self.tap(ref) if by_tap else self.click(ref, allow_force=False))
                if out == "gate_returned":
                    self._returned(gate)
                if await done(out, method):
                    return True, view, ov
                if out == "navigated_away":
                    await self._restore(view)
                scan = self.scan
                if ov is not None:
                    ov = self._refind_overlay(view) or ov
        return False, view, ov

    async def _choose_in_gate(self, gate: Gate, view: G.GateView, tried: set[str], done) -> bool:
        """A gate that offers a choice instead of the PI it asked for (a store list after a refused
        location, a language): choose the first option — no PI given.  True when that passed it."""
        if view.overlay is None or view.fields or not CHOICE_RE.search(view.text):
            return False
        idx = self._ov_index(view.overlay)
        pool = [c for c in self.scan.candidates if c.frame is view.overlay.frame and c.d.get("overlay") == idx
                and not G.pi_act(c.text()) and c.key not in tried]
        for _g, opts in self._option_groups(pool).items():
            if len(opts) < 2:
                continue
            first = opts[0]
            tried.add(first.key)
            out = await self._try(gate, view, "choose an option", first, self.click(first, allow_force=False))
            return await done(out, "choose an option")
        return False

    async def _wait_unless_idle(self, seconds: float) -> None:
        """Wait up to ``seconds`` for a gate to go by itself; stop early when nothing
        (no timer, interval, request or animation) can change the page any more."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                if await self.visit.idle():
                    return
            except Exception:
                pass
            await asyncio.sleep(min(0.1, max(0.0, end - time.monotonic())))

    async def _can_go_back(self) -> bool:
        try:
            return bool(await self.page.evaluate("history.length > 1"))
        except Exception:
            return False

    async def _restore(self, view: G.GateView) -> None:
        """After a 'back' left the gate's page: come forward again."""
        try:
            await self.page.go_forward(timeout=5000)
        except Exception:
            pass
        await self.settle()
        await self.look()

    def _refind_overlay(self, view: G.GateView) -> Ref | None:
        for ov in self.scan.overlays:
            if ov.selector == view.overlay.selector:
                return ov
        return None

    async def _outside_point(self, view: G.GateView) -> tuple[float, float] | None:
        """A viewport point (CSS px) where a click lands outside the gate's dialog panel.

        Points near the viewport edges are asked of the browser: a point qualifies when
        ``elementFromPoint`` is outside the overlay, or is the overlay's own backdrop (the
        overlay element itself, or a text-less, non-control layer of it) — not the panel.
        ``None`` when no such point exists (e.g. a full-screen page-like panel).
        """
        ov = view.overlay
        if ov is None or ov.frame is not self.page.main_frame:
            return None
        vp = self.scan.viewport
        vw, vh = vp.get("width", 390), vp.get("height", 844)
        points = [(vw / 2, 12), (12, 12), (vw - 12, 12), (vw / 2, vh - 12), (12, vh / 2), (vw - 12, vh / 2)]
        js = """([pts, sel]) => {
          const ov = document.querySelector(sel);
          for (const [x, y] of pts) {
            const e = document.elementFromPoint(x, y);
            if (!e) continue;
            if (!ov || !ov.contains(e) || e === ov) return [x, y];
            const text = (e.innerText || e.textContent || '').trim();
            if (!text && !e.closest('button,a,input,select,textarea,label,[role=button],[onclick]')) return [x, y];
          }
          return null;
        }"""
        try:
            pt = await asyncio.wait_for(self.page.evaluate(js, [points, ov.selector]), 3)
        except Exception:
            return None
        return (pt[0], pt[1]) if pt else None
