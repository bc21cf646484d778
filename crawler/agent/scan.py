"""Scan what the diner sees: every frame, every open shadow root, one injected script.

:func:`scan_page` runs ``scan.js`` in each frame of a Playwright page (with a
timeout per frame) and merges the results into a :class:`PageScan`.  Elements
are addressed by a ``(frame, selector)`` pair where ``selector`` is
``[data-qra-id="N"]`` (stamped by the scanner, stable across scans; Playwright
CSS pierces open shadow roots).  :func:`probe_blocking` asks the browser whether
an overlay stands in the way (``document.elementFromPoint``).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.trace import Box, Element

SCAN_JS = (Path(__file__).with_name("scan.js")).read_text(encoding="utf-8")

#: A line of page text that speaks of the cart (its count or total).
CART_LINE = re.compile(r"购物车|購物車|已选|已選|合计|合計|总计|總計|共\s*\d|件|份|cart|total|subtotal|items?\b", re.I)

#: JS: is the point at the centre of ``target`` (or of the viewport / several
#: points) covered by ``overlay`` (or its backdrop)?  Returns {"blocked", "hit", "disabled"}.
PROBE_JS = r"""
(a) => {
  const SR = (e) => e.shadowRoot || (typeof window.__qrauditShadow === 'function' ? window.__qrauditShadow(e) : null);
  const q = (s) => { if (!s) return null; const find = (root) => { const e = root.querySelector(s); if (e) return e;
      for (const h of root.querySelectorAll('*')) { const r = SR(h); if (r) { const x = find(r); if (x) return x; } } return null; };
    return find(document); };
  const deepHit = (x, y) => { let e = document.elementFromPoint(x, y); while (e && SR(e)) { const i = SR(e).elementFromPoint(x, y); if (!i || i === e) break; e = i; } return e; };
  const within = (e, anc) => { while (e) { if (e === anc) return true; e = e.parentElement || (e.getRootNode && e.getRootNode().host) || null; } return false; };
  const ov = a.overlay ? q(a.overlay) : null;
  const bd = a.backdrop ? q(a.backdrop) : null;
  const vis = (e) => { if (!e || !e.isConnected) return false; const r = e.getBoundingClientRect(); if (r.width < 2 || r.height < 2) return false;
    const s = getComputedStyle(e); return s.display !== 'none' && s.visibility !== 'hidden' && (!e.checkVisibility || e.checkVisibility({opacityProperty: true, visibilityProperty: true})); };
  const ovVisible = vis(ov) || vis(bd);
  const vw = innerWidth, vh = innerHeight;
  const tgt = a.target ? q(a.target) : null;
  let pts = [];
  if (tgt && vis(tgt)) { const r = tgt.getBoundingClientRect(); pts.push([r.left + r.width / 2, r.top + r.height / 2]); }
  else pts = [[vw / 2, vh / 2], [vw / 2, vh * 0.15], [vw / 2, vh * 0.85], [vw * 0.2, vh / 2]];
  let covered = 0, hits = [];
  for (const [x, y] of pts) {
    if (x < 0 || y < 0 || x > vw || y > vh) continue;
    const h = deepHit(x, y);
    hits.push(h ? h.tagName.toLowerCase() : null);
    if (h && ((ov && within(h, ov)) || (bd && within(h, bd)))) covered++;
  }
  const disabled = tgt ? !!(tgt.disabled || tgt.getAttribute('aria-disabled') === 'true') : false;
  const ovf = (e) => e ? getComputedStyle(e).overflow + getComputedStyle(e).overflowY : '';
  const locked = /hidden/.test(ovf(document.documentElement) + ovf(document.body));
  return { overlayVisible: ovVisible, covered, points: pts.length, hits, disabled, scrollLocked: locked };
}
"""


@dataclass
class FrameScan:
    """The scan of one frame: the raw dict from ``scan.js`` plus the frame handle."""

    frame: Any
    index: int
    data: dict[str, Any]

    @property
    def url(self) -> str:
        return self.data.get("url", "")


@dataclass
class Ref:
    """One scanned element (candidate, field, checkbox, overlay) with its frame."""

    frame: Any
    frame_index: int
    frame_url: str
    d: dict[str, Any]
    doc: str = ""

    @property
    def selector(self) -> str:
        return self.d["selector"]

    @property
    def key(self) -> str:
        return f"{self.frame_index}:{self.doc}:{self.selector}"

    def text(self) -> str:
        d = self.d
        return " ".join(x for x in (d.get("text", ""), d.get("aria", ""), d.get("title", ""), d.get("alt", "")) if x)

    def element(self) -> Element:
        """The trace :class:`~core.trace.Element` for this ref (readable path kept in attrs)."""
        d = self.d
        b = d.get("box")
        attrs = {k: str(v) for k, v in (d.get("attrs") or {}).items()}
        attrs["qra_path"] = d.get("path", "")
        return Element(
            selector=self.selector,
            tag=d.get("tag", ""),
            text=(d.get("text") or "")[:2000],
            box=Box(**b) if b else None,
            frame_url=self.frame_url,
            in_shadow_root=bool(d.get("inShadow")),
            attrs=attrs,
        )

    def locator(self):
        """A Playwright locator for the element; inside a closed shadow root (which
        Playwright's selectors do not enter) a :class:`ClosedRootLocator`."""
        if self.d.get("closed"):
            return ClosedRootLocator(self.frame, self.selector)
        return self.frame.locator(self.selector).first


class ClosedRootLocator:
    """The few locator methods the agent uses, for an element inside a closed shadow
    root: the element is found through the instrumentation (``__qrauditDeepQuery``)
    and driven through an ElementHandle (same actionability checks and trusted
    input events as a locator).  Raises ``LookupError`` when the element is gone."""

    def __init__(self, frame: Any, selector: str) -> None:
        self.frame = frame
        self.selector = selector

    async def _handle(self) -> Any:
        h = await self.frame.evaluate_handle(
            "(s) => typeof window.__qrauditDeepQuery === 'function' ? window.__qrauditDeepQuery(s) : null", self.selector)
        el = h.as_element()
        if el is None:
            raise LookupError(f"{self.selector} is no longer in the page")
        return el

    async def click(self, timeout: float | None = None, **kw: Any) -> None:
        await (await self._handle()).click(timeout=timeout, **kw)

    async def fill(self, value: str, timeout: float | None = None) -> None:
        await (await self._handle()).fill(value, timeout=timeout)

    async def type(self, text: str, delay: float | None = None, timeout: float | None = None) -> None:
        await (await self._handle()).type(text, delay=delay, timeout=timeout)

    async def select_option(self, timeout: float | None = None, **kw: Any) -> Any:
        return await (await self._handle()).select_option(timeout=timeout, **kw)

    async def dispatch_event(self, type: str, timeout: float | None = None) -> None:  # noqa: A002 - Playwright's name
        await (await self._handle()).dispatch_event(type)

    async def evaluate(self, expression: str, arg: Any = None, timeout: float | None = None) -> Any:
        return await (await self._handle()).evaluate(expression, arg)


@dataclass
class PageScan:
    """Everything visible on the page right now, across frames."""

    frames: list[FrameScan] = field(default_factory=list)
    url: str = ""

    def _refs(self, key: str) -> list[Ref]:
        out = []
        for f in self.frames:
            for d in f.data.get(key, []):
                out.append(Ref(f.frame, f.index, f.url, d, f.data.get("doc", "")))
        return out

    @property
    def candidates(self) -> list[Ref]:
        return self._refs("candidates")

    @property
    def overlays(self) -> list[Ref]:
        return self._refs("overlays")

    @property
    def fields(self) -> list[Ref]:
        return self._refs("fields")

    @property
    def checkboxes(self) -> list[Ref]:
        return self._refs("checkboxes")

    @property
    def images(self) -> list[Ref]:
        return self._refs("images")

    @property
    def links(self) -> list[dict[str, str]]:
        out = []
        for f in self.frames:
            out.extend(f.data.get("links", []))
        return out

    @property
    def text(self) -> str:
        return "\n".join(f.data.get("text", "") for f in self.frames if f.data.get("text"))[:20000]

    @property
    def flashes(self) -> set[tuple[int, int, str]]:
        """Short texts a raised layer showed and took away again (a toast gone before the page
        settled), as ``(frame index, ms since the frame's start, text)``; see instrument.js."""
        return {(f.index, int(t), str(x)) for f in self.frames for t, x in (f.data.get("flashes") or [])}

    @property
    def scroll_locked(self) -> bool:
        return bool(self.frames and self.frames[0].data.get("scrollLocked"))

    @property
    def viewport(self) -> dict[str, int]:
        return self.frames[0].data.get("viewport", {"width": 390, "height": 844}) if self.frames else {"width": 390, "height": 844}

    @property
    def cart(self) -> str:
        """What the page shows of the cart (bottom bars, digit badges, row quantities, lines that
        speak of the cart with a number), all frames: it changes when a dish is added."""
        lines = [ln for ln in self.text.splitlines() if CART_LINE.search(ln) and re.search(r"\d", ln)]
        return "\n".join([f.data.get("cart", "") for f in self.frames] + sorted(lines))

    @property
    def menu_rows(self) -> int:
        """Menu rows found by structure (repeated rows carrying one price and a control), all frames."""
        return sum(int(f.data.get("menuRows") or 0) for f in self.frames)

    def state(self) -> str:
        """What the diner sees, as a set: URL, the distinct lines of text, the overlays' texts.
        The same toast shown twice is no change."""
        ov = "|".join(o.d.get("text", "")[:200] for o in self.overlays)
        return f"{self.url}\n{sorted(set(self.text.splitlines()))}\n{ov}"

    def signature(self) -> str:
        """A cheap fingerprint of the visible state (URL + text + overlays), to tell progress."""
        ov = "|".join(o.d.get("text", "")[:200] for o in self.overlays)
        return f"{self.url}\n{self.text[:8000]}\n{ov}"

    def frames_urls(self) -> list[str]:
        return [f.url for f in self.frames]


async def scan_page(page, words_regex: str, timeout_s: float = 4.0) -> PageScan:
    """Scan every frame of ``page``; frames that fail or time out are skipped.

    ``words_regex`` (JS regex source) makes elements whose own short text matches
    count as clickable even without a click signal.  Returns a :class:`PageScan`.
    """
    out = PageScan(url=page.url)
    for i, fr in enumerate(page.frames):
        try:
            if fr.is_detached():
                continue
            data = await asyncio.wait_for(
                fr.evaluate(SCAN_JS, {"words": words_regex, "maxCandidates": 400}), timeout_s
            )
        except Exception:
            continue
        if isinstance(data, dict):
            out.frames.append(FrameScan(fr, i, data))
    return out


async def probe_blocking(overlay: Ref, target: Ref | None = None) -> dict[str, Any]:
    """Ask the overlay's frame whether the overlay is still shown and covers the page (or ``target``).

    Returns ``{"overlayVisible": bool, "covered": int, "points": int, "disabled": bool, "scrollLocked": bool}``;
    on failure (frame gone) ``{"overlayVisible": False, "error": "..."}``.
    """
    args = {
        "overlay": overlay.selector,
        "backdrop": overlay.d.get("backdrop"),
        "target": target.selector if target is not None and target.frame is overlay.frame else None,
    }
    try:
        return await asyncio.wait_for(overlay.frame.evaluate(PROBE_JS, args), 3)
    except Exception as exc:  # frame navigated/detached
        return {"overlayVisible": False, "covered": 0, "points": 0, "error": type(exc).__name__}
