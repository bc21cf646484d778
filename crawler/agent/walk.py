"""The walk: the order agent's state machine over page states (never page identities).

:class:`OrderAgent` opens the page and, until the order path ends, looks at
what the diner sees and makes the next move — a gate first (the rooms of
:mod:`crawler.agent.getting_past` and :mod:`crawler.agent.handing_over`), else
entering the menu, adding an item (:mod:`crawler.agent.options` for its options),
opening the cart, checking out (:mod:`crawler.agent.checkout`, which fills in the
order form in :mod:`crawler.agent.filling_in` and presses the final submit in
:mod:`crawler.agent.submitting`); every control is pressed as a finger would
(:mod:`crawler.agent.pressing`).  It never presses a payment control; in live mode
it presses PI acts and the final submit only with the network held.  The visit ends with :class:`~crawler.agent.session.Finished`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any
from urllib.parse import urlsplit

from core.reasons import Code, Doing, Reason, doing_text
from core.sites import site_of
from crawler.agent import gates as G
from crawler.agent.authorising import Authorising
from crawler.agent.checkout import CheckingOut
from crawler.agent.filling_in import FillingIn
from crawler.agent.getting_past import GettingPast
from crawler.agent.handing_over import HandingOver
from crawler.agent.options import ChoosingOptions
from crawler.agent.pressing import Pressing
from crawler.agent.requirements import MAX_TOP_UPS, MINIMUM_RE, MeetingRequirements
from crawler.agent.scan import PageScan, Ref
from crawler.agent.session import Finished, Session
from crawler.agent.submitting import Submitting
from crawler.agent.words import (
    APP_ONLY_RE,
    CHECKOUT_MOVE_RE,
    CLOSED_RE,
    CONFIRM_RE,
    COUNTDOWN_RE,
    MINIPROGRAM_RE,
    ORDER_STATUS_RE,
    SOLD_OUT_RE,
    by_words,
    is_pay,
    score,
)

#: Checkout controls pressed without their words (by look and place) in one visit, at most.
MAX_UNNAMED_CHECKOUTS = 2

#: Menu categories (tabs, sidebar entries, carousel cards) tapped in one visit to find a dish, at most.
MAX_CATEGORIES = 4

#: Seconds a visit waits, at most, for a page that says it moves on by itself (a countdown).
MAX_SELF_MOVE_WAITS = 12

#: A layer asking the diner to pay now: the last step before money moves.
PAY_PROMPT_RE = re.compile(r"需要?支付|需付款|应付|應付|待支付|支付金额|支付金額|确认支付|確認支付|去支付|立即支付|微信支付|支付宝|"
                           r"pay now|amount (due|to pay)|you (need to )?pay", re.I)


class OrderAgent(CheckingOut, FillingIn, Submitting, MeetingRequirements, ChoosingOptions, HandingOver, GettingPast,
                 Authorising, Pressing, Session):
    """Drive one visit along the order path (see the module doc)."""

    MAX_ACTIONS = 45

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
        # nothing loaded yet, or the other's navigation failed onto Chrome's error page (which one
        # it is depends on timing): the auditor loads the page itself (its goto gets past
        # certificate errors and dropped answers); an OAuth detour is handled as it is
        failed = self.page.url in ("", "about:blank") or self.page.url.startswith("chrome-error://")
        if failed and self._pending_oauth() is None:
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
            if self._pending_oauth() is not None:
                # an OAuth redirect that came after the page looked settled (a slow script, a busy machine)
                await self.handle_oauth()
                await self.look()
            scan = self.scan
            # delayed gates may appear a moment after load
            view = self.gate_now(scan)
            if view is not None and view.kind == "page" and self._way_to_menu(scan):
                view = None  # a page that also offers the menu (a 点餐 tab) is no wall: go to the menu first
            if view is not None:
                self.doing(Doing.GATE, doing_asks=list(view.asks))
                await self.handle_gate(view, self.last_step)
                if self.ctx.cart_before_add is not None and not self.ctx.added and self.scan.cart != self.ctx.cart_before_add:
                    self.ctx.added = True  # the add went through once the gate it raised was passed
                    self.reach("item")
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
                if not await self._moves_by_itself(scan):
                    break
                continue
            if await self.visit.idle():
                break  # nothing (timer, interval, request, animation) can change the page any more
            await self._wait_unless_idle(0.8)
            await self.look()
        self._finish_stuck()

    def _disabled_submit(self, scan: PageScan) -> tuple[float, Ref, list[str]] | None:
        """Past the cart, the best final submit (named, not a payment) that the page keeps disabled — until
        a box is ticked or a field filled: the checkout deals with it; ``None`` when there is none."""
        for s, ref, why in self.ranked(scan, "submit"):
            if s >= 5 and not ref.d.get("enabled", True) and not is_pay(ref.d):
                return s, ref, [*why, "disabled for now"]
        return None

    async def _moves_by_itself(self, scan: PageScan) -> bool:
        """A page with nothing to press that says it moves on by itself after a countdown (5 秒后自动进入点餐)
        and still has a timer or interval set: wait a second more for it, up to
        :data:`MAX_SELF_MOVE_WAITS` seconds a visit; True when waited."""
        if self.ctx.self_waits >= MAX_SELF_MOVE_WAITS:
            return False
        leaving = self.ctx.self_waits > 0 and not scan.text.strip()  # it is moving on: the next page is loading
        if not leaving and (not COUNTDOWN_RE.search(scan.text) or await self.visit.idle()):
            return False
        if self.ctx.self_waits == 0:
            await self.record("wait", note="the page says it moves on by itself: waiting for it")
        self.ctx.self_waits += 1
        await self._wait_unless_idle(1.0)
        await self.settle()
        await self.look()
        return True

    def _way_to_menu(self, scan: PageScan) -> bool:
        """A control toward the menu the diner has not tried yet (点餐, 开始点餐, order now)."""
        if self.ctx.menu_seen:
            return False
        return any(r[0] >= 4 and not G.pi_act(r[1].text()) for r in self._fresh(self.ranked(scan, "enter_menu")))

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

    async def next_move(self, scan: PageScan):
        """Choose and make the next move; returns True (progress), False (nothing done/changed) or 'done'."""
        c = self.ctx
        if self.menu_visible(scan):
            c.menu_seen = True
            self.reach("menu")
        ov = self.plain_overlay(scan)
        if not c.added and self._last_purpose in ("add", "spec"):
            spec = self._spec_picker(scan)  # item options (spec picker) open?
            if spec is not None and await self.pick_options(scan, spec[1]):
                return True
        if c.added and await self._payment_prompt(scan):
            return "done"
        sub = self.best(scan, "submit", min_score=5, outside_overlays=ov is None) or self.best(scan, "submit", min_score=5) \
            or self.unnamed_submit(scan)
        if sub and self.menu_visible(scan) and not c.cart_opened and not sub[1].d.get("bottomBar") \
                and sub[1].d.get("overlay", -1) < 0:
            sub = None  # on the menu, the final submit sits in the cart bar; a 下单 elsewhere is a title or tab
        if not sub and c.cart_opened and not self.menu_visible(scan):
            sub = self._disabled_submit(scan)
        if sub and (c.added or c.cart_opened):
            return await self.at_checkout(scan, sub)
        pay = [x for x in scan.candidates if is_pay(x.d) and x.d.get("overlay", -1) < 0]
        if pay and c.added and c.cart_opened:
            # the only way on moves money: this is the last step before payment
            return await self.at_checkout(scan, (0.0, pay[0], ["pay control: last step before money moves"]))
        for move in (self._meet_requirement, self._choose_mode, self._open_cart, self._add_item, self._enter_menu,
                     self._open_category, self._satisfy_choice, self._clear_overlay):
            done = await move(scan, ov)
            if done is not None:
                return done or bool(self.ctx.last_msg)  # the page answered with a message: act on it next
        return False

    async def _payment_prompt(self, scan: PageScan) -> bool:
        """A layer that asks the diner to pay (支付 ¥24, 去支付, pay now): the last step before money
        moves is reached; nothing in it is pressed."""
        for ov in reversed(scan.overlays):
            text = ov.d.get("text", "")
            if PAY_PROMPT_RE.search(text) and len(text) <= 300:
                self.ctx.at_checkout = True
                self.reach("checkout")
                self.doing(Doing.AT_CHECKOUT)
                await self.record("stop", note="the page asks for payment: the last step before money moves; "
                                  "nothing pressed", target=ov)
                return True
        return False

    async def _choose_mode(self, scan: PageScan, ov: Ref | None) -> bool | None:
        """Before the menu: dine-in, else pickup, when the page asks for the order mode."""
        c = self.ctx
        if c.mode_chosen or c.added:
            return None
        for mode in ("dine_in", "pickup"):
            b = self.best(scan, "mode_" + mode, min_score=5)
            if b and self.ctx.clicks.get(b[1].key, 0) == 0 and not self.menu_visible(scan):
                c.mode_chosen = mode
                self.trace.order_mode = mode
                self._last_purpose = "mode"
                self.doing(Doing.MODE, mode=mode)
                await self.act(b[1], "mode_" + mode, self.ranked(scan, "mode_" + mode))
                return True
        return None

    async def _open_cart(self, scan: PageScan, ov: Ref | None) -> bool | None:
        """With an item added: the cart, then the checkout (inside an open cart sheet first)."""
        c = self.ctx
        if not c.added:
            return None
        for purpose in (("checkout", "cart") if c.cart_opened else ("cart", "checkout")):
            ranked = self._fresh(self.ranked(scan, purpose), max_clicks=2)
            ranked = [r for r in ranked if r[0] >= 4 and self._may_press_unnamed(scan, r, purpose)]
            if ov is not None:
                inside = [r for r in ranked if r[1].d.get("overlay", -1) >= 0]
                ranked = inside or ranked
            if ranked:
                ref = ranked[0][1]
                unnamed = purpose == "checkout" and not by_words(ranked[0][2])
                self.doing(Doing.CART if purpose == "cart" else Doing.CHECKOUT)
                self._last_purpose = purpose
                was_cart, was_co = c.cart_opened, c.at_checkout
                c.cart_opened = True
                if CHECKOUT_MOVE_RE.search(ref.text()) or (purpose == "checkout" and not ref.text().strip()):
                    c.at_checkout = True  # gates met on the way to the order form are checkout gates
                self.reach("cart")
                before, since = scan.text, len(self.trace.requests)
                _st, changed, after = await self.act_screened(scan, ranked[0], purpose, self.ranked(scan, purpose))
                if after is not None:
                    return after
                if unnamed and changed and not self.menu_visible(self.scan):
                    c.unnamed_checkouts += 1  # by look alone past the menu (a sheet over it does not count)
                if not changed:
                    c.cart_opened, c.at_checkout = was_cart, was_co
                elif (ORDER_STATUS_RE.search(self.scan.text) and not ORDER_STATUS_RE.search(before)) or \
                        (CONFIRM_RE.search(self.scan.text) and not CONFIRM_RE.search(before)
                         and self._order_answered(since, scan.url)):
                    await self._placed_by_checkout(ref)
                    return "done"
                return changed
        if MINIMUM_RE.search(scan.cart) and self.ctx.top_ups < MAX_TOP_UPS and await self._top_up(scan):
            return True  # no way to the cart yet, and the cart bar asks for a bigger order (还差¥10起送)
        if c.items_opened and not c.cart_opened and not c.went_back and await self._can_go_back():
            # added on a dish's own page with no cart in sight: back to the menu and its cart bar
            c.went_back = True
            with contextlib.suppress(Exception):
                await self.page.go_back(timeout=5000)
            await self.settle()
            await self.record("back", note="back to the menu from the dish's page")
            return True
        return None

    async def _placed_by_checkout(self, ref: Ref) -> None:
        """The control taken for the checkout placed the order (the merchant answered an order
        request and the page confirms it): the order is in, as the page said."""
        self.ctx.submitted = True
        self.reach("checkout")
        self.reach("submitted")
        await self.record("wait", note="the page confirmed an order after the checkout control", target=ref)
        await self.post_order()

    def _may_press_unnamed(self, scan: PageScan, r: tuple[float, Ref, list[str]], purpose: str) -> bool:
        """A checkout control chosen without its words (by a class name, its look or place) is
        pressed at most :data:`MAX_UNNAMED_CHECKOUTS` times a visit (past the cart by look alone
        twice, what comes next could be money); in live mode, on a page of its own, only with the
        network screened (:meth:`_screened`)."""
        _s, _ref, why = r
        if purpose != "checkout" or by_words(why):
            return True
        return self.ctx.unnamed_checkouts < MAX_UNNAMED_CHECKOUTS

    def _screened(self) -> bool:
        """Whether the press of a cart or checkout control chosen without its words goes with the
        network screened (:meth:`crawler.browser.Visit.screen_network`): in live mode, with a dish
        in the cart and the network not yet held.  What it does is not known — an icon on a cart
        sheet or an order page may be the final submit — so only loads of the merchant's own pages
        may follow it; anything else it sends is held, and the network with it."""
        return self.live() and not self.visit.held and self.ctx.added

    async def act_screened(self, scan: PageScan, r: tuple[float, Ref, list[str]], purpose: str, ranked,
                           note: str = ""):
        """:meth:`act` on the candidate ``r`` (``(score, ref, reasons)``); in live mode, when it was
        chosen without its words and a dish is in the cart (:meth:`_screened`), with the network
        screened.  Returns ``(step, changed, after)``: ``after`` is what the held checkout returned
        when the press formed an order (the control was the final submit), else ``None``.  Raises
        :class:`Finished` when the screen held a request and the walk cannot go on."""
        _s, ref, why = r
        screened = self._screened() and not by_words(why)
        since = len(self.trace.requests)
        if screened:
            await self.visit.screen_network(ref.element(), site_of(ref.d.get("frame_url") or scan.url))
        try:
            st, changed = await self.act(ref, purpose, ranked, note=note)
        finally:
            stopped = self.visit.end_screen() if screened else None
        if not screened:
            return st, changed, None
        st.note += "; pressed with the network screened (only loads of the merchant's own pages let out)"
        if not stopped:
            return st, changed, None
        st.note += (f"; the press sent {stopped['method']} {stopped['url'][:120]}: held, not sent; "
                    "the network is held from here")
        return st, changed, await self._screen_held(scan, ref, since, changed)

    async def _screen_held(self, scan: PageScan, ref: Ref, since: int, changed: bool):
        """After a screened press whose request was held: when that request is an order to the
        merchant's own site (a non-GET, no payment in its address), the control was the final submit —
        the checkout goes on as live mode's held checkout (its form read, canaries typed, pressed
        again, nothing sent); else, when the page did not go on without the answer (or set off for a
        document the hold stopped), the walk ends (order path not completed); else it goes on, held."""
        c = self.ctx
        order = self._formed_order(since, scan.url)
        if order is not None and order.method.upper() != "GET" and self._unpaid_own_order(order, scan.url):
            c.cart_opened = c.at_checkout = True
            await self.record("wait", note=f"the control without words formed a request to the merchant's own site "
                              f"({order.method} {urlsplit(order.url).path}), held: it is taken for the final submit",
                              target=ref)
            return await self.at_checkout(self.scan, (5.0, ref, ["no words: its press formed an order request"]))
        if not changed or self.left_for_held():
            await self.record("stop", note="the way on sends a request that live mode holds and the page "
                              "did not go on without its answer: the walk ends here", target=ref)
            raise Finished("error", Reason(Code.NOT_COMPLETED, {"reached": c.reached}))
        return True

    async def _add_item(self, scan: PageScan, ov: Ref | None) -> bool | None:
        """On the menu: add the best-scored item that is not sold out (its options next, if any)."""
        c = self.ctx
        if c.added:
            return None
        ranked = self._fresh(self.ranked(scan, "add", outside_overlays=ov is not None))
        ranked = [r for r in ranked if r[0] >= 4 and not SOLD_OUT_RE.search(r[1].d.get("ctx", "") + r[1].d.get("text", ""))]
        if not ranked:
            return await self._open_item(scan, ov)
        ref = ranked[0][1]
        self.ctx.added_items.add(self.dish_of(ref))
        self.ctx.cart_before_add = scan.cart
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

    async def _open_item(self, scan: PageScan, ov: Ref | None) -> bool | None:
        """A menu whose rows have no add control: open a dish (its row, or its picture) — the add
        control is on the dish's own page or sheet."""
        if ov is not None or self.ctx.items_opened >= 3:
            return None
        ranked = [r for r in self._fresh(self.ranked(scan, "open_item", outside_overlays=True))
                  if r[0] >= 4 and not SOLD_OUT_RE.search(r[1].d.get("ctx", "") + r[1].d.get("text", ""))]
        if not ranked:
            return None
        self.ctx.items_opened += 1
        self.doing(Doing.ADDING)
        self._last_purpose = "add"
        self.ctx.menu_seen = self.ctx.item_chosen = True
        self.reach("menu")
        _st, changed = await self.act(ranked[0][1], "open_item", ranked)
        return changed

    async def _enter_menu(self, scan: PageScan, ov: Ref | None) -> bool | None:
        """On a landing page: the control that opens the menu (开始点餐...)."""
        if self.ctx.menu_seen:
            return None
        ranked = [r for r in self._fresh(self.ranked(scan, "enter_menu")) if r[0] >= 3]
        if not ranked:
            return None
        self.doing(Doing.ENTERING_MENU)
        self._last_purpose = "enter_menu"
        _st, changed = await self.act(ranked[0][1], "enter_menu", self.ranked(scan, "enter_menu"))
        return changed

    async def _open_category(self, scan: PageScan, ov: Ref | None) -> bool | None:
        """No dish to take in sight: a menu category (a tab, a sidebar entry, a card of a swiped
        carousel) whose tap shows its dishes — the best one not tried yet, the selected one last,
        up to :data:`MAX_CATEGORIES` a visit."""
        c = self.ctx
        if c.added or ov is not None or c.categories_opened >= MAX_CATEGORIES:
            return None
        ranked = [r for r in self._fresh(self.ranked(scan, "category")) if r[0] >= 4]
        if not ranked:
            return None
        ranked.sort(key=lambda r: (bool(r[1].d.get("selected")), -r[0]))
        c.categories_opened += 1
        self.doing(Doing.ADDING)
        self._last_purpose = "category"
        _st, changed = await self.act(ranked[0][1], "category", ranked)
        return changed

    async def _satisfy_choice(self, scan: PageScan, ov: Ref | None) -> bool | None:
        """A control the diner needs is disabled or did nothing (开始点餐 before the number of diners
        is chosen, 确定 before a required option): choose the first option of every group that has
        no choice yet, then that control may be pressed again."""
        wanted = ("enter_menu", "spec_confirm", "cart", "checkout", "submit")
        stuck = [c for c in scan.candidates if (not c.d.get("enabled", True) or c.key in self.ctx.no_effect)
                 and any(score(c.d, p, scan.viewport)[0] >= 4 for p in wanted)]
        if not stuck:
            return None
        if ov is not None:
            idx = self._ov_index(ov)
            pool = [c for c in scan.candidates if c.frame is ov.frame and c.d.get("overlay") == idx]
        else:
            pool = [c for c in scan.candidates if c.d.get("overlay", -1) < 0]
        chosen = await self.choose_open_groups(pool)
        if not chosen:
            return None
        for c in stuck:
            self.ctx.clicks.pop(c.key, None)
            self.ctx.no_effect.discard(c.key)
        await self.settle()
        await self.record("click", note=f"chose {chosen} option(s) the page asks for first")
        return True

    async def _clear_overlay(self, scan: PageScan, ov: Ref | None) -> bool | None:
        """A plain overlay in the way (a notice, a number-of-diners picker): confirm or close it."""
        if ov is None:
            return None
        for purpose in ("spec_confirm", "close", "skip"):
            ranked = [r for r in self._fresh(self.ranked(scan, purpose, within=ov)) if r[0] >= 3]
            if ranked:
                self._last_purpose = "overlay"
                self.doing(Doing.NOTICE)
                if purpose != "spec_confirm":  # a way out is never an order
                    _st, changed = await self.act(ranked[0][1], purpose, ranked)
                    return changed
                _st, changed, after = await self.act_screened(scan, ranked[0], purpose, ranked)
                return changed if after is None else after
        return None
