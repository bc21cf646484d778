"""Build the static HTML report of a run.

The report is a folder that opens from disk with no server and no network:
``index.html`` (district summary, inline SVG charts, a sortable and filterable
merchant table), ``merchants/<id>.html`` (one page per merchant: verdict,
findings with explanations in both languages, legal basis, the gate's
screenshot with the element outlined, gates, third-party requests and the whole
order path as a strip of screenshots), ``img/<id>/`` (thumbnails and outlined
copies made with Pillow) and ``assets/`` (CSS and vanilla JS).  Links are
relative; the full-size screenshots link to the original evidence files of the
run folder (relative path), whose SHA-256 from ``manifest.json`` is shown.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from PIL import Image, ImageDraw

from core.errors import QrauditError
from core.trace import REACHED, STAGES
from results.api import Results, load_trace, steps_frame
from results.manifest import MANIFEST, both_times, district_label, read_manifest, sha256_file
from results.report import charts
from results.report.i18n import LABELS, LANGS, VERDICT_COLORS, label, rule_titles, text
from results.report.reasons import reason_text

HERE = Path(__file__).resolve().parent
MARKER = ".qraudit-report"
THUMB_WIDTH = 200
VERDICT_ORDER = ("violation", "inconclusive", "unsupported", "compliant")


def _results(store_or_data_dir: Any) -> Results:
    if isinstance(store_or_data_dir, Results):
        return store_or_data_dir
    if store_or_data_dir is None or isinstance(store_or_data_dir, str | os.PathLike):
        return Results(store_or_data_dir)
    return Results(store=store_or_data_dir)


def _slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", str(value)) or "_"


def _v(value: Any) -> Any:
    """None for missing scalars (NaN, NA, NaT)."""
    if value is None or isinstance(value, list | dict | tuple):
        return value
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


def _row(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: _v(v) for k, v in rec.items()}


def _times(value: Any) -> dict[str, str | None]:
    """Display times to the second: {"utc": "...Z", "shanghai": "...+08:00"}."""
    utc, sh = both_times(_v(value))
    return {"utc": re.sub(r"\.\d+", "", utc) if utc else None, "shanghai": re.sub(r"\.\d+", "", sh) if sh else None}


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise QrauditError(f"report output {out} exists and is not a folder")
    if (out / MARKER).exists():
        for sub in ("img", "merchants", "assets"):
            shutil.rmtree(out / sub, ignore_errors=True)
    try:
        (out / "assets").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise QrauditError(f"cannot create {out}: {exc.strerror}") from None
    (out / MARKER).write_text("qraudit report folder; rebuilt by `qraudit report`\n", encoding="utf-8")
    for name in ("report.css", "report.js"):
        shutil.copyfile(HERE / "static" / name, out / "assets" / name)


def default_out(run_dir: Path, lang: str) -> Path:
    """Where ``qraudit report`` writes a run's report in ``lang``: ``report/`` (zh), ``report-<lang>/``."""
    return run_dir / ("report" if lang == "zh" else f"report-{lang}")


_LANG_SWITCH = re.compile(r"<!--lang-switch-->.*?<!--/lang-switch-->", re.S)


def _lang_switch(page: Path, target: Path | None, page_lang: str, target_lang: str) -> str:
    """The header link of ``page`` (in ``page_lang``) to ``target``, the same page in
    ``target_lang``; only the markers when there is no such page (no dead link)."""
    inner = ""
    if target is not None and target.is_file():
        href = Path(os.path.relpath(target.resolve(), page.parent.resolve())).as_posix()
        code = "zh-CN" if target_lang == "zh" else target_lang
        inner = (f'<a class="lang" href="{escape(href)}" hreflang="{code}" lang="{code}">'
                 f"{escape(text('other_lang', page_lang))}</a>")
    return f"<!--lang-switch-->{inner}<!--/lang-switch-->"


def _other_report(run_dir: Path, out_dir: Path, lang: str) -> tuple[str, Path] | None:
    """The run's report in the other language, when this one is built at its default
    place and the other exists at its own: ``(lang, folder)``, else ``None``."""
    if out_dir.resolve() != default_out(run_dir, lang).resolve():
        return None
    for other in LANGS:
        folder = default_out(run_dir, other)
        if other != lang and (folder / MARKER).is_file() and (folder / "index.html").is_file():
            return other, folder
    return None


def _relink(folder: Path, lang: str, other_folder: Path, other_lang: str) -> None:
    """Point the language links of the pages of ``folder`` at ``other_folder``'s pages."""
    for page in [folder / "index.html", *sorted((folder / "merchants").glob("*.html"))]:
        try:
            html = page.read_text(encoding="utf-8")
        except OSError:
            continue
        target = other_folder / page.relative_to(folder)
        new = _LANG_SWITCH.sub(lambda _m, p=page, t=target: _lang_switch(p, t, lang, other_lang), html, count=1)
        if new != html:
            page.write_text(new, encoding="utf-8")


def _district_label(run: dict[str, Any], run_dir: Path) -> str:
    """The district's human label (as sealed in the manifest, else from its district file),
    falling back to its name."""
    info: dict[str, Any] = {}
    try:
        info = dict(read_manifest(run_dir).get("run") or {})
    except QrauditError:
        pass
    for key in ("district", "district_file", "settings"):
        if run.get(key) is not None:
            info.setdefault(key, run[key])
    if isinstance(info.get("settings"), str):
        try:
            info["settings"] = json.loads(info["settings"])
        except ValueError:
            info["settings"] = {}
    return district_label(info) or str(run.get("district") or "")


def _box_of(evidence: dict[str, Any], trace: Any) -> dict[str, float] | None:
    box = evidence.get("box")
    if isinstance(box, dict) and all(isinstance(box.get(k), int | float) for k in ("x", "y", "width", "height")):
        return {k: float(box[k]) for k in ("x", "y", "width", "height")}
    if trace is None:
        return None
    step, selector = evidence.get("step"), evidence.get("selector")
    elements = []
    for g in trace.gates:
        if g.element is not None and (step is None or g.step == step or step in g.appeared_steps):
            elements.append(g.element)
        for f in g.fields:
            elements.append(f.element)
    s = trace.step(step) if isinstance(step, int) else None
    if s is not None:
        elements.extend(f.element for f in s.fields)
    match = [e for e in elements if e.box is not None and selector and e.selector == selector]
    if not match and not selector:
        match = [e for e in elements if e.box is not None]
    if not match:
        return None
    b = match[0].box
    return {"x": b.x, "y": b.y, "width": b.width, "height": b.height}


def _scale(trace: Any, img_width: int) -> float:
    vp = dict(getattr(trace, "viewport", None) or {})
    width = vp.get("width")
    if isinstance(width, int | float) and width > 0:
        return img_width / float(width)
    dsf = vp.get("device_scale_factor") or vp.get("deviceScaleFactor")
    return float(dsf) if isinstance(dsf, int | float) and dsf > 0 else 2.0


def _outlined(src: Path, dest: Path, box: dict[str, float] | None, trace: Any) -> bool:
    """Copy ``src`` to ``dest`` (PNG) with a red rectangle around ``box``; True if outlined."""
    with Image.open(src) as im:
        img = im.convert("RGB")
    drawn = False
    if box and box["width"] > 0 and box["height"] > 0:
        s = _scale(trace, img.width)
        x0, y0 = box["x"] * s, box["y"] * s
        x1, y1 = x0 + box["width"] * s, y0 + box["height"] * s
        x0, y0 = max(0, min(x0, img.width - 1)), max(0, min(y0, img.height - 1))
        x1, y1 = max(x0 + 1, min(x1, img.width - 1)), max(y0 + 1, min(y1, img.height - 1))
        line = max(3, round(2 * s))
        ImageDraw.Draw(img).rectangle([x0, y0, x1, y1], outline=(230, 0, 0), width=line)
        drawn = True
    img.save(dest, format="PNG", optimize=False)
    return drawn


def _thumb(src: Path, dest: Path) -> None:
    with Image.open(src) as im:
        img = im.convert("RGB")
    img.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 6))
    img.save(dest, format="JPEG", quality=80)


class _Evidence:
    """Evidence file lookups for one run: hashes from the manifest, links relative to a page."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        try:
            self.files = read_manifest(run_dir)["files"]
        except QrauditError:
            self.files = {}

    def sha256(self, path: Path) -> str | None:
        try:
            rel = path.resolve().relative_to(self.run_dir.resolve()).as_posix()
        except ValueError:
            return None
        entry = self.files.get(rel)
        return entry.get("sha256") if isinstance(entry, dict) else None

    @staticmethod
    def link(path: Path, page_dir: Path) -> str:
        try:
            return Path(os.path.relpath(path.resolve(), page_dir.resolve())).as_posix()
        except ValueError:  # another drive: absolute file URL
            return path.resolve().as_uri()


def _merchant_context(
    audit: dict[str, Any], fdf: pd.DataFrame, gdf: pd.DataFrame, qdf: pd.DataFrame, out: Path,
    ev: _Evidence, lang: str, titles: dict[str, dict[str, str]], result: Any,
) -> dict[str, Any]:
    slug = _slug(audit["merchant_id"])
    mdir = Path(audit["evidence_dir"])
    img_dir = out / "img" / slug
    img_dir.mkdir(parents=True, exist_ok=True)
    page_dir = out / "merchants"
    trace = load_trace(mdir)
    steps = steps_frame(trace, result if isinstance(result, dict) else {}, mdir)
    other = "en" if lang == "zh" else "zh"

    findings = []
    finding_steps = set()
    for rec in fdf.to_dict("records"):
        rec = _row(rec)
        evd = rec.get("evidence") or {}
        shot = rec.get("screenshot_path")
        if not shot and isinstance(evd.get("screenshot"), str):
            shot = str(mdir / evd["screenshot"])
        img = None
        if shot and Path(shot).is_file():
            name = f"finding-{rec['idx']}.png"
            outlined = _outlined(Path(shot), img_dir / name, _box_of(evd, trace), trace)
            img = {
                "src": f"../img/{slug}/{name}",
                "outlined": outlined,
                "original": ev.link(Path(shot), page_dir),
                "original_name": Path(shot).name,
                "sha256": ev.sha256(Path(shot)),
            }
        if isinstance(rec.get("step"), int | float):
            finding_steps.add(int(rec["step"]))
        expl_main = rec.get("explanation_zh") if lang == "zh" else rec.get("explanation")
        expl_other = rec.get("explanation") if lang == "zh" else rec.get("explanation_zh")
        request = evd.get("request")
        findings.append({
            "rule": rec["rule"],
            "title": titles.get(rec["rule"], {}).get(lang) or rec["rule"],
            "title_other": titles.get(rec["rule"], {}).get(other) or "",
            "group": label("group", rec.get("group"), lang),
            "stage": label("stage", rec.get("stage"), lang),
            "severity": label("severity", rec.get("severity"), lang),
            "severity_key": rec.get("severity") or "",
            "confidence": label("severity", rec.get("confidence"), lang),
            "explanation": expl_main or expl_other or "",
            "explanation_other": expl_other if expl_main else "",
            "other_lang": other,
            "legal_basis": rec.get("legal_basis") or [],
            "step": rec.get("step"),
            "selector": evd.get("selector"),
            "text": evd.get("text"),
            "tried": evd.get("tried") or [],
            "url": evd.get("url"),
            "request": request if isinstance(request, dict) else ({"url": request} if request else None),
            "oauth_url": evd.get("oauth_url"),
            "img": img,
        })

    gate_steps = {int(s) for s in gdf["step"].dropna()} if not gdf.empty else set()
    gates = []
    for rec in gdf.to_dict("records"):
        rec = _row(rec)
        gates.append({
            "step": rec.get("step"), "stage": label("stage", rec.get("stage"), lang), "kind": rec.get("kind"),
            "text": (rec.get("text") or "")[:400], "passed_by": label("passed_by", rec.get("passed_by"), lang),
            "appearances": rec.get("appearances"),
            "tries": [f"{t.get('method', '?')} → {t.get('outcome', '?')}" for t in (rec.get("tries") or [])
                      if isinstance(t, dict)],
        })

    path = []
    for rec in steps.to_dict("records"):
        rec = _row(rec)
        shot = rec.get("screenshot")
        thumb = original = digest = None
        if shot and Path(shot).is_file():
            n = rec.get("n")
            name = f"thumb-{int(n):02d}.jpg" if isinstance(n, int | float) else f"thumb-{_slug(Path(shot).stem)}.jpg"
            _thumb(Path(shot), img_dir / name)
            thumb = f"../img/{slug}/{name}"
            original = ev.link(Path(shot), page_dir)
            digest = ev.sha256(Path(shot))
        n = rec.get("n")
        path.append({
            "n": n, "action": rec.get("action"), "stage": label("stage", rec.get("stage"), lang),
            "state": rec.get("state"), "url": rec.get("url"), "target": (rec.get("target") or "")[:120],
            "note": rec.get("note"), "thumb": thumb, "original": original, "sha256": digest,
            "flag": "finding" if n in finding_steps else "gate" if n in gate_steps else "",
        })

    third = []
    if not qdf.empty:
        for rec in qdf[qdf["third_party"].fillna(False).astype(bool)].to_dict("records"):
            rec = _row(rec)
            third.append({"step": rec.get("step"), "method": rec.get("method"), "url": rec.get("url"),
                          "site": rec.get("site"), "status": rec.get("status")})

    reason = audit.get("reason") or ""
    shown = reason_text(reason, lang, audit.get("reason_code"), audit.get("reason_params"))
    return {
        "slug": slug,
        "audit": audit,
        "reason": shown,
        "reason_original": reason if shown != reason else "",
        "verdict_label": label("verdict", audit.get("verdict"), lang),
        "reached_label": label("reached", audit.get("order_reached"), lang),
        "mode_label": label("mode", audit.get("order_mode"), lang),
        "times": _times(audit.get("started_at")),
        "findings": findings,
        "gates": gates,
        "path": path,
        "third_party": third,
        "visit_id": getattr(trace, "visit_id", None),
    }


def _charts(audits: pd.DataFrame, findings: pd.DataFrame, lang: str, titles: dict[str, dict[str, str]]):
    verdict_names = {k: label("verdict", k, lang) for k in LABELS["verdict"]}
    counts = audits["verdict"].value_counts().to_dict() if not audits.empty else {}
    by_verdict = [(verdict_names.get(v, v), [(v, int(counts.get(v, 0)))]) for v in VERDICT_ORDER if counts.get(v)]
    by_verdict += [(str(v), [(str(v), int(c))]) for v, c in counts.items() if v not in VERDICT_ORDER]

    rule_counts: dict[str, int] = {}
    for rules in audits.get("rules", []):
        for r in rules:
            rule_counts[r] = rule_counts.get(r, 0) + 1
    by_rule = [(titles.get(r, {}).get(lang) or r, [("violation", c)])
               for r, c in sorted(rule_counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    by_vendor = []
    if not audits.empty:
        vend = audits.assign(vendor=audits["vendor"].fillna("?").astype(str))
        for vendor, grp in sorted(vend.groupby("vendor"), key=lambda kv: (-len(kv[1]), kv[0])):
            vc = grp["verdict"].value_counts().to_dict()
            by_vendor.append((vendor, [(v, int(vc.get(v, 0))) for v in VERDICT_ORDER if vc.get(v)]))

    stage_counts = findings["stage"].value_counts().to_dict() if not findings.empty else {}
    by_stage = [(label("stage", s, lang), [("finding", int(stage_counts[s]))]) for s in STAGES if stage_counts.get(s)]
    by_stage += [(str(s), [("finding", int(c))]) for s, c in stage_counts.items() if s not in STAGES]

    empty = text("nothing", lang)
    colors = dict(VERDICT_COLORS, finding="#1565c0")
    return [
        {"title": text("by_verdict", lang), "svg": charts.bar_chart(by_verdict, colors, verdict_names,
                                                                   text("by_verdict", lang), empty)},
        {"title": text("by_rule", lang), "svg": charts.bar_chart(by_rule, colors, verdict_names,
                                                                text("by_rule", lang), empty)},
        {"title": text("by_vendor", lang), "svg": charts.bar_chart(by_vendor, colors, verdict_names,
                                                                  text("by_vendor", lang), empty)},
        {"title": text("by_stage", lang), "svg": charts.bar_chart(by_stage, colors, {}, text("by_stage", lang),
                                                                 empty)},
    ]


def _changes(run_dir: Path, out_dir: Path) -> dict[str, Any] | None:
    """The run's schedule and the link to its diff with the schedule's previous run, when a
    scheduled crawl wrote them (``report/schedule.json``, ``report/changes.html``, see ``app.schedule``)."""
    doc_path = run_dir / "report" / "schedule.json"
    try:
        doc = json.loads(doc_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    page = doc_path.parent / str((doc.get("files") or {}).get("html") or "changes.html")
    href = Path(os.path.relpath(page.resolve(), out_dir.resolve())).as_posix() if page.is_file() else None
    return {"schedule": doc.get("schedule"), "previous_run": doc.get("previous_run"), "href": href}


def build_report(
    run_id: str | None = None,
    store_or_data_dir: Any = None,
    lang: str = "zh",
    out: str | os.PathLike[str] | None = None,
) -> Path:
    """Build the static report of ``run_id``; return the path of its ``index.html``.

    ``store_or_data_dir``: a data folder, a :class:`results.api.Results`, an open
    ``results.store.Store`` (its connection is reused) or ``None``
    (``$QRAUDIT_DATA`` or ``./data``).  ``lang``: ``zh`` (default) or ``en``.
    ``out``: the output folder (default ``<run_dir>/report/``, or
    ``report-<lang>/`` for other languages; these are left out of the evidence
    manifest).  A folder built before is cleaned of its old pages and images.
    When the run's report in the other language exists at its default place, and
    this one is built at its own, each page links to the same page in the other
    language, and the other report's pages are relinked to these.
    Raises ``QrauditError`` for an unknown run or language or an unwritable folder.
    """
    if lang not in LANGS:
        raise QrauditError(f"unknown report language {lang!r} (choose {' or '.join(LANGS)})")
    res = _results(store_or_data_dir)
    rid = res.resolve_run(run_id)
    run = _row(res.run(rid))
    run_dir = res.run_dir(rid)
    out_dir = Path(out) if out else default_out(run_dir, lang)
    _prepare(out_dir)
    other = _other_report(run_dir, out_dir, lang)
    dlabel = _district_label(run, run_dir)

    def switch(page: Path) -> str:
        if other is None:
            return _lang_switch(page, None, lang, lang)
        return _lang_switch(page, other[1] / page.relative_to(out_dir), lang, other[0])

    (out_dir / "merchants").mkdir(exist_ok=True)

    audits = res.audits(rid)
    findings = res.findings(rid)
    gates = res.gates(rid)
    requests = res.requests(rid)
    results = res.query("SELECT merchant_id, result FROM audits WHERE run_id = ?", [rid])
    result_of = {}
    for mid, raw in zip(results["merchant_id"], results["result"], strict=True):
        try:
            result_of[mid] = json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            result_of[mid] = None
    titles = rule_titles()
    ev = _Evidence(run_dir)
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(t=lambda key: text(key, lang), lang=lang, label=lambda kind, v: label(kind, v, lang),
                       district_label=dlabel)

    rows = []
    merchant_tpl = env.get_template("merchant.html.j2")
    for audit in audits.to_dict("records"):
        audit = _row(audit)
        mid = audit["merchant_id"]
        ctx = _merchant_context(
            audit,
            findings[findings["merchant_id"] == mid],
            gates[gates["merchant_id"] == mid],
            requests[requests["merchant_id"] == mid],
            out_dir, ev, lang, titles, result_of.get(mid),
        )
        page = out_dir / "merchants" / f"{ctx['slug']}.html"
        html = merchant_tpl.render(root="../", run=run, m=ctx, page_title=audit.get("name") or mid,
                                   lang_switch=switch(page))
        page.write_text(html, encoding="utf-8")
        rule_names = [titles.get(r, {}).get(lang) or r for r in audit["rules"]]
        search = " ".join(
            str(x) for x in (audit.get("name"), audit.get("address"), mid, audit.get("url"), audit.get("vendor"),
                             label("verdict", audit.get("verdict"), lang), audit.get("reason"), ctx["reason"],
                             *audit["rules"], *rule_names) if x
        ).lower()
        rows.append({
            "id": mid, "slug": ctx["slug"], "name": audit.get("name") or mid, "address": audit.get("address") or "",
            "vendor": audit.get("vendor") or "", "verdict": audit.get("verdict"),
            "verdict_label": ctx["verdict_label"],
            "verdict_rank": VERDICT_ORDER.index(audit["verdict"]) if audit.get("verdict") in VERDICT_ORDER else 9,
            "rules": audit["rules"], "rule_names": rule_names, "n_findings": audit.get("n_findings") or 0,
            "reached": ctx["reached_label"],
            "reached_rank": REACHED.index(audit["order_reached"]) if audit.get("order_reached") in REACHED else -1,
            "reason": ctx["reason"] or audit.get("error") or "",
            "reason_original": ctx["reason_original"] if ctx["reason"] else "", "search": search,
        })

    counts = audits["verdict"].value_counts().to_dict() if not audits.empty else {}
    manifest_path = run_dir / MANIFEST
    all_rules = sorted({r for row in rows for r in row["rules"]})
    index_tpl = env.get_template("index.html.j2")
    html = index_tpl.render(
        root="",
        run=run,
        page_title=f"{dlabel} {rid}".strip(),
        lang_switch=switch(out_dir / "index.html"),
        times={"started": _times(run.get("started_at")), "ended": _times(run.get("ended_at"))},
        manifest_sha256=sha256_file(manifest_path) if manifest_path.exists() else None,
        changes=_changes(run_dir, out_dir),
        cards=[(text("audited", lang), len(audits), "")] + [
            (label("verdict", v, lang), int(counts.get(v, 0)), v) for v in VERDICT_ORDER
        ] + [(text("findings", lang), len(findings), "")],
        charts=_charts(audits, findings, lang, titles),
        rows=rows,
        verdicts=[(v, label("verdict", v, lang)) for v in VERDICT_ORDER if counts.get(v)],
        rule_options=[(r, titles.get(r, {}).get(lang) or r) for r in all_rules],
        legend=[
            {"id": r, "title": t.get(lang) or r, "title_other": t.get("en" if lang == "zh" else "zh") or ""}
            for r, t in sorted(titles.items()) if r in all_rules
        ],
        generated=_times(datetime.now(UTC).replace(microsecond=0)),
    )
    index = out_dir / "index.html"
    index.write_text(html, encoding="utf-8")
    if other is not None:  # the other language's pages now get their link to these
        _relink(other[1], other[0], out_dir, lang)
    return index
