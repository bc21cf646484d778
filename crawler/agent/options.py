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
    is_pay,
)


class ChoosingOptions(Session):
    """A room of the order agent (see the module doc); mixed into ``OrderAgent``."""

    OPTION_SKIP_RE = re.compile(r"确定|確定|确认|確認|加入|选好|選好|取消|关闭|關閉|返回|^[+＋\-－×✕]$|^(confirm|add|cancel|close|ok|back)$"
                                r"|《|隐私|隱私|协议|協議|政策|条款|條款|policy|privacy|terms", re.I)

    def _option_groups(self, pool: list[Ref]) -> dict[str, list[Ref]]:
        groups: dict[str, list[Ref]] = {}
        for c in pool:
            t = c.d.get("text", "").strip()
            if not t or len(t) > 16 or self.OPTION_SKIP_RE.search(t) or is_pay(c.d):
                continue
            href = c.d.get("href", "") or ""
            if c.d.get("tag") == "a" and href and not href.startswith(("#", "javascript:")):
                continue  # a link leaves the page: no option
            # options are siblings, or each sits in a wrapper of its own (adm-selector, van-radio):
            # the parent's path without its own position groups both
            groups.setdefault(re.sub(r":nth-of-type\(\d+\)$", "", c.d.get("grp", "")), []).append(c)
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
        if ov is not None and self.best(scan, "spec_confirm", within=ov, min_score=4) \
                and not self.best(scan, "checkout", within=ov, min_score=5):
            return ("overlay", ov)
        confirms = [r for r in self.ranked(scan, "spec_confirm", outside_overlays=True) if r[0] >= 5]
        if 1 <= len(confirms) <= 2:
            pool = [c for c in scan.candidates if c.d.get("overlay", -1) < 0]
            # a dish's own page, not the menu list (whose rows may say 选规格 themselves)
            if self._option_groups(pool) and scan.menu_rows < 2 and (SPEC_RE.search(scan.text) or not self.menu_visible(scan)):
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

    async def _close_sheet(self, ov: Ref) -> None:
        """Close an options sheet that cannot be completed: its close control, else Escape."""
        ranked = [r for r in self.ranked(self.scan, "close", within=ov) if r[0] >= 2]
        if ranked:
            await self.click(ranked[0][1], allow_force=False)
        else:
            await self.page.keyboard.press("Escape")
        await self.settle()
        await self.record("click", note="closed an options sheet that could not be completed")
