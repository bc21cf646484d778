"""Filling in the order form: what the diner types, ticks and reads at the checkout.

The diner types canaries into the form's personal fields (the required ones when the
merchant's answer is seen, every one of them in live mode), ticks the boxes a refusal
asks for ("请先勾选同意"), fills the other required fields (table, people), and reads a
refused submit for the fields it names or the page marks invalid.
:mod:`crawler.agent.submitting` presses the submit; :mod:`crawler.agent.checkout` decides when.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.lexicon import simplified
from core.reasons import Code, Reason
from core.trace import FormField, Gate, Try
from crawler.agent import gates as G
from crawler.agent.scan import PageScan, Ref
from crawler.agent.session import Finished, Session
from crawler.agent.submitting import Press
from crawler.agent.words import TICK_RE, VALIDATION_RE

#: Words in a refusal that name each kind of field.
FIELD_WORDS = {
    "phone": r"手机|手機|电话|電話|phone|mobile", "name": r"姓名|名字|称呼|稱呼|name", "email": r"邮箱|郵箱|email|e-mail",
    "id_number": r"身份证|身份證|证件|證件|\bid\b", "birthday": r"生日|birth", "gender": r"性别|性別|gender",
    "address": r"地址|address", "sms_code": r"验证码|驗證碼|code",
}

INVALID_JS = ("e => !!(e.validity && !e.validity.valid) || e.getAttribute('aria-invalid') === 'true' || "
              "/error|invalid/i.test(e.className + ' ' + (e.parentElement ? e.parentElement.className : ''))")


@dataclass
class Form:
    """The order form as the diner reads it: personal fields (scanned ref + trace field), consent boxes."""

    pi: list[tuple[Ref, FormField]] = field(default_factory=list)
    fields: list[FormField] = field(default_factory=list)
    boxes: list[Ref] = field(default_factory=list)


class FillingIn(Session):
    """A room of the order agent (see the module doc); mixed into ``OrderAgent``."""

    async def _type_required(self, pi: list[tuple[Ref, FormField]], gate: Gate, filled_for: set[str]) -> None:
        """Type canaries into the required personal fields not yet filled (else into all of them)."""
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
                    await self.held_press(send[0], "send_code")
                    await self.click(send[0], allow_force=False)
                    await self.settle()
            await self.type_into(f, ff.kind_hint, gate, ff)
        await self._fill_other_required(self.scan)
        await self.settle()  # what the typing set off (a debounced send) belongs to this step
        await self.record("type", note="canary values typed into required checkout fields")

    async def _probe_optional_fields(self, form: Form) -> int:
        """Privileged mode, before the submit with the fields empty: a personal field the page itself
        marks optional (选填) and nothing marks required gets its canary typed, is left (blur), then
        emptied and left again — what the page sends on typing or leaving the field (Leaky Forms) is
        seen, and the submit still tries the form with the field empty.  The canary is recorded in
        ``trace.typed`` only (not as handed to a gate).  Returns how many fields were probed."""
        n = 0
        for f, ff in form.pi:
            if ff.required_signals or not ff.optional_signals or ff.kind_hint == "sms_code" or ff.value_typed:
                continue
            if await self.type_into(f, ff.kind_hint, None) is None:
                continue
            n += 1
            try:
                loc = f.locator()
                await loc.blur(timeout=1500)
                await self.settle()
                await loc.fill("", timeout=1500)
                await loc.blur(timeout=1500)
            except Exception:  # noqa: BLE001 - a field that went away: nothing more to do with it
                continue
        if n:
            await self.settle()
            await self.record("type", note=f"canary typed into {n} optional personal field(s), left, then emptied "
                                           "again (what the page sends on typing is seen; the submit leaves them empty)")
        return n

    async def _type_every_pi_field(self, form: Form, gate: Gate | None) -> int:
        """Canaries into every personal field, optional ones too (Leaky Forms): typing sends nothing by
        itself, so whatever leaves the page is the page's doing.  Returns how many were typed."""
        n = 0
        for f, ff in form.pi:
            if ff.value_typed or ff.kind_hint == "sms_code":
                continue
            if await self.type_into(f, ff.kind_hint, gate, ff) is not None:
                n += 1
        return n

    async def _tick_if_asked(self, press: Press, msg: str, st, sub_ref: Ref, gate: Gate | None) -> bool:
        """The page refused because a box is unticked ("请先勾选同意"): record the box as required
        (and the form gate if there was none), tick it.  True when something was ticked."""
        unticked = [cb for cb in press.scan.checkboxes if cb.d.get("overlay", -1) < 0 and not cb.d.get("checked")]
        if not unticked or not (TICK_RE.search(msg) or not msg.strip()):
            return False
        if gate is None:
            gate = G.boxes_gate(self.trace, st, unticked, sub_ref)
            self.trace.gates.append(gate)
        for cb in gate.checkboxes:
            if "validation-message" not in cb.required_signals and TICK_RE.search(msg):
                cb.required_signals.append("validation-message")
        gate.tries.append(Try("leave empty and go on", "still_blocked", control=sub_ref.element(), step=st.n,
                              detail=msg.strip()[:200]))
        for cb in unticked:
            await self._tick(cb)
        await self.record("click", note="ticked the box(es) the order form requires")
        return True

    async def _mark_required(self, pi: list[tuple[Ref, FormField]], msg: str) -> None:
        """After a refused empty submit: the fields the message names, or that the page marks invalid."""
        invalid = await self._invalid_fields([f for f, _ in pi])
        named = [ff for f, ff in pi if self._message_names(msg, ff)]
        for f, ff in pi:
            if ff in named or f.key in invalid or (not named and not invalid and VALIDATION_RE.search(msg) and ff.required_signals):
                if "validation-message" not in ff.required_signals:
                    ff.required_signals.append("validation-message")

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

    @staticmethod
    def _message_names(msg: str, ff: FormField) -> bool:
        words = FIELD_WORDS.get(ff.kind_hint)
        return bool(msg.strip() and words and re.search(words, msg, re.I))

    async def _invalid_fields(self, refs: list[Ref]) -> set[str]:
        out = set()
        for f in refs:
            try:
                bad = await f.locator().evaluate(INVALID_JS, timeout=1000)
            except Exception:
                bad = False
            if bad:
                out.add(f.key)
        return out

    async def _fill_other_required(self, scan: PageScan) -> bool:
        """Fill required non-PI fields (table, people) that are empty — required by the form, marked
        with an asterisk, or named by the page's last refusal of the submit (``ctx.refusal``: 请填写桌号,
        請填寫用餐人數); True when something was filled."""
        said = simplified(self.ctx.refusal)

        def named(f: Ref) -> bool:
            words = re.split(r"[\s*＊:：()（）]+", simplified(f"{f.d.get('label', '')} {f.d.get('placeholder', '')}"))
            return bool(said) and any(len(w) >= 2 and w in said for w in words)
        did = False
        for f in scan.fields:
            k = G.field_kind(f.d)
            if k in G.PI_FIELD_KINDS or f.d.get("value") or f.d.get("readonly") or f.d.get("disabled"):
                continue
            if not (f.d.get("required") or f.d.get("valueMissing") or re.match(r"\s*[*＊]", f.d.get("label", "")) or named(f)):
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
