"""Where the agent presses a control at once (``POINT_JS``) and where it leaves the press to
Playwright's checked click: only a control a finger would hit at its centre is pressed directly.

Browser tests: they fail (never skip) when Chromium cannot start.
"""

from __future__ import annotations

import pytest

from crawler.agent.pressing import POINT_JS, TAP_JS

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><meta charset=utf-8>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{margin:0} .b{display:block;width:120px;height:40px;margin:10px}</style>
<button class=b id=plain onclick="window.hits=(window.hits||0)+1">加入购物车</button>
<button class=b id=off disabled>去结算</button>
<div class=b id=aria role=button aria-disabled=true>提交</div>
<div class=b id=hidden style="visibility:hidden">隐藏</div>
<div class=b id=none style="display:none">无</div>
<div style="position:relative"><button class=b id=covered>确定</button>
  <div style="position:absolute;inset:0;background:rgba(0,0,0,.4)"></div></div>
<div class=b id=host></div>
<div style="height:3000px"></div>
<button class=b id=far ontouchend="window.tapped=(window.tapped||0)+1">最下面</button>
<script>document.getElementById('host').attachShadow({mode:'open'}).innerHTML='<span id=inner>影子</span>';</script>
"""


def test_press_point_only_for_a_control_a_finger_would_hit(loop, chromium):
    async def go():
        ctx = await chromium.new_context(viewport={"width": 390, "height": 700})
        try:
            page = await ctx.new_page()
            await page.set_content(PAGE)
            got = {k: await page.evaluate(POINT_JS, "#" + k)
                   for k in ("plain", "off", "aria", "hidden", "none", "covered", "missing", "host")}
            inner = await page.evaluate(POINT_JS, "span")  # not in the light DOM: querySelector misses it
            await page.mouse.click(*got["plain"])
            hits = await page.evaluate("window.hits")
            far = await page.evaluate(POINT_JS, "#far")
            scrolled = await page.evaluate("scrollY")
            await page.evaluate("scrollTo(0, 0)")
            tapped = await page.evaluate(TAP_JS, "#far")
            return got, inner, far, scrolled, hits, tapped, await page.evaluate("[scrollY, window.tapped]")
        finally:
            await ctx.close()

    got, inner, far, scrolled, hits, tapped, after_tap = loop.run_until_complete(go())
    assert got["plain"] == [70, 30] and hits == 1  # its centre, and a mouse press there is the control's
    for k in ("off", "aria", "hidden", "none", "covered", "missing"):
        assert got[k] is None, k  # disabled, not drawn, covered or gone: left to the checked click
    assert got["host"] is not None and inner is None
    assert far is not None and scrolled > 2000 and 0 < far[1] < 700  # scrolled into view, then its centre
    assert tapped is True and after_tap[0] > 2000 and after_tap[1] == 1  # the tap scrolls it into view too
