"""Pressing: the diner's finger on a control, and what the press did.

:meth:`Pressing.click` presses a control like a finger (a control that listens only
to touch is tapped, :meth:`Pressing.tap`), clearing a banner that covers it first
(its refusal or close control, never an accept); it never presses a payment control
nor, in live mode, a PI act without the network held (:meth:`Session.may_press
<crawler.agent.session.Session.may_press>`).  :meth:`Pressing.act` presses a chosen
candidate, records the step and reads the page's answer: whether anything changed
(:meth:`Pressing.effect`) and what the page said (a toast: :meth:`Pressing.message`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re

from core.reasons import Code, Reason
from crawler.agent import gates as G
from crawler.agent.scan import Ref
from crawler.agent.session import Finished, Session

#: The scanner selectors of the controls inside the fixed layer that covers the element's centre.
COVER_JS = """(el) => {
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  if (!hit || el.contains(hit)) return null;
  let layer = hit;
  while (layer && getComputedStyle(layer).position !== 'fixed' && getComputedStyle(layer).position !== 'sticky') layer = layer.parentElement;
  if (!layer) return null;
  return { text: (layer.innerText || '').slice(0, 2000),
           controls: [...layer.querySelectorAll('[data-qra-id]')].map((e) => '[data-qra-id="' + e.getAttribute('data-qra-id') + '"]') };
}"""

#: The element's box, scrolled into the viewport first when its centre is outside it
#: (shared by :data:`TAP_JS` and :data:`POINT_JS`).
_IN_VIEW_JS = """(el) => {
  const r = el.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  if (cx >= 0 && cy >= 0 && cx < innerWidth && cy < innerHeight) return r;
  el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
  return el.getBoundingClientRect();
}"""

#: A finger's tap on the element itself (see :meth:`Pressing.tap`), scrolled into view first
#: when its centre is outside it; returns whether it was dispatched (false: gone).
TAP_JS = """(sel) => {
  const el = (window.__qrauditDeepQuery || ((s) => document.querySelector(s)))(sel);
  if (!el) return false;
  if (window.__qrauditGesture) window.__qrauditGesture();  // the diner's tap (these events are not trusted)
  const r = (""" + _IN_VIEW_JS + """)(el);
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  let t;
  try { t = new Touch({ identifier: Date.now() % 100000, target: el, clientX: x, clientY: y, screenX: x, screenY: y,
                        pageX: x + scrollX, pageY: y + scrollY, radiusX: 4, radiusY: 4, force: 1 }); } catch (e) { t = null; }
  const opts = (touching) => ({ bubbles: true, cancelable: true, composed: true, view: window,
    touches: touching && t ? [t] : [], targetTouches: touching && t ? [t] : [], changedTouches: t ? [t] : [] });
  el.dispatchEvent(new TouchEvent('touchstart', opts(true)));
  const go = el.dispatchEvent(new TouchEvent('touchend', opts(false)));
  if (go) {
    const m = { bubbles: true, cancelable: true, composed: true, view: window, clientX: x, clientY: y, button: 0 };
    el.dispatchEvent(new MouseEvent('mousedown', m));
    el.dispatchEvent(new MouseEvent('mouseup', m));
    el.dispatchEvent(new MouseEvent('click', m));
  }
  return true;
}"""


#: Where a finger would press the element now: its centre, scrolled into the viewport
#: first when the centre is outside it, in the frame's CSS pixels; null when it is
#: gone, disabled, has no box, or something else would be hit there (a cover, a hidden control).
POINT_JS = """(sel) => {
  const el = (window.__qrauditDeepQuery || ((s) => document.querySelector(s)))(sel);
  if (!el || el.disabled || el.getAttribute('aria-disabled') === 'true') return null;
  const box = el.getBoundingClientRect();
  if (!(box.width > 0 && box.height > 0)) return null;
  const r = (""" + _IN_VIEW_JS + """)(el);
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (!(x >= 0 && y >= 0 && x < innerWidth && y < innerHeight)) return null;
  const root = el.getRootNode();
  const hit = (typeof root.elementFromPoint === 'function' ? root : document).elementFromPoint(x, y);
  return hit && (hit === el || el.contains(hit)) ? [x, y] : null;
}"""


class Pressing(Session):
    """A room of the order agent (see the module doc); mixed into ``OrderAgent``."""

    async def click(self, ref: Ref, *, allow_force: bool = True) -> bool:
        """Click ``ref`` like a finger would; returns False when it could not be clicked
        (or may not be: :meth:`may_press`).  A control that listens only to touch events
        is tapped instead."""
        if not self.may_press(ref):
            return False
        if ref.d.get("touchOnly"):
            return await self.tap(ref)
        loc = ref.locator()
        point = await self._press_point(ref)
        if point is not None:
            with contextlib.suppress(Exception):
                await self.page.mouse.click(*point)
                return True
        try:
            await loc.click(timeout=2500)  # scrolls it into view, waits until it is stable and hit
            return True
        except Exception as exc:
            if "intercepts pointer events" in str(exc) and await self._clear_cover(ref):
                with contextlib.suppress(Exception):
                    await loc.click(timeout=2500)
                    return True
            if not allow_force:
                return False
        try:
            await loc.dispatch_event("click", timeout=1500)
            return True
        except Exception:
            return False

    async def _press_point(self, ref: Ref) -> tuple[float, float] | None:
        """The viewport point ``(x, y)`` (CSS px) where a control of the main frame can be
        pressed at once: its centre, in view, not disabled, and the element itself (or
        one inside it) is what a press there hits (:data:`POINT_JS`).  None otherwise
        (another frame, a closed shadow root, gone, covered): the caller then clicks
        through Playwright's actionability checks, which wait for it.  Settle has waited
        for the page's finite animations, so the point holds."""
        if ref.frame is not self.page.main_frame or ref.d.get("closed"):
            return None
        try:
            point = await asyncio.wait_for(ref.frame.evaluate(POINT_JS, ref.selector), 1.0)
        except Exception:  # noqa: BLE001 - navigating, busy: the checked click decides
            return None
        return (float(point[0]), float(point[1])) if point else None

    async def _clear_cover(self, ref: Ref) -> bool:
        """A layer that is no gate covers the control (a cookie or notice banner): press its
        refusal, close or skip control — never an accept — and say so.  True when one was pressed."""
        try:
            cover = await ref.locator().evaluate(COVER_JS, timeout=1500)
        except Exception:
            return False
        if not cover or set(G.asks_of(cover.get("text", ""))) - {"consent"}:
            return False  # a layer that asks for PI is a gate, not a banner (refusing consent is fine)
        cover = cover.get("controls", [])
        for purpose in ("decline", "close", "skip"):
            for s, c, _why in self.ranked(self.scan, purpose):
                if s < 3 or c.frame is not ref.frame or c.d.get("selector") not in cover or not self.may_press(c):
                    continue
                with contextlib.suppress(Exception):
                    await c.locator().click(timeout=1500)
                    await self.settle()
                    await self.record("click", note=f"dismissed a banner covering '{ref.text()[:20]}': {c.text()[:20]}",
                                      target=c)
                    return True
        return False

    async def tap(self, ref: Ref) -> bool:
        """Tap ``ref`` with a finger's events on the element itself: touchstart, touchend and,
        unless the page took the touch (``preventDefault``), the click a browser then sends.

        Dispatched in the page: Chromium's touch adjustment would move a synthesised touch to
        the nearest element with a click listener, never to a touch-only control (tap
        libraries, better-scroll menus).  Returns False when the element is gone or may not
        be pressed."""
        if not self.may_press(ref):
            return False
        try:
            return bool(await asyncio.wait_for(ref.frame.evaluate(TAP_JS, ref.selector), 2.0))
        except Exception:  # noqa: BLE001 - navigating, busy
            return False

    async def act(self, ref: Ref, purpose: str, ranked, note: str = ""):
        """Press a chosen candidate, settle, record the step and read the page's answer.

        When the press changed nothing (see :meth:`effect`) and the page said nothing, that is
        recorded and the control is tapped instead.  A short message and nothing else (a toast:
        "请先选择必选品", "未达到最低消费") is the page's answer: kept in ``ctx.last_msg`` for the
        walk to act on.  Returns ``(step, changed)``."""
        before = (self.scan.state(), self.scan.cart, len(self.scan.overlays))
        before_text, url_before, flashes = self.scan.text, self.page.url, self.scan.flashes
        self.ctx.clicks[ref.key] = self.ctx.clicks.get(ref.key, 0) + 1
        self.ctx.last_msg = ""
        held_before = self.visit.held
        ok = await self.click(ref, allow_force=not self._blocking_overlay_present())
        await self.settle()
        await self._after_action()
        label = f"{purpose}: {ref.d.get('text', '')[:40]}"
        step = await self.record("click", note=note or label + ("" if ok else " (click failed)"),
                                 target=ref, candidates=self.candidates_for_trace(ranked, ref, purpose))
        changed, msg = self.effect(purpose, before, url_before), self.message(before_text, flashes)
        if changed and msg and purpose != "add" and self._only_message(before_text, url_before, before[2]):
            changed = False
        # (a press whose request the hold kept changed nothing because no answer came: not pressed again)
        if not changed and not msg and not ref.d.get("touchOnly") and self.may_press(ref) and self.page.url == url_before \
                and (held_before or not self.visit.held):
            fresh = self.current(ref)
            tapped = await self.tap(fresh)
            await self.settle()
            await self._after_action()
            step = await self.record("tap", note=f"{label}: the click changed nothing; tapped it" + ("" if tapped else " (tap failed)"),
                                     target=fresh)
            changed, msg = self.effect(purpose, before, url_before), self.message(before_text, flashes)
            if changed and msg and purpose != "add" and self._only_message(before_text, url_before, before[2]):
                changed = False
        if not changed and not msg and self.ctx.prev_msg and self.ctx.prev_msg in " ".join(self.scan.text.split()):
            msg = self.ctx.prev_msg  # the same message is still showing (a toast outlives the press)
        if not changed:
            self.ctx.no_effect.add(ref.key)
            self.ctx.last_msg = msg
            if msg:
                self.ctx.prev_msg = msg
                step.note += f" (the page said: {msg[:80]})"
        return step, changed

    def message(self, before_text: str, before_flashes: set | None = None) -> str:
        """What the page newly says in a few short lines (a toast or a hint), since ``before_text``;
        else what a toast said that came and went since ``before_flashes`` (see ``PageScan.flashes``)."""
        old = {ln.strip() for ln in before_text.splitlines()}
        new = [ln.strip() for ln in self.scan.text.splitlines() if ln.strip() and ln.strip() not in old]
        new = [ln for ln in new if 2 <= len(ln) <= 40 and not re.fullmatch(r"[\d\s¥￥$.,:：+×x-]+", ln)]
        if not new and before_flashes is not None:
            # (a toast already showing before the press and gone since said nothing about the press)
            shown = " ".join(before_text.split())
            new = [x for _i, _t, x in sorted(self.scan.flashes - before_flashes, key=lambda f: f[1]) if x not in shown]
        return " ".join(dict.fromkeys(new))[:200] if 0 < len(new) <= 4 else ""

    def _only_message(self, before_text: str, url_before: str, n_overlays: int) -> bool:
        """Whether a message is all that changed: same URL, no new layer with a control in it
        (a dialog or a sheet is an answer of its own), and no line of before is gone."""
        if self.page.url != url_before:
            return False
        if len(self.scan.overlays) > n_overlays:
            # a new layer with a control or more than one line is an answer (a dialog); a toast is one line
            live = {c.d.get("overlay") for c in self.scan.candidates if c.d.get("overlay", -1) >= 0}
            if (live and max(live) >= n_overlays) or any(
                    len([ln for ln in o.d.get("text", "").splitlines() if ln.strip()]) > 1
                    for o in self.scan.overlays[n_overlays:]):
                return False
        now = {ln.strip() for ln in self.scan.text.splitlines()}
        return all(ln.strip() in now for ln in before_text.splitlines() if ln.strip())

    def effect(self, purpose: str, before: tuple[str, str, int], url_before: str) -> bool:
        """Whether the last press did what ``purpose`` asks: for ``add``, the cart changed (count,
        total, a quantity), a sheet or gate opened, or a dish page did; otherwise anything the
        diner sees changed."""
        sig, cart, n_overlays = before
        if self.page.url != url_before:
            return True
        if purpose == "add":
            return self.scan.cart != cart or len(self.scan.overlays) > n_overlays or (
                self.scan.state() != sig and not self.menu_visible(self.scan))
        return self.scan.state() != sig

    def _blocking_overlay_present(self) -> bool:
        return any(G.asks_of(o.d.get("text", "")) for o in self.scan.overlays)

    async def _after_action(self) -> None:
        """OAuth redirects and dialogs that followed the last action."""
        await self.handle_oauth()
        try:
            self.visit.new_dialogs()
        except Exception:
            pass
        if len(self.trace.dialogs) > 12 or "dialog loop" in self.trace.nuisances:
            raise Finished("error", Reason(Code.DIALOG_LOOP))
