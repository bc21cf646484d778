"""Authorising: answering the WeChat / Alipay OAuth redirects the page makes.

A silent scope (``snsapi_base``, ``auth_base``) gets a canary code; a profile
scope (``snsapi_userinfo``, ``auth_user``) is declined first, and granted only
when declining leaves the diner at a wall.
"""

from __future__ import annotations

import re

from core.trace import Try
from crawler.agent import gates as G
from crawler.agent.session import Session
from crawler.agent.words import (
    NEED_AUTH_RE,
)


class Authorising(Session):
    """A room of the order agent (see the module doc); mixed into ``OrderAgent``."""

    # ------------------------------------------------------------------- OAuth
    def _pending_oauth(self):
        try:
            ev = self.visit.oauth_pending()
        except Exception:
            return None
        if isinstance(ev, list):
            return ev[0] if ev else None
        return ev

    async def handle_oauth(self, depth: int = 0) -> None:
        """Answer a pending OAuth redirect: silent scopes get a code; profile scopes are declined first."""
        ev = self._pending_oauth()
        if ev is None or depth > 4:
            return
        scope = (ev.scope or "").lower()
        code = "qra_" + self.trace.visit_id[:12]
        idx = self.trace.oauth.index(ev) if ev in self.trace.oauth else None
        if not re.search(r"userinfo|auth_user", scope):
            await self.visit.oauth_return(ev, code, "silent_code")
            await self.settle()
            await self.handle_oauth(depth + 1)
            return
        gate = G.oauth_gate(self.trace, ev, idx, self.visit.step_no, self.stage)
        self.trace.gates.append(gate)
        await self.visit.oauth_return(ev, None, "declined_passed")
        await self.settle()
        again = self._pending_oauth()
        scan = await self.look()
        wall = (again is not None) or (bool(NEED_AUTH_RE.search(scan.text)) and not self.menu_visible(scan)
                                        and not self.best(scan, "enter_menu", min_score=3))
        step = await self.visit.record("oauth", self.stage, state="gate" if wall else self.classify(scan),
                                       note="declined OAuth profile authorisation (returned without a code)")
        if not step.visible_text:
            step.visible_text = scan.text[:20000]
        gate.screenshot, gate.dom = step.screenshot, step.dom
        if self.left_for_held():
            # live mode: the way back from the decline was held, so what it leads to is not observed
            gate.tries.append(Try("oauth decline", "not_observed", step=step.n,
                                  detail="the return to the page was held"))
            gate.passed_by = "not_passed"
            return
        if not wall:
            gate.tries.append(Try("oauth decline", "passed", step=step.n))
            gate.passed_by = "try"
            return
        gate.tries.append(Try("oauth decline", "still_blocked", step=step.n,
                              detail="redirected to authorize again" if again is not None else "authorisation wall"))
        target = again or ev
        await self.visit.oauth_return(target, code, "declined_then_granted")
        ev.handled = "declined_then_granted"
        await self.settle()
        step = await self.visit.record("oauth", self.stage, state="unknown", note="granted OAuth with a canary code")
        gate.passed_by = "granted"
        await self.handle_oauth(depth + 1)
