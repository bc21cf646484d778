"""Choosing an item's options: the spec picker (an overlay or an item page) — the first
option of every group without a choice, then its confirm control."""

from __future__ import annotations

import re

from core.reasons import Doing
from crawler.agent.scan import PageScan, Ref
from crawler.agent.session import Session
from crawler.agent.words import (
    SOLD_OUT_RE,
    SPEC_RE,
    by_words,
    is_pay,
)


class ChoosingOptions(Session):
    """A room of the order agent (see the module doc); mixed into ``OrderAgent``."""

    OPTION_SKIP_RE = re.compile(r"确定|確定|确认|確認|加入|选好|選好|取消|关闭|關閉|返回|^[+＋\-－×✕]$|^(confirm|add|cancel|close|ok|back)$"
                                r"|《|隐私|隱私|私隱|私隐|协议|協議|政策|条款|條款|policy|privacy|terms", re.I)

    def _option_groups(self, pool: list[Ref]) -> dict[str, list[Ref]]:
        groups: dict[str, list[Ref]] = {}
        siblings: dict[str, int] = {}
        for c in pool:
            siblings[c.d.get("grp", "")] = siblings.get(c.d.get("grp", ""), 0) + 1
        for c in pool:
            t = c.d.get("text", "").strip()
            if not t or len(t) > 16 or self.OPTION_SKIP_RE.search(t) or is_pay(c.d):
                continue
            href = c.d.get("href", "") or ""
            if c.d.get("tag") == "a" and href and not href.startswith(("#", "javascript:")):
                continue  # a link leaves the page: no option
            # options are siblings (their parent is their group: 规格 and 温度 side by side are two groups),
            # or each sits in a wrapper of its own (adm-selector, van-radio): the parent's path without
            # its own position groups those
            grp = c.d.get("grp", "")
            groups.setdefault(grp if siblings[grp] >= 2 else re.sub(r":nth-of-type\(\d+\)$", "", grp), []).append(c)
        return {g: o for g, o in groups.items()
                if len(o) >= 2 or any(x.d.get("tag") == "label" or x.d.get("role") == "radio" for x in o)}

    async def choose_open_groups(self, pool: list[Ref]) -> int:
        """Choose the first option of every option group of ``pool`` that has no choice yet (one that
        is enabled, not sold out and not pressed before); returns how many were chosen."""
        chosen = 0
        for _g, opts in self._option_groups(pool).items():
            if any(o.d.get("selected") for o in opts):
                continue
            first = next((o for o in opts if o.d.get("enabled", True) and self.ctx.clicks.get(o.key, 0) == 0
                          and not SOLD_OUT_RE.search(o.d.get("text", ""))), None)
            if first is not None:
                self.ctx.clicks[first.key] = 1
                chosen += await self.click(first, allow_force=False)
        return chosen

    def _spec_picker(self, scan: PageScan) -> tuple[str, Ref | None] | None:
        """An item-options picker: an overlay with a confirm control, or an item page with
        option groups and one confirm control.  Returns ``("overlay", ov)``, ``("page", None)`` or None."""
        ov = self.plain_overlay(scan)
        # (its confirm may be disabled until the choices are made, and say so: 请选择规格 greyed out)
        confirm = next((r for p in ("spec_confirm", "add") for r in self.ranked(scan, p, within=ov)
                        if r[0] + (0 if r[1].d.get("enabled", True) else 3) >= 4 and not is_pay(r[1].d)), None) \
            if ov is not None else None
        groups = self._option_groups(self._in_layer(scan, ov)) if ov is not None else {}
        # (选好了 confirms a sheet of option groups; on a sheet without any it may be the cart's way on)
        if ov is not None and confirm is not None and (confirm[1].d.get("enabled", True) or groups) \
                and (groups or not self.best(scan, "checkout", within=ov, min_score=5)):
            return ("overlay", ov)
        if ov is not None and self._last_purpose in ("add", "spec") and self._outside_confirm(scan, enabled=False):
            # a sheet of option groups opened by a dish, its confirm drawn in a bar of its own
            for i in range(len(scan.overlays) - 1, -1, -1):
                sheet = scan.overlays[i]
                if self._option_groups(self._in_layer(scan, sheet)) and not self.best(scan, "checkout", within=sheet, min_score=5):
                    return ("overlay", sheet)
        confirms = [r for r in self.ranked(scan, "spec_confirm", outside_overlays=True) if r[0] >= 5]
        if 1 <= len(confirms) <= 2:
            pool = [c for c in scan.candidates if c.d.get("overlay", -1) < 0]
            # a dish's own page, not the menu list (whose rows may say 选规格 themselves)
            if self._option_groups(pool) and scan.menu_rows < 2 and (SPEC_RE.search(scan.text) or not self.menu_visible(scan)):
                return ("page", None)
        return None

    def _in_layer(self, scan: PageScan, ov: Ref | None) -> list[Ref]:
        """The candidates of the overlay ``ov`` (of the page itself when ``None``)."""
        return [c for c in scan.candidates if (ov is None and c.d.get("overlay", -1) < 0)
                or (ov is not None and c.frame is ov.frame and c.d.get("overlay") == self._ov_index(ov))]

    async def pick_options(self, scan: PageScan, ov: Ref | None) -> bool:
        """In a spec picker: choose the first option of each group without a choice, then confirm."""
        self.doing(Doing.OPTIONS)
        self.reach("item")
        pool = self._in_layer(scan, ov)
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
        if ov is not None and not ranked:
            ranked = self._outside_confirm(scan, enabled=True)
        if not ranked:
            await self.record("click", note=f"chose {clicked} option(s); no confirm control found")
            return clicked > 0
        self._last_purpose = "spec"
        self.ctx.item_chosen = True
        before_cart = self.scan.cart
        _st, changed, after = await self.act_screened(scan, ranked[0], "spec_confirm", ranked,
                                                      note=f"chose {clicked} option(s), confirm")
        if after is not None:
            return after
        if ov is not None and any(o.selector == ov.selector for o in self.scan.overlays):
            # the sheet is still open: a choice is missing ("请选择份量"); after a second try, close it
            self.ctx.spec_tries += 1
            if self.ctx.spec_tries >= 2:
                self.ctx.spec_tries = 0
                await self._close_sheet(ov)
            return True
        self.ctx.spec_tries = 0
        if changed or self.scan.cart != before_cart:
            self.ctx.added = True
            self.reach("item")
        return changed

    def _outside_confirm(self, scan: PageScan, *, enabled: bool) -> list[tuple[float, Ref, list[str]]]:
        """A sheet's confirm drawn outside it, in a raised bar of its own (加入购物车 · ¥58 under the
        options): the raised, named spec_confirm or add controls that are no menu row's, best first
        (``enabled``: only those that may be pressed now; else a disabled one counts, as its 3 points back)."""
        out = []

        def way_on(c: Ref) -> bool:  # a final submit or checkout in the bar (确认下单, 去结算) is never a sheet's confirm
            return any(r[0] >= 5 for p in ("submit", "checkout") for r in self.ranked(scan, p, refs=[c]))
        for p in ("spec_confirm", "add"):
            for s, c, why in self.ranked(scan, p):
                if not (c.d.get("fixed") or c.d.get("overlay", -1) >= 0) or c.d.get("row") or not by_words(why) or way_on(c):
                    continue
                on = c.d.get("enabled", True)
                if (on or not enabled) and s + (0 if on else 3) >= 4:
                    out.append((s, c, why))
        if not enabled:  # disabled and saying what it waits for: 请选择规格, Choose required options
            out += [(4.0, c, ["disabled, asks for the options"]) for c in scan.candidates
                    if (c.d.get("fixed") or c.d.get("overlay", -1) >= 0) and not c.d.get("enabled", True)
                    and SPEC_RE.search(c.text()) and len(c.text()) <= 30]
        return sorted(out, key=lambda r: -r[0])

    async def _close_sheet(self, ov: Ref) -> None:
        """Close an options sheet that cannot be completed: its close control, else Escape."""
        ranked = [r for r in self.ranked(self.scan, "close", within=ov) if r[0] >= 2]
        if ranked:
            await self.click(ranked[0][1], allow_force=False)
        else:
            await self.page.keyboard.press("Escape")
        await self.settle()
        await self.record("click", note="closed an options sheet that could not be completed")
