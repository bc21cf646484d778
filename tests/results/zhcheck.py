"""Check that a Chinese report page shows no Latin-letter word except in the allowed kinds.

Allowed, each only where marked up as such and only when it really is one:

* a URL (``.url``): a link with a scheme, a host, or the name of an evidence file;
* a rule id in code style (``code.rule``): a registered rule;
* a selector (``code.selector``): one a finding of the run names;
* a hash (``code.hash``): hexadecimal (merchant ids, visit ids, SHA-256, shortened with …);
* quoted page text (``.page``): text the merchant's pages or records show (names,
  addresses, gate texts, button labels), found in the run's traces or merchant records;
* a canary value (``code.canary``): one the audit typed;
* identifiers (``code.id``): the run's id, the compared run's id, the district's name, the
  merchants' and visits' ids, the tool's name;
* technical values recorded verbatim (``code.tech``): the browser version and user agent
  of the run, OAuth scopes of the findings, hash-algorithm names;
* published titles (``cite.law``): the Chinese titles of the legal texts cited.

Everything else a reader sees (text, ``placeholder``, ``title``, CSS-shown ``data-label``,
``<title>``) must have no Latin letter.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, NavigableString

from core.trace import Trace
from detectors.engine import load_rules
from results.api import Results
from results.report.citations import official_titles

LATIN = re.compile(r"[A-Za-z]+")
URL = re.compile(r"^[a-z][a-z0-9+.-]*://\S*$", re.I)
HOST = re.compile(r"^[\w.-]+(:\d+)?$")
FILE = re.compile(r"^[\w./-]+\.(png|jpg|html|json)$")
HEX = re.compile(r"^[0-9a-f]{6,64}(-[0-9a-f]{6,})?…?$")
ALGOS = {"MD5", "SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512", "Base64"}
KINDS = {"url": ".url", "rule": "code.rule", "selector": "code.selector", "hash": "code.hash", "page": ".page",
         "canary": "code.canary", "id": "code.id", "tech": "code.tech", "law": "cite.law"}
VISIBLE_ATTRS = ("placeholder", "title", "data-label", "alt", "aria-label")


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


class RunFacts:
    """What the allowed kinds are checked against, for one run of a data folder."""

    def __init__(self, data_dir: Path, run_id: str) -> None:
        res = Results(data_dir)
        self.run_id = run_id
        run = res.run(run_id)
        self.ids = {run_id, "qraudit", str(run.get("district") or "")}
        prev = res.previous_run(run_id)
        if prev:
            self.ids.add(prev)
            self.ids |= {str(x) for x in res.audits(prev)["merchant_id"]}
        self.tech = {str(run.get("browser_version") or ""), str(run.get("user_agent") or "")} | ALGOS
        self.rules = set(load_rules())
        self.selectors: set[str] = set()
        for ev in res.findings(run_id)["evidence"]:
            if ev.get("selector"):
                self.selectors.add(ev["selector"])
            for key in ("scope", "api"):
                if ev.get(key):
                    self.tech.add(str(ev[key]))
        texts: list[str] = []
        self.canaries: set[str] = set()
        audits = res.audits(run_id)
        self.ids |= {str(x) for x in audits["merchant_id"]} | {str(x) for x in audits["visit_id"] if x}
        for rec in audits.to_dict("records"):
            texts += [str(rec.get("name") or ""), str(rec.get("address") or "")]
            path = Path(rec["evidence_dir"]) / "trace.json"
            if path.is_file():
                self._trace_texts(Trace.load(path), texts)
        gates = res.gates(run_id)
        texts += [str(t or "") for t in gates["text"]]
        self.corpus = "\n".join(_norm(t) for t in texts if t)
        self.titles = official_titles()

    def _trace_texts(self, trace: Trace, texts: list[str]) -> None:
        self.canaries |= {str(v) for v in (trace.canaries or {}).values()}

        def walk(obj: Any) -> None:
            if isinstance(obj, dict):
                for k, v in obj.items():
                    if k in ("text", "visible_text", "label", "placeholder", "note") and isinstance(v, str):
                        texts.append(v)
                    elif k == "selector" and isinstance(v, str):
                        self.selectors.add(v)
                    else:
                        walk(v)
            elif isinstance(obj, list):
                for v in obj:
                    walk(v)

        walk(dataclasses.asdict(trace))

    def allowed(self, kind: str, text: str) -> bool:
        t = _norm(text)
        if not t:
            return True
        if kind == "url":
            return bool(URL.match(t) or HOST.match(t) or FILE.match(t))
        if kind == "rule":
            return t in self.rules
        if kind == "selector":
            return t in self.selectors
        if kind == "hash":
            return bool(HEX.match(t))
        if kind == "page":  # quoted whole, or a list of quoted labels ("姓名 *, 生日 *")
            parts = [x.strip().rstrip("…") for x in re.split(r",\s|\s-\s|\n", text) if x.strip()]
            return t.rstrip("…") in self.corpus or all(_norm(x) in self.corpus for x in parts)
        if kind == "canary":
            return t in self.canaries
        if kind == "id":
            return t in self.ids
        if kind == "tech":
            return t in self.tech
        if kind == "law":
            return t in self.titles
        return False


def problems(html: str, facts: RunFacts) -> list[str]:
    """Latin-letter words shown outside the allowed kinds, and allowed kinds that are not
    what they claim (each as one line)."""
    soup = BeautifulSoup(html, "html.parser")
    out: list[str] = []
    for el in soup(["script", "style"]):
        el.decompose()
    title = soup.find("title")
    if title is not None:  # "<page title> · 扫码点餐个人信息审计报告": a merchant's name is page text
        head, _, rest = title.get_text().partition(" · ")
        if LATIN.search(rest) or (LATIN.search(head) and not facts.allowed("page", head)):
            out.append(f"Latin in <title>: {title.get_text()!r}")
        title.decompose()
    marked = set()
    for kind, css in KINDS.items():
        for el in soup.select(css):
            if any(id(p) in marked for p in el.parents):
                continue
            marked.add(id(el))
            text = el.get_text(" ")
            if kind != "url" and kind != "page" and el.select(", ".join(KINDS.values())):
                out.append(f"{kind} holds other marked text: {_norm(text)[:80]!r}")
            if not facts.allowed(kind, text):
                out.append(f"not a {kind}: {_norm(text)[:120]!r}")
    for node in soup.find_all(string=True):
        if not isinstance(node, NavigableString) or node.parent is None:
            continue
        if node.parent.name in ("[document]",) or type(node).__name__ in ("Comment", "Doctype"):
            continue
        if any(id(p) in marked for p in node.parents):
            continue
        words = LATIN.findall(str(node))
        if words:
            where = node.parent.name + ("." + ".".join(node.parent.get("class", [])) if node.parent.get("class") else "")
            out.append(f"Latin in <{where}>: {_norm(str(node))[:100]!r}")
    for el in soup.find_all(True):
        for attr in VISIBLE_ATTRS:
            val = el.get(attr)
            if isinstance(val, str) and LATIN.search(val):
                out.append(f"Latin in {el.name}[{attr}]: {val[:100]!r}")
    return out
