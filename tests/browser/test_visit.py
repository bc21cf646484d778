"""The in-app browser and recorder against small local pages (real Chromium)."""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest

import crawler.browser.launch as launch
import crawler.browser.visit as visit_mod
from core.errors import QrauditError
from core.trace import Trace
from crawler.agent.pressing import TAP_JS
from crawler.browser import Visit, get_profile, launch_options, parse_authorize, return_url

pytestmark = pytest.mark.browser


def text_of(visit) -> str:
    return visit.trace.steps[-1].visible_text


def test_profiles_and_launch_options():
    opts = launch_options()
    assert "--no-sandbox" in opts["args"] and opts["headless"] is True
    wx = get_profile("wechat")
    kw = wx.context_kwargs()
    assert "MicroMessenger/8.0." in kw["user_agent"] and "NetType/WIFI Language/zh_CN" in kw["user_agent"]
    assert kw["permissions"] == [] and kw["service_workers"] == "block" and kw["is_mobile"]
    assert kw["locale"] == "zh-CN" and kw["timezone_id"] == "Asia/Shanghai"
    assert "AlipayClient/10." in get_profile("alipay").user_agent
    assert "MicroMessenger" not in get_profile("mobile").user_agent
    assert get_profile(None).name == "wechat"
    with pytest.raises(QrauditError):
        get_profile("netscape")


def test_no_chromium_is_one_clear_error(monkeypatch):

    monkeypatch.setattr(launch, "bundled_chromium", lambda headless=True: (None, False))
    monkeypatch.setattr(launch, "system_chromium", lambda headless=False: None)
    with pytest.raises(QrauditError, match="no Chromium found"):
        launch.launch_options()


def test_oauth_url_parsing():
    ev = parse_authorize(
        "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wxA&redirect_uri=https%3A%2F%2Fm.example%2Fcb%3Fa%3D1"
        "&response_type=code&scope=snsapi_base&state=X#wechat_redirect")
    assert (ev.provider, ev.scope, ev.appid, ev.state, ev.redirect_uri) == (
        "wechat", "snsapi_base", "wxA", "X", "https://m.example/cb?a=1")
    assert return_url(ev, "C1") == "https://m.example/cb?a=1&code=C1&state=X"
    assert return_url(ev, None) == "https://m.example/cb?a=1&state=X"
    ali = parse_authorize("https://openauth.alipay.com/oauth2/publicAppAuthorize.htm?app_id=9&scope=auth_user"
                          "&redirect_uri=https%253A%252F%252Fm.example%252Fcb&state=s")
    assert ali.provider == "alipay" and ali.redirect_uri == "https://m.example/cb"
    assert "auth_code=K" in return_url(ali, "K")
    assert parse_authorize("https://open.weixin.qq.com/other") is None


def test_wechat_ua_and_bridges(server, run_visit):
    async def scenario(v):
        assert await v.goto(server.base + "/ua") is None
        await v.record("open", "entry", state="landing")
        return await v.page.evaluate(
            "[navigator.webdriver, String(navigator.geolocation.getCurrentPosition), String(window.alert)]")

    visit, (webdriver, geo_src, alert_src) = run_visit(scenario)
    assert "[native code]" in geo_src and "[native code]" in alert_src  # the wrappers look native
    text = text_of(visit)
    assert "MicroMessenger/8.0" in text
    assert "webdriver=false" in text and webdriver is False
    assert "bridge-ready network_type:wifi" in text
    assert "wx-ready" in text
    ua_req = [r for r in visit.trace.requests if r.url.endswith("/ua")][0]
    assert "MicroMessenger" in ua_req.headers.get("user-agent", "")
    assert ua_req.is_navigation and ua_req.status == 200 and ua_req.step == 1
    step = visit.trace.steps[0]
    assert step.screenshot == "step-01.png" and (visit.out_dir / "step-01.png").stat().st_size > 1000
    assert step.dom == "step-01.html" and any(c["name"] == "sid" for c in step.cookies)


def test_geolocation_recorded_and_denied(server, run_visit):
    async def scenario(v):
        await v.goto(server.base + "/geo")
        await v.record("open", "entry")
        return v.new_permission_events()

    visit, events = run_visit(scenario)
    assert "geo-denied code=1" in text_of(visit)
    assert [(p.name, p.api, p.answer) for p in events] == [("geolocation", "getCurrentPosition", "denied")]
    assert events[0].constraints.get("enableHighAccuracy") is True
    assert events[0].user_initiated is False and events[0].frame_url.endswith("/geo")


def test_a_request_is_user_initiated_only_after_the_diners_press(server, run_visit):
    """The auditor's own looks (evaluations run with a DevTools user gesture) do not make a page's
    request user-initiated; a press (a real click, or the agent's synthetic tap) does."""
    async def scenario(v):
        await v.goto(server.base + "/geo-later")
        for _ in range(5):  # look at the page while it is about to ask
            await v.page.evaluate("() => document.title")
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)
        await v.page.click("#loc")
        await asyncio.sleep(0.3)
        await v.page.evaluate(TAP_JS, "#loc")
        await asyncio.sleep(0.3)
        return v.new_permission_events()

    _visit, events = run_visit(scenario)
    assert [p.user_initiated for p in events] == [False, True, True]


def test_geolocation_granted_with_canary(server, run_visit):
    async def scenario(v):
        v.permission_mode = "grant"
        await v.goto(server.base + "/geo")
        await v.record("open", "entry")

    visit, _ = run_visit(scenario)
    assert "geo-ok 31.2304" in text_of(visit)
    assert visit.trace.permissions[0].answer == "granted"


def test_getusermedia_and_wx_location_recorded(server, run_visit):
    async def scenario(v):
        await v.goto(server.base + "/gum")
        await v.page.click("#scan")
        await v.settle()
        await v.record("click", "entry")
        return v.new_permission_events()

    visit, events = run_visit(scenario)
    by_api = {p.api: p for p in events}
    assert by_api["wx.getLocation"].name == "geolocation" and by_api["wx.getLocation"].user_initiated is False
    gum = by_api["getUserMedia"]
    assert gum.name == "camera" and gum.answer == "denied" and gum.user_initiated is True
    assert gum.constraints == {"video": {"facingMode": "environment"}}
    text = text_of(visit)
    assert "gum-NotAllowedError" in text and "wx-getLocation:fail auth deny" in text


def test_post_body_and_websocket(server, run_visit):
    async def scenario(v):
        await v.goto(server.base + "/post")
        deadline = time.monotonic() + 8  # websocket replies come when they come: wait for the echo
        while time.monotonic() < deadline and not any(f.direction == "received" for f in v.trace.websocket_frames):
            await v.settle(max_ms=300)
        await v.record("open", "entry")

    visit, _ = run_visit(scenario)
    post = [r for r in visit.trace.requests if r.method == "POST"][0]
    assert post.body.startswith("phone=13800001234&name=%E5%BC%A0%E4%B8%89") and post.body_encoding == "text"
    assert post.status == 200 and post.headers.get("referer", "").endswith("/post")
    assert "sid=abc123" in post.headers.get("cookie", "")
    frames = [(f.direction, f.payload) for f in visit.trace.websocket_frames]
    assert ("sent", "hello-ws 13800001234") in frames
    assert ("received", "echo:hello-ws 13800001234") in frames


def test_server_side_oauth_redirect_and_return(server, run_visit):
    async def scenario(v):
        err = await v.goto(server.base + "/oauth302")
        await v.record("open", "entry")
        ev = v.oauth_pending()
        assert ev is not None
        back = await v.oauth_return(ev, "CANARYCODE", "granted")
        await v.record("oauth", "entry")
        return err, ev, back

    visit, (err, ev, back) = run_visit(scenario)
    assert err == "net::ERR_NAME_NOT_RESOLVED"
    assert (ev.provider, ev.scope, ev.appid, ev.state) == ("wechat", "snsapi_userinfo", "wx0123456789", "S302")
    assert ev.redirect_uri == server.base + "/back?from=wx"
    assert ev.handled == "granted" and ev.code_given == "CANARYCODE" and back is None
    assert "back code=CANARYCODE state=S302" in text_of(visit)
    assert visit.oauth_pending() is None and len(visit.trace.oauth) == 1
    # the real host was never reached: the hop failed locally
    hop = [r for r in visit.trace.requests if "open.weixin.qq.com" in r.url][0]
    assert hop.failure and hop.redirected_from.endswith("/oauth302")


def test_client_side_oauth_redirect_and_decline(server, run_visit):
    async def scenario(v):
        await v.goto(server.base + "/oauthjs")
        await v.settle(max_ms=3000)
        await v.record("open", "entry")
        ev = v.oauth_pending()
        assert ev is not None
        await v.oauth_return(ev, None, "declined")
        await v.record("oauth", "entry")
        return ev

    visit, ev = run_visit(scenario, profile="alipay")
    assert (ev.provider, ev.scope, ev.state) == ("alipay", "auth_user", "SJS")
    assert "stand-in" in visit.trace.steps[0].visible_text  # the local stand-in page, no browser error
    assert "back code=none state=SJS" in text_of(visit)
    assert len(visit.trace.oauth) == 1  # seen by the route and the request event, recorded once
    assert ev.code_given is None and ev.handled == "declined"


def test_alerts_answered_and_loop_reported(server, run_visit):
    async def scenario(v):
        await v.goto(server.base + "/alerts")
        await v.record("open", "entry")
        return v.new_dialogs()

    visit, dialogs = run_visit(scenario)
    assert "after-alerts false" in text_of(visit)  # confirm dismissed
    assert len(dialogs) == 26 and dialogs[0].type == "alert" and dialogs[-1].type == "confirm"
    assert "dialog loop" in visit.trace.nuisances


def test_endless_alert_loop_survived(server, run_visit):
    async def scenario(v):
        t0 = time.monotonic()
        await v.goto(server.base + "/alertloop")
        step = await v.record("open", "entry")
        return step, time.monotonic() - t0

    visit, (step, took) = run_visit(scenario)
    assert took < 25
    assert "dialog loop" in visit.trace.nuisances
    assert visit.trace.meta["dialogs_suppressed"] >= 1  # like Chrome's "prevent additional dialogs"
    assert "endless alerts" in step.visible_text


def test_busy_page_survived(server, run_visit):
    async def scenario(v):
        t0 = time.monotonic()
        await v.goto(server.base + "/busy")
        step = await v.record("open", "entry")
        took = time.monotonic() - t0
        trace = await v.finish(outcome="error", order_reached="landing")
        return step, took, trace

    visit, (step, took, trace) = run_visit(scenario)
    assert took < 20
    assert "busy script" in trace.nuisances
    assert "busy page text" in step.visible_text  # the script was stopped and the page read


def test_shadow_root_and_iframe_text_and_dom(server, run_visit):
    async def scenario(v):
        await v.goto(server.base + "/shadow")
        await v.settle(max_ms=3000)
        step = await v.record("open", "entry")
        return step, v.new_permission_events()

    visit, (step, perms) = run_visit(scenario)
    text = step.visible_text
    for needle in ("店铺首页", "SHADOW-TEXT 请输入手机号", "light child", "IFRAME-TEXT 会员注册", "手机号", "SHADOW-IFRAME"):
        assert needle in text
    assert "HIDDEN-TEXT" not in text and "IFRAME-HIDDEN" not in text
    assert {"text": "隐私政策", "href": server.base + "/privacy"} in step.links
    dom = (visit.out_dir / step.dom).read_text("utf-8")
    assert '<template shadowrootmode="open">' in dom and "SHADOW-TEXT" in dom
    assert "srcdoc=" in dom and "IFRAME-TEXT" in dom and "HIDDEN-TEXT" in dom
    # each frame's document is inlined into its own <iframe> element (also inside the shadow root)
    assert re.search(r'<template shadowrootmode="open">.*<iframe src="/inner2"[^>]*srcdoc="[^"]*SHADOW-IFRAME', dom)
    assert re.search(r'<iframe src="http://localhost:\d+/inner"[^>]*srcdoc="[^"]*IFRAME-TEXT', dom)
    assert any(f.startswith(server.alt_base) for f in step.frames)
    # the cross-origin iframe's permission request is recorded with its frame
    assert perms and perms[0].frame_url.startswith(server.alt_base + "/inner")


def test_redirect_loop_reported(server, run_visit):
    async def scenario(v):
        return await v.goto(server.base + "/loop")

    visit, err = run_visit(scenario)
    assert err == "net::ERR_TOO_MANY_REDIRECTS"
    assert "redirect loop" in visit.trace.nuisances


def test_popup_closed_and_finish_saves_trace(server, run_visit):
    async def scenario(v):
        await v.goto(server.base + "/popup")
        await v.settle(max_ms=2000)
        await v.record("open", "entry")
        assert v.popups == [server.base + "/back?popup=1"]
        return await v.finish(outcome="completed", order_reached="landing")

    visit, trace = run_visit(scenario)
    assert "popup" in trace.nuisances and trace.tool_version and trace.meta["popups"][0].endswith("/back?popup=1")
    saved = Trace.load(visit.out_dir)
    assert saved.final_url.endswith("/popup") and saved.outcome == "completed"
    # what the pop-up window sent is recorded too (a canary in its URL would be a leak), marked as such
    by_url = {r.url: r for r in saved.requests}
    assert by_url[server.base + "/back?popup=1"].popup is True
    assert by_url[server.base + "/popup"].popup is False
    assert saved.browser_version and "MicroMessenger" in saved.user_agent and saved.complete
    assert saved.ended_at and saved.started_at and saved.viewport == {"width": 390, "height": 844}
    json.loads((visit.out_dir / "trace.json").read_text("utf-8"))


def test_client_side_navigation_loop_reported(server, run_visit):
    async def scenario(v):
        v.nav_loop_limit = 12  # the default (30) works the same, only slower on a loaded machine
        await v.goto(server.base + "/jsloop")
        deadline = time.monotonic() + 15
        while "redirect loop" not in v.trace.nuisances and time.monotonic() < deadline:
            await v.settle(max_ms=500)

    visit, _ = run_visit(scenario)
    assert "redirect loop" in visit.trace.nuisances


def test_app_scheme_link_recorded(server, run_visit):
    async def scenario(v):
        await v.goto(server.base + "/miniprogram")
        await v.record("open", "entry")
        return v.app_links

    visit, links = run_visit(scenario)
    assert links == ["weixin://dl/business/?t=abc123"]
    assert visit.trace.steps[0].url.endswith("/miniprogram")  # the page stays


def test_download_cancelled_and_notification_denied(server, run_visit):
    async def scenario(v):
        await v.goto(server.base + "/download")
        await v.goto(server.base + "/notify")
        await v.record("open", "entry")
        return await v.finish(outcome="error", order_reached="none")

    visit, trace = run_visit(scenario, profile="mobile")
    assert "download" in trace.nuisances and trace.meta["downloads"][0].endswith("/file.bin")
    assert "notify-denied" in text_of(visit)
    assert [(p.name, p.answer) for p in trace.permissions] == [("notifications", "denied")]
    assert trace.env == "mobile" and "MicroMessenger" not in trace.user_agent


def test_late_attach_instruments_a_loaded_page(server, loop, chromium, tmp_path):
    """audit_page may get a page that is already loaded: attach() instruments it at once."""

    async def go():
        prof = get_profile("wechat")
        ctx = await chromium.new_context(**prof.context_kwargs())
        try:
            page = await ctx.new_page()
            await page.goto(server.base + "/plain")
            v = Visit(page, Trace(url="x", visit_id="late"), tmp_path, prof)
            await v.attach()
            await v.attach()  # idempotent
            res = await page.evaluate("""() => new Promise((ok) => navigator.geolocation.getCurrentPosition(
                () => ok('granted'), (e) => ok('denied ' + e.code)))""")
            bridge = await page.evaluate("typeof WeixinJSBridge.invoke")
            return res, bridge, v.new_permission_events()
        finally:
            await ctx.close()

    res, bridge, events = loop.run_until_complete(go())
    assert res == "denied 1" and bridge == "function"
    assert [p.api for p in events] == ["getCurrentPosition"]


def test_settle_waits_for_a_short_timer_but_not_for_polling(server, run_visit):
    async def scenario(v):
        t0 = time.monotonic()
        await v.goto(server.base + "/delayed")
        took = time.monotonic() - t0
        await v.record("open", "entry")
        t1 = time.monotonic()
        await v.settle()  # only the polling chain is left: it must not hold settle to its cap
        return took, time.monotonic() - t1

    visit, (took, again) = run_visit(scenario)
    assert "DELAYED-MENU" in text_of(visit)
    assert took < 2.4 and again < 2.0


def test_settle_waits_for_a_render_in_animation_frames_but_not_for_an_animation_loop(server, run_visit):
    async def scenario(v):
        await v.goto(server.base + "/frames")  # an endless frame loop runs from the start
        await v.page.click("#go")  # renders two frames later
        t0 = time.monotonic()
        await v.settle(min_ms=0)  # nothing else pending: only the frames can hold it
        took = time.monotonic() - t0
        return took, await v.page.inner_text("body")

    _visit, (took, text) = run_visit(scenario)
    assert "FRAME-MENU" in text
    assert took < 1.5  # the loop (a 3rd+ generation frame) never counts


def test_settle_waits_for_a_navigation_the_browser_has_not_reported_yet(server, run_visit):
    """A form post the server answers slowly: settle waits for the next document even
    before the browser's request event reaches the auditor (a loaded machine)."""
    async def scenario(v):
        await v.goto(server.base + "/slowform")
        v.requests.quiet_ms = lambda: 1e9  # the request events arrive late
        box = await v.page.locator("#send").bounding_box()
        await v.page.mouse.click(box["x"] + 5, box["y"] + 5)
        await v.settle(min_ms=0)
        return v.page.url, await v.page.inner_text("body")

    _visit, (url, text) = run_visit(scenario)
    assert url.endswith("/slow-order") and "POSTED-ORDER" in text  # settled on the answer, not on the form


def test_a_navigation_begun_counts_only_when_the_page_did_not_cancel_it(server, run_visit):
    async def scenario(v):
        await v.goto(server.base + "/leaving")
        pending = {}
        for el in ("hash", "spa", "ajax", "dl"):  # a hash link, a link and a form the page handles itself, a download
            await v.page.click("#" + el)
            pending[el] = (await v.page.evaluate("__qrauditSettleState()"))[2]
        await asyncio.sleep(2.1)
        pending["later"] = (await v.page.evaluate("__qrauditSettleState()"))[2]
        return pending

    _visit, pending = run_visit(scenario)
    # the download's navigation never replaces the page: it counts for 2 s, then no more
    assert pending == {"hash": 0, "spa": 0, "ajax": 0, "dl": 1, "later": 0}


def test_alipay_bridge_auth_code_and_pay(server, run_visit):
    async def scenario(v):
        await v.goto(server.base + "/alipay")
        await v.record("open", "entry")
        return v.new_permission_events()

    visit, events = run_visit(scenario, profile="alipay")
    assert "ali base=true user=11 pay=6001" in text_of(visit)  # silent base code, auth_user declined, never pays
    assert [(p.name, p.api, p.constraints) for p in events] == [
        ("profile_auth", "AlipayJSBridge.getAuthCode", {"scopes": ["auth_user"]})]
    assert "AlipayClient/10." in visit.trace.requests[0].headers["user-agent"]


def test_caps_on_dom_text_and_full_page_screenshot(server, run_visit, monkeypatch):
    from PIL import Image  # noqa: PLC0415  (heavy: loaded only when needed)


    monkeypatch.setattr(visit_mod, "MAX_DOM", 1000)
    monkeypatch.setattr(visit_mod, "MAX_FULL_PAGE_HEIGHT", 2000)

    async def scenario(v):
        await v.goto(server.base + "/tall")
        return await v.record("open", "menu", full_page=True)

    visit, step = run_visit(scenario)
    dom = (visit.out_dir / step.dom).read_text("utf-8")
    assert len(dom) <= 1000 + 40 and dom.endswith("<!-- qraudit: truncated -->")
    assert "row 39 菜品" in step.visible_text  # text is capped separately (20000 chars)
    with Image.open(visit.out_dir / step.screenshot) as im:
        assert im.size == (390, 2000)
