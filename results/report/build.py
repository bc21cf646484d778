"""Build the static HTML report of a run.

The report is a folder that opens from disk with no server and no network, and reads
on a phone (360-430 px wide: tables turn into cards, nothing scrolls sideways) as on a
desk.  A crawl's report: ``index.html`` (district summary, the run's facts, inline SVG
charts, a sortable and filterable merchant list), ``merchants/<id>.html`` (one page per
merchant: verdict, findings, their legal basis with full titles, the evidence — the
gate's screenshot with the element outlined, or the network request —, gates,
third-party requests and the order path as screenshots), ``diff.html`` (what changed
since the district's previous crawl, when there is one), ``law.html`` (the legal
texts cited, with notes) and ``glossary.html`` (the terms a lay reader needs).  A
check's report is one page: ``index.html`` is the merchant's page with the run's facts.
``img/<id>/`` holds thumbnails and outlined copies (Pillow), ``assets/`` CSS and JS.

Every word of the Chinese report is Chinese; what is not a word of ours is marked up as
what it is: ``.url`` (addresses), ``code.rule``, ``code.selector``, ``code.hash``,
``code.id`` (run id, tool name), ``code.tech`` (browser version and user agent,
algorithm names, OAuth scopes), ``code.canary`` (canary values), ``.page`` (text quoted
from the merchant's page or records) and ``cite.law`` (published titles).  The English
words stay in the data (and in the English report).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import BytecodeCache, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from PIL import Image, ImageDraw

from core.errors import QrauditError
from core.reasons import ASKS
from core.trace import REACHED, STAGES
from detectors.encodings import UNKNOWN_WORDS, describe_chain
from detectors.engine import load_rules
from results.api import Results, load_trace, steps_frame
from results.diff import diff_runs
from results.manifest import MANIFEST, both_times, district_label, read_manifest, sha256_file
from results.report import boxes, charts
from results.report.citations import INSTRUMENTS, Article, cite
from results.report.i18n import (
    GLOSSARY,
    LABELS,
    LANGS,
    NOT_OBSERVED_WORDS,
    VERDICT_COLORS,
    label,
    rule_titles,
    text,
)
from results.report.reasons import reason_text

HERE = Path(__file__).resolve().parent
MARKER = ".qraudit-report"
THUMB_WIDTH = 200
VERDICT_ORDER = ("violation", "inconclusive", "unsupported", "compliant")
DIFF_ORDER = ("fixed", "new", "unclear", "appeared", "disappeared", "unchanged")
#: Brackets, comma and colon in each language (full-width in Chinese).
PUNCT = {"zh": {"(": "（", ")": "）", ",": "，", ":": "："}, "en": {"(": " (", ")": ")", ",": ", ", ":": ": "}}


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
    """Display times to the second, labelled by their zone on the page:
    {"utc": "2026-11-30 09:15:05", "shanghai": "2026-11-30 17:15:05"}."""
    utc, sh = both_times(_v(value))

    def show(iso: str | None) -> str | None:
        return re.sub(r"\.\d+|Z$|[+-]\d\d:\d\d$", "", iso).replace("T", " ") if iso else None

    return {"utc": show(utc), "shanghai": show(sh)}


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise QrauditError(f"report output {out} exists and is not a folder")
    if (out / MARKER).exists():
        for sub in ("img", "merchants", "assets"):
            shutil.rmtree(out / sub, ignore_errors=True)
        for page in ("diff.html", "law.html", "glossary.html"):
            (out / page).unlink(missing_ok=True)
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


class _MemoryBytecode(BytecodeCache):
    """Compiled templates kept for the process: the second report of a run (its other
    language) and every later one skip Jinja's parse and compile.  Keyed by Jinja's own
    key (template name and source checksum), so an edited template is compiled again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Any) -> None:
        code = self._code.get(bucket.key)
        if code is not None:  # the bucket checks the source checksum itself
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Any) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _MemoryBytecode()
_LANG_SWITCH = re.compile(r"<!--lang-switch-->.*?<!--/lang-switch-->", re.S)


def _lang_switch(page: Path, target: Path | None, page_lang: str, target_lang: str) -> str:
    """The header link of ``page`` (in ``page_lang``) to ``target``, the same page in
    ``target_lang``; only the markers when there is no such page (no dead link)."""
    inner = ""
    if target is not None and target.is_file():
        href = Path(os.path.relpath(target.resolve(), page.parent.resolve())).as_posix()
        code = "zh-CN" if target_lang == "zh" else target_lang
        inner = (f'<a class="lang" href="{escape(href)}" hreflang="{code}">'
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


def _pages(folder: Path) -> list[Path]:
    return [p for p in [*sorted(folder.glob("*.html")), *sorted((folder / "merchants").glob("*.html"))]]


def _relink(folder: Path, lang: str, other_folder: Path, other_lang: str) -> None:
    """Point the language links of the pages of ``folder`` at ``other_folder``'s pages."""
    for page in _pages(folder):
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
    """Write the JPEG thumbnail of screenshot ``src`` (``THUMB_WIDTH`` px wide) to ``dest``.
    (The report in the other language copies it: :meth:`_Thumbs.twin`.)"""
    with Image.open(src) as im:
        img = im.convert("RGB")
    img.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 6))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    dest.write_bytes(buf.getvalue())


class _Thumbs:
    """The thumbnails of one report, drawn by a few threads while the pages are rendered
    (Pillow decodes and encodes without holding the GIL): about 9 ms of CPU per step of
    every merchant, which a district report used to spend one after the other at its end.
    :meth:`add` queues one; :meth:`wait` returns once all are written and re-raises the
    first error (as drawing them in line did).  With :meth:`twin` set, a thumbnail the
    report in the other language already holds (newer than its screenshot) is copied."""

    def __init__(self, workers: int | None = None) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers or min(4, os.cpu_count() or 1),
                                        thread_name_prefix="qraudit-thumb")
        self._pending: list[Future[None]] = []
        self._twin: tuple[Path, Path] | None = None

    def twin(self, out_dir: Path, other_dir: Path) -> None:
        """Thumbnails under ``out_dir`` have their twin at the same place under ``other_dir``."""
        self._twin = (out_dir, other_dir)

    def add(self, src: Path, dest: Path) -> None:
        """Queue the thumbnail of screenshot ``src`` to be written to ``dest``."""
        twin = None
        if self._twin is not None:
            with contextlib.suppress(ValueError):
                twin = self._twin[1] / dest.relative_to(self._twin[0])
        self._pending.append(self._pool.submit(self._one, src, dest, twin))

    @staticmethod
    def _one(src: Path, dest: Path, twin: Path | None) -> None:
        if twin is not None:
            with contextlib.suppress(OSError):
                if twin.stat().st_mtime_ns >= src.stat().st_mtime_ns:
                    shutil.copyfile(twin, dest)
                    return
        _thumb(src, dest)

    def wait(self) -> None:
        """Block until every queued thumbnail is written; raise the first error."""
        try:
            for job in self._pending:
                job.result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


class _Evidence:
    """Evidence file lookups for one run: hashes from the manifest, links relative to a page."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        try:
            manifest = read_manifest(run_dir)
        except QrauditError:
            manifest = {"files": {}}
        self.files = dict(manifest["files"])
        self.aborted = sorted(manifest.get("aborted_visits") or {})

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


# ---- words ---------------------------------------------------------------------------------------


def _asks_words(value: Any, lang: str) -> str:
    i = 1 if lang == "zh" else 0
    return ASKS.get(str(value), (str(value), str(value)))[i] if value else ""


def _try_words(method: str, outcome: str, lang: str) -> dict[str, str]:
    return {"method": label("try", method, lang) if method in LABELS["try"] else "",
            "method_raw": method, "outcome": label("outcome", outcome, lang) if outcome in LABELS["outcome"] else "",
            "outcome_raw": outcome}


def _tried(evidence: dict[str, Any], trace: Any, lang: str) -> list[dict[str, str]]:
    """The no-PI tries of a finding, from the gate it names (structured), else from the
    evidence's ``"method: outcome"`` list."""
    gate = next((g for g in getattr(trace, "gates", []) or [] if g.id == evidence.get("gate")), None)
    if gate is not None and gate.tries:
        return [_try_words(t.method, t.outcome, lang) for t in gate.tries]
    out = []
    for item in evidence.get("tried") or []:
        method, _, outcome = str(item).partition(": ")
        out.append(_try_words(method.strip(), outcome.strip(), lang))
    return out


def _encoding(value: Any, lang: str) -> dict[str, str]:
    """An encoding chain of a leak (``"md5(typed)"``, ``"prefix8(typed)"``) in the words of the one
    table (:func:`detectors.encodings.describe_chain`): {"words": its outer layer, "algo": that
    layer's algorithm (Chinese only: the English words name it), "inner": what it wraps}.  A chain
    the table does not know is shown as the code in English, as 其他编码形式 in Chinese."""
    raw = str(value or "")
    d = describe_chain(raw, lang)
    if d is None:
        return {"words": UNKNOWN_WORDS[1], "algo": "", "inner": ""} if lang == "zh" else {
            "words": "", "algo": raw, "inner": ""}
    sep, inside = ("、", "，内层为") if lang == "zh" else (", ", "; inside: ")
    return {"words": d.words, "algo": d.algo if lang == "zh" else "",
            "inner": inside + sep.join(d.inner) if d.inner else ""}


def _method_words(method: str, lang: str) -> str:
    """A request's method (``GET``, ``WS`` for a websocket frame) in words; one the table does not
    know is itself in English and a plain 请求 in Chinese."""
    if method in LABELS["method"]:
        return label("method", method, lang)
    return LABELS["method"][""]["zh"] if lang == "zh" else method


_PAREN = re.compile(r"（([^（）]*(?:（[^（）]*）[^（）]*)*)）")


def _explanation(expl: str, evidence: dict[str, Any], lang: str) -> Markup:
    """The finding's explanation, escaped; in Chinese, what the rule quoted in brackets is
    marked up for what it is: the page's own words (``.page``), an API or OAuth scope
    (``code.tech``), a code of what was asked (its Chinese words), a leak's encoding chain (its
    words: runs stored before the rule wrote them itself); outside brackets, the hosts the
    evidence names (``.url``)."""
    if lang != "zh" or not expl:
        return Markup(escape(expl or ""))
    page_texts = " ".join(str(evidence.get(k) or "") for k in ("text", "matched"))
    tech = {str(evidence.get(k)) for k in ("scope", "api") if evidence.get(k)}
    leaks = [d for d in evidence.get("leaks") or [] if isinstance(d, dict)]
    hosts = sorted({str(h) for h in [evidence.get("host"), *(d.get("host") for d in leaks)] if h}, key=len, reverse=True)
    host_at = re.compile(r"(?<![A-Za-z0-9.-])(" + "|".join(map(re.escape, hosts))
                         + r")(?![A-Za-z0-9-]|\.[A-Za-z0-9])") if hosts else None  # whole host names only

    def plain(text: str) -> str:
        if host_at is None:
            return str(escape(text))
        return "".join(f'<span class="url">{escape(part)}</span>' if i % 2 else str(escape(part))
                       for i, part in enumerate(host_at.split(text)))

    def mark(m: re.Match[str]) -> str:
        inner = m.group(1)
        if not re.search(r"[A-Za-z]", inner):
            return escape(m.group(0))
        if inner in tech:
            return f'（<code class="tech">{escape(inner)}</code>）'
        codes = [c.strip() for c in inner.split(",")]
        if all(c in ASKS for c in codes):
            return "（" + escape("、".join(_asks_words(c, lang) for c in codes)) + "）"
        if evidence.get("encoding") and inner == str(evidence["encoding"]):
            enc = _encoding(inner, lang)
            algo = f'（<code class="tech">{escape(enc["algo"])}</code>）' if enc["algo"] and enc["words"] else ""
            if enc["words"]:
                return "（" + escape(enc["words"]) + algo + escape(enc["inner"]) + "）"
        if inner and inner in page_texts:
            return f'（<span class="page">{escape(inner)}</span>）'
        return escape(m.group(0))

    out, last = [], 0
    for m in _PAREN.finditer(expl):
        out.append(plain(expl[last:m.start()]))
        out.append(mark(m))
        last = m.end()
    out.append(plain(expl[last:]))
    return Markup("".join(out))


def _citations(basis: list[str], lang: str, law_href: str) -> list[dict[str, Any]]:
    out = []
    for raw in basis or []:
        c = cite(raw)
        out.append({"known": c.known, "raw": raw, "title": c.title(lang), "where": c.where(lang),
                    "href": f"{law_href}#{c.anchor}" if c.known else ""})
    return out


# ---- one merchant --------------------------------------------------------------------------------


def _merchant_context(
    audit: dict[str, Any], fdf: pd.DataFrame, gdf: pd.DataFrame, qdf: pd.DataFrame, out: Path,
    page_dir: Path, ev: _Evidence, lang: str, titles: dict[str, dict[str, str]], result: Any,
    jobs: list[tuple[dict[str, Any], boxes.FrameJob]], thumbs: _Thumbs,
) -> dict[str, Any]:
    slug = _slug(audit["merchant_id"])
    mdir = Path(audit["evidence_dir"])
    img_dir = out / "img" / slug
    img_dir.mkdir(parents=True, exist_ok=True)
    img_href = Path(os.path.relpath(img_dir, page_dir)).as_posix()
    root = Path(os.path.relpath(out, page_dir)).as_posix()
    root = "" if root == "." else root + "/"
    trace = load_trace(mdir)
    steps = steps_frame(trace, result if isinstance(result, dict) else {}, mdir)

    findings = []
    finding_steps = set()
    for rec in fdf.to_dict("records"):
        rec = _row(rec)
        evd = rec.get("evidence") or {}
        shot = rec.get("screenshot_path")
        if not shot and isinstance(evd.get("screenshot"), str):
            shot = str(mdir / evd["screenshot"])
        placement, job = boxes.locate(rec["rule"], evd, trace)
        if job is not None:
            job.dom = mdir / job.dom
        if isinstance(rec.get("step"), int | float):
            finding_steps.add(int(rec["step"]))
        expl = (rec.get("explanation_zh") or rec.get("explanation")) if lang == "zh" else (
            rec.get("explanation") or rec.get("explanation_zh"))
        request = evd.get("request")
        if request and not isinstance(request, dict):
            request = {"url": request}
        req = None
        if request:
            req = {"url": request.get("url") or evd.get("url") or "",
                   "method": _method_words(request.get("method") or evd.get("method") or "", lang),
                   "method_raw": request.get("method") or evd.get("method") or "",
                   "site": evd.get("site") or evd.get("host") or "",
                   "value": _asks_words(evd.get("value_kind"), lang),
                   "encoding": _encoding(evd.get("encoding"), lang) if evd.get("encoding") else None,
                   "when": (text("leak_before", lang) if evd.get("before_submit") else text("leak_after", lang))
                   if "before_submit" in evd else "",
                   "held": bool(evd.get("held"))}
        oauth = None
        if evd.get("oauth_url"):
            oauth = {"url": evd["oauth_url"], "scope": evd.get("scope") or "",
                     "provider": label("provider", evd.get("provider"), lang) if evd.get("provider") in
                     LABELS["provider"] else ""}
        f = {
            "rule": rec["rule"],
            "title": titles.get(rec["rule"], {}).get(lang) or rec["rule"],
            "group": label("group", rec.get("group"), lang),
            "stage": label("stage", rec.get("stage"), lang),
            "severity": label("severity", rec.get("severity"), lang),
            "severity_key": rec.get("severity") or "",
            "confidence": label("severity", rec.get("confidence"), lang),
            "explanation": _explanation(expl or "", evd, lang),
            "legal": _citations(rec.get("legal_basis") or [], lang, f"{root}law.html"),
            "step": rec.get("step"),
            "selector": evd.get("selector"),
            "text": None if (req or oauth) else evd.get("text"),
            "tried": _tried(evd, trace, lang),
            "url": evd.get("url") if not req else None,
            "request": req,
            "oauth": oauth,
            "img": None,
            "placement": placement,
        }
        if shot and Path(shot).is_file():
            f["img"] = {"src_path": Path(shot), "name": f"finding-{rec['idx']}.png",
                        "original": ev.link(Path(shot), page_dir), "original_name": Path(shot).name,
                        "sha256": ev.sha256(Path(shot)), "dom": evd.get("dom")}
        if job is not None:
            jobs.append((f, job))
        findings.append(f)

    tries_at: dict[int, list[dict[str, str]]] = {}
    gates = []
    trace_gates = {g.id: g for g in getattr(trace, "gates", []) or []}
    for rec in gdf.to_dict("records"):
        rec = _row(rec)
        tg = trace_gates.get(str(rec.get("gate_id")).split("#")[0])
        tries = [_try_words(t.get("method", ""), t.get("outcome", ""), lang) for t in (rec.get("tries") or [])
                 if isinstance(t, dict)]
        if tg is not None:
            for t in tg.tries:
                if isinstance(t.step, int):
                    tries_at.setdefault(t.step, []).append(_try_words(t.method, t.outcome, lang))
        gates.append({
            "step": rec.get("step"), "stage": label("stage", rec.get("stage"), lang),
            "kind": label("gate_kind", rec.get("kind"), lang) if rec.get("kind") in LABELS["gate_kind"] else "",
            "kind_raw": rec.get("kind"),
            "text": (rec.get("text") or "")[:400], "passed_by": label("passed_by", rec.get("passed_by"), lang),
            "appearances": rec.get("appearances"), "tries": tries,
        })

    path = []
    gate_steps = {int(s) for s in gdf["step"].dropna()} if not gdf.empty else set()
    for rec in steps.to_dict("records"):
        rec = _row(rec)
        shot = rec.get("screenshot")
        thumb = original = digest = None
        n = rec.get("n")
        if shot and Path(shot).is_file():
            name = f"thumb-{int(n):02d}.jpg" if isinstance(n, int | float) else f"thumb-{_slug(Path(shot).stem)}.jpg"
            thumbs.add(Path(shot), img_dir / name)
            thumb = f"{img_href}/{name}"
            original = ev.link(Path(shot), page_dir)
            digest = ev.sha256(Path(shot))
        action = rec.get("action") or ""
        state = rec.get("state") or ""
        target = rec.get("target") or ""
        tstep = trace.step(int(n)) if trace is not None and isinstance(n, int | float) else None
        target_is_selector = bool(tstep is not None and tstep.target is not None and target
                                  and target == tstep.target.selector and not tstep.target.text)
        path.append({
            "n": n, "action": label("action", action, lang) if action in LABELS["action"] else "",
            "action_raw": action, "stage": label("stage", rec.get("stage"), lang),
            "state": label("state", state, lang) if state in LABELS["state"] else "", "state_raw": state,
            "url": rec.get("url"), "target": "" if target_is_selector else target[:120],
            "target_selector": target if target_is_selector else "",
            "note": rec.get("note") if lang != "zh" else "",
            "tries": tries_at.get(int(n), []) if isinstance(n, int | float) else [],
            "thumb": thumb, "original": original, "sha256": digest,
            "flag": "finding" if n in finding_steps else "gate" if n in gate_steps else "",
        })

    third = []
    if not qdf.empty:
        for rec in qdf[qdf["third_party"].fillna(False).astype(bool)].to_dict("records"):
            rec = _row(rec)
            method = rec.get("method") or ""
            third.append({"step": rec.get("step"), "url": rec.get("url"), "site": rec.get("site"),
                          "method": _method_words(method, lang),
                          "method_raw": method, "status": rec.get("status")})

    reason = audit.get("reason") or ""
    shown = reason_text(reason, lang, audit.get("reason_code"), audit.get("reason_params"))
    res = result if isinstance(result, dict) else {}
    mode = res.get("mode") or ("privileged" if getattr(trace, "sandbox", False) or
                               getattr(trace, "allow_submit", False) else "live" if trace is not None else None)
    not_observed = [NOT_OBSERVED_WORDS.get(c, {}).get(lang) or c for c in (res.get("not_observed") or [])]
    canaries = []
    for kind, value in (getattr(trace, "canaries", None) or {}).items():
        canaries.append({"kind": _asks_words(kind, lang) or kind, "value": value})
    vendor = audit.get("vendor") or ""
    return {
        "slug": slug,
        "audit": audit,
        "name": audit.get("name"),
        "vendor": label("vendor", vendor, lang) if vendor in LABELS["vendor"] else "",
        "vendor_raw": vendor,
        "env": label("env", audit.get("env"), lang) if audit.get("env") in LABELS["env"] else "",
        "reason": shown,
        "error": audit.get("error") if lang != "zh" else "",
        "verdict_label": label("verdict", audit.get("verdict"), lang),
        "reached_label": label("reached", audit.get("order_reached"), lang),
        "mode_label": label("mode", audit.get("order_mode"), lang),
        "audit_mode": label("audit_mode", mode, lang) if mode in LABELS["audit_mode"] else "",
        "audit_mode_key": mode or "",
        "not_observed": not_observed,
        "canaries": canaries,
        "times": _times(audit.get("started_at")),
        "duration": f"{audit['duration_s']:.1f}" if isinstance(audit.get("duration_s"), int | float) else "",
        "findings": findings,
        "gates": gates,
        "path": path,
        "third_party": third,
        "visit_id": getattr(trace, "visit_id", None),
        "trace": trace,
        "img_dir": img_dir,
        "img_href": img_href,
    }


def _draw_findings(ctx: dict[str, Any], offsets: dict) -> None:
    """Outline each finding's screenshot now that the frames' positions are known."""
    for f in ctx["findings"]:
        job = f.pop("_job", None)
        placement = boxes.placed(f["placement"], job, offsets)
        f["placement"] = placement
        f["evidence_json"] = boxes.describe(placement)
        img = f.get("img")
        if img is None:
            continue
        outlined = _outlined(img["src_path"], ctx["img_dir"] / img["name"], placement.box, ctx["trace"])
        img["src"] = f"{ctx['img_href']}/{img['name']}"
        img["caption"] = placement.how if outlined else (
            placement.how if placement.how not in (boxes.OUTLINED, boxes.OUTLINED_FRAME) else boxes.NO_BOX)
        img["dom_href"] = ""


# ---- pages of the whole run --------------------------------------------------------------------


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
        vend = audits.assign(vendor=audits["vendor"].fillna("").astype(str))
        for vendor, grp in sorted(vend.groupby("vendor"), key=lambda kv: (-len(kv[1]), kv[0])):
            vc = grp["verdict"].value_counts().to_dict()
            name = label("vendor", vendor, lang) if vendor in LABELS["vendor"] else vendor
            by_vendor.append((name, [(v, int(vc.get(v, 0))) for v in VERDICT_ORDER if vc.get(v)]))

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
        {"title": text("by_stage", lang), "svg": charts.bar_chart(by_stage, colors, {"finding": text("findings", lang)},
                                                                 text("by_stage", lang), empty)},
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
def _law(lang: str, cited: set[str]) -> list[dict[str, Any]]:
    """The instruments the rules cite (those cited in this run first), with each article's note."""
    rules_of: dict[str, set[str]] = {}
    articles: dict[str, dict[str, Article]] = {}
    for rid, info in load_rules().items():
        for raw in info.legal_basis:
            c = cite(raw)
            if not c.known:
                continue
            rules_of.setdefault(c.instrument.key, set()).add(rid)
            for a in c.articles or (Article(""),):
                nums = [a.number]
                if a.to and a.number.isdigit() and a.to.isdigit():
                    nums = [str(n) for n in range(int(a.number), int(a.to) + 1)]
                for n in nums:
                    articles.setdefault(c.instrument.key, {}).setdefault(n, Article(n, a.sub if n == a.number else ""))
    out = []
    for ins in INSTRUMENTS:
        if ins.key not in rules_of:
            continue
        arts = []
        for num, _art in sorted(articles.get(ins.key, {}).items(),
                               key=lambda kv: [int(x) if x.isdigit() else 0 for x in kv[0].split(".")] or [0]):
            c = cite(f"{ins.names[0]} {'art.' if ins.unit == 'article' else ''} {num}".strip()) if num else None
            note = ins.notes.get(num) or (ins.notes.get(num.split(".")[0]) if ins.unit == "article" else None)
            where = c.where(lang) if c is not None else ""
            anchor = f"{ins.key}-{num.replace('.', '_')}" if num else ins.key
            arts.append({"anchor": anchor, "where": where, "note": (note or {}).get(lang, "")})
        title_c = cite(ins.names[0])
        out.append({"key": ins.key, "title": title_c.title(lang), "issued": ins.issued.get(lang, ""),
                    "articles": arts, "rules": sorted(rules_of[ins.key]), "cited": ins.key in cited,
                    "official": ins.official_title})
    out.sort(key=lambda d: not d["cited"])
    return out


def _diff(res: Results, rid: str, lang: str, titles: dict[str, dict[str, str]], slugs: set[str]) -> dict | None:
    """The comparison with the district's previous crawl, for ``diff.html``; None when there is none."""
    prev = res.previous_run(rid)
    if prev is None:
        return None
    d = diff_runs(prev, rid, results=res)
    summary = d.summary()
    groups: dict[str, list[dict[str, Any]]] = {s: [] for s in DIFF_ORDER}
    for rec in d.rules.to_dict("records"):
        rec = _row(rec)
        if rec["status"] == "unchanged" and not rec["verdict_changed"]:
            continue
        mid = rec["merchant_id"]
        groups.setdefault(rec["status"], []).append({
            "merchant_id": mid, "name": rec.get("name"), "slug": _slug(mid) if _slug(mid) in slugs else "",
            "rule": rec.get("rule"), "rule_title": titles.get(rec.get("rule") or "", {}).get(lang) or "",
            "verdict_a": label("verdict", rec.get("verdict_a"), lang), "verdict_b": label("verdict", rec.get("verdict_b"),
                                                                                          lang),
            "verdict_a_key": rec.get("verdict_a") or "", "verdict_b_key": rec.get("verdict_b") or "",
            "stage_a": ", ".join(label("stage", s, lang) for s in (rec.get("stage_a") or "").split(",") if s),
            "stage_b": ", ".join(label("stage", s, lang) for s in (rec.get("stage_b") or "").split(",") if s),
        })
    counts = {**summary["rules"]}
    return {"run_a": prev, "run_b": rid, "counts": counts, "groups": [(s, groups[s]) for s in DIFF_ORDER if groups[s]],
            "merchants_both": summary["merchants_both"]}


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
    language, and the other report's pages are relinked to these.  A run of kind
    ``check`` with one merchant gets a one-page report (``index.html`` is the
    merchant's page).  Boxes in embedded frames are placed with a headless Chromium
    (see :mod:`results.report.boxes`); without one they are left out, and said so.
    Raises ``QrauditError`` for an unknown run or language or an unwritable folder.
    """
    if lang not in LANGS:
        raise QrauditError(f"unknown report language {lang!r} (choose {' or '.join(LANGS)})")
    res = _results(store_or_data_dir)
    thumbs = _Thumbs()
    try:
        with res.reading():
            index = _build_report(res, run_id, lang, out, thumbs)
    except BaseException:
        with contextlib.suppress(Exception):
            thumbs.wait()
        raise
    thumbs.wait()
    return index


def _build_report(res: Results, run_id: str | None, lang: str, out: str | os.PathLike[str] | None,
                  thumbs: _Thumbs) -> Path:
    """:func:`build_report` inside one reading block of ``res``; the thumbnails go to ``thumbs``."""
    rid = res.resolve_run(run_id)
    run = _row(res.run(rid))
    run_dir = res.run_dir(rid)
    out_dir = Path(out) if out else default_out(run_dir, lang)
    _prepare(out_dir)
    other = _other_report(run_dir, out_dir, lang)
    if other is not None:
        thumbs.twin(out_dir, other[1])
    dlabel = _district_label(run, run_dir)

    def switch(page: Path) -> str:
        if other is None:
            return _lang_switch(page, None, lang, lang)
        return _lang_switch(page, other[1] / page.relative_to(out_dir), lang, other[0])

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
    single = run.get("kind") == "check" and len(audits) == 1
    if not single:
        (out_dir / "merchants").mkdir(exist_ok=True)
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_TEMPLATE_CODE,
    )
    run_facts = {
        "kind": label("kind", run.get("kind"), lang), "status": label("status", run.get("status"), lang),
        "env": label("env", run.get("env"), lang) if run.get("env") in LABELS["env"] else "",
        "times": {"started": _times(run.get("started_at")), "ended": _times(run.get("ended_at"))},
    }
    manifest_path = run_dir / MANIFEST
    manifest_sha256 = sha256_file(manifest_path) if manifest_path.exists() else None
    diff = None if single else _diff(res, rid, lang, titles, {_slug(m) for m in audits["merchant_id"]})
    env.globals.update(t=lambda key: text(key, lang), lang=lang, p=PUNCT[lang], label=lambda kind, v: label(kind, v, lang),
                       district_label=dlabel, run=run, run_facts=run_facts, manifest_sha256=manifest_sha256,
                       single=single, has_diff=diff is not None, aborted=ev.aborted)

    # every merchant's context first: boxes in frames are measured in one browser session
    contexts = []
    jobs: list[tuple[dict[str, Any], boxes.FrameJob]] = []
    for audit in audits.to_dict("records"):
        audit = _row(audit)
        mid = audit["merchant_id"]
        page_dir = out_dir if single else out_dir / "merchants"
        ctx = _merchant_context(
            audit, findings[findings["merchant_id"] == mid], gates[gates["merchant_id"] == mid],
            requests[requests["merchant_id"] == mid], out_dir, page_dir, ev, lang, titles, result_of.get(mid), jobs,
            thumbs,
        )
        contexts.append(ctx)
    for f, job in jobs:
        f["_job"] = job
    offsets = boxes.frame_offsets([job for _f, job in jobs])

    merchant_tpl = env.get_template("merchant.html.j2")
    rows = []
    modes: dict[str, int] = {}
    not_observed: dict[str, int] = {}
    for ctx in contexts:
        _draw_findings(ctx, offsets)
        audit = ctx["audit"]
        mid = audit["merchant_id"]
        modes[ctx["audit_mode"]] = modes.get(ctx["audit_mode"], 0) + 1
        for item in ctx["not_observed"]:
            not_observed[item] = not_observed.get(item, 0) + 1
        page = out_dir / "index.html" if single else out_dir / "merchants" / f"{ctx['slug']}.html"
        root = "" if single else "../"
        html = merchant_tpl.render(root=root, m=ctx, page_title=audit.get("name") or text("merchant_unnamed", lang).strip("（）()"),
                                   lang_switch=switch(page))
        page.write_text(html, encoding="utf-8")
        rule_names = [titles.get(r, {}).get(lang) or r for r in audit["rules"]]
        search = " ".join(
            str(x) for x in (audit.get("name"), audit.get("address"), mid, audit.get("url"), ctx["vendor"],
                             label("verdict", audit.get("verdict"), lang), ctx["reason"], *audit["rules"],
                             *rule_names) if x
        ).lower()
        rows.append({
            "id": mid, "slug": ctx["slug"], "name": audit.get("name") or "", "address": audit.get("address") or "",
            "vendor": ctx["vendor"], "vendor_raw": ctx["vendor_raw"], "verdict": audit.get("verdict"),
            "verdict_label": ctx["verdict_label"],
            "verdict_rank": VERDICT_ORDER.index(audit["verdict"]) if audit.get("verdict") in VERDICT_ORDER else 9,
            "rules": audit["rules"], "rule_names": rule_names, "n_findings": audit.get("n_findings") or 0,
            "reached": ctx["reached_label"],
            "reached_rank": REACHED.index(audit["order_reached"]) if audit.get("order_reached") in REACHED else -1,
            "reason": ctx["reason"] or ctx["error"] or "", "search": search,
        })
    if single:
        index = out_dir / "index.html"
    else:
        counts = audits["verdict"].value_counts().to_dict() if not audits.empty else {}
        all_rules = sorted({r for row in rows for r in row["rules"]})
        index = out_dir / "index.html"
        index.write_text(env.get_template("index.html.j2").render(
            root="",
            page_title=dlabel or text("title", lang),
            lang_switch=switch(index),
            cards=[(text("audited", lang), len(audits), "")] + [
                (label("verdict", v, lang), int(counts.get(v, 0)), v) for v in VERDICT_ORDER
            ] + [(text("findings", lang), len(findings), "")],
            charts=_charts(audits, findings, lang, titles),
            rows=rows,
            verdicts=[(v, label("verdict", v, lang)) for v in VERDICT_ORDER if counts.get(v)],
            rule_options=[(r, titles.get(r, {}).get(lang) or r) for r in all_rules],
            legend=[{"id": r, "title": t.get(lang) or r} for r, t in sorted(titles.items()) if r in all_rules],
            modes=sorted(modes.items(), key=lambda kv: -kv[1]),
            not_observed=sorted(not_observed.items(), key=lambda kv: -kv[1]),
            diff=diff,
            changes=_changes(run_dir, out_dir),
            generated=_times(datetime.now(UTC).replace(microsecond=0)),
        ), encoding="utf-8")
        if diff is not None:
            page = out_dir / "diff.html"
            page.write_text(env.get_template("diff.html.j2").render(
                root="", page_title=text("diff_page", lang), lang_switch=switch(page), diff=diff,
                status_label=lambda s: text(f"diff_{s}", lang) if f"diff_{s}" in _DIFF_WORDS else s,
            ), encoding="utf-8")
    cited = {cite(b).instrument.key for b in findings["legal_basis"].explode().dropna() if cite(b).known} \
        if not findings.empty else set()
    page = out_dir / "law.html"
    page.write_text(env.get_template("law.html.j2").render(
        root="", page_title=text("law_page", lang), lang_switch=switch(page), law=_law(lang, cited),
        titles=titles), encoding="utf-8")
    page = out_dir / "glossary.html"
    page.write_text(env.get_template("glossary.html.j2").render(
        root="", page_title=text("glossary", lang), lang_switch=switch(page),
        terms=[{"id": key, "term": term[lang], "text": body[lang]} for key, term, body in GLOSSARY]),
        encoding="utf-8")
    if other is not None:  # the other language's pages now get their link to these
        _relink(other[1], other[0], out_dir, lang)
    return index


_DIFF_WORDS = {"diff_fixed", "diff_new", "diff_unclear", "diff_unchanged", "diff_appeared", "diff_disappeared"}
