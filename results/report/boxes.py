"""Where to draw a finding's red box on its screenshot, in the screenshot's own coordinates.

The agent records an element's box with ``getBoundingClientRect()`` in the frame the
element lives in: a box inside an ``<iframe>`` is relative to that frame, not to the
page the screenshot shows.  :func:`locate` finds the finding's element in its own
context (the gate the finding names, at the finding's step; never "the first element
with a box") and, for an element inside a child frame, adds the frame's position on
the page.  That position is read from the step's stored DOM snapshot
(``step-NN.html``, frames inlined as ``srcdoc`` with ``data-qraudit-frame-url``)
rendered afresh in a headless Chromium at the visit's viewport: :func:`frame_offsets`
(one browser for the whole report; only pages with frames need it).

A network finding (``third_party_leak``) or an OAuth redirect has no element: its
evidence is the request, shown as such, and no box is drawn.  Shadow roots need
nothing special (``getBoundingClientRect`` is in page coordinates there).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: How a finding's screenshot is annotated (keys of the report's words).
OUTLINED, OUTLINED_FRAME, REQUEST, ABSENT, WHOLE_PAGE, FRAME_UNKNOWN, NO_BOX = (
    "outlined", "outlined_frame", "box_request", "box_absent", "box_page", "box_frame_unknown", "no_box")

#: Rules whose finding is about something missing from the page (nothing to outline).
ABSENCE_RULES = {"no_privacy_notice"}


@dataclass
class Placement:
    """Where a finding's evidence is on its screenshot.  ``box``: CSS px of the page
    (``x, y, width, height``) or None; ``how``: one of the constants above (the caption);
    ``selector``/``frame_url``: the element, as found in the trace (for checking)."""

    box: dict[str, float] | None
    how: str
    selector: str | None = None
    frame_url: str | None = None
    element_box: dict[str, float] | None = None  # as recorded, in its frame's coordinates


@dataclass
class FrameJob:
    """One frame position to measure: the step's DOM snapshot, the frame's URL, the viewport."""

    dom: Path
    frame_url: str
    viewport: tuple[int, int]


def _box(b: Any) -> dict[str, float] | None:
    if b is None:
        return None
    if isinstance(b, dict):
        vals = {k: b.get(k) for k in ("x", "y", "width", "height")}
    else:
        vals = {k: getattr(b, k, None) for k in ("x", "y", "width", "height")}
    if not all(isinstance(v, int | float) for v in vals.values()):
        return None
    return {k: float(v) for k, v in vals.items()}


def _elements(trace: Any, evidence: dict[str, Any]) -> list[Any]:
    """Elements the finding may mean, most specific first: the gate it names (its element,
    fields, buttons, checkboxes, links), then what the trace recorded at its step."""
    step = evidence.get("step")
    out: list[Any] = []
    gate_id = evidence.get("gate")
    gates = [g for g in trace.gates if gate_id and g.id == gate_id] or [
        g for g in trace.gates if isinstance(step, int) and (g.step == step or step in (g.appeared_steps or []))]
    for g in gates:
        out.extend(x for x in [g.element, *(f.element for f in g.fields), *g.buttons,
                               *(c.element for c in g.checkboxes), *g.links] if x is not None)
    if isinstance(step, int):
        out.extend(c.element for c in trace.checkboxes if c.step == step)
        s = trace.step(step)
        if s is not None:
            out.extend(f.element for f in s.fields)
            out.extend(c.element for c in s.candidates)
            if s.target is not None:
                out.append(s.target)
    return out


def _in_child_frame(element: Any, step: Any) -> bool:
    """True when ``element`` lives in a frame other than the page's own document."""
    url = getattr(element, "frame_url", None)
    if not url or step is None or url == step.url:
        return False
    frames = list(getattr(step, "frames", None) or [])
    return url in frames[1:] and (not frames or url != frames[0])


def locate(rule: str, evidence: dict[str, Any], trace: Any) -> tuple[Placement, FrameJob | None]:
    """Where the finding's evidence is: ``(placement, job)``; ``job`` is set when the box lies
    in a child frame whose position must be measured (:func:`frame_offsets`), and then
    ``placement.box`` is still in the frame's coordinates."""
    selector = evidence.get("selector")
    if evidence.get("request") or (evidence.get("oauth_url") and not selector):
        return Placement(None, REQUEST), None
    explicit = _box(evidence.get("box"))
    if explicit is not None:
        return Placement(explicit, OUTLINED, selector, None, explicit), None
    if trace is None:
        return Placement(None, ABSENT if rule in ABSENCE_RULES else NO_BOX, selector), None
    match = None
    if selector:
        match = next((e for e in _elements(trace, evidence) if e.selector == selector and _box(e.box)), None)
    if match is None:
        if rule in ABSENCE_RULES and not selector:
            return Placement(None, ABSENT), None
        gate = next((g for g in trace.gates if g.id == evidence.get("gate")), None)
        if gate is not None and gate.kind in ("page", "oauth", "permission"):
            return Placement(None, WHOLE_PAGE if gate.kind == "page" else REQUEST, selector), None
        return Placement(None, ABSENT if rule in ABSENCE_RULES else NO_BOX, selector), None
    box = _box(match.box)
    step = trace.step(evidence["step"]) if isinstance(evidence.get("step"), int) else None
    if _in_child_frame(match, step):
        dom = getattr(step, "dom", None)
        vp = dict(getattr(trace, "viewport", None) or {})
        placement = Placement(box, OUTLINED_FRAME, selector, match.frame_url, box)
        if not dom:
            return Placement(None, FRAME_UNKNOWN, selector, match.frame_url, box), None
        return placement, FrameJob(Path(dom), match.frame_url, (int(vp.get("width") or 390),
                                                               int(vp.get("height") or 844)))
    return Placement(box, OUTLINED, selector, getattr(match, "frame_url", None), box), None


# ---- measuring frames in the rendered snapshot -----------------------------------------------

_FRAME_JS = """(url) => {
  const f = [...document.querySelectorAll('iframe[data-qraudit-frame-url], frame[data-qraudit-frame-url]')]
    .find(e => e.getAttribute('data-qraudit-frame-url') === url);
  if (!f) return null;
  const r = f.getBoundingClientRect();
  return {x: r.left + f.clientLeft, y: r.top + f.clientTop};
}"""


def _launch_args(bundled: str) -> dict[str, Any]:
    """Playwright's own Chromium when installed, else the system's (as ``make setup`` arranges)."""
    kw: dict[str, Any] = {"headless": True, "args": ["--no-sandbox", "--disable-gpu"], "timeout": 60_000}
    if not Path(bundled).exists():
        system = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome", "chrome")
                       if shutil.which(n)), None)
        if system:
            kw["executable_path"] = system
    return kw


def _measure(jobs: list[FrameJob]) -> dict[tuple[str, str, int, int], dict[str, float] | None]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415  (heavy: only for reports with frames)

    out: dict[tuple[str, str, int, int], dict[str, float] | None] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**_launch_args(pw.chromium.executable_path))
        try:
            for job in jobs:
                key = (str(job.dom), job.frame_url, *job.viewport)
                if key in out:
                    continue
                page = browser.new_page(viewport={"width": job.viewport[0], "height": job.viewport[1]},
                                        java_script_enabled=True)
                try:
                    page.route(re.compile(r"^(https?|wss?)://"), lambda route: route.abort())  # the snapshot alone
                    page.goto(job.dom.resolve().as_uri(), wait_until="load", timeout=15000)
                    out[key] = page.evaluate(_FRAME_JS, job.frame_url)
                except Exception:  # an unreadable snapshot: the box is not drawn
                    out[key] = None
                finally:
                    page.close()
        finally:
            browser.close()
    return out


def frame_offsets(jobs: list[FrameJob]) -> dict[tuple[str, str, int, int], dict[str, float] | None]:
    """The top-left corner (CSS px of the page) of each job's frame content in its rendered
    snapshot, keyed by ``(dom, frame_url, width, height)``; None where the frame is not found.
    Runs the browser in a thread of its own (safe inside an event loop or beside another
    Playwright); no jobs, no browser."""
    if not jobs:
        return {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(_measure, jobs).result()
        except Exception:  # no browser here: boxes in frames are not drawn (the caption says so)
            return {}


def placed(placement: Placement, job: FrameJob | None, offsets: dict) -> Placement:
    """The placement with the frame's offset added (or FRAME_UNKNOWN when it was not found)."""
    if job is None or placement.box is None:
        return placement
    off = offsets.get((str(job.dom), job.frame_url, *job.viewport))
    if not off:
        return Placement(None, FRAME_UNKNOWN, placement.selector, placement.frame_url, placement.element_box)
    b = placement.box
    return Placement({"x": b["x"] + off["x"], "y": b["y"] + off["y"], "width": b["width"], "height": b["height"]},
                     OUTLINED_FRAME, placement.selector, placement.frame_url, placement.element_box)


def describe(placement: Placement) -> str:
    """The placement as JSON for the page (``data-evidence``), for checks and for people."""
    with contextlib.suppress(TypeError):
        return json.dumps({"box": placement.box, "selector": placement.selector, "frame_url": placement.frame_url,
                           "how": placement.how}, ensure_ascii=False)
    return "{}"
