"""Checking out: the last step before money moves.

The diner picks the order mode (dine-in, else pickup), reads the order form
(its personal fields and consent boxes become a ``form`` gate), then:

* **privileged** mode (a declared sandbox host, or ``allow_submit``): submits with
  the personal fields empty, reads the refusal, ticks the boxes it asks for and
  types canaries into the fields it names, submits again — and looks at what
  follows the order;
* **live** mode: the same with the network held.  The first press of the final
  submit holds every request from then on (recorded, never sent), so the page's
  own client-side checks are seen (HTML constraint validation, ``:invalid`` fields,
  toasts and dialogs, "请先勾选同意", a submit that stays disabled) and the order
  request it forms is recorded but never reaches the merchant.  Canaries are typed
  into every personal field, optional ones too, and the held submit is pressed
  again so a leak fired on submit is recorded.  What only a placed order shows
  (the server's answer, what follows the order) is not observed.

A payment control is never pressed, in either mode.  This room decides what to do
at the checkout; two rooms beside it do it: :mod:`crawler.agent.filling_in` (what the
diner types and ticks, and reads in a refusal) and :mod:`crawler.agent.submitting` (one
press of the final submit and what the page did).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from core.reasons import Code, Doing, Reason
from core.trace import Gate, Try
from crawler.agent import gates as G
from crawler.agent.filling_in import Form
from crawler.agent.scan import PageScan, Ref
from crawler.agent.session import Finished, Session, may_submit, submit_decision
from crawler.agent.words import CONFIRM_RE, CONSENT_BOX_RE

#: Presses taken for the final submit that may open another view with its own (held checkout), at most.
MAX_VIEWS_ON = 2

#: Required-ness the page declares itself (as opposed to learning it from a refusal).
MARKED_REQUIRED = {"required-attr", "aria-required", "asterisk", "text-必填"}


class CheckingOut(Session):
    """A room of the order agent (see the module doc); mixed into ``OrderAgent``."""

    async def at_checkout(self, scan: PageScan, sub: tuple[float, Ref, list[str]]):
        """The last step before money moves: order mode, the form, then submit (privileged) or a held
        submit (live); returns ``"done"`` (or True when a gate at submit left the checkout)."""
        c = self.ctx
        c.at_checkout = True
        self.doing(Doing.AT_CHECKOUT)
        self.reach("checkout")
        scan, sub = await self._choose_checkout_mode(scan, sub)
        form = self._read_form(scan)
        sub_ref = sub[1]
        ranked_sub = self.ranked(scan, "submit")
        step = await self.record("wait", note="checkout reached", target=sub_ref,
                                 candidates=self.candidates_for_trace(ranked_sub, sub_ref, "submit"), fields=form.fields)
        gate = None
        consent = [cb for cb in form.boxes if CONSENT_BOX_RE.search(cb.d.get("label", ""))]
        if form.pi or consent:
            gate = G.form_gate(self.trace, step, form.pi, consent, sub_ref, all_boxes=form.boxes)
            self.trace.gates.append(gate)
        decision = submit_decision(self.host(), self.config, sub_ref.text())
        if decision == "never":
            await self.record("stop", note="the final control is a payment control: never pressed", target=sub_ref)
            return "done"
        if decision == "stop":
            return await self._held_checkout(scan, sub_ref, gate, form)
        await self._probe_optional_fields(form)
        return await self._submit_loop(scan, sub, gate, form, ranked_sub)

    async def _choose_checkout_mode(self, scan: PageScan, sub: tuple[float, Ref, list[str]]):
        """Prefer dine-in, else pickup, when the page offers the choice; note the mode."""
        c = self.ctx
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
            offered = set(self.trace.order_modes_offered)
            if "delivery" in offered and not ({"dine_in", "pickup"} & offered):
                self.trace.order_mode = "delivery"
            elif c.mode_chosen:
                self.trace.order_mode = c.mode_chosen
        return scan, sub

    def _read_form(self, scan: PageScan) -> Form:
        """The checkout form's fields (all frames, overlays included) and its checkboxes outside overlays."""
        refs = list(scan.fields)
        ffs = [self.form_field(f) for f in refs]
        pi = [(f, ff) for f, ff in zip(refs, ffs, strict=True) if ff.kind_hint in G.PI_FIELD_KINDS]
        return Form(pi=pi, fields=ffs, boxes=[cb for cb in scan.checkboxes if cb.d.get("overlay", -1) < 0])

    # ---- privileged: submit for real ----------------------------------------------------

    async def _submit_loop(self, scan: PageScan, sub, gate: Gate | None, form: Form, ranked_sub, start: int = 0):
        """Privileged mode: submit with the fields empty, then as the refusals ask, up to four times
        (``start=1``: canaries were typed already, the first press here is not an empty one)."""
        c = self.ctx
        filled_for: set[str] = set()
        ticked_once = chose_groups = False
        sub_ref = sub[1]
        for attempt in range(start, 4):
            press = await self._press_submit(sub_ref, scan.url)
            if press.kind == "confirmed":
                c.submitted = True
                self.reach("submitted")
                st = await self.record("click", note="order submitted" + (" with empty PI fields" if attempt == 0 else ""),
                                       target=sub_ref, candidates=self.candidates_for_trace(ranked_sub, sub_ref, "submit"))
                self._submitted_with(gate, attempt, sub_ref, st.n)
                await self.post_order()
                return "done"
            if press.kind == "moved" and press.clicked:
                # the form went away without a confirmation: a next step (a confirm page), not proof of an order
                st = await self.record("click", note="submit pressed: the page went on (no confirmation yet)",
                                       target=sub_ref, candidates=self.candidates_for_trace(ranked_sub, sub_ref, "submit"))
                self._submitted_with(gate, attempt, sub_ref, st.n)
                c.at_checkout = True
                return True
            if press.kind == "gate":
                st = await self.record("click", note="submit pressed: a gate appeared", target=sub_ref)
                nxt = await self._gate_at_submit(press.view, st)
                if not isinstance(nxt, Ref):
                    return nxt if nxt is not None else True
                sub_ref, scan = nxt, self.scan
                continue
            msg = press.msg
            self.ctx.refusal = msg or self.ctx.refusal
            st = await self.record("click", note="submit pressed: not accepted" + (f" ({msg.strip()[:80]})" if msg.strip() else ""),
                                   target=sub_ref)
            if not ticked_once and await self._tick_if_asked(press, msg, st, sub_ref, gate):
                ticked_once = True
                gate = gate or self.trace.gates[-1]
                sub_ref = (self.best(self.scan, "submit", min_score=5) or sub)[1]
                if not form.pi:
                    continue
            if not form.pi:
                if not await self._fill_other_required(press.scan):
                    raise Finished("error", Reason(Code.SUBMIT_REFUSED, {"no_pi_field": True}))
                sub_ref = (self.best(self.scan, "submit", min_score=5) or sub)[1]
                continue
            if attempt == 0:
                gate.tries.append(Try("leave empty and go on", "still_blocked", control=sub_ref.element(), step=st.n,
                                      detail=msg.strip()[:200]))
                await self._mark_required(form.pi, msg)
            elif not chose_groups:
                # typed and still refused: a choice the form asks for (性别, 就餐方式) may be missing
                chose_groups = True
                n = await self.choose_open_groups([c for c in self.scan.candidates if c.d.get("overlay", -1) < 0])
                if n:
                    await self.settle()
                    await self.record("click", note=f"chose {n} option(s) the order form asks for")
                    sub_ref = (self.best(self.scan, "submit", min_score=5) or sub)[1]
                    continue
            await self._type_required(form.pi, gate, filled_for)
            sub_ref = (self.best(self.scan, "submit", min_score=5) or sub)[1]
        if gate is not None:
            gate.passed_by = "not_passed"
            raise Finished("blocked", Reason(Code.CHECKOUT_REFUSED, {"asks": list(gate.asks_hint)}))
        raise Finished("error", Reason(Code.SUBMIT_REFUSED))

    def _submitted_with(self, gate: Gate | None, attempt: int, sub_ref: Ref, step_no: int) -> None:
        """The order went in: on the first attempt the empty fields were optional; later it took canaries."""
        if gate is None:
            return
        if attempt == 0:
            for ff in gate.fields:
                if "submitted-empty-ok" not in ff.optional_signals:
                    ff.optional_signals.append("submitted-empty-ok")
            gate.tries.append(Try("leave empty and go on", "passed", control=sub_ref.element(), step=step_no))
            gate.passed_by = "try"
        else:
            gate.passed_by = "canary"  # ticked the required box or typed canaries (step st)

    async def _gate_at_submit(self, view: G.GateView, st) -> Ref | str | bool | None:
        """A gate popped up on submit (e.g. a phone login before ordering): get past it; the
        submit control to press next, or what :meth:`at_checkout` returns.

        A gate that a no-PI try dismissed but the next submit brought back blocks the order:
        that try is marked ``returned_on_retry`` and the gate is handed what it asks for."""
        seen = self.gates_by_sig.get(view.signature)
        if seen is not None and seen.tries and seen.tries[-1].outcome in ("passed", "gate_returned", "returned_on_retry"):
            last = seen.tries[-1]
            if last.outcome != "returned_on_retry":
                last.outcome = "returned_on_retry"
                last.detail = (last.detail + "; " if last.detail else "") + f"came back on the next submit (step {st.n})"
            gate, _new = self._gate_for(view, st)
            await self.give_canaries(gate, view, seen_now=True)
        else:
            await self.handle_gate(view, st)
        scan = await self.look()
        if self.gate_now(scan) is not None:
            return True  # another gate (or the same, back): the walk deals with it, then comes back here
        sub = self.best(scan, "submit", min_score=5)
        if sub is not None:
            return sub[1]
        if CONFIRM_RE.search(scan.text) and not self.live():
            self.ctx.submitted = True
            self.reach("submitted")
            await self.post_order()
            return "done"
        return True

    # ---- live: the held submit ---------------------------------------------------------

    async def _held_checkout(self, scan: PageScan, sub_ref: Ref, gate: Gate | None, form: Form):
        """Live mode (or a final control without words): press the final submit with the network
        held, first with the personal fields empty, then with canaries in every one of them; the
        order is never sent."""
        since = len(self.trace.requests)
        first = await self._press_submit(sub_ref, scan.url, held=True)
        if first.kind == "gate":
            st = await self.record("click", note="submit pressed with the network held: a gate appeared", target=sub_ref)
            met = first.view
            nxt = await self._gate_at_submit(met, st)
            if not isinstance(nxt, Ref):
                return nxt if nxt is not None else True
            sub_ref = nxt
            first = await self._press_submit(sub_ref, self.scan.url, held=True)
            if first.kind == "nothing":
                await self._dismissal_led_nowhere(met, sub_ref)
        if first.kind == "moved" and self.ctx.views_on < MAX_VIEWS_ON:
            nxt = self.best(self.scan, "submit", min_score=5) or self.unnamed_submit(self.scan)
            if nxt is not None and self._another_control(nxt[1], sub_ref):
                # the control taken for the final submit opened the order view (下单 on the cart bar):
                # that view's form and final control are the checkout (the network stays held)
                self.ctx.views_on += 1
                await self.record("click", note="pressed with the network held: another view with its own final "
                                  "control came up (nothing sent)", target=sub_ref)
                return await self.at_checkout(self.scan, nxt)
        st = await self.record("click", note=self._press_note(first, "with empty PI fields"), target=sub_ref)
        if first.kind == "formed" and await self._release_for_order(since, scan.url, sub_ref):
            sub_ref, form = await self._back_to_form(scan.url, sub_ref, form)
            return await self._submit_loop(self.scan, (5.0, sub_ref, []), gate, form, self.ranked(self.scan, "submit"))
        if first.kind in ("formed", "confirmed", "moved"):
            self._held_accepted_empty(gate, sub_ref, st.n)
        elif not first.clicked:
            # disabled: a box to tick first (同意...) may be what keeps it so; else the empty fields are
            ticked = await self._tick_if_asked(first, "", st, sub_ref, gate)
            if ticked:
                gate = gate or self.trace.gates[-1]
                await self.look()
                sub_ref = self.current(sub_ref)
            if not (ticked and sub_ref.d.get("enabled", True)):
                self._disabled_while_empty(form)
        else:
            await self._tick_if_asked(first, first.msg, st, sub_ref, gate)
            gate = gate or (self.trace.gates[-1] if self.trace.gates and self.trace.gates[-1].kind == "form" else None)
            if gate is not None and form.pi:
                gate.tries.append(Try("leave empty and go on", "still_blocked", control=sub_ref.element(), step=st.n,
                                      detail=first.msg.strip()[:200]))
                await self._mark_required(form.pi, first.msg)
        self.ctx.refusal = first.msg or self.ctx.refusal
        typed = await self._type_every_pi_field(form, gate)
        await self._fill_other_required(self.scan)
        await self.settle()
        if not typed and first.kind in ("formed", "confirmed", "moved"):
            await self.record("stop", note="order request formed and held: nothing sent; stopped before payment",
                              target=sub_ref)
            return "done"
        if typed:
            await self.record("type", note="canary values typed into every personal field (network held)")
        sub_ref = (self.best(self.scan, "submit", min_score=5) or (0, sub_ref, []))[1]
        since, url_before = len(self.trace.requests), self.scan.url
        second = await self._press_submit(sub_ref, url_before, held=True)
        await self.record("click", note=self._press_note(second, "with canary values"), target=sub_ref)
        if second.kind == "formed" and await self._release_for_order(since, url_before, sub_ref):
            sub_ref, form = await self._back_to_form(url_before, sub_ref, form)
            return await self._submit_loop(self.scan, (5.0, sub_ref, []), gate, form, self.ranked(self.scan, "submit"),
                                           start=1 if typed else 0)
        if second.kind in ("formed", "confirmed", "moved") or first.kind in ("formed", "confirmed", "moved"):
            if gate is not None and gate.passed_by == "not_passed":
                gate.passed_by = "canary"
            return "done"
        if gate is not None:
            gate.passed_by = "not_passed"
            raise Finished("blocked", Reason(Code.CHECKOUT_REFUSED, {"asks": list(gate.asks_hint)}))
        raise Finished("error", Reason(Code.SUBMIT_REFUSED))

    async def _dismissal_led_nowhere(self, view: G.GateView, sub_ref: Ref) -> None:
        """The gate met at the submit was dismissed without PI, and then the submit did nothing at
        all (no request, no message, no gate): the dismissal was no way past.  Hand the gate what it
        asks if it can be brought back; else the order is blocked there."""
        gate = self.gates_by_sig.get(view.signature)
        if gate is None or not gate.tries or gate.tries[-1].outcome != "passed":
            return
        last = gate.tries[-1]
        last.outcome = "returned_on_retry"
        last.detail = (last.detail + "; " if last.detail else "") + "the submit did nothing after it"
        gate.passed_by = "not_passed"
        await self.record("stop", note=f"gate {gate.id}: after it was dismissed the submit did nothing: no way past",
                          target=sub_ref)
        raise Finished("blocked", Reason(Code.GATE_NO_WAY, {"asks": list(gate.asks_hint)}))

    def _held_accepted_empty(self, gate: Gate | None, sub_ref: Ref, step_no: int) -> None:
        """The page formed the order with the personal fields empty.  A field the page does not mark
        required is optional; one it marks required (``*``, ``required``, 必填) may still be refused
        by the merchant's server, which a live audit does not see: the try is ``not_observed``."""
        if gate is None:
            return
        marked = [ff for ff in gate.fields if set(ff.required_signals) & MARKED_REQUIRED]
        for ff in gate.fields:
            if ff not in marked and "held-submit-accepted-empty" not in ff.optional_signals:
                ff.optional_signals.append("held-submit-accepted-empty")
        outcome = "not_observed" if marked else "passed"
        gate.tries.append(Try("leave empty and go on", outcome, control=sub_ref.element(), step=step_no,
                              detail="order request formed with the fields empty (network held)"
                              + ("; the page marks some required: the merchant's answer was not observed" if marked else "")))
        if not marked:
            gate.passed_by = "try"

    @staticmethod
    def _disabled_while_empty(form: Form) -> None:
        """The final submit could not be pressed with the personal fields empty: the fields the page
        marks as required (or the only one) are required by the page's own behaviour."""
        marked = [ff for _f, ff in form.pi if ff.required_signals]
        for ff in marked or ([form.pi[0][1]] if len(form.pi) == 1 else []):
            if "submit-disabled-while-empty" not in ff.required_signals:
                ff.required_signals.append("submit-disabled-while-empty")

    async def _back_to_form(self, form_url: str, sub_ref: Ref, form: Form) -> tuple[Ref, Form]:
        """After a released probe whose held navigation left the order form (the browser's error
        page): back to the form (history, else loading its address again), its submit and fields
        found afresh; each field keeps its trace record (matched by name, label and kind)."""
        if not self.left_for_held() and (self.page.url or "") == form_url:
            return sub_ref, form
        try:
            await self.page.go_back(timeout=5000)
        except Exception:  # noqa: BLE001 - no history entry: load the form's address
            await self.visit.goto(form_url)
        await self.settle()
        scan = await self.look()
        if (self.page.url or "").startswith("chrome-error:") or not scan.fields:
            await self.visit.goto(form_url)
            scan = await self.look()
        await self.record("back", note="back to the order form after the released probe")
        mode = self.trace.order_mode
        b = self.best(scan, "mode_" + mode, min_score=4.5) if mode in ("dine_in", "pickup") else None
        if b is not None and not b[1].d.get("selected"):  # the form came back as first served: choose again
            await self.act(b[1], "mode_" + mode, self.ranked(scan, "mode_" + mode), note=f"order mode {mode} again")
            scan = self.scan
        sub = self.best(scan, "submit", min_score=5) or self.unnamed_submit(scan)
        old = {(ff.name, ff.label, ff.kind_hint): ff for _f, ff in form.pi}
        pi = []
        for f in scan.fields:
            new = self.form_field(f)
            if new.kind_hint in G.PI_FIELD_KINDS:
                pi.append((f, old.get((new.name, new.label, new.kind_hint), new)))
        return (sub[1] if sub else sub_ref), Form(pi=pi, fields=form.fields,
                                                  boxes=[cb for cb in scan.checkboxes if cb.d.get("overlay", -1) < 0])

    async def _release_for_order(self, since: int, page_url: str, sub_ref: Ref) -> bool:
        """Privileged mode, a final control without words pressed as a probe (network held): when
        what it formed is an order to the merchant's own site whose address names no payment
        (pay, cashier, 支付...), end the hold so the order can go in for real; True then."""
        if self.visit.live or not may_submit(urlsplit(page_url).hostname or "", self.config):
            return False  # (the page now may be the browser's error page of the held navigation: judge its origin)
        r = self._formed_order(since, page_url)
        if not self._unpaid_own_order(r, page_url):
            return False
        self.visit.release_network()
        await self.record("wait", note=f"network released: the held request was an order to the merchant's own site "
                                       f"({r.method} {urlsplit(r.url).path}), not a payment", target=sub_ref)
        return True

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
