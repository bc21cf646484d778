"""The network hold, channel by channel: once ``Visit.hold_network`` is called nothing
the page tries to send reaches the server — fetch, XHR, a beacon, an image pixel, a
form POST, a WebSocket frame on a socket opened before the hold, a worker's fetch, a
frame's fetch, a timer's fetch — and each held request is in the trace.  The same
page pressed without the hold delivers every channel (the test can fail)."""

from __future__ import annotations

import asyncio
import threading
import time
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from crawler.browser.collectors import Screen, screen_allows

from .conftest import _Handler, page

PHONE = "13800001234"

CHANNELS = ("fetch", "xhr", "beacon", "img", "form", "worker", "frame", "timer")

EXFIL = page(
    "<button id='go'>提交订单</button><p id='ws'>ws-waiting</p>"
    "<form id='f' method='post' action='/c/form'><input name='phone' value='" + PHONE + "'></form>"
    "<iframe id='fr' src='/inner'></iframe>",
    """
    const ws = new WebSocket(location.origin.replace('http', 'ws') + '/ws');
    ws.onopen = () => { document.getElementById('ws').textContent = 'ws-open'; };
    const P = '""" + PHONE + """';
    const errs = [];
    const T = (f) => { try { f(); } catch (e) { errs.push(String(e)); localStorage.setItem('errs', errs.join(' | ')); } };
    document.getElementById('go').onclick = () => {
      T(() => fetch('/c/fetch', {method: 'POST', body: 'phone=' + P}).catch(() => {}));
      T(() => { const x = new XMLHttpRequest(); x.open('POST', '/c/xhr'); x.send('phone=' + P); });
      T(() => navigator.sendBeacon('/c/beacon', 'phone=' + P));
      T(() => { new Image().src = '/c/img?phone=' + P; });
      T(() => ws.send('ws phone=' + P));
      T(() => { window.__w = new Worker(URL.createObjectURL(new Blob(
        ["fetch('" + location.origin + "/c/worker', {method: 'POST', body: 'phone=" + P + "'}).catch(() => {})"],
        {type: 'text/javascript'}))); });
      T(() => document.getElementById('fr').contentWindow.fetch('/c/frame?phone=' + P).catch(() => {}));
      setTimeout(() => T(() => fetch('/c/timer?phone=' + P).catch(() => {})), 300);
      setTimeout(() => T(() => document.getElementById('f').submit()), 500);
    };
    """,
)


class _Logging(_Handler):
    """The test server's handler, logging every ``/c/<channel>`` hit and every socket frame."""

    hits: list[str] = []
    frames: list[str] = []

    def do_GET(self):  # noqa: N802
        path = urlsplit(self.path).path
        if path.startswith("/c/"):
            self.hits.append(path[3:])
            return self._send(200, page("<p>got</p>"))
        return super().do_GET()

    def do_POST(self):  # noqa: N802
        path = urlsplit(self.path).path
        if path.startswith("/c/"):
            self.hits.append(path[3:])
        return super().do_POST()

    def _websocket(self):
        # the conftest echo server, with the text of each frame logged on the way
        orig = self.rfile

        class Tap:
            def __init__(self, f):
                self.f = f
                self.buf = b""

            def read(self, n):
                data = self.f.read(n)
                self.buf += data
                return data

            def __getattr__(self, k):
                return getattr(self.f, k)

        tap = Tap(orig)
        self.rfile = tap
        try:
            super()._websocket()
        finally:
            self.frames.append(tap.buf.hex())


@pytest.fixture(scope="module")
def exfil_server():
    handler = type("H", (_Logging,), {"pages": {"/exfil": EXFIL, "/inner": page("<p>inner</p>")},
                                      "hits": [], "frames": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield handler, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _press(run_visit, base: str, held: bool):
    async def scenario(v):
        await v.goto(base + "/exfil")
        await v.page.wait_for_function("document.getElementById('ws').textContent === 'ws-open'", timeout=5000)
        if held:
            await v.hold_network("submit")
        await v.page.click("#go")
        await asyncio.sleep(1.5)
        await v.settle()
        # (held: the form's navigation was aborted, its error page has no storage)
        return await v.page.evaluate("(() => { try { return localStorage.getItem('errs') || ''; } catch (e) { return ''; } })()")

    return run_visit(scenario, url=base + "/exfil")


def _sent_phone_over_socket(frames: list[str]) -> bool:
    # client frames are masked: look for any frame at all after the handshake beyond a close
    return any(len(bytes.fromhex(f)) > 8 for f in frames)


def test_without_the_hold_every_channel_arrives(run_visit, exfil_server):
    handler, base = exfil_server
    handler.hits.clear()
    handler.frames.clear()
    _v, errors = _press(run_visit, base, held=False)
    assert not errors, errors
    deadline = time.time() + 3
    while time.time() < deadline and not set(CHANNELS) <= set(handler.hits):
        time.sleep(0.1)
    assert set(CHANNELS) <= set(handler.hits), sorted(set(CHANNELS) - set(handler.hits))
    assert _sent_phone_over_socket(handler.frames)


def test_held_network_lets_nothing_out(run_visit, exfil_server):
    handler, base = exfil_server
    handler.hits.clear()
    handler.frames.clear()
    visit, _ = _press(run_visit, base, held=True)
    time.sleep(0.5)
    assert handler.hits == [], f"sent while held: {handler.hits}"
    assert not _sent_phone_over_socket(handler.frames), "a socket frame left while held"
    trace = visit.trace
    assert [h.act for h in trace.holds] == ["submit"]
    held = {urlsplit(r.url).path[3:] for r in trace.requests if r.held and "/c/" in r.url}
    # every channel the browser let us see is recorded as held (a beacon may be dropped
    # by Chromium before it is a request at all: then it is simply not sent)
    assert set(CHANNELS) - {"beacon"} <= held, sorted(held)
    phone_frames = [f for f in trace.websocket_frames if f.direction == "sent" and PHONE in (f.payload or "")]
    assert phone_frames and all(f.held for f in phone_frames), "the socket frame with the phone is not recorded held"


def _screened_press(run_visit, base: str, path: str, wait_s: float, ready: str | None = None):
    """Open ``path`` (a canary phone in the trace), wait for ``ready`` (a JS condition), screen the
    network for 127.0.0.1, press ``#go`` and let the page answer for ``wait_s`` seconds;
    ``(visit, what end_screen() returned)``."""
    async def scenario(v):
        v.trace.canaries = {"phone": PHONE}
        await v.goto(base + path)
        if ready:
            await v.page.wait_for_function(ready, timeout=5000)
        await v.screen_network(None, "127.0.0.1")
        await v.page.click("#go")
        await asyncio.sleep(wait_s)
        await v.settle()
        return v.end_screen()

    return run_visit(scenario, url=base + path)


def test_a_screened_press_holds_every_channel_that_sends(run_visit, exfil_server):
    """Live mode's screen (a press whose act is not known): the press that sends on every channel
    sends nothing — the first request the screen does not let out begins the visit's hold."""
    handler, base = exfil_server
    handler.hits.clear()
    handler.frames.clear()
    visit, stopped = _screened_press(run_visit, base, "/exfil", 1.5,
                                     ready="document.getElementById('ws').textContent === 'ws-open'")
    time.sleep(0.5)
    assert handler.hits == [], f"sent while screened: {handler.hits}"
    assert not _sent_phone_over_socket(handler.frames), "a socket frame left while screened"
    assert stopped is not None and stopped["method"] in ("POST", "GET", "WEBSOCKET")
    assert [h.act for h in visit.trace.holds] == ["unknown"] and visit.held
    held = {urlsplit(r.url).path[3:] for r in visit.trace.requests if r.held and "/c/" in r.url}
    assert set(CHANNELS) - {"beacon"} <= held, sorted(held)


@pytest.mark.parametrize(("href", "goes_out"), [
    ("/c/next?table=A3", True),             # a page of the merchant's own site
    ("/c/member/join?table=A3", False),     # ... that names an act
    ("/c/next?phone=" + PHONE, False),      # ... that carries a canary value
    ("http://localhost:{port}/c/next", False),  # another site's page
])
def test_a_screened_press_lets_out_only_a_load_of_the_merchants_pages(run_visit, exfil_server, href, goes_out):
    handler, base = exfil_server
    handler.hits.clear()
    href = href.format(port=urlsplit(base).port)
    handler.pages["/links"] = page(f"<a id='go' href='{href}' style='display:block;height:40px'>&rarr;</a>")
    visit, stopped = _screened_press(run_visit, base, "/links", 0.5)
    time.sleep(0.3)
    assert (handler.hits != []) is goes_out, handler.hits
    assert (stopped is None) is goes_out and visit.held is not goes_out
    assert [h.act for h in visit.trace.holds] == ([] if goes_out else ["unknown"])


def test_screen_allows_page_loads_and_files_only():
    sc = Screen(site="shop.cn", control=None, values=[PHONE])
    assert screen_allows("GET", "https://m.shop.cn/checkout?table=A3", "document", True, sc)
    assert screen_allows("GET", "https://cdn.other.com/a.png", "image", False, sc)
    assert screen_allows("GET", "https://cdn.other.com/pages-order-submit.3f2a.js", "script", False, sc)
    assert not screen_allows("GET", "https://api.other.com/follow?callback=cb", "script", False, sc)  # JSONP acts
    assert not screen_allows("POST", "https://m.shop.cn/checkout", "document", True, sc)
    assert not screen_allows("GET", "https://m.shop.cn/api/order/submit?t=A3", "fetch", False, sc)
    assert not screen_allows("GET", "https://open.weixin.qq.com/connect/oauth2/authorize?appid=x", "document", True, sc)
    assert not screen_allows("GET", "https://cdn.other.com/p.gif?m=" + "".join(f"%{ord(c):02X}" for c in PHONE),
                             "image", False, sc)  # percent-encoded
    assert not screen_allows("GET", "https://cdn.other.com/p.gif?m=" + PHONE, "image", False, sc)
    assert screen_allows("POST", "https://log.other.com/v1/event", "ping", False, sc, "e=click")  # a beacon
    assert not screen_allows("POST", "https://log.other.com/v1/event", "ping", False, sc, "m=" + PHONE)
    assert not screen_allows("POST", "https://m.shop.cn/api/order/submit", "ping", False, sc)
