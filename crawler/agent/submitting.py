"""Pressing the final submit, once, and reading what the page did.

:meth:`Submitting._press_submit` presses the order form's final submit (with the
network held in live mode, or for a control without words) and reads the page's
answer as a :class:`Press`: the order confirmed, the form gone, the order request
formed (and held), a gate, a refusal, or nothing.  :mod:`crawler.agent.checkout`
decides when to press; :mod:`crawler.agent.filling_in` answers a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from core.sites import site_of
from core.trace import Request
from crawler.agent import gates as G
from crawler.agent.scan import PageScan, Ref
from crawler.agent.session import Session
from crawler.agent.words import CONFIRM_RE, PAY_URL_RE


@dataclass
class Press:
    """What one press of the final submit did.  ``kind``: ``confirmed`` (the page says the order
    went in), ``moved`` (the form went away, no gate), ``formed`` (live: the order request was
    formed and held), ``gate`` (a gate popped up: ``view``), ``refused`` (a message or invalid
    fields; ``msg``), ``nothing``."""

    kind: str
    clicked: bool
    scan: PageScan
    msg: str = ""
    view: G.GateView | None = None
    step: int = 0


class Submitting(Session):
    """A room of the order agent (see the module doc); mixed into ``OrderAgent``."""

    async def _press_submit(self, sub_ref: Ref, url_before: str, *, held: bool = False) -> Press:
        """Press the final submit (held in live mode) and read what the page did."""
        before_text = self.scan.text
        dialogs_before = len(self.trace.dialogs)
        requests_before = len(self.trace.requests)
        if held:
            # live mode, or a final control without words in either mode (it could be a payment)
            await self.held_press(sub_ref, "submit", always=True)
        clicked = await self.click(sub_ref, allow_force=False)
        await self.settle()
        await self._after_action()
        press = await self._read_press(sub_ref, url_before, before_text, dialogs_before, requests_before, clicked, held)
        if press.kind == "nothing" and clicked and not sub_ref.d.get("touchOnly") and self.page.url == url_before:
            # nothing at all answered the click: a finger's tap (a control that answers touches only)
            fresh = self.current(sub_ref)
            if await self.tap(fresh):
                await self.settle()
                await self._after_action()
                press = await self._read_press(sub_ref, url_before, before_text, dialogs_before, requests_before,
                                               clicked, held)
        return press

    async def _read_press(self, sub_ref: Ref, url_before: str, before_text: str, dialogs_before: int,
                          requests_before: int, clicked: bool, held: bool) -> Press:
        """What the page did after a press of the final submit (see :class:`Press`)."""
        scan2 = await self.look()
        new_dialogs = [d.message for d in self.trace.dialogs[dialogs_before:]]
        msg = " ".join(new_dialogs) + " " + self._new_text(before_text, scan2.text)
        if CONFIRM_RE.search(scan2.text) and not CONFIRM_RE.search(before_text):
            return Press("confirmed", clicked, scan2, msg)
        view = G.find_gate(scan2, menu_visible=True, order_form=self._order_form)
        if view is not None and view.kind == "overlay":
            return Press("gate", clicked, scan2, msg, view)
        if held and self._order_request_formed(requests_before, url_before):
            return Press("formed", clicked, scan2, msg)
        still = self.best(scan2, "submit", min_score=5) or (self.unnamed_submit(scan2) if not sub_ref.text().strip() else None)
        # (the pressed control still showing, if disabled now, is no way on: the form is still there)
        moved = scan2.url != url_before or (still is None and not any(c.key == sub_ref.key for c in scan2.candidates))
        if moved and view is None and not held:
            # the form went away: an order only if the merchant answered the order request
            return Press("confirmed" if self._order_answered(requests_before, url_before) else "moved",
                         clicked, scan2, msg)
        if still is not None and view is None and self._another_control(still[1], sub_ref) \
                and not self._order_answered(requests_before, url_before):
            # a view of its own with its own final control came up (下单 on the cart bar opened 确认订单):
            # the page went on, nothing was refused
            return Press("moved", clicked, scan2, msg)
        return Press("refused" if msg.strip() else "nothing", clicked, scan2, msg)

    @staticmethod
    def _another_control(now: Ref, pressed: Ref) -> bool:
        """Whether ``now`` (the final control after a press) is not the control ``pressed``: another
        element with other words (a refusal leaves the same control, or one renamed with no submit words)."""
        words = lambda r: " ".join(r.text().split())  # noqa: E731
        return now.key != pressed.key and words(now) != words(pressed)

    def _order_answered(self, since: int, page_url: str) -> bool:
        """Whether the merchant's own site answered 2xx to a non-GET request (the order) made
        since ``since`` (privileged mode: the order went in)."""
        own = site_of(page_url)
        return any(r.method.upper() != "GET" and site_of(r.url) == own and r.status is not None and 200 <= r.status < 300
                   and r.resource_type in ("fetch", "xhr", "document", "") for r in self.trace.requests[since:])

    def _order_request_formed(self, since: int, page_url: str) -> bool:
        """Whether a held request made since ``since`` is an order: a navigation, or a non-GET
        request to the merchant page's own site (a third party's beacon is not an order)."""
        return self._formed_order(since, page_url) is not None

    @staticmethod
    def _unpaid_own_order(r: Request | None, page_url: str) -> bool:
        """Whether the held request ``r`` is an order to the merchant page's own site whose address
        names no payment (pay, cashier, 支付...)."""
        return r is not None and site_of(r.url) == site_of(page_url) \
            and not PAY_URL_RE.search(urlsplit(r.url).path + "?" + urlsplit(r.url).query)

    def _formed_order(self, since: int, page_url: str) -> Request | None:
        """The first held request made since ``since`` that is an order (see
        :meth:`_order_request_formed`), or ``None``."""
        own = site_of(page_url)
        for r in self.trace.requests[since:]:
            if not r.held:
                continue
            if r.is_navigation and r.resource_type == "document":
                return r
            if r.method.upper() != "GET" and site_of(r.url) == own and r.resource_type in ("fetch", "xhr", "document", ""):
                return r
        return None

    @staticmethod
    def _new_text(before: str, after: str) -> str:
        b = set(before.splitlines())
        return " ".join(line for line in after.splitlines() if line not in b)[:500]

    @staticmethod
    def _press_note(press: Press, how: str) -> str:
        """A step note that says only what happened on a held press of the final submit."""
        if press.kind == "formed":
            return f"submit pressed {how}, network held: the order request was formed and held (not sent)"
        if press.kind in ("confirmed", "moved"):
            return f"submit pressed {how}, network held: the page went on (nothing sent)"
        if press.kind == "refused":
            return f"submit pressed {how}, network held: refused by the page" + (f" ({press.msg.strip()[:80]})"
                                                                               if press.msg.strip() else "")
        return f"submit pressed {how}, network held: no request formed and no message"
