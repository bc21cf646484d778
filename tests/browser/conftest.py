"""Fixtures for the browser tests: one local test server and one Chromium per
module, a fresh context + instrumented :class:`Visit` per test.  Chromium that
cannot start makes the tests fail (never skip)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.async_api import async_playwright

from core.trace import Trace
from crawler.browser import Visit, get_profile, launch_options

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def page(body: str, script: str = "", head: str = "") -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"{head}</head><body>{body}<script>{script}</script></body></html>"
    )


def build_pages(base: str, alt_base: str) -> dict[str, str]:
    back = quote(base + "/back?from=wx", safe="")
    back_ali = quote(base + "/back?from=ali", safe="")
    wx_auth = ("https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx0123456789&redirect_uri="
               f"{back}&response_type=code&scope=snsapi_userinfo&state=S302#wechat_redirect")
    ali_auth = ("https://openauth.alipay.com/oauth2/publicAppAuthorize.htm?app_id=2021000000000001"
                f"&scope=auth_user&redirect_uri={back_ali}&state=SJS")
    return {
        "/ua": page(
            "<h1>UA</h1><p id='ua'></p><p id='bridge'>waiting</p><p id='wx'>wx-waiting</p>",
            """document.getElementById('ua').textContent = navigator.userAgent + ' webdriver=' + navigator.webdriver;
            document.addEventListener('WeixinJSBridgeReady', () => {
              WeixinJSBridge.invoke('getNetworkType', {}, (r) => {
                document.getElementById('bridge').textContent = 'bridge-ready ' + r.err_msg; });
            });
            wx.config({appId: 'x', jsApiList: ['getLocation']});
            wx.ready(() => { document.getElementById('wx').textContent = 'wx-ready'; });""",
        ),
        "/geo": page(
            "<p id='out'>geo-waiting</p>",
            """navigator.geolocation.getCurrentPosition(
              (p) => { document.getElementById('out').textContent = 'geo-ok ' + p.coords.latitude; },
              (e) => { document.getElementById('out').textContent = 'geo-denied code=' + e.code; },
              {enableHighAccuracy: true});""",
        ),
        "/geo-later": page(  # asks at load, after a moment (after the auditor has looked), then on presses
            "<p id='out'>geo-waiting</p><button id='loc' style='height:40px' onclick='ask()'>定位</button>",
            """function ask() { navigator.geolocation.getCurrentPosition(() => {}, () => {}); }
            setTimeout(ask, 400);""",
        ),
        "/gum": page(
            "<p id='out'>gum-waiting</p><button id='scan' onclick='go()'>扫一扫</button>",
            """function go() { navigator.mediaDevices.getUserMedia({video: {facingMode: 'environment'}}).then(
              (s) => { document.getElementById('out').textContent = 'gum-ok tracks=' + s.getVideoTracks().length; },
              (e) => { document.getElementById('out').textContent = 'gum-' + e.name; }); }
            wx.getLocation({type: 'gcj02', success: () => {}, fail: (r) => {
              document.body.insertAdjacentHTML('beforeend', '<p>wx-' + r.errMsg + '</p>'); }});""",
        ),
        "/post": page(
            "<p id='out'>post-waiting</p><p id='ws'>ws-waiting</p>",
            f"""fetch('/echo', {{method: 'POST', headers: {{'Content-Type': 'application/x-www-form-urlencoded'}},
              body: 'phone=13800001234&name=' + encodeURIComponent('张三')}})
              .then((r) => r.text()).then((t) => {{ document.getElementById('out').textContent = 'posted ' + t; }});
            const ws = new WebSocket('{base.replace('http', 'ws')}/ws');
            ws.onopen = () => ws.send('hello-ws 13800001234');
            ws.onmessage = (m) => {{ document.getElementById('ws').textContent = 'ws-got ' + m.data; }};""",
        ),
        "/oauthjs": page(
            "<p>redirecting</p>", f"setTimeout(() => {{ location.href = {ali_auth!r}; }}, 50);"
        ),
        "/alerts": page(
            "<p id='out'>alerts-waiting</p>",
            "for (let i = 0; i < 25; i++) { alert('alert ' + i); }"
            "document.getElementById('out').textContent = 'after-alerts ' + confirm('sure?');",
        ),
        "/alertloop": page("<p>endless alerts</p>", "window.onload = () => { while (true) { alert('again'); } };"),
        "/busy": page("<p id='out'>busy page text</p>", "window.onload = () => { while (true) {} };"),
        "/shadow": page(
            "<h1>店铺首页</h1><div id='host'><span>light child</span></div>"
            "<p style='display:none'>HIDDEN-TEXT</p>"
            f"<iframe src='{alt_base}/inner' width='300' height='120'></iframe>"
            "<a href='/privacy'>隐私政策</a>",
            """const root = document.getElementById('host').attachShadow({mode: 'open'});
            root.innerHTML = '<p>SHADOW-TEXT 请输入手机号</p><slot></slot><input placeholder="手机号">'
              + '<iframe src="/inner2" width="200" height="60"></iframe>';""",
        ),
        "/inner2": page("<b>SHADOW-IFRAME</b>"),
        "/inner": page("<p>IFRAME-TEXT 会员注册</p><p hidden>IFRAME-HIDDEN</p>",
                       "navigator.geolocation.getCurrentPosition(() => {}, () => {});"),
        "/popup": page("<p>opens a popup</p>", f"window.open({base + '/back?popup=1'!r});"),
        "/plain": page("<p>plain page</p>"),
        "/miniprogram": page("<p>请在小程序中打开</p>",
                             "setTimeout(() => { location.href = 'weixin://dl/business/?t=abc123'; }, 50);"),
        "/tall": page("".join(f"<div style='height:400px'>row {i} 菜品</div>" for i in range(40))),
        "/alipay": page(
            "<p id='out'>ali-waiting</p>",
            """document.addEventListener('AlipayJSBridgeReady', () => {
              AlipayJSBridge.call('getAuthCode', {scopeNicks: ['auth_base']}, (r) => {
                ap.getAuthCode({scopes: ['auth_user']}).then(() => {}, (e) => {
                  AlipayJSBridge.call('tradePay', {tradeNO: '1'}, (p) => {
                    document.getElementById('out').textContent = 'ali base=' + !!r.authCode + ' user=' + e.error
                      + ' pay=' + p.resultCode; }); }); }); });""",
        ),
        "/delayed": page("<p>skeleton</p>",
                         "setTimeout(() => fetch('/echo', {method: 'POST', body: 'menu'}).then(() => {"
                         " document.body.insertAdjacentHTML('beforeend', '<p>DELAYED-MENU</p>'); }), 700);"
                         "(function poll() { setTimeout(poll, 200); })();"),
        "/frames": page("<button id='go'>go</button>",
                        "document.getElementById('go').onclick = () => requestAnimationFrame(() =>"
                        " requestAnimationFrame(() => document.body.insertAdjacentHTML('beforeend', '<p>FRAME-MENU</p>')));"
                        "(function spin() { requestAnimationFrame(spin); })();"),
        "/slowform": page("<form method=post action='/slow-order'><input name=q value=1>"
                          "<button id=send>提交订单</button></form>"),
        "/leaving": page("<a id=hash href='#x'>到顶部</a> <a id=spa href='/plain'>菜单</a> <a id=dl href='/file.bin'>下载</a>"
                         "<form id=f onsubmit='event.preventDefault()'><button id=ajax>提交</button></form>",
                         "document.getElementById('spa').addEventListener('click', (e) => e.preventDefault());"),
        "/jsloop": page("<p>js loop</p>", "location.replace('/jsloop?n=' + Date.now());"),
        "/download": page("<a id='dl' href='/file.bin'>下载</a>", "document.getElementById('dl').click();"),
        "/notify": page("<p id='out'>n-waiting</p>",
                        "Notification.requestPermission().then((r) => { document.getElementById('out').textContent = 'notify-' + r; });"),
        "_wx_auth": wx_auth,
        "_ali_auth": ali_auth,
    }


class _Handler(BaseHTTPRequestHandler):
    server_version = "qraudit-test/1"
    pages: dict[str, str] = {}

    def log_message(self, *args):  # keep the test output clean
        pass

    def _send(self, status: int, body: str = "", ctype: str = "text/html; charset=utf-8", headers=()):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        parts = urlsplit(self.path)
        path = parts.path
        if path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            return self._websocket()
        if path == "/oauth302":
            return self._send(302, "", headers=[("Location", self.pages["_wx_auth"])])
        if path == "/file.bin":
            return self._send(200, "x" * 100, "application/octet-stream",
                              headers=[("Content-Disposition", "attachment; filename=menu.apk")])
        if path == "/loop":
            return self._send(302, "", headers=[("Location", "/loop")])
        if path == "/back":
            q = parse_qs(parts.query)
            return self._send(200, page(f"<p id='back'>back code={q.get('code', q.get('auth_code', ['none']))[0]} "
                                        f"state={q.get('state', [''])[0]}</p>"))
        if path in self.pages and not path.startswith("_"):
            return self._send(200, self.pages[path], headers=[("Set-Cookie", "sid=abc123; Path=/")])
        return self._send(404, "not found", "text/plain")

    def do_POST(self):  # noqa: N802
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        if urlsplit(self.path).path == "/slow-order":  # a checkout's form post the server is slow to answer
            time.sleep(0.4)
            return self._send(200, page("<p>POSTED-ORDER</p>"))
        self._send(200, f"got {len(body)} bytes", "text/plain")

    # -- a minimal websocket echo server --
    def _websocket(self):
        key = self.headers["Sec-WebSocket-Key"]
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        try:
            while True:
                head = self.rfile.read(2)
                if len(head) < 2:
                    return
                opcode = head[0] & 0x0F
                length = head[1] & 0x7F
                if length == 126:
                    length = struct.unpack(">H", self.rfile.read(2))[0]
                elif length == 127:
                    length = struct.unpack(">Q", self.rfile.read(8))[0]
                mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
                if opcode == 8:
                    self.wfile.write(b"\x88\x00")
                    return
                if opcode == 1:
                    reply = ("echo:" + data.decode("utf-8", "replace")).encode()
                    self.wfile.write(bytes([0x81, len(reply)]) + reply if len(reply) < 126
                                     else bytes([0x81, 126]) + struct.pack(">H", len(reply)) + reply)
                    self.wfile.flush()
        except OSError:
            return


class TestServer:
    """Serves :func:`build_pages` on 127.0.0.1 (``base``) and answers ``localhost``
    too (``alt_base``: same server, another site, so its iframe is cross-origin)."""

    def __init__(self) -> None:
        handler = type("H", (_Handler,), {"pages": {}})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{port}"
        self.alt_base = f"http://localhost:{port}"
        handler.pages = build_pages(self.base, self.alt_base)
        self.pages = handler.pages
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> TestServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)




@pytest.fixture(scope="module")
def server():
    with TestServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def loop():
    lp = asyncio.new_event_loop()
    yield lp
    lp.close()


@pytest.fixture(scope="module")
def chromium(loop):
    pw = loop.run_until_complete(async_playwright().start())
    br = loop.run_until_complete(pw.chromium.launch(**launch_options()))
    yield br
    loop.run_until_complete(br.close())
    loop.run_until_complete(pw.stop())


@pytest.fixture
def run_visit(loop, chromium, tmp_path):
    """``run_visit(scenario, profile="wechat")`` runs ``await scenario(visit)`` in a
    fresh context and returns ``(visit, result)``; the context is always closed."""

    def _run(scenario, profile: str = "wechat", url: str = "about:blank"):
        async def go():
            prof = get_profile(profile)
            ctx = await chromium.new_context(**prof.context_kwargs())
            try:
                page = await ctx.new_page()
                visit = Visit(page, Trace(url=url, visit_id="t"), tmp_path, prof)
                await visit.attach()
                result = await scenario(visit)
                return visit, result
            finally:
                await ctx.close()

        return loop.run_until_complete(asyncio.wait_for(go(), 60))

    return _run
