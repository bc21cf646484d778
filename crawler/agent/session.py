"""The agent's session: what every room of the order agent shares.

:class:`Session` holds one visit's page, its :class:`~crawler.browser.Visit`,
the trace, the settings and the diner's progress (:class:`Ctx`), and the moves
every room makes: settle, look (scan every frame), classify what the diner sees,
rank controls for a purpose, say what may be pressed (:meth:`Session.may_press`: never
a payment control nor, in live mode, a PI act without the network held) and record the
step.  The rooms are mixins over it, each named after what the diner does there
(``pressing``: a finger on a control, ``authorising``, ``getting_past``,
``handing_over``, ``options``, ``requirements``, ``checkout`` with ``filling_in`` and
``submitting``); :mod:`crawler.agent.walk` walks them.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from core.reasons import Doing, Reason
from core.trace import REACHED, Candidate, Checkbox, Element, FormField, Gate
from crawler.agent import gates as G
from crawler.agent.scan import PageScan, Ref, scan_page
from crawler.agent.words import (
    CONFIRM_RE,
    PAY_RE,
    PRICE_RE,
    is_pay,
    score,
    words_regex,
)
from crawler.config import is_sandbox_host

WORDS_RX = words_regex()


@dataclass
class Ctx:
    """Progress along the order path."""

    menu_seen: bool = False
    item_chosen: bool = False  # an add / option control was pressed: the "menu" stage has begun
    added: bool = False
    cart_opened: bool = False
    at_checkout: bool = False
    submitted: bool = False
    reached: str = "none"
    mode_chosen: str | None = None
    tried_keys: set[str] = field(default_factory=set)
    clicks: dict[str, int] = field(default_factory=dict)
    no_effect: set[str] = field(default_factory=set)  # controls whose press (and tap) changed nothing
    last_msg: str = ""  # what the page said when the last press changed nothing else (a toast)
    prev_msg: str = ""  # the last such message (it may still show after the next press)
    top_ups: int = 0  # extra adds made for a minimum order
    added_items: set[str] = field(default_factory=set)  # the rows (dish texts) already added
    handed: dict[str, int] = field(default_factory=dict)  # gate id -> times canaries were given
    unfolded: set[str] = field(default_factory=set)  # gates whose press showed the fields they ask for
    items_opened: int = 0  # dishes opened to reach their add control
    categories_opened: int = 0  # members of a strip (category tabs, a carousel) tapped to show dishes
    refusal: str = ""  # what the page said the last time it refused the final submit (请填写桌号)
    unnamed_checkouts: int = 0  # checkout controls pressed without their words (by look and place)
    cart_before_add: str | None = None  # the cart as shown before the last add was pressed
    went_back: bool = False  # went back from a dish's page to the menu
    spec_tries: int = 0  # confirms of the open options sheet that left it open
    self_waits: int = 0  # seconds waited for a page that moves on by itself
    views_on: int = 0  # presses taken for the final submit that opened another view with its own
    stuck: int = 0
    doing: Doing = Doing.OPENING
    doing_extra: dict[str, Any] = field(default_factory=dict)


#: How far along the order path a level is (``core.trace.REACHED`` in order).
RANK = {r: i for i, r in enumerate(REACHED)}


class Finished(Exception):
    """Raised inside the agent to end the visit with an ``outcome`` (``completed``,
    ``blocked``, ``error``, ``unsupported``) and a :class:`~core.reasons.Reason`."""

    def __init__(self, outcome: str, reason: Reason | None = None) -> None:
        super().__init__(reason.text() if reason else outcome)
        self.outcome = outcome
        self.reason = reason


#: What an order form may ask for (a layer or page asking more — to join, follow, authorise — is a gate).
ORDER_FORM_ASKS = frozenset({"phone", "fields", "consent", "sms_code"})


def may_submit(host: str, config: Any) -> bool:
    """Whether PI acts and the final submit may be pressed for real on ``host`` (privileged mode:
    a declared sandbox host, or ``allow_submit``); else they are pressed only with the network held."""
    return bool(getattr(config, "allow_submit", False)) or is_sandbox_host(host, config)


def submit_decision(host: str, config: Any, control_text: str) -> str:
    """Decide what to do with a final control: ``"never"`` (a pay control), ``"press"``, or ``"stop"``.

    Pay controls (支付/付款/pay) are never pressed anywhere; a submit control is
    pressed only on sandbox hosts or with ``allow_submit``; a control without words
    (an icon) is pressed only with the network held in either mode — nothing says it is
    not a payment.
    """
    if PAY_RE.search(control_text or ""):
        return "never"
    if not (control_text or "").strip():
        return "stop"
    return "press" if may_submit(host, config) else "stop"


class Session:
    """One visit's shared state and basic moves (see the module doc).  ``visit`` is a
    ``crawler.browser.Visit``; ``canary`` the visit's canary values; ``config`` a
    :class:`crawler.config.AuditConfig`."""

    def __init__(self, page, visit, trace, config, canary: dict[str, str]) -> None:
        self.page = page
        self.visit = visit
        self.trace = trace
        self.config = config
        self.canary = canary
        self.ctx = Ctx()
        self.gates_by_sig: dict[str, Gate] = {}
        self.scan: PageScan = PageScan()
        self.last_step = None
        self.cb_seen: set[str] = set()
        self.typed_gate: Gate | None = None
        self.sandbox = trace.sandbox
        self._t0 = time.monotonic()
        self._gate_seen: dict[str, float] = {}
        self._passed_at: dict[str, tuple] = {}  # gate id -> the order's progress when a no-PI try passed it  # gate id -> when the agent first saw it (monotonic s)

    # ------------------------------------------------------------------ basics
    @property
    def stage(self) -> str:
        c = self.ctx
        if c.submitted:
            return "post_order"
        if c.at_checkout:
            return "checkout"
        if c.cart_opened:
            return "cart"
        if c.item_chosen or c.added:  # findings.md: menu = on choosing or adding an item
            return "menu"
        return "entry"  # before the diner touched the menu, even if it is already showing

    def reach(self, level: str) -> None:
        if RANK[level] > RANK[self.ctx.reached]:
            self.ctx.reached = level

    def doing(self, what: Doing, **extra: Any) -> None:
        """Note what the diner is doing now (the parameter of a dead-end or timeout reason)."""
        self.ctx.doing = what
        self.ctx.doing_extra = extra

    def doing_params(self) -> dict[str, Any]:
        """``{"doing": code, ...}``: what the diner was doing, for a reason's parameters."""
        return {"doing": str(self.ctx.doing), **self.ctx.doing_extra}

    def host(self) -> str:
        """The host of the page now (else of the visit's URL)."""
        return urlsplit(self.page.url).hostname or urlsplit(self.trace.url).hostname or ""

    async def settle(self, watch=None) -> None:
        """Wait (≤ 2.5 s) until the page has answered the last action (see :meth:`Visit.settle`)."""
        try:
            await asyncio.wait_for(self.visit.settle(watch=watch), 6)
        except Exception:
            pass

    async def look(self) -> PageScan:
        """Scan the page now (all frames), keep checkboxes, return the scan."""
        try:
            self.scan = await scan_page(self.page, WORDS_RX)
        except Exception:
            self.scan = PageScan(url=self.page.url)
        return self.scan

    def classify(self, scan: PageScan) -> str:
        """The page state the diner sees: landing, menu, item_options, cart, checkout, confirmation, gate, dead_end."""
        if self.gate_now(scan):
            return "gate"
        text = scan.text
        if self.ctx.submitted and CONFIRM_RE.search(text):
            return "confirmation"
        if self.best(scan, "submit", min_score=5):
            return "checkout"
        ov = self.plain_overlay(scan)
        if ov is not None and self.best(scan, "spec_confirm", within=ov, min_score=4):
            return "cart" if re.search(r"购物车|購物車|cart|清空", ov.d.get("text", ""), re.I) else "item_options"
        if self.menu_visible(scan):
            return "menu"
        if self.best(scan, "enter_menu", min_score=3):
            return "landing"
        if not text.strip():
            return "dead_end"
        return "unknown"

    def gate_now(self, scan: PageScan) -> G.GateView | None:
        """The PI gate in ``scan`` (page gates only when neither a menu nor a checkout form is showing)."""
        shield = self.menu_visible(scan)
        if not shield and (self.ctx.added or self.ctx.cart_opened):
            shield = self.best(scan, "submit", min_score=5, outside_overlays=True) is not None \
                or (self.unnamed_submit(scan) is not None and not set(G.asks_of(self._beside_boxes(scan))) - ORDER_FORM_ASKS)
        if not shield and self.ctx.submitted and CONFIRM_RE.search(scan.text):
            shield = True
        return G.find_gate(scan, menu_visible=bool(shield), order_form=self._order_form)

    @staticmethod
    def _beside_boxes(scan: PageScan) -> str:
        """The page's text outside its checkboxes' labels (a bundled consent box is judged as such)."""
        text = re.sub(r"\s+", " ", scan.text)
        for cb in scan.checkboxes:
            label = re.sub(r"\s+", " ", cb.d.get("label", "")).strip()
            if label:
                text = text.replace(label, " ")
        return text

    def _order_form(self, controls: list[Ref], text: str = "") -> bool:
        """With a dish in the cart, a layer holding the final submit (提交订单) and asking at most
        for contact fields is the order form; one that asks to join, follow or authorise is a gate."""
        if not (self.ctx.added or self.ctx.cart_opened):
            return False
        if set(G.asks_of(text)) - ORDER_FORM_ASKS:
            return False
        return any(score(c.d, "submit", self.scan.viewport)[0] >= 5 and c.d.get("enabled", True)
                   and G.pi_act(c.text()) is None for c in controls)

    def unnamed_submit(self, scan: PageScan) -> tuple[float, Ref, list[str]] | None:
        """Past the checkout control, on a page whose controls have no words: its primary control
        (filled, its form's submit button or the bottom bar's control; the checkout's own control again in
        a one-page app) is the final submit, as ``(5.0, ref,
        reasons)``; ``None`` before the checkout or when a named submit or no such control is there."""
        if not (self.ctx.added and self.ctx.at_checkout) or self.menu_visible(scan):
            return None
        if not [f for f in scan.fields if f.d.get("overlay", -1) < 0] \
                and not any(c.d.get("formSubmit") for c in scan.candidates if c.d.get("overlay", -1) < 0):
            return None  # no order form here (no field, no form): a cart page's way on is a checkout
        mains = [c for c in scan.candidates if c.d.get("overlay", -1) < 0 and not c.text().strip()
                 and (c.d.get("primary") or c.d.get("formSubmit") or c.d.get("bottomBar")) and not c.d.get("row")
                 and c.d.get("enabled", True) and c.key not in self.ctx.no_effect and not is_pay(c.d)]
        if not mains:
            return None
        ref = max(mains, key=lambda c: c.d.get("box", {}).get("width", 0) * c.d.get("box", {}).get("height", 0))
        return 5.0, ref, ["no words: the page's primary control after the checkout"]

    def current(self, ref: Ref) -> Ref:
        """``ref`` as the last look saw it (its fresh scan entry, by key), else ``ref`` itself."""
        return next((c for c in self.scan.candidates if c.key == ref.key), ref)

    def menu_visible(self, scan: PageScan) -> bool:
        """Orderable items are showing: repeated rows that each carry a price and a control
        (recognised by structure, whatever the words), or an add control beside a price."""
        if scan.menu_rows >= 2:
            return True
        adds = [c for c in scan.candidates if c.d.get("overlay", -1) < 0 and score(c.d, "add", scan.viewport)[0] >= 4
                and (c.d.get("rowAdd") or c.text().strip())]  # a form's icon-only confirm is no menu
        return len(adds) >= 1 and len(PRICE_RE.findall(scan.text)) >= 1

    def ranked(self, scan: PageScan, purpose: str, within: Ref | None = None, outside_overlays: bool = False,
               refs: list[Ref] | None = None) -> list[tuple[float, Ref, list[str]]]:
        out = []
        ob = within.d.get("box") if within is not None else None
        for c in refs if refs is not None else scan.candidates:
            if within is not None and not (c.frame is within.frame and self._ov_index(within) == c.d.get("overlay")):
                continue
            if outside_overlays and c.d.get("overlay", -1) >= 0:
                continue
            s, why = score(c.d, purpose, scan.viewport, ob)
            if s > 0:
                out.append((s, c, why))
        out.sort(key=lambda x: (-x[0], x[1].d.get("box", {}).get("y", 0)))
        return out

    def best(self, scan: PageScan, purpose: str, min_score: float = 3.0, **kw) -> tuple[float, Ref, list[str]] | None:
        for s, c, why in self.ranked(scan, purpose, **kw):
            if s >= min_score and c.d.get("enabled", True) and not is_pay(c.d):
                return s, c, why
            break
        return None

    def _ov_index(self, ov: Ref) -> int:
        for fs in self.scan.frames:
            if fs.frame is ov.frame:
                for i, o in enumerate(fs.data.get("overlays", [])):
                    if o.get("selector") == ov.selector:
                        return i
        return -2

    def plain_overlay(self, scan: PageScan) -> Ref | None:
        """The topmost overlay that is not a PI gate (spec picker, cart sheet, notice)."""
        ovs = scan.overlays
        for ov in reversed(ovs):
            if not G.asks_of(ov.d.get("text", "")):
                return ov
        return None

    def candidates_for_trace(self, ranked, chosen: Ref | None, purpose: str, limit: int = 15) -> list[Candidate]:
        out = []
        for s, c, why in ranked[:limit]:
            out.append(Candidate(purpose=purpose, score=s, element=c.element(), reasons=why,
                                 chosen=chosen is not None and c.key == chosen.key))
        return out

    async def record(self, action: str, note: str = "", target: Ref | Element | None = None,
                     candidates: list[Candidate] | None = None, fields: list[FormField] | None = None):
        """Scan, classify and record one step (the state after ``action``); returns the Step."""
        scan = await self.look()
        state = self.classify(scan)
        el = target.element() if isinstance(target, Ref) else target
        step = await self.visit.record(action, self.stage, state=state, target=el, note=note,
                                       candidates=candidates or [], fields=fields or [])
        if not step.visible_text:
            step.visible_text = scan.text[:20000]
        if not step.links:
            step.links = [{"text": x.get("text", ""), "href": x.get("href", "")} for x in scan.links[:100]]
        if not step.frames:
            step.frames = scan.frames_urls()
        self.last_step = step
        self._keep_checkboxes(scan, step.n)
        self._note_modes(scan)
        return step

    def _keep_checkboxes(self, scan: PageScan, n: int) -> None:
        for cb in scan.checkboxes:
            key = f"{cb.selector}|{cb.d.get('label', '')[:80]}"
            if key in self.cb_seen:
                continue
            self.cb_seen.add(key)
            self.trace.checkboxes.append(self._checkbox(cb, n))

    def _checkbox(self, cb: Ref, n: int) -> Checkbox:
        return G.checkbox_of(cb, n)

    def _note_modes(self, scan: PageScan) -> None:
        for mode in ("dine_in", "pickup", "delivery"):
            if mode in self.trace.order_modes_offered:
                continue
            b = self.best(scan, "mode_" + mode, min_score=4.5)
            if b and len(b[1].d.get("text", "")) <= 12:
                self.trace.order_modes_offered.append(mode)

    # ---------------------------------------------------------------- actions
    def live(self) -> bool:
        """Live mode: the host was not declared a sandbox and submitting was not allowed."""
        return not may_submit(self.host(), self.config)

    def may_press(self, ref: Ref) -> bool:
        """Never a payment control; in live mode never a PI act (login, register, join, follow,
        authorise, send code) unless the network is held (see :meth:`held_press`)."""
        if is_pay(ref.d):
            return False
        return not (G.pi_act(ref.text()) is not None and self.live() and not self.visit.held)

    @staticmethod
    def dish_of(ref: Ref) -> str:
        """Which dish an add control belongs to: the first words of its row (stable across re-renders)."""
        return " ".join((ref.d.get("ctx") or ref.d.get("text") or "").split())[:24]

    def _fresh(self, ranked, max_clicks: int = 1):
        return [r for r in ranked if self.ctx.clicks.get(r[1].key, 0) < max_clicks and r[1].d.get("enabled", True) and not is_pay(r[1].d)]

    _last_purpose = ""

    def form_field(self, f: Ref) -> FormField:
        """The trace field of a scanned input (:func:`crawler.agent.gates.form_field_of`)."""
        return G.form_field_of(f)
