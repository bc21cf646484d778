"""The browser stack's traps (issue 13), at the Visit level: the emulated device in every page,
frame, worker and pop-up; websocket frames of every socket (privileged and held); navigations
after a failure, certificate errors and dropped answers; onbeforeunload; permission states;
pop-ups opened from frames; response bodies read before a navigation drops them.

Browser tests: they fail (never skip) when Chromium cannot start.  Each is bounded (60 s).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from core.trace import Trace
from crawler.browser import Visit, get_profile
from sandbox import ws
from sandbox.server import self_signed_context

pytestmark = pytest.mark.browser

PHONE = "13812345678"


class _Server:
    """Pages by path (body, content type) on 127.0.0.1 (``base``, also answered as ``localhost``:
    ``alt``, another site); a websocket echo at ``/ws`` logging what it got; headers seen per path;
    ``drop``: path -> how many of its requests get no answer at all."""

    def __init__(self, tls: bool = False) -> None:
        self.pages: dict[str, tuple[str, str]] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.ws_got: list[tuple[str, Any]] = []
        self.drop: dict[str, int] = {}
        srv = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                return

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                srv.headers[self.path] = {k.lower(): v for k, v in self.headers.items()}
                if srv.drop.get(path):
                    srv.drop[path] -= 1
                    self.close_connection = True
                    return
                if ws.is_upgrade(self):
                    def echo(data: bytes, binary: bool) -> str:
                        srv.ws_got.append((self.path, data if binary else data.decode()))
                        return "echo"
                    ws.serve(self, echo)
                    return
                body, ctype = srv.pages.get(path, ("not found", "text/plain"))
                data = body.encode()
                self.send_response(200 if path in srv.pages else 404)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET  # noqa: N815

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        port = self.httpd.server_address[1]
        if tls:
            ctx = self_signed_context("127.0.0.1")
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.base, self.alt = f"{scheme}://127.0.0.1:{port}", f"{scheme}://localhost:{port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def add(self, path: str, body: str, ctype: str = "text/html; charset=utf-8") -> str:
        self.pages[path] = (body, ctype)
        return self.base + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def web():
    srv = _Server()
    yield srv
    srv.close()


def _visit(loop, chromium, tmp_path, scenario, profile: str = "wechat", sandbox: bool = True):
    async def go():
        prof = get_profile(profile)
        ctx = await chromium.new_context(**prof.context_kwargs())
        try:
            page = await ctx.new_page()
            visit = Visit(page, Trace(url="about:blank", visit_id="t", sandbox=sandbox), tmp_path, prof)
            await visit.attach()
            result = await scenario(visit)
            return visit, result
        finally:
            await ctx.close()

    return loop.run_until_complete(asyncio.wait_for(go(), 60))


# ---- the emulated device -----------------------------------------------------------------------------

PROBE = """() => { const n = navigator, d = n.userAgentData;
  return {ua: n.userAgent, platform: n.platform, vendor: n.vendor, touch: n.maxTouchPoints, plugins: n.plugins.length,
          webdriver: n.webdriver, uad: d ? {brands: d.brands.map(b => b.brand + '/' + b.version), platform: d.platform} : null,
          shared: typeof SharedWorker}; }"""
WORKER = """onmessage = async (e) => { const n = self.navigator, d = n.userAgentData;
  const r = await fetch('data.json').then(x => x.text(), () => 'fetch failed');
  postMessage({platform: n.platform, uad: d ? {brands: d.brands.map(b => b.brand + '/' + b.version), platform: d.platform} : null,
               relative: r}); };"""


def _page_with_everything(web) -> str:
    web.add("/w.js", WORKER, "application/javascript")
    web.add("/m.js", "import {x} from './mod.js';\n" + WORKER, "application/javascript")
    web.add("/mod.js", "export const x = 1;", "application/javascript")
    web.add("/data.json", '{"ok":1}', "application/json")
    web.add("/frame", "<p>frame</p>")
    web.add("/popup", "<p>popup</p>")
    return web.add("/", f"<p>page</p><iframe src='/frame'></iframe><iframe src='{web.alt}/frame'></iframe>")


@pytest.mark.parametrize("profile", ["wechat", "wechat_ios"])
def test_device_agrees_in_every_page_frame_worker_and_popup(web, loop, chromium, tmp_path, profile):
    url = _page_with_everything(web)
    ask_worker = """([u, t]) => new Promise(r => { const w = new Worker(u, {type: t}); w.onmessage = (e) => r(e.data);
      w.onerror = (e) => r('worker error ' + e.message); w.postMessage(1); setTimeout(() => r('timeout'), 5000); })"""
    blob = ("() => URL.createObjectURL(new Blob([`onmessage = () => { const n = self.navigator, d = n.userAgentData;"
            " postMessage({platform: n.platform, uad: d ? {brands: d.brands.map(b => b.brand + '/' + b.version),"
            " platform: d.platform} : null}); }`]))")

    async def scenario(visit):
        page = visit.page
        assert await visit.goto(url) is None
        seen = {"page": await page.evaluate(PROBE)}
        for f in page.frames[1:]:
            seen["frame " + f.url.split("/")[2]] = await f.evaluate(PROBE)
        seen["worker"] = await page.evaluate(ask_worker, ["/w.js", "classic"])
        seen["module worker"] = await page.evaluate(ask_worker, ["/m.js", "module"])
        seen["blob worker"] = await page.evaluate(ask_worker, [await page.evaluate(blob), "classic"])
        async with page.context.expect_page() as popup_info:
            await page.evaluate("() => { window.__w = window.open('/popup'); }")
        popup = await popup_info.value
        await popup.wait_for_load_state()
        seen["popup"] = await popup.evaluate(PROBE)
        return seen

    _visit_, seen = _visit(loop, chromium, tmp_path, scenario, profile)
    prof = get_profile(profile)
    android = prof.device.ua_metadata is not None
    brands = {f"{b['brand']}/{b['version']}" for b in (prof.device.ua_metadata or {}).get("brands", [])}
    assert {k.split(" ")[0] for k in seen} >= {"page", "frame", "worker", "module", "blob", "popup"}
    for where, s in seen.items():
        assert isinstance(s, dict), (where, s)
        assert s["platform"] == prof.device.platform, (where, s)
        if android:
            assert set(s["uad"]["brands"]) == brands and s["uad"]["platform"] == "Android", (where, s)
        else:
            assert s["uad"] is None, (where, s)
        if "worker" in where:
            assert s.get("relative", '{"ok":1}') == '{"ok":1}', (where, s)  # relative URLs still resolve
        else:
            assert s["ua"] == prof.user_agent and s["touch"] == 5 and s["plugins"] == 0 and s["webdriver"] is False
            assert s["vendor"] == prof.device.vendor and s["shared"] == "undefined", (where, s)
    # a pop-up's very first request leaves before any override reaches it (see the README's limits)
    docs = {p: h for p, h in web.headers.items() if p in ("/", "/frame")}
    assert len(docs) == 2
    for path, h in docs.items():
        if android:
            assert '"Android WebView";v="122"' in h.get("sec-ch-ua", "") and h["sec-ch-ua-platform"] == '"Android"', path
        else:
            assert not [k for k in h if k.startswith("sec-ch-ua")], (path, h)


# ---- websockets ---------------------------------------------------------------------------------------------

WS_PAGE = """<p>ws</p><script>
const s = new WebSocket(location.origin.replace('http', 'ws') + '/ws?from=page');
s.onopen = () => { s.send('page text %(p)s'); s.send(new Uint8Array([0x12, 11, ...new TextEncoder().encode('%(p)s'), 0xff])); };
window.later = () => { s.send('page later %(p)s'); w.postMessage('again'); };
const w = new Worker('/wsw.js'); w.postMessage('go');
</script>"""
WS_WORKER = """let s; onmessage = (e) => {
  if (!s) { s = new WebSocket(location.origin.replace('http', 'ws') + '/ws?from=worker'); s.binaryType = 'arraybuffer';
            s.onopen = () => s.send(new Uint8Array([1, 2, ...new TextEncoder().encode('%(p)s')])); }
  else s.send('worker later %(p)s'); };"""


@pytest.mark.parametrize("live", [False, True])
def test_websocket_frames_of_every_socket(web, loop, chromium, tmp_path, live):
    web.add("/wsw.js", WS_WORKER % {"p": PHONE}, "application/javascript")
    url = web.add("/", WS_PAGE % {"p": PHONE})

    async def scenario(visit):
        await visit.goto(url)
        await asyncio.sleep(1.0)
        if live:
            await visit.hold_network("submit")
        await visit.page.evaluate("window.later()")
        await asyncio.sleep(1.0)
        return await visit.finish(order_reached="menu")

    _v, trace = _visit(loop, chromium, tmp_path, scenario, sandbox=not live)
    sent = [(f.url.split("from=")[1], f.payload, f.held) for f in trace.websocket_frames if f.direction == "sent"]
    assert ("page", f"page text {PHONE}", False) in sent
    assert any(u == "page" and p.startswith("base64:") and not h for u, p, h in sent)  # the binary frame
    assert any(u == "worker" and p.startswith("base64:") and not h for u, p, h in sent)  # a worker's socket
    later = {(u, h) for u, p, h in sent if "later" in p}
    assert later == ({("page", True), ("worker", True)} if live else {("page", False), ("worker", False)}), sent
    got = [p for _path, p in web.ws_got]
    assert any("later" in str(p) for p in got) is (not live)  # held frames never left the browser


# ---- navigations: after a failure, a certificate error, no answer --------------------------------------------------

def test_goto_after_a_failed_navigation_lands(web, loop, chromium, tmp_path):
    ok = web.add("/ok", "<p id=ok>ok</p>")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/none"  # nothing listens once it is closed

    async def scenario(visit):
        ends = []
        for _ in range(4):
            with pytest.raises(Exception):  # noqa: B017 - Playwright's own error
                await visit.page.goto(dead, wait_until="commit", timeout=5000)
            err = await visit.goto(ok)  # at once, while the error page may still be committing
            ends.append((err, visit.page.url))
        return ends

    _v, ends = _visit(loop, chromium, tmp_path, scenario)
    assert ends == [(None, ok)] * 4


def test_certificate_error_is_got_past_and_recorded(loop, chromium, tmp_path):
    tls = _Server(tls=True)
    try:
        url = tls.add("/", "<p id=x>over TLS</p>")

        async def scenario(visit):
            err = await visit.goto(url)
            return err, await visit.page.inner_text("#x")

        visit, (err, text) = _visit(loop, chromium, tmp_path, scenario)
    finally:
        tls.close()
    assert err is None and text == "over TLS"
    assert [f["kind"] for f in visit.trace.meta["faults"]] == ["certificate_error"]
    assert visit.trace.meta["faults"][0]["error"].startswith("ERR_CERT_")


def test_a_dropped_first_answer_is_loaded_again(web, loop, chromium, tmp_path):
    url = web.add("/cold", "<p id=x>warm</p>")
    web.drop["/cold"] = 2  # the browser itself tries an unanswered request twice
    visit, err = _visit(loop, chromium, tmp_path, lambda v: v.goto(url))
    assert err is None and visit.trace.meta["faults"][0]["kind"] == "navigation_retried"


# ---- onbeforeunload ---------------------------------------------------------------------------------------------

def test_onbeforeunload_never_hangs(web, loop, chromium, tmp_path):
    web.add("/other", "<p>other</p>")
    url = web.add("/", """<button id=b onclick="window.onbeforeunload = (e) => { e.preventDefault();
      e.returnValue = '确定离开？'; return '确定离开？'; }">go</button><a href="/other" id=a>other</a>""")

    async def scenario(visit):
        page = visit.page
        await visit.goto(url)
        await page.click("#b")
        await asyncio.wait_for(page.reload(), 15)
        await page.click("#b")
        await asyncio.wait_for(page.click("#a"), 15)
        await asyncio.wait_for(page.wait_for_url("**/other"), 15)
        await asyncio.wait_for(page.go_back(), 15)
        await page.click("#b")
        assert await visit.goto(web.base + "/other") is None
        await page.go_back()
        await page.click("#b")
        await asyncio.wait_for(page.close(run_before_unload=True), 15)
        await asyncio.sleep(0.5)
        return page.is_closed()

    visit, closed = _visit(loop, chromium, tmp_path, scenario)
    assert closed
    assert [d.type for d in visit.trace.dialogs].count("beforeunload") >= 3
    assert all(d.answer == "accept" for d in visit.trace.dialogs if d.type == "beforeunload")


# ---- permission states --------------------------------------------------------------------------------------------

def test_permission_state_agrees_with_the_answers(web, loop, chromium, tmp_path):
    url = web.add("/", "<p>geo</p>")
    query = "() => navigator.permissions.query({name: 'geolocation'}).then(s => s.state)"
    position = """() => new Promise(r => navigator.geolocation.getCurrentPosition(p => r('ok ' + p.coords.latitude),
                                                                              e => r('error ' + e.code)))"""

    async def scenario(visit):
        await visit.goto(url)
        before = (await visit.page.evaluate(query), await visit.page.evaluate(position))
        visit.set_permission_mode("grant")
        await asyncio.sleep(0.5)
        after = (await visit.page.evaluate(query), await visit.page.evaluate(position))
        return before, after

    _v, (before, after) = _visit(loop, chromium, tmp_path, scenario)
    assert before == ("prompt", "error 1")
    assert after == ("granted", "ok 31.2304")


# ---- pop-ups opened from frames --------------------------------------------------------------------------------------

def test_popups_from_a_frame_are_recorded_until_settled(web, loop, chromium, tmp_path):
    web.add("/a", f"<p>a</p><script>setTimeout(() => fetch('/t?from=a-late&m={PHONE}'), 400);"
                  f"window.open('/b');</script>")
    web.add("/b", f"<p>b</p><img src='/t?from=b&m={PHONE}'>")
    web.add("/t", "ok", "text/plain")
    web.add("/frame", f"""<button id=go onclick="window.open('{web.base}/a');
      const w = window.open(''); w.document.write('<img src={web.base}/t?from=written&m={PHONE}>'); w.document.close();">go</button>""")
    url = web.add("/", f"<iframe src='{web.alt}/frame'></iframe>")

    async def scenario(visit):
        await visit.goto(url)
        await visit.page.frames[1].click("#go")
        await asyncio.sleep(2.5)
        return await visit.finish(order_reached="menu")

    visit, trace = _visit(loop, chromium, tmp_path, scenario)
    froms = {r.url.split("from=")[1].split("&")[0] for r in trace.requests if "/t?from=" in r.url and r.popup}
    assert froms == {"a-late", "b", "written"}, froms
    assert len(trace.meta["popups"]) >= 3
    assert not [p for p in visit.page.context.pages if p is not visit.page] if not visit.page.is_closed() else True


# ---- response bodies ---------------------------------------------------------------------------------------------------

def test_response_bodies_are_kept_before_a_navigation(web, loop, chromium, tmp_path):
    web.add("/api/config", json.dumps({"mustLogin": True, "msg": "请先绑定手机号"}), "application/json")
    web.add("/next", "<p>next</p>")
    url = web.add("/", "<script>fetch('/api/config').then(r => r.json()).then(() => { location.href = '/next'; });</script>")

    async def scenario(visit):
        await visit.goto(url)
        await asyncio.sleep(1.5)
        return await visit.finish(order_reached="landing")

    _v, trace = _visit(loop, chromium, tmp_path, scenario)
    kept = trace.meta["response_bodies"]
    texts = [(tmp_path / rel).read_text("utf-8") for rel in kept.values()]
    assert any("请先绑定手机号" in t for t in texts)
