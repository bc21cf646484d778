"""The order agent: plays a diner who scanned the table QR code, records a trace.

:class:`OrderAgent` drives one page along the order path — landing, menu,
item (with its options), cart, checkout, and on sandbox hosts submit — as a
state machine over *page states*, never page identities: after each action it
settles, scans every frame and open shadow root (:mod:`crawler.agent.scan`),
scores controls for the purpose at hand (:mod:`crawler.agent.words`), and
checks for gates (:mod:`crawler.agent.gates`), which it first tries to pass
without giving anything (close, skip, Escape, click outside, wait, back,
another order mode) and only then with canary values.

It never presses a payment control.  Outside sandbox hosts it never presses
the final submit nor a "send code" control unless ``allow_submit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from core.reasons import Code, Doing, Reason, doing_text
from core.trace import Candidate, Checkbox, Element, FormField, Gate, Try, TypedValue
from crawler.agent import gates as G
from crawler.agent.scan import PageScan, Ref, probe_blocking, scan_page
from crawler.agent.words import PAY_RE, SOLD_OUT_RE, is_pay, score, words_regex
from crawler.config import is_sandbox_host
from crawler.qr import read_qr_codes_at

WORDS_RX = words_regex()

CLOSED_RE = re.compile(r"休息中|已打烊|打烊|暂停营业|暫停營業|停止营业|停止營業|不在营业时间|不在營業時間|非营业时间|非營業時間|歇业|歇業|"
                       r"closed (today|now|for)|we are closed|currently closed|not open", re.I)
MINIPROGRAM_RE = re.compile(r"请在微信小程序|請在微信小程序|小程序中打开|小程序中打開|打开小程序|打開小程序|仅支持小程序|僅支持小程序|"
                            r"open (it )?in (the )?(wechat )?mini[- ]?program|mini[- ]?program only", re.I)
APP_ONLY_RE = re.compile(r"下载APP|下載APP|下载App|下载app|打开APP|打開APP|请在APP|請在APP|download (the|our) app|open in (the )?app|app only", re.I)
CONFIRM_RE = re.compile(r"下单成功|下單成功|订单已提交|訂單已提交|提交成功|订单提交成功|訂單提交成功|已下单|已下單|等待上菜|正在制作|正在製作|"
                        r"order (placed|submitted|received|confirmed)|thank you for your order|订单号|訂單號|取餐号|取餐號", re.I)
NEED_AUTH_RE = re.compile(r"授权|授權|authori[sz]", re.I)
VALIDATION_RE = re.compile(r"请输入|請輸入|请填写|請填寫|不能为空|不能為空|必填|不正确|不正確|格式|有误|有誤|required|invalid|please (enter|fill)|must", re.I)
SCAN_CONTROL_RE = re.compile(r"扫一扫|掃一掃|扫码|掃碼|scan", re.I)
CHECKOUT_MOVE_RE = re.compile(r"结算|結算|结账|結帳|結賬|选好了|選好了|下一步|去下单|去下單|确认订单|確認訂單|checkout|check out", re.I)
CONSENT_BOX_RE = re.compile(r"隐私|隱私|协议|協議|条款|條款|同意|授权|授權|会员|會員|营销|營銷|短信|推送|优惠|優惠|订阅|訂閱|"
                            r"privacy|terms|agree|consent|member|marketing|newsletter|offers", re.I)
TICK_RE = re.compile(r"勾选|勾選|同意|阅读|閱讀|agree|accept|tick|check the box", re.I)
SPEC_RE = re.compile(r"规格|規格|口味|温度|溫度|甜度|份量|大小|杯型|辣度|size|options|choose", re.I)
PRICE_RE = re.compile(r"[¥￥]\s*\d|\d+(\.\d+)?\s*元")

PI_KIND_ORDER = ("phone", "name", "sms_code", "email", "id_number", "birthday", "gender", "address")


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
    stuck: int = 0
    doing: Doing = Doing.OPENING
    doing_extra: dict[str, Any] = field(default_factory=dict)


RANK = {r: i for i, r in enumerate(("none", "landing", "menu", "item", "cart", "checkout", "submitted"))}


class Finished(Exception):
    """Raised inside the agent to end the visit with an ``outcome`` (``completed``,
    ``blocked``, ``error``, ``unsupported``) and a :class:`~core.reasons.Reason`."""

    def __init__(self, outcome: str, reason: Reason | None = None) -> None:
        super().__init__(reason.text() if reason else outcome)
        self.outcome = outcome
        self.reason = reason


def may_submit(host: str, config: Any) -> bool:
    """Whether the final submit / send-code may be pressed on ``host`` (sandbox host or allow_submit)."""

    return bool(getattr(config, "allow_submit", False)) or is_sandbox_host(host, config)


def submit_decision(host: str, config: Any, control_text: str) -> str:
    """Decide what to do with a final control: ``"never"`` (a pay control), ``"press"``, or ``"stop"``.

    Pay controls (支付/付款/pay) are never pressed anywhere; a submit control is
    pressed only on sandbox hosts or with ``allow_submit``.
    """
    if PAY_RE.search(control_text or ""):
        return "never"
    return "press" if may_submit(host, config) else "stop"


class OrderAgent:
    """Drive one visit.  ``visit`` is a ``crawler.browser.Visit`` (or the shim); ``canary``
    the visit's canary values; ``config`` an :class:`crawler.engine.AuditConfig`."""

    MAX_ACTIONS = 45

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
        self._gate_seen: dict[str, float] = {}  # gate id -> when the agent first saw it (monotonic s)

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
            shield = self.best(scan, "submit", min_score=5, outside_overlays=True) is not None
        if not shield and self.ctx.submitted and CONFIRM_RE.search(scan.text):
            shield = True
        return G.find_gate(scan, menu_visible=bool(shield))

    def menu_visible(self, scan: PageScan) -> bool:
        adds = [c for c in scan.candidates if c.d.get("overlay", -1) < 0 and score(c.d, "add", scan.viewport)[0] >= 4]
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
        return Checkbox(step=n, element=cb.element(), label=cb.d.get("label", "")[:500],
                        checked_initially=bool(cb.d.get("checked")), links=list(cb.d.get("links", [])),
                        required_signals=list(cb.d.get("required", [])))

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

    async def click(self, ref: Ref, *, allow_force: bool = True) -> bool:
        """Click ``ref`` like a finger would; returns False when it could not be clicked.

        Never a payment control; in live mode never a PI act (login, register, join,
        follow, authorise, send code) unless the network is held (see :meth:`held_press`).
        """
        if is_pay(ref.d):
            return False
        if G.pi_act(ref.text()) is not None and self.live() and not self.visit.held:
            return False
        loc = ref.locator()
        try:
            await loc.click(timeout=2500)  # scrolls it into view, waits until it is stable and hit
            return True
        except Exception:
            if not allow_force:
                return False
        try:
            await loc.dispatch_event("click", timeout=1500)
            return True
        except Exception:
            return False

    async def act(self, ref: Ref, purpose: str, ranked, note: str = ""):
        """Click a chosen candidate, settle, record the step; returns (step, changed)."""
        before = self.scan.signature()
        url_before = self.page.url
        self.ctx.clicks[ref.key] = self.ctx.clicks.get(ref.key, 0) + 1
        ok = await self.click(ref, allow_force=not self._blocking_overlay_present())
        await self.settle()
        await self._after_action()
        step = await self.record("click", note=note or f"{purpose}: {ref.d.get('text', '')[:40]}" + ("" if ok else " (click failed)"),
                                 target=ref, candidates=self.candidates_for_trace(ranked, ref, purpose))
        changed = self.scan.signature() != before or self.page.url != url_before
        return step, changed

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
        gate = Gate(id=f"g{len(self.trace.gates) + 1}", step=self.visit.step_no, stage=self.stage, kind="oauth",
                    text=f"OAuth authorize ({ev.provider}, scope={ev.scope})", asks_hint=["profile_auth"],
                    oauth=idx, appeared_steps=[self.visit.step_no])
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

    # ------------------------------------------------------------------- gates
    def _gate_for(self, view: G.GateView, step) -> tuple[Gate, bool]:
        g = self.gates_by_sig.get(view.signature)
        if g is not None:
            if step.n not in g.appeared_steps:
                g.appearances += 1
                g.appeared_steps.append(step.n)
                last = g.tries[-1] if g.tries else None
                if last is not None and last.outcome == "passed" and g.passed_by in ("try", "self"):
                    # the dismissal did not last: it came back later, on the way
                    last.outcome = "gate_returned"
                    last.detail = (last.detail + "; " if last.detail else "") + f"came back at step {step.n}"
            return g, False
        kind = view.kind
        perm_idx = self._recent_permission(view.asks)
        if perm_idx is not None:
            kind = "permission"
        g = Gate(
            id=f"g{len(self.trace.gates) + 1}", step=step.n, stage=self.stage, kind=kind,
            element=view.overlay.element() if view.overlay is not None else None,
            text=view.text[:4000], fields=[self.form_field(f) for f in view.fields],
            buttons=[b.element() for b in view.buttons[:40]],
            checkboxes=[self._checkbox(c, step.n) for c in view.checkboxes],
            links=[Element(selector=x.get("selector", ""), tag="a", text=x.get("text", ""), attrs={"href": x.get("href", "")})
                   for x in view.links[:30]],
            images=[{k: i.get(k) for k in ("src", "alt", "width", "height")} | {"qr_text": None} for i in view.images[:20]],
            asks_hint=view.asks, appeared_steps=[step.n], screenshot=step.screenshot, dom=step.dom,
            permission=perm_idx,
        )
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

    def form_field(self, f: Ref) -> FormField:
        d = f.d
        return FormField(element=f.element(), input_type=d.get("type", "text"), name=d.get("name", ""),
                         label=d.get("label", ""), placeholder=d.get("placeholder", ""),
                         required_signals=list(d.get("required", [])), optional_signals=list(d.get("optional", [])),
                         kind_hint=G.field_kind(d), options=list(d.get("options", [])))

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
        if gate.appearances > 4:
            await self.give_canaries(gate, view)
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
        return outcome

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
        scan = self.scan
        ov = view.overlay
        tried: set[str] = set()

        async def done(outcome: str, method: str) -> bool:
            if outcome == "passed":
                gate.passed_by = "self" if method == "wait" else "try"
                return True
            return False

        pools = view.buttons
        # 1. close icon/button; 2. skip/later/guest; 3. decline
        for purpose, method_of in (("close", None), ("skip", "skip link"), ("decline", "decline")):
            ranked = self.ranked(scan, purpose, refs=pools) if ov is None or True else []
            if ov is not None:
                ranked = [r for r in self.ranked(scan, purpose, within=ov)]
            min_s = 2.0 if purpose == "close" else 3.5
            for s, ref, _why in ranked[:2]:
                if s < min_s or ref.key in tried or is_pay(ref.d):
                    continue
                if purpose == "skip" and ov is None and len(ref.d.get("text", "")) > 12:
                    continue
                tried.add(ref.key)
                method = method_of or ("close icon" if not ref.d.get("text", "").strip() or len(ref.d.get("text", "")) <= 1 else "close button")
                out = await self._try(gate, view, method, ref, self.click(ref, allow_force=False))
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
                    out = await self._try(gate, view, method, ref, self.click(ref, allow_force=False))
                if out == "gate_returned":
                    self._returned(gate)
                if await done(out, method):
                    return True
                if out == "navigated_away":
                    await self._restore(view)
                scan = self.scan
                if ov is not None:
                    ov = self._refind_overlay(view) or ov
        if ov is not None:
            out = await self._try(gate, view, "Escape", None, self.page.keyboard.press("Escape"))
            if await done(out, "Escape"):
                return True
            pt = await self._outside_point(view)
            if pt is not None:
                out = await self._try(gate, view, "click outside", None, self.page.mouse.click(*pt))
                if await done(out, "click outside"):
                    return True
        # A gate may go away by itself: watch it for ~1.8 s from its first sight (forms asking for
        # input ~1.4 s), counting the time the tries above already watched it, plus the poll.
        watched = time.monotonic() - self._gate_seen.get(gate.id, time.monotonic())
        pause = max(0.1, (1.0 if view.fields else 1.4) - watched)
        out = await self._try(gate, view, "wait", None, self._wait_unless_idle(pause))
        if await done(out, "wait"):
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
        if view.kind == "page":
            can_back = await self._can_go_back()
            if can_back:
                out = await self._try(gate, view, "back", None, self.page.go_back(timeout=5000))
                if out == "passed":
                    gate.passed_by = "try"
                    return True
                if out == "navigated_away":
                    await self._restore(view)
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

    async def type_into(self, f: Ref, kind: str, gate: Gate | None, ff: FormField | None = None) -> str | None:
        value = self.canary.get(kind)
        if kind == "remark" or value is None:
            return None
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
        tv = TypedValue(step=self.visit.step_no + 1, kind=kind, value=value, selector=f.selector, frame_url=f.frame_url)
        self.trace.typed.append(tv)
        if gate is not None:
            gate.canary_filled.append(tv)
        if ff is not None:
            ff.value_typed = value
        return value

    async def give_canaries(self, gate: Gate, view: G.GateView) -> None:
        """Every no-PI try failed: give canary values (or grant) so the path can go on; else blocked."""
        # permission walls: grant and retry
        if gate.kind == "permission" or (not view.fields and ("location" in view.asks or "camera" in view.asks)):
            await self._grant_and_retry(gate, view)
            return
        if not await self._still_there(gate, view):
            return  # it went away meanwhile (or a try navigated): the main loop goes on
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
        await self.settle()
        scan = await self.look()
        pool = [c for c in scan.candidates if view.overlay is None or (c.frame is view.overlay.frame and c.d.get("overlay") == self._ov_index(view.overlay))]
        if view.overlay is not None and not pool:
            pool = scan.candidates
        scored = []
        for c in pool:
            t = c.text()
            if not t or is_pay(c.d) or G.SEND_CODE_RE.search(t) or len(t) > 20:
                continue
            if re.search(r"暂不|暫不|跳过|跳過|取消|关闭|關閉|拒绝|拒絕|不同意|以后|以後|稍后|稍後|later|skip|cancel|close|《|隐私|隱私|协议|協議|policy", t, re.I):
                continue
            m = G.GATE_SUBMIT_WORDS.search(t)
            if m:
                s = 5 + (1 if c.d.get("saturated") else 0) + (c.d.get("box", {}).get("width", 0) / 400)
                scored.append((s, c))
        scored.sort(key=lambda x: -x[0])
        if not scored:
            gate.passed_by = "not_passed"
            await self.record("stop", note=f"gate {gate.id}: no way past it (no control to submit canaries)")
            raise Finished("blocked", Reason(Code.GATE_NO_WAY, {"asks": list(gate.asks_hint)}))
        ref = scored[0][1]
        ranked = [(s, c, ["gate submit"]) for s, c in scored]
        held = await self.held_press(ref, G.gate_press_act(ref.text(), gate.asks_hint))
        await self.click(ref, allow_force=False)
        await self.settle()
        await self._after_action()
        given = "canary values given, " if gate.canary_filled else ""
        await self.record("click", note=f"gate {gate.id}: {given}pressed '{ref.text()[:20]}'"
                          + (" with the network held (nothing sent)" if held else ""),
                          target=ref, candidates=self.candidates_for_trace(ranked, ref, "other"))
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
        gate.passed_by = "canary"  # Gate.tries keeps only no-PI tries; the control pressed is the step's target

    async def held_press(self, ref: Ref, act: str | None) -> bool:
        """Before pressing ``ref`` for ``act`` (a PI act or ``submit``): in live mode hold
        the network for the rest of the visit (nothing the press triggers leaves the
        browser); True when the press is held.  No-op in privileged mode or for ``None``."""
        if act is None or not self.live():
            return False
        await self.visit.hold_network(act, ref.element())
        return True

    async def _grant_and_retry(self, gate: Gate, view: G.GateView) -> None:
        try:
            if hasattr(self.visit, "set_permission_mode"):
                r = self.visit.set_permission_mode("grant")
                if asyncio.iscoroutine(r):
                    await r
            else:
                self.visit.permission_mode = "grant"
        except Exception:
            pass
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

    # ------------------------------------------------------------------ path
    async def check_terminal(self, scan: PageScan) -> None:
        text = scan.text
        menu = self.menu_visible(scan)
        if not menu and MINIPROGRAM_RE.search(text):
            raise Finished("unsupported", Reason(Code.MINI_PROGRAM))
        if not menu and APP_ONLY_RE.search(text) and not self.best(scan, "enter_menu", min_score=4):
            raise Finished("unsupported", Reason(Code.APP_ONLY))
        if not menu and CLOSED_RE.search(text) and not self.ctx.added:
            raise Finished("error", Reason(Code.CLOSED))
        if not text.strip() and not scan.candidates:
            errs = self.trace.console_errors
            if errs:
                raise Finished("error", Reason(Code.PAGE_BROKEN, {"script_error": True}))

    def _load_failure(self, err: str | None) -> dict[str, Any] | None:
        """Why the page itself could not be loaded, as reason parameters (``net_error``:
        ``ERR_…``, or ``http_status``), or ``None``.

        Read after the first navigation and any OAuth detour: Chrome's error page
        (``chrome-error://``) names the net error; a main document answered with HTTP
        400+ counts only when the page offers nothing to click.
        """
        url = self.page.url or ""
        if url.startswith("chrome-error://") or (err and "net::ERR_" in err and url in ("", "about:blank")):
            code = re.search(r"net::(ERR_[A-Z_]+)", err or "")
            return {"net_error": code.group(1) if code else "network error"}
        docs = [r for r in self.trace.requests if r.is_navigation and not r.popup and r.resource_type == "document"
                and r.status is not None and r.url.split("#")[0] == url.split("#")[0]]
        if docs and docs[-1].status >= 400 and not self.scan.candidates:
            return {"http_status": docs[-1].status}
        return None

    async def run(self, url: str) -> None:
        """Walk the order path from ``url``; raises :class:`Finished` at the end."""
        self.ctx.doing = Doing.OPENING
        err = await self.visit.goto(url)
        await self._opened(url, err)

    async def resume(self, url: str) -> None:
        """Walk the order path from the page's current state (navigated by someone else)."""
        self.ctx.doing = Doing.OPENING
        err = None
        if self.page.url in ("", "about:blank") and self._pending_oauth() is None:
            err = await self.visit.goto(url)
        await self._opened(url, err)

    async def _opened(self, url: str, err: str | None) -> None:
        await self.settle()
        await self._after_action()
        if err:
            self.trace.meta.setdefault("agent", {})["goto_error"] = err
        await self.record("open", note=url + (f" ({err})" if err else ""))
        if err and "ERR_TOO_MANY_REDIRECTS" in err:
            raise Finished("error", Reason(Code.REDIRECT_LOOP))
        if self._redirect_loop():
            raise Finished("error", Reason(Code.REDIRECT_LOOP))
        failure = self._load_failure(err)
        if failure:
            raise Finished("error", Reason(Code.LOAD_FAILED, failure))
        self.reach("landing")
        actions = 0
        scrolled = 0
        while actions < self.MAX_ACTIONS:
            actions += 1
            scan = self.scan
            # delayed gates may appear a moment after load
            view = self.gate_now(scan)
            if view is not None:
                self.doing(Doing.GATE, doing_asks=list(view.asks))
                await self.handle_gate(view, self.last_step)
                continue
            if self.ctx.submitted:
                return
            await self.check_terminal(scan)
            progressed = await self.next_move(scan)
            if progressed == "done":
                return
            if progressed:
                self.ctx.stuck = 0
                scrolled = 0
                continue
            self.ctx.stuck += 1
            if scrolled < 3:
                scrolled += 1
                await self._scroll(scrolled)
                continue
            if self.ctx.stuck > 6:
                break
            if await self.visit.idle():
                break  # nothing (timer, interval, request, animation) can change the page any more
            await self._wait_unless_idle(0.8)
            await self.look()
        self._finish_stuck()

    def _redirect_loop(self) -> bool:
        if "redirect loop" in self.trace.nuisances:
            return True
        navs = [r.url for r in self.trace.requests if r.is_navigation and not r.popup][-30:]
        return len(navs) >= 12 and len(set(navs)) <= 4

    def _finish_stuck(self) -> None:
        scan = self.scan
        text = scan.text
        adds = self.ranked(scan, "add")
        if not self.ctx.added and SOLD_OUT_RE.search(text) and not any(s >= 4 for s, _c, _w in adds):
            raise Finished("error", Reason(Code.SOLD_OUT))
        if not self.ctx.added and SOLD_OUT_RE.search(text):
            raise Finished("error", Reason(Code.SOLD_OUT))
        if self._redirect_loop():
            raise Finished("error", Reason(Code.REDIRECT_LOOP))
        if not text.strip():
            raise Finished("error", Reason(Code.PAGE_BROKEN, {"script_error": bool(self.trace.console_errors)}))
        raise Finished("error", Reason(Code.DEAD_END, self.doing_params()))

    async def _scroll(self, n: int) -> None:
        js = """(n) => { window.scrollBy(0, innerHeight * 0.9);
          for (const e of document.querySelectorAll('*')) { const s = getComputedStyle(e);
            if ((s.overflowY === 'auto' || s.overflowY === 'scroll') && e.scrollHeight > e.clientHeight + 20) e.scrollTop += e.clientHeight * 0.9; } }"""
        for fr in self.page.frames:
            try:
                await asyncio.wait_for(fr.evaluate(js, n), 2)
            except Exception:
                pass
        await self.settle()
        await self.record("scroll", note=f"scroll to find content while {doing_text(self.ctx.doing, **self.ctx.doing_extra)}")

    def _fresh(self, ranked, max_clicks: int = 1):
        return [r for r in ranked if self.ctx.clicks.get(r[1].key, 0) < max_clicks and r[1].d.get("enabled", True) and not is_pay(r[1].d)]

    async def next_move(self, scan: PageScan):
        """Choose and make the next move; returns True (progress), False (nothing done/changed) or 'done'."""
        c = self.ctx
        if self.menu_visible(scan):
            c.menu_seen = True
            self.reach("menu")
        # item options (spec picker) open?
        ov = self.plain_overlay(scan)
        if not c.added and self._last_purpose in ("add", "spec"):
            spec = self._spec_picker(scan)
            if spec is not None and await self.pick_options(scan, spec[1]):
                return True
        # checkout
        sub = self.best(scan, "submit", min_score=5, outside_overlays=ov is None) or self.best(scan, "submit", min_score=5)
        if sub and (c.added or c.cart_opened):
            return await self.at_checkout(scan, sub)
        pay = [x for x in scan.candidates if is_pay(x.d) and x.d.get("overlay", -1) < 0]
        if pay and c.added and c.cart_opened:
            # the only way on moves money: this is the last step before payment
            return await self.at_checkout(scan, (0.0, pay[0], ["pay control: last step before money moves"]))
        # order mode choice before the menu
        if not c.mode_chosen and not c.added:
            for mode in ("dine_in", "pickup"):
                b = self.best(scan, "mode_" + mode, min_score=5)
                if b and self.ctx.clicks.get(b[1].key, 0) == 0 and not self.menu_visible(scan):
                    c.mode_chosen = mode
                    self.trace.order_mode = mode
                    self._last_purpose = "mode"
                    self.doing(Doing.MODE, mode=mode)
                    _st, ch = await self.act(b[1], "mode_" + mode, self.ranked(scan, "mode_" + mode))
                    return True
        if c.added:
            for purpose in (("checkout", "cart") if c.cart_opened else ("cart", "checkout")):
                ranked = self._fresh(self.ranked(scan, purpose), max_clicks=2)
                ranked = [r for r in ranked if r[0] >= 4]
                if ov is not None:
                    inside = [r for r in ranked if r[1].d.get("overlay", -1) >= 0]
                    ranked = inside or ranked
                if ranked:
                    ref = ranked[0][1]
                    self.doing(Doing.CART if purpose == "cart" else Doing.CHECKOUT)
                    self._last_purpose = purpose
                    was_cart, was_co = c.cart_opened, c.at_checkout
                    c.cart_opened = True
                    if CHECKOUT_MOVE_RE.search(ref.text()):
                        c.at_checkout = True  # gates met on the way to the order form are checkout gates
                    self.reach("cart")
                    _st, changed = await self.act(ref, purpose, self.ranked(scan, purpose))
                    if not changed:
                        c.cart_opened, c.at_checkout = was_cart, was_co
                    return changed
        if not c.added or not c.cart_opened:
            ranked = self._fresh(self.ranked(scan, "add", outside_overlays=ov is not None and not c.added))
            ranked = [r for r in ranked if r[0] >= 4 and not SOLD_OUT_RE.search(r[1].d.get("ctx", "") + r[1].d.get("text", ""))]
            if ranked and not c.added:
                ref = ranked[0][1]
                self.doing(Doing.ADDING)
                self._last_purpose = "add"
                c.menu_seen = c.item_chosen = True
                self.reach("menu")
                _st, changed = await self.act(ref, "add", self.ranked(scan, "add"))
                if changed and self.gate_now(self.scan) is None:
                    spec = self._spec_picker(self.scan)
                    if spec is not None:
                        await self.pick_options(self.scan, spec[1])
                    else:
                        c.added = True
                        self.reach("item")
                return changed
        if not c.menu_seen:
            ranked = self._fresh(self.ranked(scan, "enter_menu"))
            ranked = [r for r in ranked if r[0] >= 3]
            if ranked:
                self.doing(Doing.ENTERING_MENU)
                self._last_purpose = "enter_menu"
                _st, changed = await self.act(ranked[0][1], "enter_menu", self.ranked(scan, "enter_menu"))
                return changed
        # a plain overlay in the way (notice, people-count picker): confirm or close it
        if ov is not None:
            for purpose in ("spec_confirm", "close", "skip"):
                ranked = [r for r in self._fresh(self.ranked(scan, purpose, within=ov)) if r[0] >= 3]
                if ranked:
                    self._last_purpose = "overlay"
                    self.doing(Doing.NOTICE)
                    _st, changed = await self.act(ranked[0][1], purpose, ranked)
                    return changed
        return False

    _last_purpose = ""

    OPTION_SKIP_RE = re.compile(r"确定|確定|确认|確認|加入|选好|選好|取消|关闭|關閉|返回|^[+＋\-－×✕]$|^(confirm|add|cancel|close|ok|back)$", re.I)

    def _option_groups(self, pool: list[Ref]) -> dict[str, list[Ref]]:
        groups: dict[str, list[Ref]] = {}
        for c in pool:
            t = c.d.get("text", "").strip()
            if not t or len(t) > 16 or self.OPTION_SKIP_RE.search(t) or is_pay(c.d):
                continue
            if c.d.get("tag") == "a" and c.d.get("href", "").startswith("http"):
                continue
            groups.setdefault(c.d.get("grp", ""), []).append(c)
        return {g: o for g, o in groups.items()
                if len(o) >= 2 or any(x.d.get("tag") == "label" or x.d.get("role") == "radio" for x in o)}

    def _spec_picker(self, scan: PageScan) -> tuple[str, Ref | None] | None:
        """An item-options picker: an overlay with a confirm control, or an item page with
        option groups and one confirm control.  Returns ``("overlay", ov)``, ``("page", None)`` or None."""
        ov = self.plain_overlay(scan)
        if ov is not None and self.best(scan, "spec_confirm", within=ov, min_score=4) \
                and not self.best(scan, "checkout", within=ov, min_score=5):
            return ("overlay", ov)
        confirms = [r for r in self.ranked(scan, "spec_confirm", outside_overlays=True) if r[0] >= 5]
        if 1 <= len(confirms) <= 2:
            pool = [c for c in scan.candidates if c.d.get("overlay", -1) < 0]
            if self._option_groups(pool) and (SPEC_RE.search(scan.text) or not self.menu_visible(scan)):
                return ("page", None)
        return None

    async def pick_options(self, scan: PageScan, ov: Ref | None) -> bool:
        """In a spec picker: choose the first option of each group without a choice, then confirm."""
        self.doing(Doing.OPTIONS)
        self.reach("item")
        pool = [c for c in scan.candidates if (ov is None and c.d.get("overlay", -1) < 0) or (ov is not None and c.frame is ov.frame and c.d.get("overlay") == self._ov_index(ov))]
        groups = self._option_groups(pool)
        clicked = 0
        for _g, opts in groups.items():
            if any(o.d.get("selected") for o in opts):
                continue
            first = next((o for o in opts if o.d.get("enabled", True) and not SOLD_OUT_RE.search(o.d.get("text", ""))), None)
            if first is not None:
                await self.click(first, allow_force=False)
                clicked += 1
        if clicked:
            await self.settle()
            scan = await self.look()
            if ov is not None:
                ov = next((o for o in scan.overlays if o.selector == ov.selector), ov)
        ranked = self.ranked(scan, "spec_confirm", within=ov) if ov is not None else self.ranked(scan, "spec_confirm", outside_overlays=True)
        ranked = [r for r in ranked if r[0] >= 4 and r[1].d.get("enabled", True)]
        if ov is None and not ranked:
            ranked = [r for r in self.ranked(scan, "add", outside_overlays=True) if r[0] >= 4 and r[1].d.get("enabled", True)]
        if not ranked:
            await self.record("click", note=f"chose {clicked} option(s); no confirm control found")
            return clicked > 0
        self._last_purpose = "spec"
        self.ctx.item_chosen = True
        _st, changed = await self.act(ranked[0][1], "spec_confirm", ranked, note=f"chose {clicked} option(s), confirm")
        if changed:
            ov2 = self.plain_overlay(self.scan)
            if ov is not None and ov2 is not None and ov2.selector == ov.selector and VALIDATION_RE.search(self.scan.text):
                return True  # still asks for a choice; next loop tries again
            self.ctx.added = True
            self.reach("item")
        return changed

    async def at_checkout(self, scan: PageScan, sub: tuple[float, Ref, list[str]]):
        """The last step before money moves: order mode, required fields, then submit (sandbox) or stop."""
        c = self.ctx
        c.at_checkout = True
        self.doing(Doing.AT_CHECKOUT)
        self.reach("checkout")
        # order mode: prefer dine-in, else pickup
        for mode in ("dine_in", "pickup"):
            if mode in self.trace.order_modes_offered:
                b = self.best(scan, "mode_" + mode, min_score=4.5)
                if b and not b[1].d.get("selected") and self.ctx.clicks.get(b[1].key, 0) == 0:
                    self.ctx.clicks[b[1].key] = 1
                    await self.act(b[1], "mode_" + mode, self.ranked(scan, "mode_" + mode), note=f"order mode {mode}")
                    scan = self.scan
                    sub = self.best(scan, "submit", min_score=5) or sub
                if b:
                    c.mode_chosen = mode
                    self.trace.order_mode = mode
                    break
        if self.trace.order_mode is None:
            if "delivery" in self.trace.order_modes_offered and not ({"dine_in", "pickup"} & set(self.trace.order_modes_offered)):
                self.trace.order_mode = "delivery"
            elif c.mode_chosen:
                self.trace.order_mode = c.mode_chosen
        # fields of the checkout form
        pfields = [f for f in scan.fields if f.d.get("overlay", -1) < 0 or True]
        ffs = [self.form_field(f) for f in pfields]
        pi = [(f, ff) for f, ff in zip(pfields, ffs, strict=True) if ff.kind_hint in G.PI_FIELD_KINDS or (ff.kind_hint == "address")]
        sub_ref = sub[1]
        ranked_sub = self.ranked(scan, "submit")
        step = await self.record("stop" if False else "wait", note="checkout reached", target=sub_ref,
                                 candidates=self.candidates_for_trace(ranked_sub, sub_ref, "submit"), fields=ffs)
        gate = None
        consent_boxes = [cb for cb in scan.checkboxes if cb.d.get("overlay", -1) < 0 and CONSENT_BOX_RE.search(cb.d.get("label", ""))]
        if pi or consent_boxes:
            asks = G.asks_of(" ".join(ff.label + " " + ff.placeholder for _f, ff in pi), [f for f, _ in pi])
            if consent_boxes:
                asks = sorted(set(asks) | set(G.asks_of(" ".join(cb.d.get("label", "") for cb in consent_boxes))) | {"consent"})
            gate = Gate(id=f"g{len(self.trace.gates) + 1}", step=step.n, stage="checkout", kind="form",
                        text=" | ".join([f"{ff.label or ff.placeholder}" for _f, ff in pi]
                                        + [cb.d.get("label", "") for cb in consent_boxes])[:4000],
                        fields=[ff for _f, ff in pi], asks_hint=asks, appeared_steps=[step.n],
                        screenshot=step.screenshot, dom=step.dom, blocking=any(ff.required_signals for _f, ff in pi) or any(cb.d.get("required") for cb in consent_boxes),
                        checkboxes=[self._checkbox(cb, step.n) for cb in scan.checkboxes if cb.d.get("overlay", -1) < 0],
                        buttons=[sub_ref.element()])
            self.trace.gates.append(gate)
        decision = submit_decision(self.host(), self.config, sub_ref.text())
        if decision != "press":
            if gate is not None:
                for f, ff in pi:
                    if f.d.get("valueMissing") and "required-attr" not in ff.required_signals:
                        ff.required_signals.append("required-attr")
                gate.passed_by = "not_passed" if any(ff.required_signals for _f, ff in pi) else "try"
            await self.record("stop", note="stopped before the final submit (not a sandbox host)" if decision == "stop"
                              else "the final control is a payment control: never pressed", target=sub_ref)
            return "done"
        # sandbox: first try with PI fields empty
        filled_for: set[str] = set()
        ticked_once = False
        for attempt in range(4):
            before_text = self.scan.text
            dialogs_before = len(self.trace.dialogs)
            ok = await self.click(sub_ref, allow_force=False)
            await self.settle()
            await self._after_action()
            scan2 = await self.look()
            new_dialogs = [d.message for d in self.trace.dialogs[dialogs_before:]]
            confirmed = bool(CONFIRM_RE.search(scan2.text)) and not CONFIRM_RE.search(before_text)
            view = G.find_gate(scan2, menu_visible=True)
            moved = scan2.url != scan.url or (self.best(scan2, "submit", min_score=5) is None)
            if confirmed or (moved and view is None and ok):
                c.submitted = True
                self.reach("submitted")
                st = await self.record("click", note="order submitted" + (" with empty PI fields" if attempt == 0 else ""),
                                       target=sub_ref, candidates=self.candidates_for_trace(ranked_sub, sub_ref, "submit"))
                if gate is not None:
                    if attempt == 0:
                        for ff in gate.fields:
                            if "submitted-empty-ok" not in ff.optional_signals:
                                ff.optional_signals.append("submitted-empty-ok")
                        gate.tries.append(Try("leave empty and go on", "passed", control=sub_ref.element(), step=st.n))
                        gate.passed_by = "try"
                    else:
                        gate.passed_by = "canary"  # ticked the required box or typed canaries (step st)
                await self.post_order()
                return "done"
            if view is not None and view.kind == "overlay":
                # a gate popped up on submit (e.g. phone login before ordering)
                st = await self.record("click", note="submit pressed: a gate appeared", target=sub_ref)
                await self.handle_gate(view, st)
                scan = await self.look()
                sub = self.best(scan, "submit", min_score=5)
                if sub is None:
                    if CONFIRM_RE.search(scan.text):
                        c.submitted = True
                        self.reach("submitted")
                        await self.post_order()
                        return "done"
                    return True
                sub_ref = sub[1]
                continue
            # validation: which fields are asked for?
            msg = " ".join(new_dialogs) + " " + self._new_text(before_text, scan2.text)
            st = await self.record("click", note="submit pressed: not accepted" + (f" ({msg.strip()[:80]})" if msg.strip() else ""), target=sub_ref)
            unticked = [cb for cb in scan2.checkboxes if cb.d.get("overlay", -1) < 0 and not cb.d.get("checked")]
            if unticked and (TICK_RE.search(msg) or not msg.strip()) and ticked_once is False:
                ticked_once = True
                if gate is None:
                    gate = Gate(id=f"g{len(self.trace.gates) + 1}", step=st.n, stage="checkout", kind="form",
                                text=" | ".join(cb.d.get("label", "") for cb in unticked)[:4000],
                                asks_hint=sorted(set(G.asks_of(" ".join(cb.d.get("label", "") for cb in unticked))) | {"consent"}),
                                appeared_steps=[st.n], screenshot=st.screenshot, dom=st.dom, blocking=True,
                                checkboxes=[self._checkbox(cb, st.n) for cb in unticked], buttons=[sub_ref.element()])
                    self.trace.gates.append(gate)
                for cb in gate.checkboxes:
                    if "validation-message" not in cb.required_signals and TICK_RE.search(msg):
                        cb.required_signals.append("validation-message")
                gate.tries.append(Try("leave empty and go on", "still_blocked", control=sub_ref.element(), step=st.n,
                                      detail=msg.strip()[:200]))
                for cb in unticked:
                    await self._tick(cb)
                await self.record("click", note="ticked the box(es) the order form requires")
                sub = self.best(self.scan, "submit", min_score=5) or sub
                sub_ref = sub[1]
                if not pi:
                    continue
            if not pi:
                # no PI fields: maybe other required fields (table/people) -> fill and retry
                if not await self._fill_other_required(scan2):
                    raise Finished("error", Reason(Code.SUBMIT_REFUSED, {"no_pi_field": True}))
                sub = self.best(self.scan, "submit", min_score=5) or sub
                sub_ref = sub[1]
                continue
            if attempt == 0:
                gate.tries.append(Try("leave empty and go on", "still_blocked", control=sub_ref.element(), step=st.n,
                                      detail=msg.strip()[:200]))
                invalid = await self._invalid_fields([f for f, _ in pi])
                named = [ff for f, ff in pi if self._message_names(msg, ff)]
                for f, ff in pi:
                    if ff in named or f.key in invalid or (not named and not invalid and VALIDATION_RE.search(msg) and ff.required_signals):
                        if "validation-message" not in ff.required_signals:
                            ff.required_signals.append("validation-message")
            # fill canaries for required ones (validation or attributes); else all PI fields
            need = [(f, ff) for f, ff in pi if ff.required_signals and f.key not in filled_for]
            if not need:
                need = [(f, ff) for f, ff in pi if f.key not in filled_for]
            if not need:
                gate.passed_by = "not_passed"
                raise Finished("blocked", Reason(Code.CHECKOUT_REFUSED))
            for f, ff in need:
                filled_for.add(f.key)
                if ff.kind_hint == "sms_code":
                    send = [x for x in self.scan.candidates if G.SEND_CODE_RE.search(x.text()) and len(x.text()) <= 12]
                    if send:
                        await self.click(send[0], allow_force=False)
                        await self.settle()
                await self.type_into(f, ff.kind_hint, gate, ff)
            await self._fill_other_required(self.scan)
            await self.record("type", note="canary values typed into required checkout fields")
            sub = self.best(self.scan, "submit", min_score=5) or sub
            sub_ref = sub[1]
        if gate is not None:
            gate.passed_by = "not_passed"
            raise Finished("blocked", Reason(Code.CHECKOUT_REFUSED, {"asks": list(gate.asks_hint)}))
        raise Finished("error", Reason(Code.SUBMIT_REFUSED))

    async def _tick(self, cb: Ref) -> None:
        target = cb.d.get("labelSelector")
        try:
            if target and (cb.d.get("box") or {}).get("width", 0) < 2:
                await cb.frame.locator(target).first.click(timeout=2000)
            else:
                await cb.locator().click(timeout=2000)
        except Exception:
            try:
                await cb.locator().dispatch_event("click")
            except Exception:
                pass

    def _message_names(self, msg: str, ff: FormField) -> bool:
        if not msg.strip():
            return False
        words = {
            "phone": r"手机|手機|电话|電話|phone|mobile", "name": r"姓名|名字|称呼|name", "email": r"邮箱|郵箱|email",
            "id_number": r"身份证|身份證|id", "birthday": r"生日|birth", "gender": r"性别|性別|gender",
            "address": r"地址|address", "sms_code": r"验证码|驗證碼|code",
        }.get(ff.kind_hint)
        return bool(words and re.search(words, msg, re.I))

    @staticmethod
    def _new_text(before: str, after: str) -> str:
        b = set(before.splitlines())
        return " ".join(line for line in after.splitlines() if line not in b)[:500]

    async def _invalid_fields(self, refs: list[Ref]) -> set[str]:
        out = set()
        for f in refs:
            try:
                bad = await f.locator().evaluate("e => !!(e.validity && !e.validity.valid) || e.getAttribute('aria-invalid') === 'true' || /error|invalid/i.test(e.className + ' ' + (e.parentElement ? e.parentElement.className : ''))", timeout=1000)
            except Exception:
                bad = False
            if bad:
                out.add(f.key)
        return out

    async def _fill_other_required(self, scan: PageScan) -> bool:
        """Fill required non-PI fields (table, people) that are empty; True when something was filled."""
        did = False
        for f in scan.fields:
            k = G.field_kind(f.d)
            if k in G.PI_FIELD_KINDS or f.d.get("value") or f.d.get("readonly") or f.d.get("disabled"):
                continue
            if not (f.d.get("required") or f.d.get("valueMissing")):
                continue
            try:
                if f.d.get("tag") == "select":
                    opts = f.d.get("options") or []
                    if len(opts) > 1:
                        await f.locator().select_option(index=1, timeout=1500)
                        did = True
                else:
                    await f.locator().fill("2" if k in ("people", "other") else "A1" if k == "table" else "1", timeout=1500)
                    did = True
            except Exception:
                pass
        return did

    async def post_order(self) -> None:
        """After the order went in: look (and deal with) what follows, e.g. a post-order login prompt."""
        self.doing(Doing.AFTER_ORDER)
        for _ in range(2):
            await self.settle()
            scan = await self.look()
            view = self.gate_now(scan)
            if view is None:
                continue
            st = await self.record("wait", note="after the order")
            try:
                await self.handle_gate(view, st)
            except Finished as f:
                if f.outcome == "blocked":
                    return  # order already submitted: the visit is complete
                raise
        await self.record("wait", note="after the order: done")
