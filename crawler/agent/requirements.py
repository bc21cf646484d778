"""Meeting the page's requirements: what a diner does when the page says "not yet".

Ordinary steps that must never end an audit: a required item (餐具, 茶位费 "必选品") that
must be in the cart before checkout, a minimum order ("未达到最低消费¥30"), an option to
choose first.  The page says so in a short message after a press that did nothing else
(``ctx.last_msg``, see :meth:`~crawler.agent.pressing.Pressing.act`); this room reads it
and adds the required item, adds more, or leaves the choice to
:meth:`~crawler.agent.walk.OrderAgent._satisfy_choice`.
"""

from __future__ import annotations

import re

from core.reasons import Doing
from crawler.agent.scan import PageScan, Ref
from crawler.agent.session import Session
from crawler.agent.words import SOLD_OUT_RE

#: The page asks for a required item first.
MANDATORY_RE = re.compile(r"必选|必選|必点|必點|必须点|必須點|必须选|必須選|required item|mandatory|must (add|order)", re.I)
#: The page asks for a bigger order.
MINIMUM_RE = re.compile(r"最低消费|最低消費|起送|起订|起訂|未达到|未達到|满\s*[¥￥$]?\s*\d+\s*(元)?\s*(起|可)|minimum( order)?",
                        re.I)
#: The page asks for a choice first (the number of diners, an option).
CHOOSE_RE = re.compile(r"请选择|請選擇|请先选择|請先選擇|please (choose|select)", re.I)
#: The page asks for a part of the menu first (请先选择锅底, please add a drink first): what it names.
ASKED_ITEM_RE = re.compile(r"(?:请先?选择|請先?選擇|请先?选|請先?選|请先?点|請先?點|请先?添加|請先?添加|请先?加购|請先?加購|"
                           r"please (?:first )?(?:choose|select|add|order)(?: an?| the| your| at least one)?)\s*"
                           r"([\u4e00-\u9fff]{1,6}|[A-Za-z][A-Za-z ]{1,20}[A-Za-z])", re.I)
#: Extra adds a minimum order may take.
MAX_TOP_UPS = 6


class MeetingRequirements(Session):
    """A room of the order agent (see the module doc); mixed into ``OrderAgent``."""

    async def _meet_requirement(self, scan: PageScan, ov: Ref | None) -> bool | None:
        """Act on what the page said when the last press did nothing: add the required item,
        add more for a minimum order; ``None`` when it said nothing this room can act on."""
        msg = self.ctx.last_msg
        if not msg or not self.ctx.added:
            return None
        named = self._named_part(scan, msg)
        required = bool(MANDATORY_RE.search(msg) or named)
        if not (required or MINIMUM_RE.search(msg)):
            return None
        self.ctx.last_msg = ""  # acted on (a room may keep it for its next step: a section tab pressed first)
        if required:
            done = await self._add_required(scan, msg, named)
        else:
            done = await self._top_up(scan)
        if done:
            self._may_retry_moves(scan)
        return done or None

    def _adds(self, scan: PageScan) -> list[tuple[float, Ref]]:
        """The add controls of the menu, best first (not sold out, not inside an overlay)."""
        out = []
        for s, c, _why in self.ranked(scan, "add", outside_overlays=True):
            if s >= 4 and c.d.get("enabled", True) and not SOLD_OUT_RE.search(c.d.get("ctx", "") + c.d.get("text", "")):
                out.append((s, c))
        return out

    @staticmethod
    def _named_part(scan: PageScan, msg: str) -> str:
        """What part of the menu ``msg`` asks for first (请先选择锅底 -> 锅底), when a section tab or a
        dish of the page names it too; else ``""``."""
        m = ASKED_ITEM_RE.search(msg)
        if not m:
            return ""
        noun = m.group(1).strip().lower()
        if any(noun in (c.text() + " " + (c.d.get("ctx", "") if c.d.get("row") else "")).lower() for c in scan.candidates
               if c.d.get("overlay", -1) < 0 and (c.d.get("strip") or c.d.get("row"))):
            return noun
        return ""

    async def _add_required(self, scan: PageScan, msg: str, named: str = "") -> bool:
        """Add an item the page marks required: one whose row says 必选 (or required), or names what
        the page asked for (``named``); else go to a section tab that says so; else the topmost add
        control not pressed yet (required items such as cutlery are listed first)."""
        adds = self._adds(scan)

        def asked(t: str) -> bool:
            return bool(MANDATORY_RE.search(t)) or (bool(named) and named in t.lower())
        marked = [c for _s, c in adds if asked(c.d.get("ctx", ""))]
        if not marked:
            tabs = [c for c in scan.candidates if asked(c.text()) and len(c.text()) <= 10
                    and self.ctx.clicks.get(c.key, 0) == 0 and c.d.get("overlay", -1) < 0]
            if tabs:
                self.ctx.clicks[tabs[0].key] = 1
                await self.act(tabs[0], "other", [], note=f"go to the required items ({tabs[0].text()[:20]})")
                self.ctx.last_msg = msg  # next: add from that section
                return True
        pool = marked or sorted((c for _s, c in adds if self.ctx.clicks.get(c.key, 0) == 0),
                                key=lambda c: (c.d.get("box") or {}).get("y", 0))
        if not pool:
            return False
        return await self._add_one(pool[0], "add the required item")

    async def _top_up(self, scan: PageScan) -> bool:
        """Add one more towards a minimum order: another dish first (a required ¥1 item added
        again would take long to reach it), else one more of a dish already added."""
        if self.ctx.top_ups >= MAX_TOP_UPS:
            return False
        self.ctx.top_ups += 1
        adds = self._adds(scan)
        fresh = [c for _s, c in adds if self.ctx.clicks.get(c.key, 0) == 0 and self.dish_of(c) not in self.ctx.added_items]
        again = [c for _s, c in adds if self.dish_of(c) in self.ctx.added_items]
        pick = (fresh or again)[:1]
        if not pick:
            return False
        return await self._add_one(pick[0], "add more: the page asks for a bigger order")

    async def _add_one(self, ref: Ref, note: str) -> bool:
        self.ctx.added_items.add(self.dish_of(ref))
        self.doing(Doing.ADDING)
        self._last_purpose = "add"
        _st, changed = await self.act(ref, "add", self.ranked(self.scan, "add"), note=f"{note}: {ref.text()[:30]}")
        if changed and self.gate_now(self.scan) is None:
            spec = self._spec_picker(self.scan)
            if spec is not None:
                await self.pick_options(self.scan, spec[1])
        return changed

    def _may_retry_moves(self, scan: PageScan) -> None:
        """After the requirement is met, the cart and checkout controls may be pressed again."""
        for c in scan.candidates:
            self.ctx.no_effect.discard(c.key)
            if any(self.ranked(scan, p, refs=[c]) for p in ("cart", "checkout", "submit")):
                self.ctx.clicks.pop(c.key, None)
