"""Collectors: one per kind of evidence, each with its own per-visit state.

Shaped like Tracker Radar Collector's collectors: a collector is created for one
:class:`~crawler.browser.visit.Visit`, subscribes to the page in :meth:`Collector.attach`
and writes what it sees into the visit's :class:`~core.trace.Trace`.  Nothing is
shared between visits (no module-level state).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import time
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from core.sites import site_of
from core.trace import Dialog, Element, Hold, PermissionRequest, Request, WebSocketFrame
from crawler.browser.oauth import is_oauth_host, is_wx_sdk, parse_authorize, provider_of, standin_page

#: A :class:`crawler.browser.visit.Visit` (which imports this module: named, not imported).
Visit = Any

MAX_BODY = 1 << 20  # 1 MiB
MAX_URL = 65536
MAX_REQUESTS = 5000
MAX_WS_FRAMES = 2000
MAX_WS_PAYLOAD = 65536
MAX_CONSOLE = 200
MAX_DIALOGS_KEPT = 100
DIALOG_LOOP = 20  # dialogs in one visit before the nuisance "dialog loop"
NAV_LOOP = 30  # main-frame navigations between two recorded steps before "redirect loop"
WEB_SCHEMES = {"http", "https", "data", "blob", "about", "ws", "wss", "chrome-error", "file"}
LONG_POLL_S = 2.0  # requests open longer than this do not keep the network "busy"
KEEP_BODY_TYPES = ("document", "fetch", "xhr")
MAX_KEPT_BODY = 256 << 10
MAX_KEPT_BODIES = 200
MAX_KEPT_BODIES_BYTES = 8 << 20
POPUP_LIFE_S = 4.0  # a pop-up window runs at most this long before it is closed
POPUP_QUIET_S = 0.6  # ... or until its network has been quiet this long (and no short timer is due)

ROUTE_PATTERN = re.compile(
    r"^https?://(open\.weixin\.qq\.com|openauth\.alipay\.com|res2?\.wx\.qq\.com)(:\d+)?(/|$)", re.I
)


def _body(buf: bytes | None) -> tuple[str | None, str]:
    """A request body as stored: text (UTF-8) or base64; a body over :data:`MAX_BODY` keeps its
    head and its tail (a value appended after a large payload is still seen)."""
    if buf is None:
        return None, "text"
    if len(buf) > MAX_BODY:
        tail = MAX_BODY // 4
        buf = buf[:MAX_BODY - tail] + f"\n[qraudit: {len(buf) - MAX_BODY} bytes left out]\n".encode() + buf[-tail:]
    try:
        return buf.decode("utf-8"), "text"
    except UnicodeDecodeError:
        return base64.b64encode(buf).decode("ascii"), "base64"


def _safe(fn, default=None):
    try:
        return fn()
    except Exception:  # noqa: BLE001 - playwright raises various errors on detached objects
        return default


class Collector:
    """Base class: ``attach(page)`` subscribes, ``on_step(n)`` is called after step n
    is recorded, ``finish()`` before the trace is saved."""

    name = "collector"

    def __init__(self, visit: Visit) -> None:
        self.visit = visit
        self.trace = visit.trace

    async def attach(self, page: Any) -> None:  # pragma: no cover - interface
        """Subscribe to ``page``'s events."""

    def on_step(self, n: int) -> None:
        """Called right after step ``n`` was recorded."""

    async def finish(self) -> None:
        """Flush state into the trace."""


class RequestCollector(Collector):
    """Every request of every frame: method, URL, all headers (incl. Cookie,
    Referer), body (≤ 1 MiB, text or base64), status, response headers, redirect
    chain, failure.  Navigations to app URL schemes (``weixin://dl/business/…``
    opens a mini-program) are also listed in ``meta.app_links`` (and
    :attr:`Visit.app_links`).  Tracks requests in flight for :meth:`Visit.settle`.

    Response bodies of documents and of fetch/XHR calls (text, ≤ 256 KiB each, ≤ 200
    and 8 MiB a visit) are kept as evidence files ``responses/r<id>.txt`` (index in
    ``meta.response_bodies``): the browser drops a page's bodies when it navigates away
    (playwright #3617), so each is read the moment it is complete, and what the page's
    own scripts read (fetch ``text()``/``json()``, XHR) is reported by the instrumentation
    as they read it — before the navigation they may start next.  A body that was gone
    all the same is counted in ``meta.response_bodies_lost``."""

    name = "requests"

    def __init__(self, visit: Visit) -> None:
        super().__init__(visit)
        self._records: dict[Any, Request] = {}
        self._inflight: dict[Any, float] = {}
        self._last_change = time.monotonic()
        self._next_id = 1
        self.dropped = 0
        #: navigations to app URL schemes (weixin://, alipays://, …), in order
        self.app_links: list[str] = []
        self.bodies: dict[str, str] = {}
        self.bodies_bytes = 0
        self.bodies_lost = 0
        self._lost: set[str] = set()

    async def attach(self, page: Any) -> None:
        # The visit's context is its own: listening there also records what pop-up
        # windows send before they are closed (a canary in a window.open URL is a leak).
        self._page = page
        src = _safe(lambda: page.context) or page
        if not callable(getattr(src, "on", None)):
            src = page
        src.on("request", self._on_request)
        src.on("response", self._on_response)
        src.on("requestfinished", self._on_done)
        src.on("requestfailed", self._on_failed)

    def quiet_ms(self) -> float:
        """Milliseconds since the network last changed, or 0 while a young request is open."""
        now = time.monotonic()
        if any(now - t < LONG_POLL_S for t in self._inflight.values()):
            return 0.0
        return (now - self._last_change) * 1000

    def _on_request(self, req: Any) -> None:
        self._last_change = time.monotonic()
        self._inflight[req] = self._last_change
        scheme = req.url.split(":", 1)[0].lower()
        if scheme not in WEB_SCHEMES and len(self.app_links) < 50:
            self.app_links.append(req.url[:2000])  # weixin://dl/business/…, alipays://… (app / mini-program)
        if len(self.trace.requests) >= MAX_REQUESTS:
            self.dropped += 1
            return
        body, enc = _body(_safe(lambda: req.post_data_buffer))
        prev = _safe(lambda: req.redirected_from)
        nav = bool(_safe(req.is_navigation_request, False))
        rec = Request(
            id=self._next_id,
            step=self.visit.event_step,
            t_ms=self.visit.elapsed_ms(),
            method=req.method,
            url=req.url[:MAX_URL],
            resource_type=_safe(lambda: req.resource_type, "") or "",
            headers=dict(_safe(lambda: req.headers, {}) or {}),
            body=body,
            body_encoding=enc,
            redirected_from=prev.url[:MAX_URL] if prev is not None else None,
            is_navigation=nav,
            frame_url=_safe(lambda: req.frame.url),
            popup=self._from_popup(req, nav),
        )
        self._next_id += 1
        self._records[req] = rec
        self.trace.requests.append(rec)
        self.visit.spawn(self._full_headers(req, rec))

    def record_of(self, req: Any) -> Request | None:
        """The trace record of the Playwright request ``req`` (None when not recorded)."""
        return self._records.get(req)

    def _from_popup(self, req: Any, nav: bool) -> bool:
        """Whether ``req`` (``nav``: a navigation request) was sent by a window the page opened."""
        page = getattr(self, "_page", None)
        if page is None:
            return False
        frame = _safe(lambda: req.frame)
        if frame is None:  # a new window's first navigation comes before its frame exists
            return nav
        owner = _safe(lambda: frame.page)
        return owner is not None and owner is not page

    async def _full_headers(self, req: Any, rec: Request) -> None:
        with contextlib.suppress(Exception):
            rec.headers = dict(await asyncio.wait_for(req.all_headers(), 5))

    def _on_response(self, resp: Any) -> None:
        self._last_change = time.monotonic()
        req = _safe(lambda: resp.request)
        # for "settled" a request counts as done once its response is in: Chromium does not
        # report a body as finished until the page reads it, and many never do
        self._inflight.pop(req, None)
        rec = self._records.get(req)
        if rec is None:
            return
        rec.status = resp.status
        rec.response_headers = dict(_safe(lambda: resp.headers, {}) or {})
        self.visit.spawn(self._full_response_headers(resp, rec))

    async def _full_response_headers(self, resp: Any, rec: Request) -> None:
        with contextlib.suppress(Exception):
            rec.response_headers = dict(await asyncio.wait_for(resp.all_headers(), 5))

    def _on_done(self, req: Any) -> None:
        self._last_change = time.monotonic()
        self._inflight.pop(req, None)
        rec = self._records.get(req)
        if rec is not None and rec.resource_type in KEEP_BODY_TYPES and rec.status is not None \
                and 200 <= rec.status < 600 and len(self.bodies) < MAX_KEPT_BODIES:
            ctype = next((v for k, v in rec.response_headers.items() if k.lower() == "content-type"), "")
            if re.search(r"text|json|html|xml|javascript", ctype, re.I) or not ctype:
                self.visit.spawn(self._keep_body(req, rec))

    def keep_text(self, url: str, text: str) -> None:
        """Keep a response body the page itself read (reported by the instrumentation as it read
        it, so before any navigation): filed under the latest request of ``url``."""
        rec = next((r for r in reversed(self.trace.requests) if r.url == url), None)
        key = str(rec.id) if rec is not None else f"p{len(self.bodies) + 1}"
        if key in self.bodies or len(self.bodies) >= MAX_KEPT_BODIES:
            return
        if self._write_body(key, text.encode("utf-8", "replace")) and rec is not None \
                and self.bodies_lost and key in self._lost:
            self.bodies_lost -= 1

    def _write_body(self, key: str, data: bytes) -> bool:
        """Keep ``data`` as ``responses/r{key}.txt`` within the per-body and per-visit byte
        bounds; True when it was written."""
        if len(data) > MAX_KEPT_BODY or self.bodies_bytes + len(data) > MAX_KEPT_BODIES_BYTES:
            return False
        rel = f"responses/r{key}.txt"
        try:
            path = self.visit.out_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError:
            return False
        self.bodies_bytes += len(data)
        self.bodies[key] = rel
        return True

    async def _keep_body(self, req: Any, rec: Request) -> None:
        try:
            resp = await asyncio.wait_for(req.response(), 5)
            body = await asyncio.wait_for(resp.body(), 5) if resp is not None else None
        except Exception:  # noqa: BLE001 - gone with a navigation, or never had one
            if str(rec.id) not in self.bodies:
                self.bodies_lost += 1
                self._lost.add(str(rec.id))
            return
        if str(rec.id) in self.bodies:
            return  # the page read it first
        if body:
            self._write_body(str(rec.id), body)

    def _on_failed(self, req: Any) -> None:
        self._on_done(req)
        failure = _safe(lambda: req.failure) or "failed"
        rec = self._records.get(req)
        if rec is not None:
            rec.failure = failure
        if "ERR_TOO_MANY_REDIRECTS" in failure:
            self.visit.add_nuisance("redirect loop")

    async def finish(self) -> None:
        if self.bodies:
            self.trace.meta["response_bodies"] = dict(self.bodies)
        if self.bodies_lost:
            self.trace.meta["response_bodies_lost"] = self.bodies_lost
        if self.dropped:
            self.trace.meta["requests_dropped"] = self.dropped
        if self.app_links:
            self.trace.meta["app_links"] = self.app_links


class WebSocketCollector(Collector):
    """Websocket frames sent and received (text, or ``base64:``-prefixed binary) on every
    socket of the page, its frames and its dedicated workers (``page.route`` never sees
    them).  In live mode the frames a routed socket sends are recorded by
    :class:`NetworkHold`'s route instead, which sees every one of them."""

    name = "websockets"

    def __init__(self, visit: Visit) -> None:
        super().__init__(visit)
        self.urls: list[str] = []

    async def attach(self, page: Any) -> None:
        page.on("websocket", self._on_ws)

    def _on_ws(self, ws: Any) -> None:
        url = ws.url
        self.urls.append(url)
        ws.on("framesent", lambda payload: self._frame(url, "sent", payload))
        ws.on("framereceived", lambda payload: self._frame(url, "received", payload))

    def _frame(self, url: str, direction: str, payload: str | bytes) -> None:
        if len(self.trace.websocket_frames) >= MAX_WS_FRAMES:
            return
        hold = getattr(self.visit, "network_hold", None)
        if direction == "sent" and hold is not None and url in hold.routed_urls:
            return  # a routed socket's frames are recorded by the route, which sees every one
        if isinstance(payload, bytes | bytearray):
            text = "base64:" + base64.b64encode(bytes(payload[:MAX_WS_PAYLOAD])).decode("ascii")
        else:
            text = str(payload)[:MAX_WS_PAYLOAD]
        self.trace.websocket_frames.append(
            WebSocketFrame(step=self.visit.event_step, t_ms=self.visit.elapsed_ms(), url=url,
                           direction=direction, payload=text)
        )

    async def finish(self) -> None:
        if self.urls:
            self.trace.meta["websockets"] = self.urls[:200]


#: Words of a URL that acts (orders, pays, signs in or up, sends a code, follows, joins, binds,
#: authorises, claims): a screened press lets no request to one out, even a GET of the merchant's site.
ACTION_URL_RE = re.compile(
    r"submit|create|place|(?<![a-z])pay|prepay|cashier|login|logon|sign_?in|register|sign_?up|sms|captcha|verif"
    r"|follow|subscribe|join|bind|auth|member|receive|claim|send|bonus|reward",
    re.I)
#: Files a page loads to show itself; a screened press lets a GET of one out wherever it is.
SCREEN_FILE_TYPES = {"image", "stylesheet", "font", "script", "media"}


class Screen:
    """A screened press in progress (see :meth:`NetworkHold.screen`): the merchant's ``site``, the
    ``control`` pressed, the canary ``values`` no request may carry, and ``stopped`` (the first
    request held, ``{"method", "url"}``) once the screen became a hold."""

    def __init__(self, site: str, control: Element | None, values: list[str]) -> None:
        self.site = site
        self.control = control
        self.values = values
        self.stopped: dict[str, str] | None = None


def screen_allows(method: str, url: str, resource_type: str, navigation: bool, screen: Screen, body: str = "") -> bool:
    """Whether a request made during a screened press may go out: a GET or HEAD that carries none
    of ``screen.values`` (checked in the raw and the percent-decoded URL) and either loads a
    file to show (``resource_type`` in :data:`SCREEN_FILE_TYPES`, not a navigation; a script
    only when its path ends in ``.js``/``.mjs`` or it names no act: a JSONP call is an API
    call) or goes to ``screen.site`` and names no act (:data:`ACTION_URL_RE` on its path and
    query); or a beacon (``ping``: the page never reads its answer) naming no act.  Anything
    else — a POST, a form, an OAuth redirect, another site's page or API, a URL naming an act,
    a canary value in the URL or ``body`` — is held."""
    decoded = unquote_plus(url or "") + " " + unquote_plus(body or "")
    if any(v in url or v in decoded for v in screen.values):
        return False
    parts = urlsplit(url or "")
    acts = ACTION_URL_RE.search(unquote_plus(parts.path + "?" + parts.query)) is not None
    if resource_type == "ping":
        return not acts  # a beacon (sendBeacon, <a ping>): the page never reads an answer to act on
    if (method or "").upper() not in ("GET", "HEAD"):
        return False
    if resource_type in SCREEN_FILE_TYPES and not navigation:
        return resource_type != "script" or parts.path.endswith((".js", ".mjs")) or not acts
    if parts.scheme not in ("http", "https") or site_of(url) != screen.site:
        return False
    return not acts


class NetworkHold(Collector):
    """Live mode's held presses: after :meth:`hold`, every request of the visit's
    context (every frame, pop-up window and dedicated worker; fetch/XHR, beacons,
    image pixels, form POSTs, navigations) is recorded by :class:`RequestCollector`,
    marked ``held`` and aborted before it leaves the browser; websocket frames the
    page sends are recorded (``held=True``) and never relayed.

    The hold is a route on the context (pop-ups, frames) *and* on the page: a
    page's routes come before its context's and the newest first, so a route
    another library put on the page (scrapy-playwright's ``"**"``, which
    continues every request) cannot let a held request through.

    Websockets can only be held when they were routed from the start, so in live
    mode (``visit.live``) every socket is routed through Playwright from
    :meth:`attach` on and relayed to its server until the hold begins.  Service
    workers are blocked in live mode by the context options (see
    ``crawler.engine.context_kwargs``), so none can send behind the hold.
    """

    name = "hold"

    def __init__(self, visit: Visit) -> None:
        super().__init__(visit)
        self.since: int | None = None
        self._routed = False
        self.held_frames = 0
        #: URLs of the sockets routed through Playwright (their sent frames are recorded here)
        self.routed_urls: set[str] = set()
        self._screen: Screen | None = None

    @property
    def held(self) -> bool:
        return self.since is not None

    async def attach(self, page: Any) -> None:
        self._page = page
        if getattr(self.visit, "live", False):
            with contextlib.suppress(Exception):
                await page.context.route_web_socket(lambda _url: True, self._on_ws_route)

    async def hold(self, act: str, control: Element | None = None, *, workers: bool = True) -> None:
        """Hold the network from the step in progress on (idempotent: one hold per
        visit, later presses add a :class:`Hold` record only).  ``workers=False``
        (a privileged probe, see :meth:`release`) leaves dedicated workers' sockets alone."""
        self.trace.holds.append(Hold(step=self.visit.event_step, act=act, control=control))
        if self.since is not None:
            return
        self.since = self.visit.event_step
        await self._route_all(workers)

    async def _route_all(self, workers: bool) -> None:
        """Route every request of the context and the page through :meth:`_on_route` (once a visit);
        ``workers``: also make workers keep their socket frames (their sockets are not routed)."""
        if not self._routed:
            self._routed = True
            await self._page.context.route("**/*", self._on_route)
            await self._page.route("**/*", self._on_route)
        emulation = getattr(self.visit, "emulation", None)
        if emulation is not None and workers:
            await emulation.hold_workers()

    async def screen(self, control: Element | None, site: str) -> None:
        """Screen the network for one press in live mode (a control without words whose act is
        not known): until :meth:`end_screen`, a request goes out only when :func:`screen_allows`
        lets it (a GET or HEAD of ``site``, the merchant's registrable domain, naming no act and
        carrying no canary value; or a GET of an image, style, font, script or media file).  The
        first request it does not let out, or a websocket frame the page sends, turns the screen
        into the visit's hold (act ``unknown``, :meth:`hold`): that request and everything after
        it are recorded held and aborted.  Workers keep their frames from the screen on (their
        sockets are not routed).  No-op when the network is held already."""
        if self.since is not None:
            return
        self._screen = Screen(site=site, control=control,
                              values=[v for v in (getattr(self.trace, "canaries", None) or {}).values() if v])
        await self._route_all(workers=True)

    def end_screen(self) -> dict[str, str] | None:
        """End the screen (after the press settled).  ``None`` when every request of the press went
        out (the press only loaded pages of the merchant's site); else ``{"method", "url"}`` of the
        first request held, from which the network stays held."""
        sc, self._screen = self._screen, None
        return sc.stopped if sc is not None else None

    def _screen_stops(self, method: str, url: str) -> None:
        sc = self._screen
        if sc is None or self.since is not None:
            return
        sc.stopped = {"method": method, "url": url[:MAX_URL]}
        self.trace.holds.append(Hold(step=self.visit.event_step, act="unknown", control=sc.control))
        self.since = self.visit.event_step

    def release(self) -> None:
        """End the hold (privileged mode only: a probe press showed what a control without words
        sends).  Requests from now on go out; the step of the release is kept in
        ``trace.meta["hold_released_at"]``.  No-op when nothing is held."""
        if self.since is None:
            return
        self.trace.meta.setdefault("hold_released_at", []).append(self.visit.event_step)
        self.since = None

    async def _on_route(self, route: Any) -> None:
        if self.since is None:
            sc = self._screen
            if sc is None:
                await route.fallback()
                return
            req = route.request
            method, url = _safe(lambda: req.method, "GET"), _safe(lambda: req.url, "")
            if screen_allows(method, url, _safe(lambda: req.resource_type, ""),
                             bool(_safe(lambda: req.is_navigation_request(), True)), sc,
                             _safe(lambda: req.post_data, "") or ""):
                await route.fallback()
                return
            self._screen_stops(method, url)
        rec = self.visit.requests.record_of(route.request)
        if rec is not None:
            rec.held = True
        with contextlib.suppress(Exception):
            await route.abort("blockedbyclient")

    def _on_ws_route(self, ws: Any) -> None:
        server = ws.connect_to_server()
        url = ws.url
        self.routed_urls.add(url)

        def from_page(message: str | bytes) -> None:
            if self._screen is not None:
                self._screen_stops("WEBSOCKET", url)
            held = self.since is not None
            if not held:
                server.send(message)
            else:
                self.held_frames += 1
            if len(self.trace.websocket_frames) < MAX_WS_FRAMES:
                text = ("base64:" + base64.b64encode(bytes(message[:MAX_WS_PAYLOAD])).decode("ascii")
                        if isinstance(message, bytes | bytearray) else str(message)[:MAX_WS_PAYLOAD])
                self.trace.websocket_frames.append(WebSocketFrame(
                    step=self.visit.event_step, t_ms=self.visit.elapsed_ms(), url=url, direction="sent",
                    payload=text, held=held))

        ws.on_message(from_page)
        server.on_message(lambda message: ws.send(message))
        ws.on_close(lambda code, reason: server.close(code=code, reason=reason))
        server.on_close(lambda code, reason: ws.close(code=code, reason=reason))

    async def finish(self) -> None:
        if self.since is not None:
            self.trace.meta["held_from_step"] = self.since
            self.trace.meta["held_requests"] = sum(1 for r in self.trace.requests if r.held)
            self.trace.meta["held_ws_frames"] = self.held_frames


class DialogCollector(Collector):
    """alert/confirm/prompt/beforeunload: answered at once (alert accept, confirm and
    prompt dismiss, beforeunload accept), counted; more than 20 → nuisance ``dialog loop``."""

    name = "dialogs"
    ANSWERS = {"alert": "accept", "confirm": "dismiss", "prompt": "dismiss", "beforeunload": "accept"}

    def __init__(self, visit: Visit) -> None:
        super().__init__(visit)
        self.count = 0
        self.new: list[Dialog] = []

    async def attach(self, page: Any) -> None:
        page.on("dialog", self._on_dialog)

    async def _on_dialog(self, dialog: Any) -> None:
        self.count += 1
        kind = _safe(lambda: dialog.type, "alert") or "alert"
        answer = self.ANSWERS.get(kind, "dismiss")
        with contextlib.suppress(Exception):
            if answer == "accept":
                await dialog.accept()
            else:
                await dialog.dismiss()
        if self.count <= MAX_DIALOGS_KEPT:
            d = Dialog(step=self.visit.event_step, type=kind,
                       message=(_safe(lambda: dialog.message, "") or "")[:2000], answer=answer)
            self.trace.dialogs.append(d)
            self.new.append(d)
        if self.count > DIALOG_LOOP:
            self.visit.add_nuisance("dialog loop")

    def take_new(self) -> list[Dialog]:
        out, self.new = self.new, []
        return out

    async def finish(self) -> None:
        self.trace.meta["dialog_count"] = self.count


class ConsoleCollector(Collector):
    """Console errors and uncaught page errors (≤ 200, each ≤ 500 chars)."""

    name = "console"

    async def attach(self, page: Any) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", self._on_pageerror)

    def _add(self, text: str) -> None:
        if len(self.trace.console_errors) < MAX_CONSOLE:
            self.trace.console_errors.append(text[:500])

    def _on_console(self, msg: Any) -> None:
        if _safe(lambda: msg.type) == "error":
            self._add(_safe(lambda: msg.text, "") or "")

    def _on_pageerror(self, exc: Any) -> None:
        self._add(f"pageerror: {exc}")


class PopupCollector(Collector):
    """New windows and tabs, whoever opened them (the page, one of its frames, another
    pop-up): each is recorded (``meta.popups``: its first URL, and ``meta.popup_urls_final``
    where it went), adds the nuisance ``popup``, and is left to run until it has settled
    (its load, its short timers, its network quiet) — at most :data:`POPUP_LIFE_S` — so
    that what its own scripts send is recorded too, then closed.  An OAuth authorize URL
    opened in a pop-up is recorded as an OAuth event."""

    name = "popups"

    def __init__(self, visit: Visit) -> None:
        super().__init__(visit)
        self.urls: list[str] = []
        self.final: list[str] = []
        self._open: set[Any] = set()

    async def attach(self, page: Any) -> None:
        self._page = page
        ctx = _safe(lambda: page.context)
        if ctx is not None and callable(getattr(ctx, "on", None)):
            ctx.on("page", self._on_page)
        else:
            page.on("popup", self._on_page)

    def _on_page(self, popup: Any) -> None:
        if popup is self._page:
            return
        self._open.add(popup)
        self.visit.spawn(self._run(popup))

    async def _run(self, popup: Any) -> None:
        last = [time.monotonic()]
        with contextlib.suppress(Exception):
            popup.on("request", lambda _r: last.__setitem__(0, time.monotonic()))
        url = _safe(lambda: popup.url, "") or ""
        deadline = time.monotonic() + POPUP_LIFE_S
        while url in ("", "about:blank") and time.monotonic() < deadline - POPUP_LIFE_S + 1.5 and not popup.is_closed():
            await asyncio.sleep(0.05)
            url = _safe(lambda: popup.url, "") or ""
        self.urls.append(url)
        self.visit.add_nuisance("popup")
        self.visit.oauth_collector.seen(url, via="popup")
        with contextlib.suppress(Exception):
            await asyncio.wait_for(popup.wait_for_load_state("load"), max(0.1, deadline - time.monotonic()))
        while time.monotonic() < deadline and not popup.is_closed():
            state = None
            with contextlib.suppress(Exception):
                state = await asyncio.wait_for(popup.evaluate(
                    "() => typeof window.__qrauditSettleState === 'function' ? window.__qrauditSettleState() : null"), 1)
            busy = bool(state and (state[1] or state[2]))  # short timers to fire, requests in flight
            if not busy and time.monotonic() - last[0] >= POPUP_QUIET_S:
                break
            await asyncio.sleep(0.1)
        final = _safe(lambda: popup.url, "") or ""
        if final and final != url:
            self.final.append(final)
            self.visit.oauth_collector.seen(final, via="popup")
        await self._close(popup)

    async def _close(self, popup: Any) -> None:
        self._open.discard(popup)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(popup.close(), 5)

    async def finish(self) -> None:
        for p in list(self._open):
            await self._close(p)
        if self.urls:
            self.trace.meta["popups"] = self.urls[:100]
        if self.final:
            self.trace.meta["popup_urls_final"] = self.final[:100]


class DownloadCollector(Collector):
    """Downloads: URL recorded (``meta.downloads``), cancelled, nuisance ``download``."""

    name = "downloads"

    def __init__(self, visit: Visit) -> None:
        super().__init__(visit)
        self.urls: list[str] = []

    async def attach(self, page: Any) -> None:
        page.on("download", self._on_download)

    async def _on_download(self, download: Any) -> None:
        self.urls.append(_safe(lambda: download.url, "") or "")
        self.visit.add_nuisance("download")
        with contextlib.suppress(Exception):
            await asyncio.wait_for(download.cancel(), 5)

    async def finish(self) -> None:
        if self.urls:
            self.trace.meta["downloads"] = self.urls[:100]


class NavigationCollector(Collector):
    """Main-frame navigations: total (``meta.navigations``) and per step; more than
    ``visit.nav_loop_limit`` (30) between two recorded steps → nuisance ``redirect loop``."""

    name = "navigations"

    def __init__(self, visit: Visit) -> None:
        super().__init__(visit)
        self.total = 0
        self.since_step = 0
        self._main = None

    async def attach(self, page: Any) -> None:
        self._main = page.main_frame
        page.on("framenavigated", self._on_nav)

    def _on_nav(self, frame: Any) -> None:
        if frame is not self._main:
            return
        self.total += 1
        self.since_step += 1
        if self.since_step > self.visit.nav_loop_limit:
            self.visit.add_nuisance("redirect loop")

    def on_step(self, n: int) -> None:
        self.since_step = 0

    async def finish(self) -> None:
        self.trace.meta["navigations"] = self.total


class PermissionCollector(Collector):
    """Receives the instrumentation's reports through the visit's binding:
    permission requests (answered per ``visit.permission_mode``), permission-state
    queries (``granted`` in grant mode, else ``prompt``), the response bodies the page
    read (kept by :class:`RequestCollector`) and bridge calls
    (``meta.bridge_calls``: ``{step, bridge, api}``, ≤ 300)."""

    name = "permissions"

    def __init__(self, visit: Visit) -> None:
        super().__init__(visit)
        self.new: list[PermissionRequest] = []
        self.bridge_calls: list[dict[str, Any]] = []

    async def attach(self, page: Any) -> None:
        # on the visit's context: pop-up windows report (and are answered) like the page
        try:
            await page.context.expose_binding(self.visit.binding_name, self._on_report)
        except Exception:  # noqa: BLE001 - no context API (a page handed over alone)
            await page.expose_binding(self.visit.binding_name, self._on_report)

    def _on_report(self, source: dict[str, Any], payload: Any) -> str | None:
        if not isinstance(payload, dict):
            return None
        frame = source.get("frame") if isinstance(source, dict) else None
        frame_url = _safe(lambda: frame.url) if frame is not None else None
        kind = payload.get("kind")
        if kind == "permission":
            answer = "granted" if self.visit.permission_mode == "grant" else "denied"
            constraints = payload.get("constraints")
            p = PermissionRequest(
                step=self.visit.event_step,
                name=str(payload.get("name") or "unknown"),
                api=str(payload.get("api") or ""),
                answer=answer,
                user_initiated=bool(payload.get("user_initiated")),
                constraints=constraints if isinstance(constraints, dict) else {},
                frame_url=frame_url,
            )
            self.trace.permissions.append(p)
            self.new.append(p)
            return answer
        if kind == "response_body":
            self.visit.requests.keep_text(str(payload.get("url") or ""), str(payload.get("body") or ""))
            return None
        if kind == "permission_state":
            # navigator.permissions.query agrees with how permission requests are answered now
            return "granted" if self.visit.permission_mode == "grant" else "prompt"
        if kind == "dialogs_suppressed":
            self.visit.add_nuisance("dialog loop")
            self.trace.meta["dialogs_suppressed"] = self.trace.meta.get("dialogs_suppressed", 0) + 1
            return None
        if kind == "bridge" and len(self.bridge_calls) < 300:
            self.bridge_calls.append(
                {"step": self.visit.event_step, "bridge": str(payload.get("bridge", "")),
                 "api": str(payload.get("api", ""))[:200], "frame_url": frame_url}
            )
        return None

    def take_new(self) -> list[PermissionRequest]:
        out, self.new = self.new, []
        return out

    async def finish(self) -> None:
        if self.bridge_calls:
            self.trace.meta["bridge_calls"] = self.bridge_calls


class OAuthCollector(Collector):
    """OAuth authorize redirects (WeChat, Alipay), never contacting the real hosts.

    Client-side requests to the provider hosts are routed: an authorize URL is
    recorded and answered with a local stand-in page; anything else there gets an
    empty 204; the WeChat JS-SDK file gets the profile's stand-in.  Server-side
    redirect chains (which routes do not see) are caught from the ``request`` and
    ``requestfailed`` events (the launch options resolve the hosts to nothing).
    """

    name = "oauth"

    async def attach(self, page: Any) -> None:
        await page.route(ROUTE_PATTERN, self._on_route)
        page.on("request", self._on_request)
        page.on("requestfailed", self._on_request)

    def seen(self, url: str, via: str = "request") -> None:
        """Record ``url`` as an OAuth event if it is an authorize URL not already pending.
        ``via`` (``request``, ``route``, ``popup``) is kept in ``meta.oauth_seen_via``."""
        if not url or not provider_of(url):
            return
        for e in self.trace.oauth:
            if e.url == url and not e.handled:
                return
        ev = parse_authorize(url, step=self.visit.event_step)
        if ev is not None:
            self.trace.oauth.append(ev)
            self.trace.meta.setdefault("oauth_seen_via", []).append(via)

    def _on_request(self, req: Any) -> None:
        url = _safe(lambda: req.url, "") or ""
        # an authorize page is always a document load (a redirect hop or a navigation)
        if is_oauth_host(url) and _safe(lambda: req.resource_type) == "document":
            self.seen(url)

    async def _on_route(self, route: Any) -> None:
        req = route.request
        url = req.url
        try:
            if is_wx_sdk(url):
                await route.fulfill(status=200, content_type="application/javascript; charset=utf-8",
                                    body=self.visit.profile.wx_sdk_script())
                return
            if provider_of(url) and _safe(lambda: req.resource_type) == "document":
                self.seen(url, via="route")
                ev = parse_authorize(url)
                await route.fulfill(status=200, content_type="text/html; charset=utf-8",
                                    body=standin_page(ev, url))
                return
            await route.fulfill(status=204, body="")
        except Exception:  # noqa: BLE001 - page closed while routing
            with contextlib.suppress(Exception):
                await route.abort()
