"""The emulated phone, consistent in every page, frame, worker and pop-up of a visit.

A user-agent override alone (Playwright's ``user_agent``) leaves Chromium's own
client hints in place: ``Sec-CH-UA`` and ``navigator.userAgentData`` still name
Chromium at the real version (and, in workers, nothing at all), ``navigator.platform``
says ``Linux x86_64`` and an iPhone suddenly sends client hints.  Pages that check
for the in-app browser then refuse.  :class:`Emulation` (a collector of the visit)
applies the profile's :class:`~crawler.browser.profiles.Device`:

* on the page, through CDP in a session of its own (which wins over Playwright's):
  ``Emulation.setUserAgentOverride`` with the user-agent metadata (or without, for a
  browser that has no client hints: Chromium then sends none) and
  ``Emulation.setTouchEmulationEnabled`` (touch points);
* on every out-of-process frame the same, through ``Target.setAutoAttach`` (frames
  held at start, set up, resumed); workers get the metadata for their requests;
* on every pop-up window the same, in a session of its own;
* in every frame, the init script ``js/device.js`` (:meth:`Profile.init_script`):
  platform, vendor, plugins, CPU and memory, the APIs the device lacks, and the
  ``Worker`` wrapper that starts every dedicated worker from ``js/worker.js`` (a worker
  cannot be reached in time otherwise: a CDP pause at its start is always resumed by
  Playwright first, and a worker whose script is served through request interception
  cannot open websockets).

Live mode's hold reaches workers through here too (their sockets are not routed):
:meth:`hold_workers` makes every worker keep, instead of sending, the websocket frames it
sends from then on; :meth:`finish` records them as held frames.  Nothing here raises for
a page problem: what cannot be set up is resumed and noted in ``meta.emulation_errors``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from core.trace import WebSocketFrame
from crawler.browser.collectors import Collector, _safe

#: A :class:`crawler.browser.visit.Visit` (which imports this module: named, not imported).
Visit = Any

CDP_S = 3.0  # one CDP call's time limit

HOLD_JS = "() => { self.__qrauditHeld = true; return 1; }"
TAKE_HELD_JS = "() => JSON.stringify((self.__qrauditHeldFrames || []).splice(0))"


class _Target:
    """A child target attached (not flattened) below ``parent``: commands travel inside
    ``Target.sendMessageToTarget`` through every ancestor."""

    def __init__(self, send_raw: Callable[[str, dict[str, Any]], Awaitable[Any]], session_id: str,
                 info: dict[str, Any]) -> None:
        self._send_raw = send_raw
        self.session_id = session_id
        self.type = info.get("type", "")
        self.url = info.get("url", "")
        self.children: dict[str, _Target] = {}
        self._ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future] = {}

    async def send(self, method: str, params: dict[str, Any] | None = None, *, wait: bool = False) -> Any:
        """Send one command to this target; with ``wait`` return its result (``None`` on error/timeout)."""
        mid = next(self._ids)
        fut: asyncio.Future | None = None
        if wait:
            fut = asyncio.get_running_loop().create_future()
            self.waiting[mid] = fut
        msg = json.dumps({"id": mid, "method": method, "params": params or {}})
        await self._send_raw("Target.sendMessageToTarget", {"sessionId": self.session_id, "message": msg})
        if fut is None:
            return None
        try:
            return await asyncio.wait_for(fut, CDP_S)
        except (TimeoutError, asyncio.CancelledError):
            return None
        finally:
            self.waiting.pop(mid, None)


class Emulation(Collector):
    """Applies the profile's device to the visit's pages, frames, workers and pop-ups (see the
    module doc).  ``meta.emulation`` records the device and how many targets were set up."""

    name = "emulation"

    def __init__(self, visit: Visit) -> None:
        super().__init__(visit)
        self.profile = visit.profile
        self.counts: dict[str, int] = {}
        self.errors: list[str] = []
        self.held = False
        self._sessions: list[Any] = []
        self._context: Any = None

    # ---- setup -------------------------------------------------------------------

    async def attach(self, page: Any) -> None:
        self._page = page
        await self._setup_page(page)
        ctx = _safe(lambda: page.context)
        if ctx is None or not callable(getattr(ctx, "on", None)):
            return
        self._context = ctx
        ctx.on("page", lambda p: self.visit.spawn(self._setup_page(p)))
        page.on("worker", self._on_worker)

    def _on_worker(self, worker: Any) -> None:
        """A worker started after the hold began: it holds its frames too."""
        if self.held:
            self.visit.spawn(self._hold_one(worker))

    async def _hold_one(self, worker: Any) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(worker.evaluate(HOLD_JS), CDP_S)

    async def _setup_page(self, page: Any) -> None:
        try:
            session = await asyncio.wait_for(page.context.new_cdp_session(page), CDP_S)
        except Exception as exc:  # noqa: BLE001 - a closed page, a browser without CDP
            self._note(f"page session: {type(exc).__name__}")
            return
        self._sessions.append(session)
        roots: dict[str, _Target] = {}

        async def send_raw(method: str, params: dict[str, Any]) -> Any:
            return await asyncio.wait_for(session.send(method, params), CDP_S)

        session.on("Target.attachedToTarget", lambda ev: self._attached(send_raw, roots, ev))
        session.on("Target.receivedMessageFromTarget", lambda ev: self._from_target(roots, ev))
        session.on("Target.detachedFromTarget", lambda ev: roots.pop(ev.get("sessionId", ""), None))
        for method, params in self._frame_commands():
            try:
                await send_raw(method, params)
            except Exception as exc:  # noqa: BLE001
                self._note(f"{method}: {type(exc).__name__}")
        self._count("page")

    def _frame_commands(self) -> list[tuple[str, dict[str, Any]]]:
        """What a page or an out-of-process frame gets: the user-agent override with its metadata
        (none for a browser without client hints), touch points, and auto-attach to its children."""
        return [
            ("Emulation.setUserAgentOverride", self.profile.ua_override()),
            ("Emulation.setTouchEmulationEnabled", {"enabled": True,
                                                    "maxTouchPoints": self.profile.device.max_touch_points}),
            ("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": False}),
        ]

    # ---- child targets -------------------------------------------------------------

    def _attached(self, send_raw: Callable[[str, dict[str, Any]], Awaitable[Any]], siblings: dict[str, _Target],
                  ev: dict[str, Any]) -> None:
        sid = ev.get("sessionId", "")
        target = _Target(send_raw, sid, ev.get("targetInfo") or {})
        siblings[sid] = target
        self.visit.spawn(self._setup_target(target, bool(ev.get("waitingForDebugger"))))

    def _from_target(self, siblings: dict[str, _Target], ev: dict[str, Any]) -> None:
        target = siblings.get(ev.get("sessionId", ""))
        if target is None:
            return
        try:
            msg = json.loads(ev.get("message") or "{}")
        except ValueError:
            return
        if "id" in msg:
            fut = target.waiting.get(msg["id"])
            if fut is not None and not fut.done():
                fut.set_result(msg.get("result") if "error" not in msg else None)
            return
        method, params = msg.get("method"), msg.get("params") or {}
        if method == "Target.attachedToTarget":
            self._attached(target.send, target.children, params)
        elif method == "Target.receivedMessageFromTarget":
            self._from_target(target.children, params)
        elif method == "Target.detachedFromTarget":
            target.children.pop(params.get("sessionId", ""), None)

    async def _setup_target(self, t: _Target, waiting: bool) -> None:
        """An out-of-process frame gets the page's overrides; a worker its user-agent metadata (its
        navigator is patched by its script, see :meth:`_on_worker_script`); every one is resumed."""
        try:
            if t.type in ("iframe", "page"):
                for method, params in self._frame_commands():
                    await t.send(method, params)
                self._count("frame")
            elif t.type in ("worker", "shared_worker"):
                await t.send("Network.setUserAgentOverride", self.profile.ua_override())
        except Exception as exc:  # noqa: BLE001 - the target went away
            self._note(f"{t.type}: {type(exc).__name__}")
        finally:
            if waiting:
                with contextlib.suppress(Exception):
                    await t.send("Runtime.runIfWaitingForDebugger")

    # ---- live mode's hold, in workers ---------------------------------------------------

    def _workers(self) -> list[Any]:
        pages = _safe(lambda: list(self._context.pages), []) if self._context is not None else []
        return [w for p in pages or [self._page] for w in (_safe(lambda p=p: list(p.workers), []) or [])]

    async def hold_workers(self) -> None:
        """From now on every worker keeps the websocket frames it sends instead of sending them
        (workers' sockets are not routed; a worker started later gets the flag in its script)."""
        self.held = True
        for w in self._workers():
            await self._hold_one(w)

    async def take_held_frames(self) -> list[dict[str, str]]:
        """The frames workers kept since the hold (``[{"url", "payload"}]``), taken out of them."""
        out: list[dict[str, str]] = []
        for w in self._workers():
            try:
                out.extend(json.loads(await asyncio.wait_for(w.evaluate(TAKE_HELD_JS), CDP_S) or "[]"))
            except Exception:  # noqa: BLE001 - a worker that ended
                continue
        return out

    # ---- bookkeeping --------------------------------------------------------------------

    def _count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def _note(self, text: str) -> None:
        if len(self.errors) < 50:
            self.errors.append(text)

    async def finish(self) -> None:
        if self.held:
            for f in await self.take_held_frames():
                self.trace.websocket_frames.append(WebSocketFrame(
                    step=self.visit.event_step, t_ms=self.visit.elapsed_ms(), url=str(f.get("url", "")),
                    direction="sent", payload=str(f.get("payload", ""))[:65536], held=True))
        self.trace.meta["emulation"] = {"device": self.profile.device.platform,
                                        "client_hints": self.profile.device.ua_metadata is not None,
                                        "targets": dict(self.counts)}
        if self.errors:
            self.trace.meta["emulation_errors"] = self.errors
        for s in self._sessions:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(s.detach(), CDP_S)
        self._sessions = []
