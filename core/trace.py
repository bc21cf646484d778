"""The trace: what happened on one merchant visit, as data, with no judgment.

The order agent (``crawler.agent``) writes a :class:`Trace`; the detectors
(``detectors``), the store, the report and ``qraudit rescore`` read it.  A trace
is saved as ``trace.json`` next to its evidence files (screenshots ``step-NN.png``
and DOM snapshots ``step-NN.html``), with paths stored relative to that folder,
so a stored run can be judged again years later without a browser.

Capture and judgment stay apart: the agent records what it *saw* and *did*
(texts, fields, boxes, which tries made a gate go away); whether that breaks a
rule is decided only by detectors.  The few "hints" the agent records
(``Gate.asks_hint``, ``Step.state``) are there to debug the agent's choices;
detectors must not rely on them.

Versioning: ``SCHEMA_VERSION`` is bumped on any incompatible change;
:func:`Trace.from_dict` refuses a trace of a newer major version with
``ValueError``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

SCHEMA_VERSION = 1

#: Order-path stages, in order (findings.md).
STAGES = ("entry", "menu", "cart", "checkout", "post_order")
Stage = Literal["entry", "menu", "cart", "checkout", "post_order"]

#: How far the agent got along the order path, in order.  ``checkout`` means the
#: last step before money moves was reached (the submit/pay control was found);
#: ``submitted`` means the order was submitted (sandbox hosts or --allow-submit).
REACHED = ("none", "landing", "menu", "item", "cart", "checkout", "submitted")

OrderMode = Literal["dine_in", "pickup", "delivery"]


@dataclass
class Box:
    """An element's bounding box in CSS pixels of the page viewport."""

    x: float
    y: float
    width: float
    height: float


@dataclass
class Element:
    """One element of the page as the agent saw it.

    ``selector`` is a CSS selector (with ``>>>`` separating shadow roots is NOT
    used; open shadow roots are pierced by Playwright CSS) valid inside
    ``frame_url``'s frame; ``text`` is its visible text (trimmed, <= 2000 chars);
    ``attrs`` holds the attributes the agent found useful (type, name, id,
    placeholder, aria-label, title, alt, role, href, src, required, disabled,
    checked, autocomplete, inputmode, maxlength, pattern, class).
    """

    selector: str
    tag: str = ""
    text: str = ""
    box: Box | None = None
    frame_url: str | None = None
    in_shadow_root: bool = False
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Candidate:
    """A clickable control the agent weighed for a purpose, with its score.

    ``purpose``: one of ``enter_menu, add, spec_confirm, cart, checkout, submit,
    close, skip, decline, mode_dine_in, mode_pickup, mode_delivery, other``.
    ``reasons`` lists the contributions, e.g. ``["text:加入购物车 +5", "bottom-bar +1"]``.
    """

    purpose: str
    score: float
    element: Element
    reasons: list[str] = field(default_factory=list)
    chosen: bool = False


@dataclass
class FormField:
    """An input, select or textarea seen on a gate or a checkout form.

    ``label`` is the best label text found (``<label>``, aria-label,
    placeholder, preceding text).  ``required_signals`` lists why it looks
    required: ``required-attr``, ``aria-required``, ``asterisk``, ``text-必填``,
    ``validation-message`` (shown after an empty submit), ``submit-disabled-while-empty``.
    ``optional_signals`` lists why it looks optional: ``text-选填``, ``text-optional``,
    ``placeholder-可不填``, ``submitted-empty-ok``.  ``value_typed`` is the canary
    value the agent typed into it, if any.  ``kind_hint`` is the agent's own guess
    (phone, sms_code, name, id_number, birthday, gender, email, address, table,
    remark, people, coupon, other); detectors classify again themselves.
    """

    element: Element
    input_type: str = "text"
    name: str = ""
    label: str = ""
    placeholder: str = ""
    required_signals: list[str] = field(default_factory=list)
    optional_signals: list[str] = field(default_factory=list)
    value_typed: str | None = None
    kind_hint: str = "other"
    checked: bool | None = None
    options: list[str] = field(default_factory=list)


@dataclass
class Checkbox:
    """A checkbox or switch (real input or styled div with role=checkbox/switch).

    ``checked_initially`` is its state when first seen, before the agent touched
    it; ``label`` its visible label text (<= 500 chars), ``links`` the texts of
    links inside the label (e.g. 《隐私政策》).
    """

    step: int
    element: Element
    label: str
    checked_initially: bool
    links: list[str] = field(default_factory=list)
    agent_unticked: bool = False
    required_signals: list[str] = field(default_factory=list)


@dataclass
class Try:
    """One attempt to get past a gate WITHOUT giving personal information.

    ``method``: ``close icon``, ``close button``, ``skip link``, ``decline``,
    ``Escape``, ``click outside``, ``back``, ``other order mode``,
    ``leave empty and go on``, ``wait`` (the gate may go away by itself),
    ``oauth decline`` (return without a code).  ``outcome``: ``passed`` (the gate is
    gone and the path can go on), ``still_blocked``, ``gate_returned`` (it went and
    came back), ``returned_on_retry`` (it went, and the next attempt to go on — the same
    submit — brought it back: no way past), ``not_observed`` (live mode: the page formed the
    order with the fields empty, but marks some required; the merchant's answer was held;
    or an OAuth decline whose way back to the page was held),
    ``navigated_away``, ``error``.  ``control`` is what was clicked, if anything.
    """

    method: str
    outcome: str
    control: Element | None = None
    step: int | None = None
    detail: str = ""


@dataclass
class TypedValue:
    """A canary value the agent typed or sent.  ``kind``: phone, name, sms_code,
    email, id_number, birthday, address, remark, other."""

    step: int
    kind: str
    value: str
    selector: str = ""
    frame_url: str | None = None


@dataclass
class Gate:
    """Something on the order path that stands in the way and may ask for PI.

    ``kind``: ``overlay`` (fixed/raised/aria-modal layer), ``page`` (a whole page
    instead of the menu, e.g. a login page), ``form`` (required inputs on the path,
    e.g. checkout), ``oauth`` (an OAuth authorize redirect), ``permission`` (a
    geolocation / camera prompt), ``dialog`` (alert/confirm/prompt).
    ``text`` is the gate's whole visible text (<= 4000 chars).  ``blocking`` is the
    browser's answer to "does it stand in the way" (elementFromPoint hits the
    overlay, scroll locked under an aria-modal layer, the target disabled).
    ``tries`` in the order made; ``passed_by``: ``try`` (a no-PI try worked),
    ``canary`` (canary values were given), ``granted`` (OAuth/permission granted),
    ``self`` (went away by itself), ``not_passed``.  ``appearances`` counts how often
    the same gate was shown in the visit (2+ means it came back after being
    declined).  ``images`` lists ``{"src", "alt", "width", "height", "qr_text"}`` of
    images in the gate (``qr_text`` is a decoded QR payload when one was decoded).
    ``oauth`` and ``permission`` link to the matching event when the gate is one.
    """

    id: str
    step: int
    stage: Stage
    kind: str
    element: Element | None = None
    text: str = ""
    blocking: bool = True
    fields: list[FormField] = field(default_factory=list)
    buttons: list[Element] = field(default_factory=list)
    checkboxes: list[Checkbox] = field(default_factory=list)
    links: list[Element] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    tries: list[Try] = field(default_factory=list)
    passed_by: str = "not_passed"
    canary_filled: list[TypedValue] = field(default_factory=list)
    appearances: int = 1
    appeared_steps: list[int] = field(default_factory=list)
    asks_hint: list[str] = field(default_factory=list)
    oauth: int | None = None
    permission: int | None = None
    screenshot: str | None = None
    dom: str | None = None


@dataclass
class Step:
    """One action of the agent and the page state after it.

    ``action``: ``open``, ``click``, ``type``, ``press``, ``back``, ``wait``,
    ``oauth``, ``grant``, ``deny``, ``scroll``, ``stop``.  ``state`` is the agent's
    classification of what the diner sees after the action: ``landing``, ``menu``,
    ``item_options``, ``cart``, ``checkout``, ``confirmation``, ``gate``,
    ``dead_end``, ``unknown``.  ``visible_text`` is the page's visible text incl.
    frames and open shadow roots (<= 20000 chars); ``links`` the visible links
    (text and href).  ``screenshot`` and ``dom`` are paths relative to the trace
    folder.  ``candidates`` keeps every control weighed for this step's choice.
    ``t_ms``: milliseconds since the visit started.
    """

    n: int
    action: str
    stage: Stage
    url: str
    state: str = "unknown"
    target: Element | None = None
    note: str = ""
    screenshot: str | None = None
    dom: str | None = None
    visible_text: str = ""
    links: list[dict[str, str]] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    fields: list[FormField] = field(default_factory=list)
    cookies: list[dict[str, Any]] = field(default_factory=list)
    local_storage: dict[str, str] = field(default_factory=dict)
    frames: list[str] = field(default_factory=list)
    t_ms: int = 0


@dataclass
class Request:
    """One network request seen in any frame of the visit.

    ``body`` is the request body as text (binary bodies base64 with
    ``body_encoding="base64"``), at most 1 MiB.  ``redirected_from`` is the URL
    of the previous hop of a redirect chain.  ``step`` is the agent step during
    which it was sent; ``t_ms`` milliseconds since the visit start.
    ``failure`` is the error text of a failed request (e.g. net::ERR_NAME_NOT_RESOLVED).
    ``popup``: sent by a window the page opened (``window.open``, ``target=_blank``),
    not by the visited page itself.  ``held``: sent after a held press in live
    mode: recorded in full, then aborted before it left the browser.
    """

    id: int
    step: int
    t_ms: int
    method: str
    url: str
    resource_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    body_encoding: str = "text"
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    redirected_from: str | None = None
    is_navigation: bool = False
    frame_url: str | None = None
    failure: str | None = None
    popup: bool = False
    held: bool = False


@dataclass
class WebSocketFrame:
    """A websocket frame; ``direction`` is ``sent`` or ``received``.  ``held``: a
    frame the page tried to send after a held press (live mode): recorded, never sent."""

    step: int
    t_ms: int
    url: str
    direction: str
    payload: str
    held: bool = False


@dataclass
class Hold:
    """A press made with the network held (live mode): from step ``step`` on, every
    request and websocket frame the page sends is recorded and aborted.  ``act``:
    what the press was (``submit``, ``send_code``, ``login``, ``register``, ``join``,
    ``follow``, ``authorise``, or ``unknown``: the control of a gate without words);
    ``control``: the element pressed."""

    step: int
    act: str
    control: Element | None = None


@dataclass
class OAuthEvent:
    """An OAuth authorize redirect the agent met (WeChat or Alipay).

    ``provider``: ``wechat`` or ``alipay``; ``scope`` as in the URL
    (``snsapi_base``, ``snsapi_userinfo``, ``auth_base``, ``auth_user``, or
    several comma-separated); ``redirect_uri`` decoded; ``handled``: what the
    agent did: ``silent_code`` (returned with a canary code, no prompt),
    ``declined_then_granted``, ``declined_passed`` (declining let the order go on),
    ``granted``.
    """

    step: int
    provider: str
    url: str
    scope: str
    redirect_uri: str = ""
    appid: str = ""
    state: str = ""
    handled: str = ""
    code_given: str | None = None


@dataclass
class Dialog:
    """A JavaScript alert/confirm/prompt/beforeunload dialog and how it was answered."""

    step: int
    type: str
    message: str
    answer: str = "dismiss"


@dataclass
class PermissionRequest:
    """A browser permission the page asked for.

    ``name``: ``geolocation``, ``camera``, ``microphone``, ``notifications``,
    ``clipboard``; ``api``: the call (``getCurrentPosition``, ``watchPosition``,
    ``getUserMedia``, ``wx.getLocation``, ``wx.chooseImage``, ...); ``user_initiated``:
    whether it followed a user click on a control the agent pressed on purpose to
    scan/locate; ``answer``: ``denied`` or ``granted`` (the agent first denies).
    ``constraints``: e.g. ``{"video": true}`` for getUserMedia.
    """

    step: int
    name: str
    api: str
    answer: str = "denied"
    user_initiated: bool = False
    constraints: dict[str, Any] = field(default_factory=dict)
    frame_url: str | None = None


@dataclass
class Trace:
    """One merchant visit.

    ``url``: the target as given; ``final_url``: where the visit ended.
    ``env``: browser profile (``wechat``, ``alipay``, ``mobile``).
    ``sandbox``: whether the host was declared a sandbox host (privileged mode:
    submission allowed); otherwise the visit is live and PI acts are pressed only
    with the network held (``holds``; held requests carry ``held=True``).
    ``canaries``: the canary values of this visit, by kind (``phone`` is unique
    per visit).  ``order_modes_offered``: modes the page offered; ``order_mode``:
    the one the order went on with (``None`` when the page never said: treated as
    dine-in because the diner sits at a table).
    ``order_reached``: one of :data:`REACHED`.  ``outcome``: ``completed``
    (reached checkout or submitted), ``blocked`` (stopped by a gate it could not
    pass even with canaries), ``error`` (page broken, closed, no items, timeout,
    nuisance: see ``reason``), ``unsupported`` (mini-program/app-only: see ``reason``).
    ``reason_code`` / ``reason_params``: why, as a :class:`core.reasons.Code` and its
    parameters; ``reason`` is their English words (traces stored before codes
    have only ``reason``: see :func:`core.reasons.from_legacy_text`).
    ``complete``: False when the visit was cut short (crash, budget) and the
    trace may miss events.  Times are UTC ISO 8601.
    """

    url: str
    visit_id: str
    env: str = "wechat"
    schema_version: int = SCHEMA_VERSION
    final_url: str | None = None
    user_agent: str = ""
    browser_version: str = ""
    tool_version: str = ""
    viewport: dict[str, int] = field(default_factory=dict)
    started_at: str = ""
    ended_at: str = ""
    sandbox: bool = False
    allow_submit: bool = False
    canaries: dict[str, str] = field(default_factory=dict)
    order_modes_offered: list[str] = field(default_factory=list)
    order_mode: OrderMode | None = None
    order_reached: str = "none"
    outcome: str = "error"
    reason: str | None = None
    reason_code: str | None = None
    reason_params: dict[str, Any] = field(default_factory=dict)
    complete: bool = True
    nuisances: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    gates: list[Gate] = field(default_factory=list)
    checkboxes: list[Checkbox] = field(default_factory=list)
    typed: list[TypedValue] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    websocket_frames: list[WebSocketFrame] = field(default_factory=list)
    oauth: list[OAuthEvent] = field(default_factory=list)
    dialogs: list[Dialog] = field(default_factory=list)
    permissions: list[PermissionRequest] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    # ---- serialisation -------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (plain types only)."""
        return asdict(self)

    def to_json(self, indent: int | None = 1) -> str:
        """Return the trace as JSON text (UTF-8, non-ASCII kept)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def save(self, folder: str | Path) -> Path:
        """Write ``trace.json`` into ``folder`` (created if missing); return its path."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "trace.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trace:
        """Build a trace from :meth:`to_dict` output.

        Raises ``ValueError`` for a missing/newer ``schema_version`` or a
        malformed structure; unknown keys are ignored (forward-compatible).
        """
        if not isinstance(data, dict) or "url" not in data:
            raise ValueError("not a qraudit trace (no 'url')")
        version = data.get("schema_version")
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise ValueError(f"trace schema_version {version!r} is not supported (max {SCHEMA_VERSION})")
        return _build(cls, data)

    @classmethod
    def load(cls, path: str | Path) -> Trace:
        """Load ``trace.json`` (or a folder holding one).

        Raises ``FileNotFoundError`` when missing, ``ValueError`` when not a trace.
        """
        path = Path(path)
        if path.is_dir():
            path = path / "trace.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc.msg})") from None
        return cls.from_dict(data)

    # ---- conveniences for detectors -------------------------------------

    def step(self, n: int) -> Step | None:
        """Return step number ``n`` or ``None``."""
        for s in self.steps:
            if s.n == n:
                return s
        return None


# ---- building dataclasses from JSON ------------------------------------------
# One converter is compiled per dataclass from its type hints (so it follows the
# schema as it grows) and cached: rescoring thousands of stored traces is bound
# by this, so it must not re-inspect types per value.

_BUILDERS: dict[type, Callable[[dict[str, Any]], Any]] = {}


def _converter(tp: Any) -> Callable[[Any], Any] | None:
    """A function turning a JSON value into ``tp``, or ``None`` when the value is kept as it is."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is list and args:
        inner = _converter(args[0])
        return None if inner is None else (lambda v: [inner(x) for x in v])
    if origin is dict:
        return dict
    if args and origin is not Literal:  # Optional[...] / unions: the dataclass member, if any
        dcs = [a for a in args if dataclasses.is_dataclass(a)]
        if not dcs:
            return None
        tp = dcs[0]
    if dataclasses.is_dataclass(tp):
        build = _builder(tp)
        return lambda v: build(v) if isinstance(v, dict) else v
    return None


def _builder(cls: type) -> Callable[[dict[str, Any]], Any]:
    if cls in _BUILDERS:
        return _BUILDERS[cls]
    plan: list[tuple[str, Callable[[Any], Any] | None]] = []

    def build(data: dict[str, Any]) -> Any:
        kwargs = {}
        for name, conv in plan:
            if name in data:
                value = data[name]
                kwargs[name] = conv(value) if conv is not None and value is not None else value
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise ValueError(f"malformed {cls.__name__}: {exc}") from None

    _BUILDERS[cls] = build  # registered before planning: the schema may refer to itself
    hints = get_type_hints(cls)
    plan.extend((f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls))
    return build


def _build(cls: type, data: dict[str, Any]) -> Any:
    try:
        return _builder(cls)(data)
    except (TypeError, AttributeError) as exc:  # e.g. a list where a dict belongs
        raise ValueError(f"malformed {cls.__name__}: {exc}") from None
