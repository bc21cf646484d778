"""Build small, realistic fake runs for the results tests (no browser, no crawl).

``build_fake_run(data_dir, run_id, merchants=None)`` writes, like a real crawl:

* ``<data_dir>/qraudit.duckdb`` rows, written by ``results.store.Store.save_result``
  (runs, merchants, audits, findings, gates, requests);
* ``<data_dir>/runs/<run_id>/merchants/<mid>/`` with ``trace.json`` (built from
  ``core.trace`` dataclasses), ``result.json`` (``detectors.base.AuditResult``),
  real PNG screenshots ``step-NN.png`` (Pillow, at device_scale_factor 2) and
  ``step-NN.html`` DOM snapshots, and ``result.json`` (by the store);
* ``run.json`` and ``manifest.json`` (``Store.finish_run`` -> ``results.manifest.write_manifest``).

``merchants`` is a list of dicts (see :data:`DEFAULT_MERCHANTS`); use
:func:`merchants_with` to derive a second run (e.g. one merchant fixed).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from core.trace import Box, Element, Gate, Request, Step, Trace, Try
from detectors.base import AuditResult, Finding
from results.store import Store

VIEWPORT = {"width": 180, "height": 320, "device_scale_factor": 2}
GATE_BOX = {"x": 20.0, "y": 100.0, "width": 140.0, "height": 90.0}
UA = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120.0 Mobile MicroMessenger/8.0.47"

RULES = {
    "forced_phone": ("forced", "A phone number is required before ordering.", "点餐前必须提供手机号。",
                     ["PIPL art. 16", "CRPL art. 29"]),
    "excessive_fields": ("over_collection", "Checkout requires real name and birthday for dine-in.",
                         "堂食结账要求填写真实姓名和生日。", ["PIPL art. 6"]),
    "third_party_leak": ("unlawful_handling", "The typed phone number was sent to another site.",
                         "输入的手机号被发送到第三方网站。", ["PIPL art. 23"]),
    "forced_follow": ("forced", "Ordering requires following an official account.",
                      "点餐前必须关注公众号。", ["PIPL art. 16"]),
    "induced_consent": ("induced", "A membership box is pre-ticked.", "会员勾选框被默认勾选。",
                        ["PIPL art. 14"]),
    "forced_profile_auth": ("forced", "Ordering requires authorising the WeChat profile.",
                            "点餐前必须授权微信头像昵称。", ["PIPL art. 16"]),
}

DEFAULT_MERCHANTS: list[dict[str, Any]] = [
    {"id": "m01", "name": "老街面馆", "vendor": "alpha", "verdict": "violation", "reason": None,
     "order_reached": "checkout", "findings": [("forced_phone", "entry")]},
    {"id": "m02", "name": "江南小厨", "vendor": "beta", "verdict": "compliant", "reason": None,
     "order_reached": "checkout", "findings": []},
    {"id": "m03", "name": "茶香阁", "vendor": "alpha", "verdict": "inconclusive", "reason": "closed",
     "order_reached": "landing", "findings": []},
    {"id": "m04", "name": "川味坊 Sichuan", "vendor": "gamma", "verdict": "violation", "reason": None,
     "order_reached": "checkout", "findings": [("excessive_fields", "checkout"), ("third_party_leak", "checkout")]},
]

_STATE_COLORS = {
    "landing": (245, 240, 230), "gate": (120, 120, 120), "menu": (230, 245, 235),
    "item_options": (225, 235, 250), "cart": (250, 235, 225), "checkout": (240, 230, 250),
}


def merchants_with(changes: dict[str, dict[str, Any] | None], base: list[dict[str, Any]] | None = None):
    """Return a copy of ``base`` (default :data:`DEFAULT_MERCHANTS`) with per-id changes
    (``None`` removes the merchant; an unknown id with a dict adds it)."""
    out = []
    base = copy.deepcopy(base or DEFAULT_MERCHANTS)
    seen = set()
    for m in base:
        seen.add(m["id"])
        if m["id"] in changes:
            if changes[m["id"]] is None:
                continue
            m.update(changes[m["id"]])
        out.append(m)
    for mid, ch in changes.items():
        if mid not in seen and ch is not None:
            out.append({"id": mid, "reason": None, "findings": [], **ch})
    return out


def _png(path: Path, n: int, state: str, gate_box: dict[str, float] | None) -> None:
    dsf = VIEWPORT["device_scale_factor"]
    w, h = VIEWPORT["width"] * dsf, VIEWPORT["height"] * dsf
    img = Image.new("RGB", (w, h), _STATE_COLORS.get(state, (255, 255, 255)))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w, 40], fill=(30, 120, 90))
    d.text((10, 12), f"step {n}: {state}", fill=(255, 255, 255))
    if gate_box:
        b = {k: v * dsf for k, v in gate_box.items()}
        d.rectangle([b["x"], b["y"], b["x"] + b["width"], b["y"] + b["height"]], fill=(255, 255, 255))
        d.text((b["x"] + 10, b["y"] + 10), "phone?", fill=(0, 0, 0))
    img.save(path, format="PNG", compress_level=1)


def _path_states(order_reached: str, gate_at_entry: bool) -> list[tuple[str, str, str]]:
    states = [("open", "entry", "landing")]
    if gate_at_entry:
        states.append(("type", "entry", "gate"))
    full = [("click", "menu", "menu"), ("click", "menu", "item_options"), ("click", "cart", "cart"),
            ("click", "checkout", "checkout")]
    limit = {"none": 0, "landing": 0, "menu": 1, "item": 2, "cart": 3, "checkout": 4, "submitted": 4}
    return states + full[: limit.get(order_reached, 4)]


def build_merchant(mdir: Path, m: dict[str, Any], run_started: datetime) -> tuple[Trace, AuditResult]:
    """Write one merchant's evidence folder; return its trace and result."""
    mdir.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:8000/{m['id']}/order"
    rules = [r for r, _ in m.get("findings", [])]
    gate_at_entry = any(stage == "entry" for _, stage in m.get("findings", []))
    steps: list[Step] = []
    gates: list[Gate] = []
    gate_step = None
    for i, (action, stage, state) in enumerate(_path_states(m.get("order_reached", "checkout"), gate_at_entry), 1):
        shot, dom = f"step-{i:02d}.png", f"step-{i:02d}.html"
        box = GATE_BOX if state == "gate" else None
        _png(mdir / shot, i, state, box)
        (mdir / dom).write_text(f"<html><body><h1>{m['name']}</h1><p>{state}</p></body></html>", encoding="utf-8")
        target = None if action == "open" else Element(selector=f"button.s{i}", tag="button", text=f"下一步 {i}",
                                                     box=Box(10, 280, 160, 30))
        shown = {"gate": "请输入手机号登录后点餐", "checkout": "姓名 生日 提交订单"}.get(state, "")
        steps.append(Step(n=i, action=action, stage=stage, url=url, state=state, target=target, screenshot=shot,
                          dom=dom, visible_text=f"{m['name']} {state} {shown}", t_ms=i * 900))
        if state == "gate":
            gate_step = i
            gates.append(Gate(id="g1", step=i, stage="entry", kind="overlay",
                              element=Element(selector="div.login-mask", tag="div", text="请输入手机号登录后点餐",
                                              box=Box(**GATE_BOX)),
                              text="请输入手机号登录后点餐", passed_by="canary",
                              tries=[Try("close icon", "still_blocked", step=i), Try("Escape", "still_blocked", step=i)],
                              screenshot=shot, dom=dom))
    findings = []
    for rule_id, stage in m.get("findings", []):
        group, expl, expl_zh, basis = RULES[rule_id]
        step_n = gate_step if stage == "entry" and gate_step else steps[-1].n
        ev: dict[str, Any] = {"url": url, "step": step_n, "screenshot": f"step-{step_n:02d}.png",
                              "dom": f"step-{step_n:02d}.html", "selector": "div.login-mask" if stage == "entry"
                              else "form.checkout", "text": "请输入手机号" if stage == "entry" else "姓名 生日",
                              "tried": ["close icon", "Escape"]}
        if stage == "entry":
            ev["box"] = dict(GATE_BOX)
        if rule_id == "third_party_leak":  # m["leak"]: the leak's method, encoding and Chinese words, if not these
            leak = m.get("leak") or {}
            ev["request"] = {"url": "http://127.0.0.2:9000/collect?p=13800000000", "method": leak.get("method", "GET")}
            ev.update({k: leak[k] for k in ("method", "encoding", "host", "site") if k in leak})
            expl_zh = leak.get("explanation_zh", expl_zh)
        findings.append(Finding(rule=rule_id, group=group, stage=stage, severity="high", explanation=expl,
                                legal_basis=basis, evidence=ev, explanation_zh=expl_zh))
    started = run_started + timedelta(seconds=5)
    requests = [Request(id=1, step=1, t_ms=10, method="GET", url=url, resource_type="document", status=200,
                        is_navigation=True)]
    if "third_party_leak" in rules:
        requests.append(Request(id=2, step=steps[-1].n, t_ms=4000, method="GET",
                                url="http://127.0.0.2:9000/collect?p=13800000000", resource_type="image", status=200))
    outcome = {"violation": "completed", "compliant": "completed", "inconclusive": "error"}.get(m["verdict"],
                                                                                                "unsupported")
    trace = Trace(url=url, visit_id=f"v-{m['id']}", env="wechat", final_url=url, user_agent=UA,
                  browser_version="Chromium 120.0.6099.0", tool_version="0.1.0", viewport=dict(VIEWPORT),
                  started_at=started.isoformat(), ended_at=(started + timedelta(seconds=6)).isoformat(),
                  sandbox=True, canaries={"phone": "13800000000"}, order_mode="dine_in",
                  order_reached=m.get("order_reached", "checkout"), outcome=outcome, reason=m.get("reason"),
                  steps=steps, gates=gates, requests=requests)
    trace.save(mdir)
    result = AuditResult(url=url, final_url=url, verdict=m["verdict"], reason=m.get("reason"),
                         order_reached=trace.order_reached, findings=findings,
                         steps=[{"n": s.n, "action": s.action, "url": s.url, "stage": s.stage,
                                 "screenshot": s.screenshot} for s in steps],
                         visit_id=trace.visit_id, env="wechat", order_mode="dine_in", rules_version="test",
                         mode=m.get("mode", "privileged"), not_observed=list(m.get("not_observed", [])))
    return trace, result


def build_fake_run(data_dir: str | Path, run_id: str, merchants: list[dict[str, Any]] | None = None, *,
                   started_at: datetime | None = None, district: str = "demo", nested: bool = False,
                   district_file: str | Path | None = "seeds/demo.yaml", kind: str = "crawl") -> Path:
    """Write a complete fake run into ``data_dir`` through ``results.store.Store``; return its run folder.

    Runs are ordered by creation (the store stamps ``started_at``); ``started_at``
    sets the visits' times in the traces.  ``district_file``: the district file the run
    records (the default names no existing file).  ``kind``: the run's kind (crawl, check).  ``nested``: write each visit's evidence into
    ``merchants/<mid>/<visit_id>/`` (as the audit engine does inside a crawl) instead of
    ``merchants/<mid>/``.
    """

    data_dir = Path(data_dir)
    merchants = merchants if merchants is not None else DEFAULT_MERCHANTS
    started = started_at or datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    store = Store(data_dir=data_dir)
    store.create_run(kind, district=district, district_file=district_file, env="wechat",
                     settings={"concurrency": 2}, run_id=run_id)
    for m in merchants:
        mdir = store.merchant_dir(run_id, m["id"])
        trace, result = build_merchant(mdir / f"v-{m['id']}" if nested else mdir, m, started)
        record = {"merchant_id": m["id"], "name": m["name"], "address": f"{m['id']} 路 1 号", "district": district,
                  "vendor_guess": m.get("vendor"), "url": trace.url, "table_param": "table=A3",
                  "sources": [{"source": "directory", "url": "http://127.0.0.1:8000/"}]}
        store.save_result(run_id, m["id"], trace, result, m.get("error"), record=record)
    store.finish_run(run_id, "finished")
    return store.run_dir(run_id)
