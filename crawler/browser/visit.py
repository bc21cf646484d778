"""One merchant visit in the in-app browser: instrumentation, collectors, steps.

Usage (the order agent drives it)::

    browser = await pw.chromium.launch(**launch_options())
    profile = get_profile("wechat")
    context = await browser.new_context(**profile.context_kwargs())
    page = await context.new_page()
    visit = Visit(page, Trace(url=url, visit_id=vid), out_dir, profile)
    await visit.attach()                  # before the first navigation
    err = await visit.goto(url)           # None or "net::ERR_…" / "timeout"
    await visit.record("open", "entry", state="landing")
    ...
    trace = await visit.finish(order_reached="checkout", outcome="completed")
"""

from __future__ import annotations

import asyncio
import contextlib
import html as html_mod
import json
import re
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core import __version__
from core.trace import Candidate, Dialog, Element, FormField, OAuthEvent, PermissionRequest, Step, Trace
from crawler.browser.collectors import (
    NAV_LOOP,
    ConsoleCollector,
    DialogCollector,
    DownloadCollector,
    NavigationCollector,
    NetworkHold,
    OAuthCollector,
    PermissionCollector,
    PopupCollector,
    RequestCollector,
    WebSocketCollector,
)
from crawler.browser.emulation import Emulation
from crawler.browser.launch import browser_version_hint
from crawler.browser.oauth import return_url
from crawler.browser.profiles import Profile, js_source

MAX_TEXT = 20000
MAX_DOM = 2_000_000
MAX_LINKS = 500
MAX_FULL_PAGE_HEIGHT = 6000
DIALOG_CAP = 50  # native dialogs per document before further ones are suppressed
PROBE_S = 2.5  # a page that cannot run `1` within PROBE_S + PROBE_PATIENCE_S is busy
PROBE_PATIENCE_S = 4.0
FRAME_EVAL_S = 4.0
SNAPSHOT_S = 15.0
SCREENSHOT_S = 6.0
#: net errors of a navigation that a diner would simply retry (no answer, a reset connection)
TRANSIENT_NAV_ERRORS = ("ERR_EMPTY_RESPONSE", "ERR_CONNECTION_RESET", "ERR_CONNECTION_CLOSED")
RETRY_S = 1.5
NAV_RETRIES = 2  # loads again after a transient network error, RETRY_S apart


_QUIET_JS = """() => {
  const f = window.__qrauditSettleState;
  return typeof f === 'function' ? f() : [1e9, 0, 0, 0, document.readyState, 0];
}"""
MAX_SETTLE_FRAMES = 8  # frames whose quiet "settle" waits for (main frame first)
SETTLE_QUIET_MS = 60  # settle: the DOM and the network quiet this long (ms) ...
SETTLE_MIN_MS = 30  # ... and at least this long after the action (ms)
POLL_MS = 50  # settle reads the frames' state at least this often (ms) while something is pending
MIN_POLL_MS = 5  # and never more often than this


def _now_iso() -> str:
    """Now in UTC, ISO 8601 to the millisecond (``2026-12-07T16:30:00.123Z``): an audit's
    duration (``ended_at - started_at``) is read from these."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _net_error(message: str) -> str:
    m = re.search(r"net::ERR_[A-Z0-9_]+", message)
    if m:
        return m.group(0)
    if "Timeout" in message or "timeout" in message:
        return "timeout"
    return message.strip().splitlines()[0][:300] if message.strip() else "error"


class Visit:
    """One visit of one page: instruments it, collects evidence, records steps.

    ``page``: a Playwright (async) page in a fresh context made with
    ``profile.context_kwargs()``; ``trace``: the visit's :class:`Trace` (filled in
    place); ``out_dir``: folder for ``step-NN.png``/``step-NN.html``/``trace.json``.

    ``step_no`` is the number of the last recorded step (0 before the first
    :meth:`record`).  Events (requests, dialogs, permission requests, OAuth
    redirects, websocket frames) are tagged with :attr:`event_step` =
    ``step_no + 1``: the step in progress, whose action caused them and which the
    next :meth:`record` closes.  ``permission_mode``: ``"deny"`` (default) or
    ``"grant"``: how geolocation, getUserMedia, notifications and the bridges'
    location/camera calls are answered (granted = canary position 31.2304,
    121.4737 / a blank fake camera stream).  ``extra_collectors``: more
    :class:`~crawler.browser.collectors.Collector` subclasses to run in this visit.
    """

    def __init__(self, page: Any, trace: Trace, out_dir: Path | str, profile: Profile,
                 *, screenshots: bool = True, extra_collectors: tuple = ()) -> None:
        self.page = page
        #: live mode (the host was not declared a sandbox): PI acts are pressed only with the network held
        self.live = not (trace.sandbox or trace.allow_submit)
        self.trace = trace
        self.out_dir = Path(out_dir)
        self.profile = profile
        self.screenshots = screenshots
        self.permission_mode = "deny"
        #: main-frame navigations between two recorded steps before "redirect loop"
        self.nav_loop_limit = NAV_LOOP
        self.step_no = 0
        self.binding_name = "__qrauditReport_" + secrets.token_hex(4)
        self._t0 = time.monotonic()
        self._attached = False
        self._tasks: set[asyncio.Task] = set()
        self._cdp: Any = None
        if not trace.started_at:
            trace.started_at = _now_iso()
        if not trace.env or trace.env == "wechat":
            trace.env = profile.name
        self.requests = RequestCollector(self)
        self.oauth_collector = OAuthCollector(self)
        self.permission_collector = PermissionCollector(self)
        self.dialog_collector = DialogCollector(self)
        self.navigation_collector = NavigationCollector(self)
        self.popup_collector = PopupCollector(self)
        self.network_hold = NetworkHold(self)
        self.emulation = Emulation(self)
        self.collectors = [
            self.emulation,
            self.network_hold,
            self.permission_collector,
            self.requests,
            self.oauth_collector,
            WebSocketCollector(self),
            self.dialog_collector,
            ConsoleCollector(self),
            self.popup_collector,
            DownloadCollector(self),
            self.navigation_collector,
        ]
        # more evidence kinds: classes taking the visit, with the Collector interface
        self.collectors.extend(cls(self) for cls in extra_collectors)

    # ---- small helpers -----------------------------------------------------

    @property
    def event_step(self) -> int:
        """The step number events are tagged with: the step in progress (``step_no + 1``)."""
        return self.step_no + 1

    def elapsed_ms(self) -> int:
        """Milliseconds since the visit object was made."""
        return int((time.monotonic() - self._t0) * 1000)

    def add_nuisance(self, name: str) -> None:
        """Add ``name`` (``dialog loop``, ``redirect loop``, ``popup``, ``download``,
        ``busy script``) to ``trace.nuisances`` once."""
        if name not in self.trace.nuisances:
            self.trace.nuisances.append(name)

    def spawn(self, coro: Any) -> None:
        """Run ``coro`` in the background; :meth:`finish` waits (bounded) for it."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def instrumentation_script(self) -> str:
        """The per-visit instrumentation JS (permission wrappers, DOM quiet tracker)."""
        cfg = json.dumps({"binding": self.binding_name, "dialogCap": DIALOG_CAP})
        return js_source("instrument.js").replace("__QRAUDIT_CFG__", cfg)

    # ---- setup ---------------------------------------------------------------

    async def attach(self) -> None:
        """Instrument the page; call BEFORE the first navigation.  Idempotent.

        Exposes the report binding, adds the instrumentation and the profile's
        bridge stand-ins as init scripts (they run in every frame, before the
        page's scripts), subscribes every collector, routes the OAuth hosts and
        opens a CDP session (to stop busy scripts).
        """
        if self._attached:
            return
        self._attached = True
        for c in self.collectors:
            await c.attach(self.page)
        scripts = [self.instrumentation_script()]
        bridges = self.profile.init_script()
        if bridges:
            scripts.append(bridges)
        for script in scripts:
            # on the visit's context: pop-up windows get the same instrumentation and device
            try:
                await self.page.context.add_init_script(script=script)
            except Exception:  # noqa: BLE001 - no context API (a page handed over alone)
                await self.page.add_init_script(script=script)
        self.page.on("crash", self._on_crash)
        with contextlib.suppress(Exception):
            self._cdp = await asyncio.wait_for(self.page.context.new_cdp_session(self.page), 5)
        # A page that is already showing something (attached late) gets the scripts now too.
        if self.page.url not in ("", "about:blank"):
            for frame in self.live_frames():
                for script in scripts:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(frame.evaluate(script), FRAME_EVAL_S)

    def _on_crash(self, _page: Any) -> None:
        self.trace.complete = False
        self.trace.meta["crashed"] = True

    async def hold_network(self, act: str, control: Element | None = None, *, probe: bool = False) -> None:
        """Hold the network for the rest of the visit before a press in live mode
        (see :class:`~crawler.browser.collectors.NetworkHold`); ``act`` names the
        press (``submit``, ``send_code``, ``login``, ``register``, ``join``,
        ``follow``, ``authorise``), recorded in ``trace.holds``.  ``probe``: a
        privileged press that may be released (:meth:`release_network`); workers are
        not held."""
        if probe and self.live:
            raise ValueError("a probe hold is for privileged mode only")
        await self.network_hold.hold(act, control, workers=not probe)

    async def screen_network(self, control: Element | None, site: str) -> None:
        """Screen the network for the next press (live mode, a control whose act is not known):
        only loads of ``site``'s pages and files go out until :meth:`end_screen`; the first other
        request begins the visit's hold (see :meth:`~crawler.browser.collectors.NetworkHold.screen`)."""
        await self.network_hold.screen(control, site)

    def end_screen(self) -> dict[str, str] | None:
        """End the screen; ``None`` when it held nothing, else the first request held
        (``{"method", "url"}``): the network is held from then on."""
        return self.network_hold.end_screen()

    def release_network(self) -> None:
        """End a probe hold (privileged mode): what the page sends from now on goes out.
        ValueError in live mode, where a hold lasts the whole visit."""
        if self.live:
            raise ValueError("live mode: the network hold lasts the whole visit")
        self.network_hold.release()

    @property
    def held(self) -> bool:
        """Whether the network is held (a held press was made)."""
        return self.network_hold.held

    def set_permission_mode(self, mode: str) -> None:
        """Set :attr:`permission_mode` (``"deny"`` or ``"grant"``); ValueError otherwise.

        The instrumentation answers from it at once (requests, and permission-state queries);
        granting also grants geolocation to the browser itself at the canary position, so a
        native call that escaped the wrappers answers too instead of never answering (Chromium
        leaves a granted geolocation request without a position unanswered)."""
        if mode not in ("deny", "grant"):
            raise ValueError(f"permission mode must be 'deny' or 'grant', not {mode!r}")
        changed = mode != self.permission_mode
        self.permission_mode = mode
        if changed and not self.page.is_closed():
            self.spawn(self._browser_permissions(mode))

    async def _browser_permissions(self, mode: str) -> None:
        ctx = self.page.context
        with contextlib.suppress(Exception):
            if mode == "grant":
                await asyncio.wait_for(ctx.set_geolocation({"latitude": 31.2304, "longitude": 121.4737,
                                                            "accuracy": 30}), 5)
                await asyncio.wait_for(ctx.grant_permissions(["geolocation"]), 5)
            else:
                await asyncio.wait_for(ctx.clear_permissions(), 5)

    # ---- navigation and waiting ---------------------------------------------

    async def goto(self, url: str, timeout_ms: int = 15000) -> str | None:
        """Navigate (``wait_until="commit"``), then :meth:`settle`.

        Returns ``None`` on success, else an error string (``net::ERR_…`` or
        ``timeout``); never raises for page problems.  After a server-side
        redirect to an OAuth host the result is ``net::ERR_NAME_NOT_RESOLVED``:
        check :meth:`oauth_pending` first.  ``net::ERR_TOO_MANY_REDIRECTS`` also
        adds the nuisance ``redirect loop``.

        Faults a diner would get past are recorded in ``trace.meta["faults"]`` and
        got past: a certificate error on the host (the diner's "continue anyway":
        certificate errors are ignored for the rest of the visit, then the page is
        loaded again) and a navigation that got no answer or a reset connection (a cold
        start: tried again up to :data:`NAV_RETRIES` times, :data:`RETRY_S` apart).  A navigation that Playwright
        reports "interrupted" by the error page of an earlier failed one
        (``chrome-error://``, playwright-python #2852) is waited out and made again.
        """
        err = await self._goto_once(url, timeout_ms)
        if err and "ERR_CERT_" in err and self._cdp is not None:
            self.add_fault("certificate_error", url=url, error=err.replace("net::", ""))
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._cdp.send("Security.setIgnoreCertificateErrors", {"ignore": True}), 5)
                # the failed load's error page commits first: a load made meanwhile can be lost
                await self._error_page_settled()
                err = await self._goto_once(url, timeout_ms)
                if err == "timeout" and self.page.url.startswith("chrome-error://"):
                    await self._error_page_settled()
                    err = await self._goto_once(url, timeout_ms)
        tries = 0
        while err and any(e in err for e in TRANSIENT_NAV_ERRORS) and tries < NAV_RETRIES:
            # a dropped answer (a cold start, a reset): Chrome retries it once by itself, its
            # headless shell does not, so the auditor tries again (twice, a pause before each)
            tries += 1
            self.add_fault("navigation_retried", url=url, error=err.replace("net::", ""))
            await asyncio.sleep(RETRY_S)
            err = await self._goto_once(url, timeout_ms)
        if err and "ERR_TOO_MANY_REDIRECTS" in err:
            self.add_nuisance("redirect loop")
        await self.settle()
        return err

    async def _goto_once(self, url: str, timeout_ms: int) -> str | None:
        for attempt in range(2):
            try:
                await self.page.goto(url, wait_until="commit", timeout=timeout_ms)
                return None
            except Exception as exc:  # noqa: BLE001 - Playwright Error/TimeoutError
                msg = str(exc)
                if "interrupted by another navigation" in msg:
                    if "chrome-error://" in msg and attempt == 0:
                        await self._error_page_settled()
                        continue  # the failed navigation's error page was still committing
                    return None  # the page went on by itself (its own redirect)
                return "timeout" if type(exc).__name__ == "TimeoutError" else _net_error(msg)
        return None

    async def _error_page_settled(self, max_s: float = 3.0) -> None:
        """Wait (bounded) until a failed navigation's error page has committed."""
        loop = asyncio.get_running_loop()
        end = loop.time() + max_s
        while loop.time() < end and not self.page.is_closed():
            if self.page.url.startswith("chrome-error://"):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.page.wait_for_load_state("domcontentloaded"), max(0.1, end - loop.time()))
                return
            await asyncio.sleep(0.05)

    def add_fault(self, kind: str, **params: Any) -> None:
        """Record a fault of the site that the auditor got past (``trace.meta["faults"]``:
        ``{"kind", "step", ...}``; kinds and their words: :data:`core.reasons.FAULTS`)."""
        faults = self.trace.meta.setdefault("faults", [])
        if len(faults) < 20:
            faults.append({"kind": kind, "step": self.event_step, **params})

    async def settle(self, max_ms: int = 2500, quiet_ms: int = SETTLE_QUIET_MS, min_ms: int = SETTLE_MIN_MS,
                     watch: Any = None) -> None:
        """Wait until the page has answered the last action: in every frame the DOM
        (MutationObserver) has been quiet for ``quiet_ms``, no short ``setTimeout``
        (≤ 1.5 s, not a polling chain) is still to fire, no fetch/XHR younger than
        2 s is open, no finite CSS animation or transition (≤ 1.5 s left) runs and
        the document is no longer loading; and the network (the browser's view,
        which also sees images, scripts and navigations) has been quiet for
        ``quiet_ms``.  Waits at least ``min_ms`` and at most ``max_ms`` (ms).

        ``watch``: an optional coroutine function called on every round (about every
        50 ms), e.g. to see an overlay vanish and come back while the page settles.
        Returns early when the page is busy (a script hogs it) or closed.
        """
        loop = asyncio.get_running_loop()
        start = loop.time()
        deadline = start + max_ms / 1000
        while not self.page.is_closed():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            if watch is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(watch(), max(0.05, min(1.0, remaining)))
            try:
                states = await asyncio.wait_for(self._settle_states(), max(0.05, min(1.0, remaining)))
            except TimeoutError:
                return
            elapsed_ms = (loop.time() - start) * 1000
            if elapsed_ms >= min_ms and self._quiet(states, quiet_ms):
                return
            # sleep until the page could first be quiet (at most a poll interval): a wait
            # that has only a quiet window left to run out need not round up to the next poll
            wait_ms = min(POLL_MS, self._until_quiet_ms(states, quiet_ms, min_ms - elapsed_ms))
            await asyncio.sleep(min(wait_ms / 1000, max(0.0, deadline - loop.time())))

    async def idle(self, quiet_ms: int = 200) -> bool:
        """Whether nothing can change the page by itself any more: in every frame
        no timer (≤ 10 s) or interval is set, no request or finite animation runs
        and the DOM has been quiet for ``quiet_ms``; and the network is quiet.
        False while the page is navigating or cannot tell."""
        try:
            states = await asyncio.wait_for(self._settle_states(), 1.0)
        except TimeoutError:
            return False
        return self._quiet(states, quiet_ms, later=True)

    def _quiet(self, states: list[list[Any]], quiet_ms: int, later: bool = False) -> bool:
        """Whether the frames' ``states`` (see ``__qrauditSettleState`` in instrument.js)
        and the network are quiet: DOM unchanged for ``quiet_ms``, no short timer, no
        request, no finite animation, not loading; with ``later`` also no timer (≤ 10 s)
        or interval at all.  False for no states (navigating)."""
        return bool(states) and self.requests.quiet_ms() >= quiet_ms and all(
            st[0] >= quiet_ms and not st[1] and not st[2] and not st[3] and st[4] != "loading"
            and not (later and len(st) > 5 and st[5]) for st in states)

    def _until_quiet_ms(self, states: list[list[Any]], quiet_ms: int, min_left_ms: float) -> float:
        """Milliseconds (≥ :data:`MIN_POLL_MS`) before ``states`` could next read as quiet:
        when only quiet windows (DOM, network) and ``min_left_ms`` remain to run out, the
        longest of them; while a timer, request, animation or load is pending, a full
        poll interval (:data:`POLL_MS`)."""
        if not states or any(st[1] or st[2] or st[3] or st[4] == "loading" for st in states):
            return POLL_MS
        left = max([min_left_ms, quiet_ms - self.requests.quiet_ms()]
                   + [quiet_ms - float(st[0]) for st in states])
        return max(MIN_POLL_MS, left + 1)

    async def _settle_states(self) -> list[list[Any]]:
        """``__qrauditSettleState()`` of the main frame and of the other frames that
        answer; ``[]`` while the main frame has no document (navigating)."""
        frames = self.live_frames()[:MAX_SETTLE_FRAMES]
        if not frames:
            return []

        async def one(frame: Any) -> Any:
            try:
                return await frame.evaluate(_QUIET_JS)
            except Exception:  # noqa: BLE001 - navigating: context destroyed
                return None

        main, *rest = frames
        results = await asyncio.gather(one(main), *(asyncio.wait_for(one(f), 0.5) for f in rest),
                                       return_exceptions=True)
        if not isinstance(results[0], list):
            return []  # the main document is being replaced
        return [r for r in results if isinstance(r, list)]

    # ---- page liveness --------------------------------------------------------

    async def _probe(self, timeout: float) -> str:
        """``ok`` | ``busy`` | ``closed`` | ``error``."""
        if self.page.is_closed():
            return "closed"
        try:
            await asyncio.wait_for(self.page.evaluate("1"), timeout)
            return "ok"
        except TimeoutError:
            return "busy"
        except Exception:  # noqa: BLE001
            return "closed" if self.page.is_closed() else "error"

    async def ensure_responsive(self, notes: list[str] | None = None) -> bool:
        """Make sure the page runs scripts again.

        A page whose main thread is hogged (``while(true){}``, an endless chain of
        alerts) gets its running script terminated through CDP
        (``Runtime.terminateExecution``) and the nuisance ``busy script``; if that
        does not help, ``trace.complete`` becomes False and False is returned.
        """
        notes = notes if notes is not None else []
        state = await self._probe(PROBE_S)
        if state == "error":  # navigating: try once more
            await asyncio.sleep(0.2)
            state = await self._probe(PROBE_S)
        if state == "busy":  # maybe only slow (a huge page, a loaded machine): be patient once
            state = await self._probe(PROBE_PATIENCE_S)
        if state in ("ok", "error"):
            return True
        if state == "closed":
            notes.append("page closed")
            return False
        self.add_nuisance("busy script")
        for _ in range(2):
            if self._cdp is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._cdp.send("Runtime.terminateExecution"), 3)
            state = await self._probe(PROBE_S)
            if state in ("ok", "error"):
                notes.append("terminated a busy script")
                return True
        notes.append("page unresponsive: snapshot skipped")
        self.trace.complete = False
        return False

    # ---- frames ------------------------------------------------------------------

    def live_frames(self) -> list[Any]:
        """The page's frames (main frame first), detached ones left out."""
        if self.page.is_closed():
            return []
        return [f for f in self.page.frames if not f.is_detached()]

    async def frames_snapshot(self, js: str, arg: Any = None, timeout_s: float = FRAME_EVAL_S) -> list[tuple[Any, Any]]:
        """Evaluate ``js`` (a function source) with ``arg`` in every live frame;
        return ``[(frame, result), …]`` for the frames that answered within
        ``timeout_s`` (cross-origin frames included; failures left out)."""
        out = []
        for frame in self.live_frames():
            try:
                res = await asyncio.wait_for(frame.evaluate(js, arg), timeout_s)
            except Exception:  # noqa: BLE001 - detached, busy, navigating
                continue
            out.append((frame, res))
        return out

    async def _snap_frame(self, frame: Any, want_html: bool, depth: int, budget: int,
                          out: dict[str, Any]) -> str:
        """Snapshot ``frame`` and (recursively) its visible children; text/links are
        appended to ``out``; returns the frame's HTML with children inlined."""
        opts = {"html": want_html, "maxHtml": budget, "maxText": MAX_TEXT, "maxLinks": MAX_LINKS,
                "storage": depth == 0}
        loop = asyncio.get_running_loop()
        deadline = out["deadline"]

        def left() -> float:
            return min(FRAME_EVAL_S, deadline - loop.time())

        try:
            if left() <= 0.1:
                raise TimeoutError
            try:
                res = await asyncio.wait_for(frame.evaluate(js_source("snapshot.js"), opts), left())
            except TimeoutError:
                raise
            except Exception:  # noqa: BLE001 - navigating (context destroyed): once more after a settle
                if frame.is_detached() or left() <= 1.0:
                    raise
                await self.settle(max_ms=1000)
                res = await asyncio.wait_for(frame.evaluate(js_source("snapshot.js"), opts), max(0.1, left()))
        except Exception as exc:  # noqa: BLE001
            out["notes"].append(f"frame {frame.url[:200]} not snapshotted: {type(exc).__name__}")
            return f"<!-- qraudit: frame {html_mod.escape(frame.url[:500])} not snapshotted -->"
        if depth == 0:
            out["storage"] = res.get("storage") or {}
        if res.get("text"):
            out["texts"].append(res["text"])
        out["links"].extend(res.get("links") or [])
        page_html = res.get("html") or ""
        if res.get("truncated"):
            page_html += "\n<!-- qraudit: truncated -->"
        if depth >= 4:
            return page_html
        for child in frame.child_frames:
            if child.is_detached() or left() <= 0.1:
                continue
            try:
                el = await asyncio.wait_for(child.frame_element(), left())
                idx = await asyncio.wait_for(el.evaluate(js_source("frame_index.js")), left())
                shown = await asyncio.wait_for(el.is_visible(), left())
            except Exception:  # noqa: BLE001
                continue
            sub: dict[str, Any] = {"texts": [], "links": [], "notes": out["notes"], "storage": {},
                                   "deadline": deadline}
            child_html = await self._snap_frame(child, want_html, depth + 1, max(budget // 2, 10000), sub)
            if shown:
                out["texts"].extend(sub["texts"])
                out["links"].extend(sub["links"])
            if want_html and idx is not None and idx >= 0:
                marker = f'data-qraudit-frame="{idx}"'
                attr = f'{marker} data-qraudit-frame-url="{html_mod.escape(child.url, quote=True)}" ' \
                       f'srcdoc="{html_mod.escape(child_html, quote=True)}"'
                page_html = page_html.replace(marker, attr, 1)
        return page_html

    async def _snapshot(self, want_html: bool, notes: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"texts": [], "links": [], "notes": notes, "storage": {},
                               "deadline": asyncio.get_running_loop().time() + SNAPSHOT_S}
        html = await self._snap_frame(self.page.main_frame, want_html, 0, MAX_DOM, out)
        if len(html) > MAX_DOM:
            html = html[:MAX_DOM] + "\n<!-- qraudit: truncated -->"
        out["html"] = html
        return out

    # ---- recording ------------------------------------------------------------------

    async def record(self, action: str, stage: str, *, state: str = "unknown", target: Element | None = None,
                     note: str = "", candidates: list[Candidate] | tuple = (),
                     fields: list[FormField] | tuple = (), full_page: bool = False,
                     dom: bool = True) -> Step:
        """Record step ``step_no + 1``: the action just done and the page after it.

        Saves ``step-NN.png`` (viewport, or the full page up to 6000 px high with
        ``full_page``; none when screenshots are off or the page is stuck) and
        ``step-NN.html`` (all frames inlined as ``srcdoc``, open shadow roots as
        ``<template shadowrootmode="open">``, ≤ 2 MB); collects visible text of all
        frames and open shadow roots (≤ 20000 chars), visible links, cookies,
        localStorage and frame URLs; appends the :class:`Step` to ``trace.steps``
        and returns it.  Never raises for page problems: what could not be taken
        is named in ``step.note``.  Bounded in time (busy pages are stopped, see
        :meth:`ensure_responsive`).
        """
        self.step_no += 1
        n = self.step_no
        notes = [note] if note else []
        self.out_dir.mkdir(parents=True, exist_ok=True)
        alive = await self.ensure_responsive(notes)
        url = "" if self.page.is_closed() else self.page.url
        shot_rel = dom_rel = None
        snap: dict[str, Any] = {"texts": [], "links": [], "storage": {}, "html": ""}
        if alive:
            if self.screenshots:
                shot_rel = await self._screenshot(n, full_page, notes)
            try:
                snap = await asyncio.wait_for(self._snapshot(dom, notes), SNAPSHOT_S + 5)
            except Exception as exc:  # noqa: BLE001
                notes.append(f"snapshot failed: {type(exc).__name__}")
                self.trace.complete = False
            if dom and snap.get("html"):
                dom_rel = f"step-{n:02d}.html"
                (self.out_dir / dom_rel).write_text(snap["html"], encoding="utf-8")
        text = "\n".join(snap["texts"])[:MAX_TEXT]
        seen_links: set[tuple[str, str]] = set()
        links = []
        for lk in snap["links"]:
            key = (lk.get("text", ""), lk.get("href", ""))
            if key not in seen_links and len(links) < MAX_LINKS:
                seen_links.add(key)
                links.append({"text": key[0], "href": key[1]})
        cookies: list[dict[str, Any]] = []
        with contextlib.suppress(Exception):
            cookies = [dict(c) for c in await asyncio.wait_for(self.page.context.cookies(), 5)]
        step = Step(
            n=n, action=action, stage=stage, url=url, state=state, target=target,
            note="; ".join(x for x in notes if x), screenshot=shot_rel, dom=dom_rel,
            visible_text=text, links=links, candidates=list(candidates), fields=list(fields),
            cookies=cookies, local_storage=dict(snap.get("storage") or {}),
            frames=[f.url for f in self.live_frames()], t_ms=self.elapsed_ms(),
        )
        self.trace.steps.append(step)
        for c in self.collectors:
            c.on_step(n)
        return step

    async def _screenshot(self, n: int, full_page: bool, notes: list[str]) -> str | None:
        rel = f"step-{n:02d}.png"
        kw: dict[str, Any] = {"path": str(self.out_dir / rel), "timeout": int(SCREENSHOT_S * 1000) - 500,
                              "scale": "css", "caret": "initial"}
        if full_page:
            with contextlib.suppress(Exception):
                h = await asyncio.wait_for(
                    self.page.evaluate("() => document.documentElement.scrollHeight"), 2)
                vw = self.page.viewport_size or {"width": 390}
                kw.update(full_page=True, clip={"x": 0, "y": 0, "width": vw["width"],
                                                "height": min(int(h), MAX_FULL_PAGE_HEIGHT)})
        try:
            await asyncio.wait_for(self.page.screenshot(**kw), SCREENSHOT_S)
            return rel
        except Exception as exc:  # noqa: BLE001
            notes.append(f"no screenshot: {type(exc).__name__}")
            return None

    # ---- events for the agent --------------------------------------------------------

    def new_permission_events(self) -> list[PermissionRequest]:
        """Permission requests since the last call (also all in ``trace.permissions``)."""
        return self.permission_collector.take_new()

    def new_dialogs(self) -> list[Dialog]:
        """Dialogs since the last call (all answered already; also in ``trace.dialogs``)."""
        return self.dialog_collector.take_new()

    @property
    def app_links(self) -> list[str]:
        """App-scheme URLs the page tried to open (``weixin://dl/business/?t=…`` is a
        mini-program link, ``alipays://…`` the Alipay app), in order."""
        return list(self.requests.app_links)

    @property
    def popups(self) -> list[str]:
        """URLs of the windows the page opened (each was closed at once)."""
        return list(self.popup_collector.urls)

    def oauth_pending(self) -> OAuthEvent | None:
        """The first OAuth authorize redirect seen and not yet handled, or None.
        Its index in ``trace.oauth`` is what ``Gate.oauth`` should hold."""
        for ev in self.trace.oauth:
            if not ev.handled:
                return ev
        return None

    async def oauth_return(self, event: OAuthEvent, code: str | None, handled: str) -> str | None:
        """Come back from the provider as it would: navigate to ``event.redirect_uri``
        with ``code`` (WeChat) / ``auth_code`` (Alipay) and ``state``; ``code=None``
        is a decline (``state`` only).  Sets ``event.handled`` / ``event.code_given``
        (``handled``: ``silent_code``, ``granted``, ``declined_passed``,
        ``declined_then_granted``, or e.g. ``declined``) and returns :meth:`goto`'s
        result (``"no redirect_uri"`` when there is nowhere to go)."""
        event.handled = handled or "handled"
        event.code_given = code
        url = return_url(event, code)
        if url is None:
            return "no redirect_uri"
        return await self.goto(url)

    # ---- the end --------------------------------------------------------------------

    async def _drain(self, timeout: float) -> None:
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            _, still = await asyncio.wait(pending, timeout=timeout)
            for t in still:
                t.cancel()

    async def finish(self, *, order_reached: str, outcome: str | None = None) -> Trace:
        """Close the visit: set order_reached (and ``outcome`` when given), final_url, times,
        user agent, browser version, viewport and collector summaries (``meta``);
        save ``trace.json`` into ``out_dir``; return the trace.  The reason of an
        unfinished visit is the engine's to set (``crawler.engine.end_trace``).  Does
        not close the page or context (the caller owns them)."""
        await self._drain(3.0)
        for c in self.collectors:
            with contextlib.suppress(Exception):
                await c.finish()
        t = self.trace
        if outcome is not None:
            t.outcome = outcome
        t.order_reached = order_reached
        t.ended_at = _now_iso()
        if not self.page.is_closed():
            t.final_url = self.page.url
        elif t.steps:
            t.final_url = t.steps[-1].url
        t.user_agent = self.profile.user_agent
        if not t.tool_version:
            t.tool_version = __version__
        version = ""
        with contextlib.suppress(Exception):
            browser = self.page.context.browser
            version = browser.version if browser is not None else ""
        t.browser_version = version or browser_version_hint()
        w, h = self.profile.viewport
        t.viewport = {"width": w, "height": h}
        t.meta.setdefault("permission_mode", self.permission_mode)
        if self._cdp is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._cdp.detach(), 3)
            self._cdp = None
        t.save(self.out_dir)
        return t
