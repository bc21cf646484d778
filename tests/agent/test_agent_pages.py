"""The order agent on small pages it has never seen (served on 127.0.0.1).

Browser tests: they fail (never skip) when Chromium cannot start.
"""

from __future__ import annotations

import asyncio

import pytest

from app.jobs import audit_url
from crawler.browser import get_profile, launch_options
from crawler.engine import AuditConfig, capture_page, instrument, scrapy_meta
from detectors import judge

pytestmark = pytest.mark.browser

CHECKOUT = """<!doctype html><meta charset=utf-8><title>确认订单</title>
<h2>确认订单</h2><div>桌号 <input name=table value="A3" readonly></div><div>红烧肉 x1 ¥38</div>
<div>备注 <input name=remark placeholder="口味偏好（选填）"></div>
<div style="position:fixed;bottom:0;left:0;right:0;height:56px;display:flex;background:#fff">
<span>合计 ¥38</span><button id=sub style="background:#f60;color:#fff;flex:1"
onclick="fetch('/submit',{method:'POST'}).then(()=>location.href='/done')">提交订单</button></div>"""

DONE = """<!doctype html><meta charset=utf-8><h2>下单成功</h2><p>订单号 10086</p>
<button onclick="fetch('/pay',{method:'POST'})" style="background:#07c160;color:#fff">立即支付 ¥38</button>"""

MENU_ITEMS = """
<div class=banner><a href="/member">开通会员 立享8折优惠 领取新人券</a></div>
<div class=item><span>红烧肉</span><span>¥38</span><button class=add onclick="add()">加入购物车</button></div>
<div class=item><span>宫保鸡丁</span><span>¥28</span><button class=add onclick="add()">加入购物车</button></div>
"""
CART_BAR = """
<div class=cartbar style="position:fixed;bottom:0;left:0;right:0;height:56px;background:#222;color:#fff;display:flex">
<span>购物车 <b id=cnt>0</b></span>
<div class=go style="cursor:pointer;background:#f60;flex:1;text-align:center" onclick="if(window.n) (window.top||window).location.href='/checkout'">去结算</div></div>
<script>window.n=0;function add(){window.n++;document.getElementById('cnt').textContent=window.n;}</script>
"""


def run(url: str, tmp_path, *, live: bool = False, **kw):
    """Audit ``url``; privileged (127.0.0.1 declared a sandbox host) unless ``live``."""
    if not live:
        kw.setdefault("sandbox_hosts", ["127.0.0.1"])
    cfg = AuditConfig(out_dir=tmp_path, timeout_s=kw.pop("timeout_s", 40), **kw)
    return asyncio.run(audit_url(url, cfg))


def serve_shop(pages, menu_html: str, extra: dict[str, str] | None = None) -> str:
    pages.add("/checkout", CHECKOUT)
    pages.add("/done", DONE)
    for k, v in (extra or {}).items():
        pages.add(k, v)
    return pages.add("/shop", "<!doctype html><meta charset=utf-8><title>小馆</title>" + menu_html)


def clicked_texts(trace) -> list[str]:
    return [s.target.text for s in trace.steps if s.action == "click" and s.target is not None]


def test_add_to_cart_beats_banner_link_and_path_completes(pages, tmp_path):
    url = serve_shop(pages, MENU_ITEMS + CART_BAR)
    trace, result = run(url, tmp_path)
    assert trace.outcome == "completed", trace.reason
    assert trace.order_reached == "submitted"
    add_step = next(s for s in trace.steps if any(c.chosen and c.purpose == "add" for c in s.candidates))
    chosen = next(c for c in add_step.candidates if c.chosen)
    assert "加入购物车" in chosen.element.text
    assert all("会员" not in t for t in clicked_texts(trace))
    assert not any(h.startswith("GET /member") for h in pages.hits)
    # the pay button on the confirmation page is never pressed
    assert "POST /submit" in pages.hits
    assert not any("/pay" in h for h in pages.hits)
    assert (tmp_path / "trace.json").exists() and (tmp_path / "result.json").exists()


def test_icon_only_close_passes_phone_gate(pages, tmp_path):
    gate = """
<div id=mask style="position:fixed;inset:0;background:rgba(0,0,0,.6);z-index:50"></div>
<div id=dlg style="position:fixed;left:30px;right:30px;top:200px;height:300px;background:#fff;z-index:51">
 <button aria-hidden=true style="position:absolute;right:6px;top:6px;width:28px;height:28px;border:0;background:none"
   onclick="mask.remove();dlg.remove()"><svg width=16 height=16 viewBox="0 0 16 16"><path d="M2 2L14 14M14 2L2 14" stroke="#999"/></svg></button>
 <h3>登录后点餐</h3><input type=tel placeholder="请输入手机号"><input placeholder="验证码">
 <button>获取验证码</button><button style="background:#f60;color:#fff">登录</button></div>"""
    url = serve_shop(pages, MENU_ITEMS + CART_BAR + gate)
    trace, _ = run(url, tmp_path)
    assert trace.gates, "the phone login overlay was not recognised"
    g = trace.gates[0]
    assert g.stage == "entry" and "phone" in g.asks_hint and g.blocking
    assert g.passed_by == "try"
    assert g.tries[0].method == "close icon" and g.tries[0].outcome == "passed"
    assert not trace.typed  # no canary was needed
    assert trace.outcome == "completed"


def test_shadow_dom_add_button(pages, tmp_path):
    comp = """<menu-list></menu-list>
<script>
customElements.define('menu-list', class extends HTMLElement { connectedCallback() {
  const r = this.attachShadow({mode: 'open'});
  r.innerHTML = '<style>.add{border-radius:50%;width:28px;height:28px}</style>' +
   '<div class=item><span>酸菜鱼</span><span>¥58</span><button class="add" aria-label="add">+</button></div>';
  r.querySelector('.add').addEventListener('click', () => add());
}});
</script>"""
    url = serve_shop(pages, comp + CART_BAR)
    trace, _ = run(url, tmp_path)
    assert trace.order_reached == "submitted", (trace.reason, [s.note for s in trace.steps])
    add_clicks = [s for s in trace.steps if s.target is not None and s.target.in_shadow_root]
    assert add_clicks, "the add button inside the shadow root was not the one clicked"


def test_closed_shadow_roots_are_read_and_pressed(pages, tmp_path):
    """A menu and a phone prompt inside CLOSED shadow roots (host.shadowRoot is null for
    the page's other scripts and for Playwright's selectors): the gate is still seen,
    passed with its 暂不 link, the + inside pressed, and the DOM snapshot keeps them."""
    comp = """<shop-menu></shop-menu><phone-prompt></phone-prompt>
<script>
customElements.define('shop-menu', class extends HTMLElement { connectedCallback() {
  const r = this.attachShadow({mode: 'closed'});
  r.innerHTML = '<div class=item><span>酸菜鱼</span><span>¥58</span><button class=add aria-label="加入购物车">+</button></div>';
  r.querySelector('.add').addEventListener('click', () => add());
}});
customElements.define('phone-prompt', class extends HTMLElement { connectedCallback() {
  const r = this.attachShadow({mode: 'closed'});
  r.innerHTML = '<div class=mask style="position:fixed;inset:0;background:rgba(0,0,0,.6);z-index:50">' +
    '<div style="position:absolute;left:30px;right:30px;top:200px;background:#fff;padding:16px">' +
    '<h3>输入手机号 领取会员优惠</h3><input type=tel placeholder="请输入手机号"><button class=ok>确定</button>' +
    '<a class=no href="javascript:void 0">暂不</a></div></div>';
  r.querySelector('.no').addEventListener('click', () => r.querySelector('.mask').remove());
}});
</script>"""
    url = serve_shop(pages, comp + CART_BAR)
    trace, _ = run(url, tmp_path)
    assert trace.gates, "the phone prompt in the closed shadow root was not recognised"
    g = trace.gates[0]
    assert "phone" in g.asks_hint and g.stage == "entry"
    assert g.passed_by == "try" and any(t.outcome == "passed" for t in g.tries), g.tries
    assert not trace.typed
    assert trace.order_reached == "submitted", (trace.reason, [s.note for s in trace.steps])
    adds = [s for s in trace.steps if s.target is not None and s.target.in_shadow_root and "+" in s.target.text]
    assert adds, "the + inside the closed shadow root was not the one pressed"
    first = (tmp_path / trace.steps[0].dom).read_text("utf-8")
    assert 'shadowrootmode="closed"' in first and "酸菜鱼" in first and "请输入手机号" in first


def test_prompt_that_comes_back_on_a_later_page_is_marked_returned(pages, tmp_path):
    """A phone prompt dismissed with 暂不 on the menu shows again at checkout: the
    first dismissal is recorded as ``gate_returned`` (it did not last), not ``passed``."""
    prompt = """<div id=pm style="position:fixed;inset:0;background:rgba(0,0,0,.6);z-index:50">
<div style="position:absolute;left:30px;right:30px;top:200px;background:#fff;padding:16px">
<h3>输入手机号 领取专属优惠</h3><input type=tel placeholder="请输入手机号"><button>确定</button>
<a href="javascript:void 0" onclick="pm.remove()">暂不</a></div></div>"""
    url = serve_shop(pages, MENU_ITEMS + CART_BAR + prompt, {"/checkout": CHECKOUT + prompt})
    trace, _ = run(url, tmp_path)
    assert trace.order_reached == "submitted", (trace.reason, [s.note for s in trace.steps])
    assert len(trace.gates) == 1, [(g.id, g.text[:30]) for g in trace.gates]
    g = trace.gates[0]
    assert g.appearances == 2
    assert [t.outcome for t in g.tries if t.method == "skip link"] == ["gate_returned", "passed"], g.tries
    assert "came back at step" in g.tries[0].detail and not trace.typed


def test_iframe_menu_is_driven(pages, tmp_path):
    frame = "<!doctype html><meta charset=utf-8><body>" + MENU_ITEMS + CART_BAR
    outer = '<h1>欢迎光临</h1><iframe src="/menu-frame" style="width:100%;height:700px;border:0"></iframe>'
    url = serve_shop(pages, outer, {"/menu-frame": frame})
    trace, _ = run(url, tmp_path)
    assert trace.order_reached == "submitted", (trace.reason, [s.note for s in trace.steps])
    assert any(s.target is not None and (s.target.frame_url or "").endswith("/menu-frame") for s in trace.steps)


def test_pay_only_checkout_is_never_pressed(pages, tmp_path):
    pay_checkout = """<!doctype html><meta charset=utf-8><h2>确认订单</h2><div>红烧肉 x1 ¥38</div>
<button style="position:fixed;bottom:0;width:100%;background:#07c160;color:#fff"
 onclick="fetch('/pay',{method:'POST'})">立即支付</button>"""
    url = serve_shop(pages, MENU_ITEMS + CART_BAR)
    pages.add("/checkout", pay_checkout)
    trace, _ = run(url, tmp_path)
    assert not any("/pay" in h for h in pages.hits)
    assert trace.order_reached == "checkout"
    assert trace.outcome == "completed"


def test_closed_shop_is_an_error_with_reason(pages, tmp_path):
    url = pages.add("/closed", "<meta charset=utf-8><h2>本店休息中</h2><p>营业时间 10:00-22:00</p>")
    trace, result = run(url, tmp_path)
    assert trace.outcome == "error" and "closed" in trace.reason
    assert result.verdict == "inconclusive"


def test_non_web_scheme_is_unsupported_without_browser(tmp_path):
    trace, result = run("weixin://dl/business/?t=abc", tmp_path)
    assert trace.outcome == "unsupported" and "mini-program" in trace.reason
    assert result.verdict == "unsupported"
    assert not trace.steps


def test_time_budget_ends_with_timeout_and_keeps_trace(pages, tmp_path):
    # adding takes 1.2 s, so the order path cannot be walked within the 1.5 s budget
    # (the agent waits out such short timers; with 0.1 s it could finish in time)
    slow = MENU_ITEMS.replace("onclick=\"add()\"", "onclick=\"setTimeout(add, 1200)\"") + CART_BAR
    url = serve_shop(pages, slow)
    trace, result = run(url, tmp_path, timeout_s=1.5)
    assert trace.outcome == "error" and "timeout" in trace.reason
    assert result.verdict == "inconclusive"
    assert trace.complete is False
    assert (tmp_path / "trace.json").exists()


def test_scrapy_style_instrument_then_capture_page(pages, tmp_path):
    """instrument() before navigation, the page navigated by someone else, then capture_page()."""
    from playwright.async_api import async_playwright  # noqa: PLC0415  (heavy: loaded only when needed)


    url = serve_shop(pages, MENU_ITEMS + CART_BAR)
    cfg = AuditConfig(out_dir=tmp_path, timeout_s=40, sandbox_hosts=["127.0.0.1"])

    class FakeRequest:
        def __init__(self, url, meta):
            self.url, self.meta = url, meta

    async def go():
        meta = scrapy_meta("visit-1", cfg)
        assert meta["playwright"] and meta["playwright_include_page"]
        assert meta["playwright_page_init_callback"] is instrument
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**launch_options())
            ctx = await browser.new_context(**get_profile("wechat").context_kwargs())
            page = await ctx.new_page()
            await instrument(page, FakeRequest(url, meta))
            await page.goto(url)
            out = await capture_page(page, url, cfg, "visit-1")
            await browser.close()
            return out

    trace = asyncio.run(go())
    result = judge(trace)
    assert result.verdict == "compliant"
    assert trace.visit_id == "visit-1"
    assert trace.order_reached == "submitted"
    # capture writes the trace only: judging and result.json belong to the pipelines
    assert (tmp_path / "visit-1" / "trace.json").exists() and not (tmp_path / "visit-1" / "result.json").exists()


LOGIN_WALL = """<!doctype html><meta charset=utf-8><title>会员登录</title>
<h2>请先登录后点餐</h2>
<div><label>手机号 <input name=phone type=tel></label></div>
<div><label>验证码 <input name=code maxlength=6></label>
<button id=send onclick="fetch('/sms',{method:'POST',body:'p='+document.querySelector('[name=phone]').value})">获取验证码</button></div>
<button id=login style="background:#07c160;color:#fff;width:300px"
 onclick="fetch('/login',{method:'POST',body:'p='+document.querySelector('[name=phone]').value});
          navigator.sendBeacon('/beacon','login');new Image().src='/pixel.gif?p=1'">登录</button>"""


def test_live_host_never_sends_login_or_sms_code(pages, tmp_path):
    """Live mode (loopback is live unless declared): the login wall's 获取验证码 and 登录 are
    pressed only with the network held — recorded in full, aborted, never received."""
    url = pages.add("/wall", LOGIN_WALL)
    trace, result = run(url, tmp_path, live=True)
    assert not trace.sandbox
    sent = [h for h in pages.hits if h.split()[1].split("?")[0] in ("/sms", "/login", "/beacon", "/pixel.gif")]
    assert sent == [], sent
    assert [h.act for h in trace.holds][:2] == ["send_code", "login"]
    held = {r.url.split(":", 2)[2].split("/", 1)[1].split("?")[0] for r in trace.requests if r.held}
    assert {"sms", "login"} <= held, held
    login = next(r for r in trace.requests if r.held and r.url.endswith("/login"))
    assert login.method == "POST" and trace.canaries["phone"] in (login.body or "")
    assert result.verdict == "violation" and "forced_phone" in {f.rule for f in result.findings}


def test_privileged_host_sends_login(pages, tmp_path):
    url = pages.add("/wall", LOGIN_WALL)
    trace, _result = run(url, tmp_path)
    assert trace.sandbox and not trace.holds
    assert any(h.startswith("POST /login") for h in pages.hits)


ARROW = '<svg viewBox="0 0 24 24" width="20" height="20"><path d="M5 12h14M13 6l6 6-6 6" stroke="#fff"/></svg>'


def icon_checkout(endpoint: str) -> str:
    """The order form of :data:`CHECKOUT` whose final control is an arrow icon with no words."""
    return CHECKOUT.replace(
        '''onclick="fetch('/submit',{method:'POST'}).then(()=>location.href='/done')">提交订单</button>''',
        f'''onclick="fetch('{endpoint}',{{method:'POST'}}).then(()=>location.href='/done')">{ARROW}</button>''')


def test_privileged_icon_submit_goes_in_once_its_held_request_shows_an_order(pages, tmp_path):
    """A final control without words is pressed with the network held first (it could be a
    payment); the held request is an order to the merchant's own site, so the hold is released
    and the order goes in for real."""
    url = serve_shop(pages, MENU_ITEMS + CART_BAR, {"/checkout": icon_checkout("/submit")})
    trace, _result = run(url, tmp_path)
    assert [h.act for h in trace.holds] == ["submit"]
    assert any("network released" in s.note and "POST /submit" in s.note for s in trace.steps)
    assert pages.hits.count("POST /submit") == 1  # the held press sent nothing; the real one did
    assert trace.order_reached == "submitted", trace.reason


def test_privileged_icon_submit_that_forms_a_payment_is_never_released(pages, tmp_path):
    url = serve_shop(pages, MENU_ITEMS + CART_BAR, {"/checkout": icon_checkout("/order/pay")})
    trace, _result = run(url, tmp_path)
    assert not any("/pay" in h for h in pages.hits)
    assert any(r.held and r.url.endswith("/order/pay") for r in trace.requests)
    assert not any("network released" in s.note for s in trace.steps)
    assert trace.order_reached != "submitted"


WORDLESS_WALL = """<!doctype html><meta charset=utf-8><title>小馆</title><div id=menu style="display:none">""" \
    + MENU_ITEMS + CART_BAR + """</div>
<div id=mask style="position:fixed;inset:0;background:rgba(0,0,0,.6);z-index:50;display:flex;align-items:center">
 <div style="background:#fff;margin:24px;padding:20px;flex:1;text-align:center">
  <h3>欢迎光临</h3><p>新店开业 全场九折</p><div id=slot></div>
  <button id=go style="background:#e33;color:#fff;width:100%;height:44px;border:0">""" + ARROW + """</button>
 </div></div>
<script>
document.getElementById('go').onclick = function () {
  var f = document.getElementById('ph');
  if (!f) { document.getElementById('slot').innerHTML = '<input id=ph type=tel placeholder="请输入手机号">'; return; }
  if (/^1\\d{10}$/.test(f.value)) { fetch('/login', {method: 'POST', body: f.value}); document.getElementById('mask').remove();
    document.getElementById('menu').style.display = 'block'; }
};
</script>"""


def test_a_wall_without_words_is_a_gate_and_its_unfolded_phone_field_is_judged(pages, tmp_path):
    """A modal layer standing instead of the menu, whose only control is an icon, says nothing of what it asks:
    it is a gate all the same; its press shows a phone field, which the gate then asks for."""
    pages.add("/checkout", CHECKOUT)
    pages.add("/done", DONE)
    url = pages.add("/shop", WORDLESS_WALL)
    trace, result = run(url, tmp_path)
    g = trace.gates[0]
    assert g.stage == "entry" and "phone" in [f.kind_hint for f in g.fields]
    assert any("showed the fields it asks for (phone)" in s.note for s in trace.steps)
    assert any(h.startswith("POST /login") for h in pages.hits)
    assert ("forced_phone", "entry") in {(f.rule, f.stage) for f in result.findings}


def test_live_a_wall_without_words_is_pressed_only_with_the_network_held(pages, tmp_path):
    pages.add("/checkout", CHECKOUT)
    url = pages.add("/shop", WORDLESS_WALL)
    trace, _result = run(url, tmp_path, live=True)
    assert trace.holds and trace.holds[0].act == "unknown"
    assert not any(h.startswith("POST /login") for h in pages.hits)


CART_LINK_BAR = """
<div class=cartbar style="position:fixed;bottom:0;left:0;right:0;height:56px;background:#222;color:#fff;display:flex">
<a href="/cart" style="color:#fff;flex:1">购物车 <b id=cnt>0</b></a></div>
<script>window.n=0;function add(){window.n++;document.getElementById('cnt').textContent=window.n;}</script>
"""


def icon_cart(go: str) -> str:
    """A cart page of its own whose only way on is an arrow icon with no words (``go``: its tag's
    opening, a link or a button with a handler)."""
    tag = go.split()[0].lstrip("<")
    return ("<!doctype html><meta charset=utf-8><title>小馆</title><h2>购物车</h2><div>红烧肉 x1 ¥38</div>"
            '<div style="position:fixed;bottom:0;left:0;right:0;height:56px;display:flex;background:#fff">'
            "<span>合计 ¥38</span>" + go[:-1] + ' style="background:#f60;color:#fff;flex:1;display:block">'
            + ARROW + f"</{tag}></div>")


def test_live_a_wordless_way_on_from_a_cart_page_is_pressed_with_the_network_screened(pages, tmp_path):
    """Live mode, a cart page of its own whose way on is an icon: it could be the final submit,
    so it is pressed with the network screened — its load of the merchant's checkout page goes
    out, the checkout is reached and its final submit is held as usual."""
    url = serve_shop(pages, MENU_ITEMS + CART_LINK_BAR, {"/cart": icon_cart('<a href="/checkout">')})
    trace, _result = run(url, tmp_path, live=True)
    assert "GET /checkout" in pages.hits, pages.hits
    assert any("network screened" in s.note for s in trace.steps)
    assert [h.act for h in trace.holds][:1] == ["submit"], trace.reason
    assert not any(h.startswith("POST /submit") for h in pages.hits)


def test_live_a_wordless_control_on_a_cart_page_that_posts_an_order_is_held_as_the_final_submit(pages, tmp_path):
    """The same icon, but its press posts an order: the screen holds the post (never received),
    the control is taken for the final submit and live mode's held checkout goes on from there."""
    go = """<button onclick="fetch('/order',{method:'POST',body:'t=A3'}).then(()=>location.href='/done')">"""
    url = serve_shop(pages, MENU_ITEMS + CART_LINK_BAR, {"/cart": icon_cart(go)})
    trace, result = run(url, tmp_path, live=True)
    assert not any(h.startswith("POST /order") for h in pages.hits), pages.hits
    assert [h.act for h in trace.holds][:2] == ["unknown", "submit"]
    assert any(r.held and r.method == "POST" and r.url.endswith("/order") for r in trace.requests)
    assert any("the press sent POST" in s.note and "held, not sent" in s.note for s in trace.steps)
    assert any("taken for the final submit" in s.note for s in trace.steps)
    assert trace.order_reached == "checkout" and result.verdict == "compliant", trace.reason


def test_live_a_wordless_control_that_leaves_for_an_act_ends_the_walk(pages, tmp_path):
    """An icon whose press loads a page naming an act (a membership sign-up): held; no order was
    formed and the page did not go on, so the walk ends there, short of the checkout."""
    go = """<button onclick="location.href='/member/join?from=cart'">"""
    url = serve_shop(pages, MENU_ITEMS + CART_LINK_BAR, {"/cart": icon_cart(go)})
    trace, result = run(url, tmp_path, live=True)
    assert not any("/member/join" in h for h in pages.hits), pages.hits
    assert trace.holds and trace.holds[0].act == "unknown"
    assert trace.steps[-1].action == "stop" and "live mode holds" in trace.steps[-1].note
    assert not any(s.action == "tap" for s in trace.steps)
    assert result.verdict == "inconclusive" and "behind_held_act" in result.not_observed


ONE_PAGE_ICON_ORDER = """<!doctype html><meta charset=utf-8><meta name=viewport content="width=device-width">
<title>小馆</title><div id=menu>""" + MENU_ITEMS + """</div>
<div id=confirm style="display:none"><h3>已选商品</h3><div>红烧肉 x1 ¥38</div></div>
<div style="position:fixed;bottom:0;left:0;right:0;height:64px;background:#222;color:#fff;display:flex;justify-content:space-between">
 <span>¥<b id=sum>0</b></span><button id=go style="width:64px;height:64px;border-radius:32px;background:#f60;border:0">""" + ARROW + """</button></div>
<script>window.n=0;function add(){window.n++;document.getElementById('sum').textContent=38*window.n;}
document.getElementById('go').onclick=function(){
 if (!window.n) return;
 if (document.getElementById('menu').style.display !== 'none') {
  document.getElementById('menu').style.display='none'; document.getElementById('confirm').style.display='block'; return; }
 fetch('/order',{method:'POST',body:'n='+window.n}).then(function(){document.body.innerHTML='<h2>下单成功</h2>';});};
</script>"""


def test_live_a_wordless_control_never_sends_an_order(pages, tmp_path):
    """A one-page app whose one icon in the bottom bar opens the order view and then posts the
    order: live mode presses it with the network screened, so the order is never sent."""
    url = pages.add("/shop", ONE_PAGE_ICON_ORDER)
    trace, _result = run(url, tmp_path, live=True)
    assert any(r.url.endswith("/order") for r in trace.requests), "the order was never formed: the test tests nothing"
    assert not any(h.startswith("POST /order") for h in pages.hits), pages.hits
    assert trace.holds and trace.holds[0].act == "unknown"
    assert trace.order_reached != "submitted"


SHEET_ICON_ORDER = """<!doctype html><meta charset=utf-8><meta name=viewport content="width=device-width">
<title>小馆</title>""" + MENU_ITEMS + """
<div id=mask style="display:none;position:fixed;inset:0;background:rgba(0,0,0,.5);z-index:8"></div>
<div id=sheet style="display:none;position:fixed;left:0;right:0;bottom:0;background:#fff;z-index:9;padding:16px">
 <div>红烧肉 x1 ¥38</div><div>用餐人数
 <span class=chip onclick="pick(this)" style="border:1px solid #999;padding:4px 12px">1人</span>
 <span class=chip onclick="pick(this)" style="border:1px solid #999;padding:4px 12px">2人</span></div>
 <button id=ok style="display:block;width:100%;height:48px;margin-top:12px;background:#f60;border:0">""" + ARROW + """</button>
</div>
<script>function add(){document.getElementById('mask').style.display='block';
 document.getElementById('sheet').style.display='block';}
function pick(e){document.querySelectorAll('.chip').forEach(function(c){c.classList.remove('sel');c.style.background='';});
 e.classList.add('sel');e.style.background='#fde';}
document.getElementById('ok').onclick=function(){fetch('/order',{method:'POST',body:'t=A3'})
 .then(function(){document.body.innerHTML='<h2>下单成功</h2>';});};</script>"""


def test_live_a_wordless_confirm_on_a_sheet_never_sends_an_order(pages, tmp_path):
    """A one-page app whose add opens a sheet (the dish, a choice of diners, an icon) whose icon
    posts the order: live mode never sends it."""
    url = pages.add("/shop", SHEET_ICON_ORDER)
    trace, _result = run(url, tmp_path, live=True)
    assert any(r.url.endswith("/order") for r in trace.requests), "the order was never formed: the test tests nothing"
    assert not any(h.startswith("POST /order") for h in pages.hits), pages.hits
    assert trace.order_reached != "submitted"


PLUS_SVG = ("url(\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 22 22'%3E"
            "%3Ccircle cx='11' cy='11' r='11' fill='%23fc3'/%3E%3Cpath d='M11 6v10M6 11h10' stroke='%23333'/%3E%3C/svg%3E\")")
UNI_MENU = """<!doctype html><meta charset=utf-8><meta name=viewport content="width=device-width"><title>肠粉</title>
<style>uni-view{display:block}uni-text{display:inline-block}
.g{display:flex;justify-content:space-between;padding:12px;border-bottom:1px solid #eee}
.plus{width:22px;height:22px;background-size:100% 100%;background-image:""" + PLUS_SVG + """}
.bar{position:fixed;left:0;right:0;bottom:0;height:50px;background:#333;color:#fff;display:flex}
.bar .go{margin-left:auto;padding:0 24px;line-height:50px;background:#fc3;color:#333}</style>
<uni-view id=goods>
 <uni-view class=g data-id=1><uni-view><uni-text>鲜虾肠粉</uni-text><uni-view>¥15</uni-view></uni-view><uni-view class=plus></uni-view></uni-view>
 <uni-view class=g data-id=2><uni-view><uni-text>牛肉肠粉</uni-text><uni-view>¥13</uni-view></uni-view><uni-view class=plus></uni-view></uni-view>
</uni-view>
<uni-view class=bar><uni-text>已选 <uni-text id=n>0</uni-text> 件</uni-text><uni-view class=go>去结算</uni-view></uni-view>
<script>var n=0;
document.getElementById('goods').addEventListener('click',function(e){if(e.target.classList.contains('plus')){n++;
 document.getElementById('n').textContent=n;}});
document.querySelector('.go').addEventListener('click',function(){if(n)location.href='/checkout';});</script>"""


def test_a_menu_of_custom_elements_whose_add_is_an_empty_icon_is_walked(pages, tmp_path):
    """uni-app markup: the menu is custom elements (uni-view), the add control an empty one with a
    background icon, no pointer cursor, its tap handled by a listener on the list."""
    pages.add("/checkout", CHECKOUT)
    pages.add("/done", DONE)
    url = pages.add("/shop", UNI_MENU)
    trace, _result = run(url, tmp_path)
    assert trace.order_reached == "submitted", trace.reason
    assert any(s.target is not None and s.target.tag == "uni-view" and "add" in s.note for s in trace.steps)


ONE_PAGE_ORDER_VIEW = """<!doctype html><meta charset=utf-8><meta name=viewport content="width=device-width">
<title>小馆</title><div id=menu class=list>""" + MENU_ITEMS + """</div>
<div id=confirm style="display:none"><h3>核对订单</h3><div>红烧肉 x1 ¥38</div>
 <div>联系人 <input id=nm placeholder="请输入真实姓名"></div>
 <div>身份证号 <input id=idc placeholder="请输入身份证号"></div>
 <p id=msg></p><button id=place style="width:100%;height:44px;background:#f60;color:#fff">确认下单</button></div>
<div id=bar style="position:fixed;bottom:0;left:0;right:0;height:56px;background:#222;color:#fff;display:flex">
 <span>合计 ¥<b id=sum>0</b></span>
 <button id=go style="margin-left:auto;background:#f60;color:#fff;padding:0 24px">下单</button></div>
<script>var n=0;function add(){n++;document.getElementById('sum').textContent=38*n;}
document.getElementById('go').onclick=function(){if(!n)return;document.getElementById('menu').style.display='none';
 document.getElementById('bar').style.display='none';document.getElementById('confirm').style.display='block';};
document.getElementById('place').onclick=function(){
 if(!document.getElementById('nm').value||!document.getElementById('idc').value){
  document.getElementById('msg').textContent='请填写姓名和身份证号';return;}
 fetch('/submit',{method:'POST'}).then(function(){document.body.innerHTML='<h2>下单成功</h2>';});};</script>"""


@pytest.mark.parametrize("live", [False, True])
def test_a_submit_word_on_the_menu_that_opens_the_order_view_is_a_way_on(pages, tmp_path, live):
    """下单 on the menu's cart bar opens the order view (its own 确认下单 and fields): that is the page
    going on, not a refusal; the order view's fields are the form judged (excessive fields)."""
    url = pages.add("/shop", ONE_PAGE_ORDER_VIEW)
    trace, result = run(url, tmp_path, live=live)
    assert any("came up" in s.note or "the page went on" in s.note for s in trace.steps), [s.note for s in trace.steps]
    assert any(g.kind == "form" and "id_number" in {f.kind_hint for f in g.fields} for g in trace.gates), trace.gates
    assert "excessive_fields" in {f.rule for f in result.findings}, result.reason
    assert (pages.hits.count("POST /submit") == 0) is live


CHOICE_CHECKOUT = """<!doctype html><meta charset=utf-8><meta name=viewport content="width=device-width">
<title>确认订单</title><h2>确认订单</h2><div>红烧肉 x1 ¥38</div>
<div>联系电话 <input name=tel type=tel placeholder="手机号"></div>
<div class=g><span>用餐人数</span>
 <span class=chip onclick="pick(this)">1人</span><span class=chip onclick="pick(this)">2人</span></div>
<p class=pv>提交即同意 <a href="/privacy">《隐私政策》</a> <a href="/terms">《用户协议》</a></p>
<p id=msg></p><button id=sub style="width:100%;height:44px;background:#f60;color:#fff">提交订单</button>
<script>var who=null;function pick(e){who=e.textContent;document.querySelectorAll('.chip').forEach(function(c){
 c.classList.toggle('active', c===e);});}
document.getElementById('sub').onclick=function(){
 if(!document.querySelector('[name=tel]').value){document.getElementById('msg').textContent='请填写联系电话';return;}
 if(!who){document.getElementById('msg').textContent='请选择用餐人数';return;}
 fetch('/submit',{method:'POST'}).then(function(){location.href='/done';});};</script>"""


def test_a_choice_the_order_form_asks_for_is_made_and_its_links_are_no_options(pages, tmp_path):
    """Refused for a missing choice (用餐人数) after the canaries: the first option of the form's open
    group is chosen and the order goes in; the policy links beside it are not options to press."""
    url = serve_shop(pages, MENU_ITEMS + CART_BAR, {"/checkout": CHOICE_CHECKOUT})
    trace, _result = run(url, tmp_path)
    assert any("option(s) the order form asks for" in s.note for s in trace.steps), [s.note for s in trace.steps]
    assert not any(h.startswith(("GET /privacy", "GET /terms")) for h in pages.hits), pages.hits
    assert pages.hits.count("POST /submit") == 1 and trace.order_reached == "submitted", trace.reason


def blur_leak_checkout(tracker: str) -> str:
    """An order form whose optional phone (选填) goes to ``tracker`` when the diner leaves the field."""
    return ("""<!doctype html><meta charset=utf-8><title>确认订单</title><h2>确认订单</h2><div>红烧肉 x1 ¥38</div>
<div>手机号 <input id=tel type=tel placeholder="选填，用于取餐通知"></div>
<button id=sub style="width:100%;height:44px;background:#f60;color:#fff">提交订单</button>
<script>document.getElementById('tel').addEventListener('blur',function(){var v=this.value;
 if(v) new Image().src='""" + tracker + """/p.gif?m='+btoa(v);});
document.getElementById('sub').onclick=function(){fetch('/submit',{method:'POST'}).then(function(){location.href='/done';});};
</script>""")


def test_privileged_an_optional_field_is_typed_into_and_emptied_before_the_empty_submit(pages, tmp_path):
    """Privileged: the form goes in with its optional phone empty, but the phone is typed (and left)
    first, so the page's leak of it on leaving the field is seen (Leaky Forms)."""
    tracker = f"http://localhost:{pages.port}"
    url = serve_shop(pages, MENU_ITEMS + CART_BAR, {"/checkout": blur_leak_checkout(tracker)})
    trace, result = run(url, tmp_path)
    assert trace.order_reached == "submitted"
    assert any("emptied again" in s.note for s in trace.steps)
    assert any(s.note == "order submitted with empty PI fields" for s in trace.steps)
    assert ("third_party_leak", "checkout") in {(f.rule, f.stage) for f in result.findings}, result.findings
    assert "forced_phone" not in {f.rule for f in result.findings}


COUNTDOWN = """<!doctype html><meta charset=utf-8><title>小馆</title><h3>正在为您绑定桌台</h3>
<p><span id=s>3</span> 秒后自动进入点餐，请勿离开</p>
<script>var n=3;var t=setInterval(function(){n--;document.getElementById('s').textContent=n;
 if(n<=0){clearInterval(t);location.replace('/menu');}},1000);</script>"""

DELEGATED_WORDS = """<!doctype html><meta charset=utf-8><meta name=viewport content="width=device-width"><title>小馆</title>
<style>.pick{border:1px solid #f70;border-radius:12px;padding:2px 10px;color:#f70}.tray{display:flex;justify-content:space-between;padding:10px}</style>
<div id=list><div class=tray><span>红烧肉</span><span>¥38</span><span class=pick>选择</span></div>
<div class=tray><span>宫保鸡丁</span><span>¥28</span><span class=pick>选择</span></div></div>
<div style="position:fixed;bottom:0;left:0;right:0;height:50px;background:#222;color:#fff;display:flex">
<span>已选 <b id=n>0</b></span><a href="/checkout" style="margin-left:auto;color:#fff">去结算</a></div>
<script>var n=0;document.getElementById('list').onclick=function(e){if(!e.target.classList.contains('pick'))return;
 n++;document.getElementById('n').textContent=n;};</script>"""


def test_a_page_that_moves_on_by_itself_after_a_countdown_is_waited_for(pages, tmp_path):
    serve_shop(pages, MENU_ITEMS + CART_BAR, {"/bind": COUNTDOWN, "/menu": "<!doctype html><meta charset=utf-8>"
                                                    "<title>小馆</title>" + MENU_ITEMS + CART_BAR})
    trace, _result = run(pages.url("/bind"), tmp_path)
    assert any("moves on by itself" in s.note for s in trace.steps)
    assert trace.order_reached == "submitted", trace.reason


def test_a_short_word_drawn_as_a_button_under_a_delegating_list_adds_the_dish(pages, tmp_path):
    """选择 in a bordered pill; the list answers taps for it through an onclick property (no attribute,
    no addEventListener, no pointer cursor)."""
    serve_shop(pages, "", {"/pick": DELEGATED_WORDS})
    trace, _result = run(pages.url("/pick"), tmp_path)
    assert any(s.note.startswith("add: 选择") for s in trace.steps), [s.note for s in trace.steps]
    assert trace.order_reached == "submitted", trace.reason


TICK_TO_ORDER = """<!doctype html><meta charset=utf-8><title>确认订单</title><h2>确认订单</h2><div>红烧肉 x1 ¥38</div>
<div><span id=ck role=checkbox aria-checked=false style="display:inline-block;width:16px;height:16px;border:1px solid #999"></span>
 <span>我已阅读并同意《隐私政策》，并同意接收优惠活动短信及个性化推荐</span></div>
<div id=sub role=button aria-disabled=true style="height:44px;background:#e9a;color:#fff;text-align:center">确认下单</div>
<script>var ok=false;document.getElementById('ck').onclick=function(){ok=!ok;this.setAttribute('aria-checked',String(ok));
 var b=document.getElementById('sub');b.setAttribute('aria-disabled',String(!ok));b.style.background=ok?'#f60':'#e9a';};
document.getElementById('sub').onclick=function(){if(!ok)return;
 fetch('/submit',{method:'POST'}).then(function(){location.href='/done';});};</script>"""


@pytest.mark.parametrize("live", [False, True])
def test_a_final_submit_disabled_until_a_bundled_box_is_ticked(pages, tmp_path, live):
    """The order form's 确认下单 stays disabled until its one box — the policy bundled with marketing — is
    ticked: the disabled control is the final submit all the same, the box is ticked to go on, and the
    bundle is induced consent."""
    url = serve_shop(pages, MENU_ITEMS + CART_BAR, {"/checkout": TICK_TO_ORDER})
    trace, result = run(url, tmp_path, live=live)
    assert any("ticked the box" in s.note for s in trace.steps), [s.note for s in trace.steps]
    assert ("induced_consent", "checkout") in {(f.rule, f.stage) for f in result.findings}, result.reason
    assert pages.hits.count("POST /submit") == (0 if live else 1)


def test_a_submit_that_answers_touches_only_is_tapped(pages, tmp_path):
    touch = CHECKOUT.replace(
        '''onclick="fetch('/submit',{method:'POST'}).then(()=>location.href='/done')">提交订单</button>''',
        '''>提交订单</button><script>document.getElementById('sub').addEventListener('touchend', function () {
        fetch('/submit', {method: 'POST'}).then(function () { location.href = '/done'; }); });</script>''')
    url = serve_shop(pages, MENU_ITEMS + CART_BAR, {"/checkout": touch})
    trace, _result = run(url, tmp_path)
    assert "POST /submit" in pages.hits
    assert trace.order_reached == "submitted", trace.reason


LOGIN_ROUTE_SHOP = """<!doctype html><meta charset=utf-8><title>小馆</title>
<div class=item><span>在线下单</span><span>¥18</span><button class=add onclick="add()">+</button></div>
<div class=item><span>红烧肉</span><span>¥38</span><button class=add onclick="add()">+</button></div>
<div class=cartbar style="position:fixed;bottom:0;left:0;right:0;height:56px;background:#222;color:#fff;display:flex">
<span>购物车 <b id=cnt>0</b></span>
<div class=go style="cursor:pointer;background:#f60;flex:1;text-align:center"
 onclick="if(window.n) location.href = localStorage.member ? '/checkout' : '/login'">去结算</div></div>
<script>window.n=0;function add(){window.n++;document.getElementById('cnt').textContent=window.n;}</script>"""

LOGIN_PAGE = """<!doctype html><meta charset=utf-8><title>登录</title><h2>登录</h2>
<p>新用户登录即加入会员，享会员权益</p><p>手机号 <input id=ph type=tel placeholder="请输入手机号"></p>
<button style="background:#e33;color:#fff;width:100%" onclick="if(document.getElementById('ph').value.length==11)
{localStorage.member=1;fetch('/login',{method:'POST'}).then(()=>location.href='/checkout')}">登录</button>"""


def audit_login_shop(pages, tmp_path, shop_html: str):
    """Serve ``shop_html`` with the order form, audit it (privileged); returns the trace, the
    result, the first gate and that gate's 'back' tries."""
    pages.add("/checkout", CHECKOUT)
    pages.add("/done", DONE)
    trace, result = run(pages.add("/shop", shop_html), tmp_path)
    g = trace.gates[0]
    return trace, result, g, [t for t in g.tries if t.method == "back"]


def test_going_back_to_the_menu_round_to_the_same_login_page_is_no_way_past(pages, tmp_path):
    """A login page met on the way to the checkout, whose only way out is the browser's back to
    the menu, from where 去结算 leads to it again: back is no way past (tried once), and a dish
    named 在线下单 in a menu row is never taken for the final submit."""
    pages.add("/login", LOGIN_PAGE)
    trace, result, g, backs = audit_login_shop(pages, tmp_path, LOGIN_ROUTE_SHOP)
    assert len(backs) == 1 and backs[0].outcome != "passed", g.tries
    assert not any(s.target is not None and s.target.text == "在线下单" for s in trace.steps)
    assert "POST /login" in pages.hits and trace.order_reached == "submitted", trace.reason
    assert {"forced_membership", "forced_phone"} & {f.rule for f in result.findings}


HASH_SHOP = """<!doctype html><meta charset=utf-8><title>小馆</title><div id=menu>""" + LOGIN_ROUTE_SHOP.split(
    "<title>小馆</title>", 1)[1].replace(
    "location.href = localStorage.member ? '/checkout' : '/login'",
    "localStorage.member ? location.href = '/checkout' : location.hash = '#/login'") + """</div>
<div id=login style="display:none">""" + LOGIN_PAGE.split("<title>登录</title>", 1)[1] + """</div>
<script>onhashchange = function () { var l = location.hash == '#/login';
  document.getElementById('login').style.display = l ? 'block' : 'none';
  document.getElementById('menu').style.display = l ? 'none' : 'block'; };</script>"""


def test_in_a_hash_routed_app_back_round_to_the_same_login_view_is_tried_once(pages, tmp_path):
    """The same in a one-page app: back only changes the #route, the login view goes, and
    去结算 brings it straight back — back came back once, so it is not tried again."""
    trace, _result, g, backs = audit_login_shop(pages, tmp_path, HASH_SHOP)
    assert backs and backs[0].outcome in ("gate_returned", "returned_on_retry", "navigated_away"), g.tries
    assert len(backs) == 1, g.tries
    assert "POST /login" in pages.hits, [s.note for s in trace.steps]


# Menus whose dishes show only once a category is tapped: each shows nothing to take until then.
_CATEGORY_DISHES = "var D=[[['红烧牛肉面',22],['酸菜肉丝面',18]],[['鱼香肉丝饭',20]],[['煎饺',10]],[['酸梅汤',5]]];"
SWIPED_CAROUSEL = """<!doctype html><meta charset=utf-8><meta name=viewport content="width=device-width"><title>面馆</title>
<style>.sw{overflow:hidden}.wr{display:flex;gap:10px}.sl{flex:0 0 110px;height:110px;border-radius:8px;color:#fff;
 background:linear-gradient(#fa6,#fc8);display:flex;align-items:flex-end;justify-content:center}
.dish{display:flex;justify-content:space-between;padding:12px}.pl{width:24px;height:24px;border-radius:12px;background:#f60
 url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E%3Cpath d='M11 5h2v14h-2zM5 11h14v2H5z' fill='white'/%3E%3C/svg%3E")}
</style><div>左右滑动 点选分类</div><div class=sw id=sw><div class=wr><div class=sl data-c=0>招牌面</div>
<div class=sl data-c=1>盖浇饭</div><div class=sl data-c=2>小吃</div><div class=sl data-c=3>饮品</div></div></div>
<div id=list></div>
<div style="position:fixed;bottom:0;left:0;right:0;height:56px;background:#222;color:#fff;display:flex">
 <span>¥<b id=tot>0</b></span><div id=go style="margin-left:auto;width:120px;background:#f60">选好了</div></div>
<script>""" + _CATEGORY_DISHES + """var tot=0,sx=0,sw=document.getElementById('sw');
function show(c){document.getElementById('list').innerHTML=D[c].map(function(d){return '<div class=dish><span>'+d[0]+
 ' ¥'+d[1]+'</span><div class=pl data-p="'+d[1]+'"></div></div>';}).join('');}
// a swiper: the cards answer through their container; a move of more than 10 px is a swipe, no tap
sw.addEventListener('touchstart',function(e){sx=e.touches.length?e.touches[0].clientX:0;});
sw.addEventListener('touchend',function(e){var t=e.changedTouches[0];if(!t||Math.abs(t.clientX-sx)>10)return;
 var s=e.target.closest('.sl');if(s){e.preventDefault();show(+s.dataset.c);}});
document.getElementById('list').addEventListener('click',function(e){var p=e.target.closest('.pl');
 if(p){tot+=+p.dataset.p;document.getElementById('tot').textContent=tot;}});
document.getElementById('go').onclick=function(){if(tot)location.href='/checkout';};</script>"""

UNI_SIDEBAR = """<!doctype html><meta charset=utf-8><meta name=viewport content="width=device-width"><title>川菜馆</title>
<style>.wrap{display:flex}.left{width:90px}.left uni-view{display:block;padding:14px 8px}.right{flex:1}
.g{display:flex;justify-content:space-between;padding:10px 0}.stp{position:relative;width:22px;height:22px;
 border:1px solid #1989fa;border-radius:11px}.stp::before,.stp::after{content:'';position:absolute;background:#1989fa;
 left:5px;top:10px;width:12px;height:2px}.stp::after{transform:rotate(90deg)}</style>
<div class=wrap><uni-view class=left id=cats><uni-view class=_c1x>店长推荐</uni-view><uni-view class=_c1x>凉菜</uni-view>
<uni-view class=_c1x>热菜</uni-view><uni-view class=_c1x>主食</uni-view></uni-view>
<uni-view class=right id=goods><uni-view>请选择左侧分类</uni-view></uni-view></div>
<uni-view style="position:fixed;bottom:0;left:0;right:0;height:50px;background:#333;color:#fff;display:flex">
 <uni-view>已选 <uni-text id=n>0</uni-text> 件</uni-view><uni-view id=sb style="margin-left:auto;width:110px;background:#1989fa">去结算</uni-view></uni-view>
<script>""" + _CATEGORY_DISHES + """var n=0;
document.getElementById('cats').addEventListener('touchend',function(e){var t=e.target.closest('._c1x');if(!t)return;
 var i=[].indexOf.call(t.parentNode.children,t);document.getElementById('goods').innerHTML=D[i].map(function(g){
 return '<uni-view class=g><uni-view><uni-text>'+g[0]+'</uni-text><uni-view>¥'+g[1]+'</uni-view></uni-view>'+
 '<uni-view class=stp></uni-view></uni-view>';}).join('');});
document.getElementById('goods').addEventListener('touchend',function(e){if(e.target.classList.contains('stp')){n++;
 document.getElementById('n').textContent=n;}});
document.getElementById('sb').addEventListener('touchend',function(){if(n)location.href='/checkout';});</script>"""

ROLE_TABS = """<!doctype html><meta charset=utf-8><meta name=viewport content="width=device-width"><title>Noodle Bar</title>
<div role=tablist><span role=tab class=_t9 aria-selected=false>Popular</span><span role=tab class=_t9 aria-selected=false>Noodles</span>
<span role=tab class=_t9 aria-selected=false>Drinks</span></div><div id=panel><p>Choose a category above</p></div>
<div style="position:fixed;bottom:0;left:0;right:0;height:56px;background:#222;color:#fff;display:flex">
 <span>Total $<b id=tot>0</b></span><div id=go style="margin-left:auto;width:120px;background:#f60">Checkout</div></div>
<script>var P=[[['Beef noodles',12],['Dumplings',8]],[['Dan dan noodles',11]],[['Lemon tea',4]]];var tot=0;
document.querySelector('[role=tablist]').addEventListener('click',function(e){var t=e.target.closest('[role=tab]');if(!t)return;
 var i=[].indexOf.call(t.parentNode.children,t);document.getElementById('panel').innerHTML=P[i].map(function(d){
 return '<div style="display:flex;justify-content:space-between;padding:10px"><span>'+d[0]+' $'+d[1]+'</span>'+
 '<span class=dot data-p='+d[1]+' style="width:22px;height:22px;border-radius:11px;background:#e33;display:inline-block"></span></div>';}).join('');});
document.getElementById('panel').addEventListener('click',function(e){if(e.target.classList.contains('dot')){
 tot+=+e.target.dataset.p;document.getElementById('tot').textContent=tot;}});
document.getElementById('go').onclick=function(){if(tot)location.href='/checkout';};</script>"""


@pytest.mark.parametrize("menu", [SWIPED_CAROUSEL, UNI_SIDEBAR, ROLE_TABS], ids=["swiped-carousel", "uni-sidebar", "role-tabs"])
def test_a_menu_whose_dishes_show_only_after_a_category_is_tapped_is_walked(pages, tmp_path, menu):
    """Live: nothing to take until a category is tapped — a card of a swiper that answers through its
    container's touches, a uni-app sidebar entry (touch-only, delegated) whose dishes' add is a "+" drawn
    by CSS, an English role=tab strip whose dishes' add is a plain filled dot; the category is tapped,
    a dish taken, the checkout reached and the order held."""
    url = serve_shop(pages, "", {"/menu": menu})
    trace, result = run(url.replace("/shop", "/menu"), tmp_path, live=True)
    notes = [s.note for s in trace.steps]
    assert any(n.startswith("category: ") for n in notes), notes
    assert trace.order_reached == "checkout", (trace.reason, notes)
    assert "POST /submit" not in pages.hits


# A dish card that is its own control (thumbnail on the left, no "+"), a sheet of option groups side by
# side whose confirm sits in a bar of its own and says what it waits for while disabled, toasts in the
# middle of the screen, and a cart bar whose way on shows only the total and an arrow.
CARD_SHEET_MENU = """<!doctype html><meta charset=utf-8><meta name=viewport content="width=device-width"><title>Bowl Bar</title>
<style>.card{display:flex;gap:10px;padding:12px;border-bottom:1px solid #eee;cursor:pointer}.th{width:64px;height:64px;
 background:#fb923c}.mask{position:fixed;inset:0;background:rgba(0,0,0,.5);z-index:10}.sheet{position:fixed;left:0;right:0;
 bottom:60px;background:#fff;z-index:11;padding:12px}.opt{padding:8px;border:1px solid #ccc;margin:4px 0}
.foot{position:fixed;left:0;right:0;bottom:0;height:60px;background:#fff;z-index:12;display:flex}
.foot button{flex:1;background:#f60;color:#fff}.foot button:disabled{background:#ccc}
.toast{position:fixed;left:30%;top:45%;background:rgba(0,0,0,.7);color:#fff;padding:8px;z-index:99}
.bar{position:fixed;left:0;right:0;bottom:0;height:56px;background:#222;color:#fff;display:flex;z-index:5}
.go{margin-left:auto;width:110px;background:#f60;display:flex;align-items:center;justify-content:center}</style>
<div id=list><div class=card data-p=12><div class=th></div><div><b>Salmon Classic</b><p>Salmon, edamame, avocado and
 ponzu over sushi rice</p><span>$12</span></div></div><div class=card data-p=11><div class=th></div><div><b>Spicy Tuna</b>
 <p>Tuna, sriracha mayo, cucumber and sesame over rice</p><span>$11</span></div></div></div>
<div class=bar><span id=bag>0</span><div class=go id=go></div></div>
<script>var tot=0;function toast(t){var x=document.createElement('div');x.className='toast';x.innerHTML='<p>'+t+'</p>';
 document.body.appendChild(x);setTimeout(function(){x.remove();},1500);}
function bar(){document.getElementById('go').textContent=tot?'$'+tot+' ›':'';}
document.querySelectorAll('.card').forEach(function(c){c.addEventListener('click',function(){sheet(+c.dataset.p);});});
function sheet(p){var pick={};var m=document.createElement('div');m.className='mask';var s=document.createElement('div');
 s.className='sheet';s.setAttribute('role','dialog');s.innerHTML='<div class=g data-g=size><b>Size</b><div class=opt role=radio>Regular</div>'+
 '<div class=opt role=radio>Large</div></div><div class=g data-g=base><b>Base</b><div class=opt role=radio>White rice</div>'+
 '<div class=opt role=radio>Greens</div></div>';var f=document.createElement('div');f.className='foot';
 f.innerHTML='<button disabled>Choose required options</button>';var b=f.querySelector('button');
 s.querySelectorAll('.opt').forEach(function(o){o.addEventListener('click',function(){pick[o.parentNode.dataset.g]=o.textContent;
  o.parentNode.querySelectorAll('.opt').forEach(function(x){x.setAttribute('aria-checked',String(x===o));});
  if(pick.size&&pick.base){b.disabled=false;b.textContent='Add to cart · $'+p;}});});
 b.addEventListener('click',function(){if(b.disabled)return;tot+=p;m.remove();s.remove();f.remove();bar();toast('已加入购物车');});
 document.body.append(m,s,f);}
document.getElementById('go').addEventListener('click',function(){if(!tot){toast('请先选择菜品');return;}location.href='/checkout';});
bar();</script>"""


def test_a_dish_card_opens_a_sheet_whose_confirm_waits_in_a_bar_of_its_own(pages, tmp_path):
    """Live: the card itself opens the dish (its thumbnail is no "+"); both option groups are chosen though
    their rows are alike; the confirm drawn outside the sheet, disabled and saying what it waits for, is
    pressed once enabled; the toast that follows is no control; "$12 ›" on the cart bar is the way on."""
    url = serve_shop(pages, "", {"/menu": CARD_SHEET_MENU})
    trace, _result = run(url.replace("/shop", "/menu"), tmp_path, live=True)
    notes = [s.note for s in trace.steps]
    assert any(n.startswith("open_item: Salmon") for n in notes), notes
    assert "chose 2 option(s), confirm" in notes, notes
    assert not any("已加入购物车" in n for n in notes), notes
    assert trace.order_reached == "checkout", (trace.reason, notes)


# A hot-pot menu: the order needs a soup base first (请先选择锅底); the bases' control says 选口味 and opens a
# sheet whose 确定 (a custom element) carries a disabled attribute until the spiciness is chosen.
HOTPOT_MENU = """<!doctype html><meta charset=utf-8><meta name=viewport content="width=device-width"><title>火锅</title>
<style>.row{display:flex;justify-content:space-between;padding:12px}.add{width:24px;height:24px;background:#d43;color:#fff;
 border-radius:12px;text-align:center}.sku{padding:2px 8px;background:#d43;color:#fff;border-radius:12px}
.mask{position:fixed;inset:0;background:rgba(0,0,0,.5);z-index:10}.sheet{position:fixed;left:0;right:0;bottom:0;background:#fff;
 z-index:11;padding:12px}.o{display:inline-block;padding:6px;border:1px solid #ccc;margin:4px}x-btn{display:block;height:40px;
 background:#d43;color:#fff;text-align:center}x-btn[disabled]{background:#eaa}
.bar{position:fixed;left:0;right:0;bottom:0;height:56px;background:#222;color:#fff;display:flex}
.go{margin-left:auto;width:110px;background:#d43}.toast{position:fixed;top:45%;left:30%;background:#333;color:#fff;z-index:99}</style>
<div id=list><h4>锅底(必选)</h4><div class=row data-b=1><span>牛油锅底 ¥58</span><span class=sku>选口味</span></div>
<div class=row data-b=1><span>番茄锅底 ¥48</span><span class=sku>选口味</span></div><h4>涮菜</h4>
<div class=row><span>毛肚 ¥38</span><span class=add>+</span></div><div class=row><span>鸭肠 ¥28</span><span class=add>+</span></div></div>
<div class=bar><span>已选 <b id=n>0</b></span><div class=go id=go>选好了</div></div>
<script>var n=0,base=false;function toast(t){var x=document.createElement('div');x.className='toast';x.textContent=t;
 document.body.appendChild(x);setTimeout(function(){x.remove();},1500);}
function count(){document.getElementById('n').textContent=n;}
document.getElementById('list').addEventListener('click',function(e){if(e.target.classList.contains('add')){n++;count();}
 if(e.target.classList.contains('sku'))sheet();});
function sheet(){var m=document.createElement('div');m.className='mask';var s=document.createElement('div');s.className='sheet';
 s.innerHTML='<div>辣度</div><span class=o>微辣</span><span class=o>中辣</span><x-btn disabled>确定</x-btn>';
 var ok=s.querySelector('x-btn');s.querySelectorAll('.o').forEach(function(o){o.addEventListener('click',function(){
  ok.removeAttribute('disabled');});});
 ok.addEventListener('click',function(){if(ok.hasAttribute('disabled')){toast('请选择辣度');return;}base=true;n++;count();
  m.remove();s.remove();});document.body.append(m,s);}
document.getElementById('go').addEventListener('click',function(){if(!n)return;if(!base){toast('请先选择锅底');return;}
 location.href='/checkout';});</script>"""


def test_a_required_part_of_the_menu_the_page_names_is_added_first(pages, tmp_path):
    """Live: 选好了 answers 请先选择锅底: a soup base (its row's 选口味) is added, its sheet's option chosen
    and its custom-element 确定 pressed once no longer disabled; then the checkout is reached."""
    url = serve_shop(pages, "", {"/menu": HOTPOT_MENU})
    trace, _result = run(url.replace("/shop", "/menu"), tmp_path, live=True)
    notes = [s.note for s in trace.steps]
    assert any(n.startswith("add the required item: 选口味") for n in notes), notes
    assert trace.order_reached == "checkout", (trace.reason, notes)


TABLE_FIELD_CHECKOUT = """<!doctype html><meta charset=utf-8><title>确认订单</title><h2>确认订单</h2><div>红烧肉 x1 ¥38</div>
<style>.req::before{content:'*';color:red}</style>
<div><span class=req>桌号</span> <input id=tb placeholder="请输入桌号"></div>
<div>手机号 <input id=ph type=tel placeholder="选填"></div><p id=msg></p>
<button id=sub style="width:100%;height:44px;background:#f60;color:#fff">提交订单</button>
<script>document.getElementById('sub').onclick=function(){if(!document.getElementById('tb').value){
 document.getElementById('msg').textContent='请填写桌号';return;}fetch('/submit',{method:'POST'}).then(function(){location.href='/done';});};</script>"""


def test_a_table_number_the_refusal_names_is_filled_in(pages, tmp_path):
    """The code scanned carried no table: the order form asks for 桌号 (required by a drawn asterisk only)
    and refuses without it; the field the refusal names is filled (no personal information) and the
    order goes in."""
    url = serve_shop(pages, MENU_ITEMS + CART_BAR, {"/checkout": TABLE_FIELD_CHECKOUT})
    trace, result = run(url, tmp_path)
    assert pages.hits.count("POST /submit") == 1 and trace.order_reached == "submitted", [s.note for s in trace.steps]
    assert "excessive_fields" not in {f.rule for f in result.findings}
