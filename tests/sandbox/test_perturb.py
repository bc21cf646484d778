"""The sandbox's perturbations (``sandbox/perturb.py``) in a real Chromium.

For every transform and one merchant of every vendor style (all but the ``forms`` one build
their page with JavaScript): the rendered page differs from the untransformed one in the way
the transform promises (a transform that leaves the page as it was fails), and a diner can
still use it: tapping the add control of a dish puts the dish in the cart and the page shows it.

No invariance figure of the auditor is asserted here (``benchmarks/perturb_bench.py`` prints
them).  ``tests/sandbox`` has no ``__init__.py`` on purpose: as a package it would be named
``sandbox`` and shadow the real one.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from sandbox.perturb import TRANSFORMS, hash_name, inject_script
from sandbox.perturb_words import HANT_PATH, convert, keep
from sandbox.server import SandboxServer

#: vendor -> (merchant, frames between the top page and the menu, add control, item id); all zh-Hans,
#: no gate before the menu, and the chosen dish has no size to pick
REPS = {
    "forms": ("m02", 0, 'form:has(input[name="id"][value="n2"]) > :not(input)', "n2"),
    "hash_spa": ("m16", 0, '[data-i="0"]', "b1"),
    "web_components": ("m22", 0, 'wk-item[idx="2"] >> [part=add]', "t3"),
    "iframe_shell": ("m32", 1, '[data-i="0"]', "b1"),
    "lazy_json": ("m37", 0, '[data-i="1"]', "d2"),
}
WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
HASHED = re.compile(r"_[0-9a-z]{7}")

# what the rendered page looks like, read with the browser's own (unpatched for us) APIs
FACTS_JS = r"""(el) => {
  const doc = el.ownerDocument, els = [];
  const walk = (r) => { for (const e of r.querySelectorAll('*')) { els.push(e); if (e.shadowRoot) walk(e.shadowRoot); } };
  walk(doc);
  const cs = getComputedStyle(el), root = el.getRootNode();
  const info = (a) => /privacy|policy|^tel:|^mailto:/i.test(a.getAttribute('href') || '');
  const controls = els.filter((e) => e.localName === 'button' || (e.localName === 'input' && /^(submit|button)$/i.test(e.type))
    || (e.localName === 'a' && e.hasAttribute('href') && !info(e)) || /^(button|link)$/.test(e.getAttribute('role') || ''));
  return {
    tag: el.localName, text: (el.textContent || '').trim() + (el.localName === 'input' ? el.value : ''),
    aria: el.getAttribute('aria-label'), title: el.getAttribute('title'),
    icon: !!el.querySelector('svg') || cs.backgroundImage.startsWith('url('),
    bg: cs.backgroundColor, cls: el.getAttribute('class') || '',
    host: root instanceof ShadowRoot ? root.host.localName : null,
    buttons: els.filter((e) => e.localName === 'button').length,
    links: els.filter((e) => e.localName === 'a' && e.hasAttribute('href')).length,
    submits: els.filter((e) => e.localName === 'input' && /^(submit|button|image)$/i.test(e.type)).length,
    classes: [...new Set(els.flatMap((e) => [...e.classList]))],
    ids: els.map((e) => e.getAttribute('id')).filter(Boolean),
    worded_controls: controls.map((e) => ((e.textContent || '') + (e.value || '') + (e.getAttribute('aria-label') || '')).trim())
      .filter((t) => /\p{L}/u.test(t)),
  };
}"""
TEXT_JS = r"""() => {
  let s = '';
  const rec = (n) => {
    if (n.nodeType === 3) { s += n.nodeValue + ' '; return; }
    if (n.nodeType !== 1 && n.nodeType !== 9 && n.nodeType !== 11) return;
    if (n.nodeType === 1) {
      if (['script', 'style', 'noscript', 'template'].includes(n.localName)) return;
      const cs = getComputedStyle(n);
      if (cs.display === 'none' || cs.visibility === 'hidden') return;
      if (n.placeholder) s += n.placeholder + ' ';
      if (n.shadowRoot) rec(n.shadowRoot);
    }
    for (const k of n.childNodes) rec(k);
  };
  rec(document);
  return s.replace(/\s+/g, ' ');
}"""
# the add control found with native APIs, for the DevTools protocol (listeners)
FIND_JS = r"""(function (depth, sel) {
  const deepQ = (root, s) => { const e = root.querySelector(s); if (e) return e;
    for (const h of root.querySelectorAll('*')) if (h.shadowRoot) { const x = deepQ(h.shadowRoot, s); if (x) return x; } return null; };
  let doc = document;
  for (let i = 0; i < depth; i++) doc = deepQ(doc, 'iframe').contentDocument;
  if (!sel) return doc;
  let node = doc;
  for (const part of sel.split(' >> ')) node = deepQ(node.nodeType === 1 && node.shadowRoot ? node.shadowRoot : node, part);
  return node;
})(%d, %s)"""


# ---- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def perturbed():
    """``perturbed(name)``: the sandbox under transform ``name`` (started once per module)."""
    servers: dict[str, SandboxServer] = {}

    def get(name: str) -> SandboxServer:
        if name not in servers:
            servers[name] = SandboxServer(perturb=name).start()
        return servers[name]

    yield get
    for sb in servers.values():
        sb.stop()


@pytest.fixture
def phone(browser):
    """``phone()``: a fresh touch-screen context (WeChat UA, phone viewport) and a page in it."""
    contexts = []

    def make():
        ctx = browser.new_context(has_touch=True, is_mobile=True, user_agent=WECHAT_UA,
                                  viewport={"width": 390, "height": 844}, locale="zh-CN")
        contexts.append(ctx)
        return ctx, ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


class Visit:
    """One merchant opened under one transform (or none), and what the page shows."""

    def __init__(self, make, sb: SandboxServer, vendor: str, extra_depth: int = 0):
        self.mid, depth, self.sel, self.item = REPS[vendor]
        self.depth = depth + extra_depth
        self.ctx, self.page = make()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(sb.merchant_url(self.mid))
        scope = self.page
        for _ in range(self.depth):
            scope = scope.frame_locator("iframe").first
        self.add = scope.locator(self.sel).first
        self.add.wait_for(state="visible", timeout=10000)

    def facts(self) -> dict:
        return self.add.evaluate(FACTS_JS)

    def text(self) -> str:
        """The visible text of every frame (shadow roots included); "" while a navigation is under way."""
        try:
            return " ".join(f.evaluate(TEXT_JS) for f in self.page.frames)
        except Exception:
            return ""

    def cart(self) -> int:
        """How many dishes the merchant's own state says are in the cart."""
        if self.mid == "m02":
            raw = next((c["value"] for c in self.ctx.cookies() if c["name"] == "kd_cart"), "")
            return len([x for x in raw.replace("%7C", "|").split("|") if x])
        items = json.loads(self.page.evaluate(f"localStorage.getItem('qa:{self.mid}:cart')") or "[]")
        return sum(x["n"] for x in items)

    def wait_cart(self, n: int, timeout: float = 6.0) -> int:
        end = time.monotonic() + timeout
        while True:
            try:
                got = self.cart()
            except Exception:  # a navigation in flight (forms): ask again
                got = -1
            if got == n or time.monotonic() > end:
                return got
            self.page.wait_for_timeout(100)

    def listeners(self, sel: str | None) -> list[str]:
        """Event types the DevTools protocol lists on the add control (``sel``) or its document."""
        cdp = self.ctx.new_cdp_session(self.page)
        try:
            if not self.depth:
                oid = cdp.send("Runtime.evaluate", {"expression": FIND_JS % (0, json.dumps(sel))})["result"]["objectId"]
            else:   # an object reached through contentDocument shows no listeners: resolve the node in its frame
                node = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
                for _ in range(self.depth):
                    node = _first_iframe(node)["contentDocument"]
                nid = node["nodeId"]
                if sel:
                    nid = cdp.send("DOM.querySelector", {"nodeId": nid, "selector": sel})["nodeId"]
                oid = cdp.send("DOM.resolveNode", {"nodeId": nid})["object"]["objectId"]
            return [x["type"] for x in cdp.send("DOMDebugger.getEventListeners", {"objectId": oid})["listeners"]]
        finally:
            cdp.detach()


def _first_iframe(node: dict) -> dict:
    for kid in node.get("children", []) + node.get("shadowRoots", []):
        if kid.get("nodeName") == "IFRAME":
            return kid
        found = _first_iframe(kid)
        if found:
            return found
    return {}


_BASE: dict[str, dict] = {}


@pytest.fixture
def baseline(sandbox, phone):
    """``baseline(vendor)``: facts, text and listeners of the untransformed page (cached)."""

    def get(vendor: str) -> dict:
        if vendor not in _BASE:
            v = Visit(phone, sandbox, vendor)
            _BASE[vendor] = {"facts": v.facts(), "text": v.text(), "add_listeners": v.listeners(REPS[vendor][2]),
                             "doc_listeners": v.listeners(None), "cart": v.cart()}
        return _BASE[vendor]

    return get


# ---- what each transform promises -------------------------------------------------------------

def _hant_only() -> set[str]:
    return set(json.loads(Path(HANT_PATH).read_text(encoding="utf-8"))["s2t"]["chars"])


def check_icons(v: Visit, base: dict) -> None:
    f, b = v.facts(), base["facts"]
    assert b["text"], "the untransformed add control has a label"
    assert f["text"] == "" and f["icon"], f"the add control should be a bare icon, is {f['tag']} {f['text']!r}"
    assert not f["aria"] and not f["title"], "the icon has no accessible name"
    assert b["worded_controls"] and not f["worded_controls"], f"controls still worded: {f['worded_controls'][:5]}"


def check_hashed_classes(v: Visit, base: dict) -> None:
    f, b = v.facts(), base["facts"]
    assert b["classes"] and not all(HASHED.fullmatch(c) for c in b["classes"])
    plain = [c for c in f["classes"] if not HASHED.fullmatch(c)] + [i for i in f["ids"] if not HASHED.fullmatch(i)]
    assert f["classes"] and not plain, f"unhashed class/id names left: {plain[:8]}"
    assert f["cls"] == " ".join(hash_name(c) for c in b["cls"].split()), "hashed consistently"
    assert f["bg"] == b["bg"] and f["bg"] not in ("rgba(0, 0, 0, 0)", "transparent"), "the stylesheet still applies"


def check_div_buttons(v: Visit, base: dict) -> None:
    f, b = v.facts(), base["facts"]
    assert b["buttons"] + b["links"] + b["submits"] > 0
    assert (f["buttons"], f["links"], f["submits"]) == (0, 0, 0), f"native controls left: {f}"
    assert f["tag"] in ("div", "span", "x-tap") and b["tag"] in ("button", "div", "a")
    assert "click" in v.listeners(v.sel), "the replacement carries the handler (forms: one that submits the form)"


def check_touch_only(v: Visit, base: dict) -> None:
    assert v.cart() == 0
    v.add.click(timeout=5000)   # a mouse click
    v.page.wait_for_timeout(700)
    assert v.wait_cart(0, timeout=0.1) == 0, "a mouse click on the add control must do nothing"


def check_delegated(v: Visit, base: dict) -> None:
    add, doc = v.listeners(v.sel), v.listeners(None)
    assert "click" not in add, f"the add control still carries a click listener: {add}"
    assert "click" in doc and doc.count("click") > base["doc_listeners"].count("click"), "one listener on the document"
    if v.mid != "m02":   # the JS vendors had one on the control itself
        assert "click" in base["add_listeners"]


def check_zh_hant(v: Visit, base: dict) -> None:
    simp = _hant_only()
    before, after = base["text"], v.text()
    assert {c for c in before if c in simp}, "the untransformed page is in Simplified Chinese"
    left = sorted({c for c in after if c in simp})
    assert not left, f"Simplified-only characters left: {''.join(left)}"
    assert HAN.search(after) and after != before


def check_english(v: Visit, base: dict) -> None:
    before, after = base["text"], v.text()
    for k in keep():
        before, after = before.replace(k, " "), after.replace(k, " ")
    assert HAN.search(before), "the untransformed page is in Chinese"
    left = sorted(set(HAN.findall(after)))
    assert not left, f"Han characters left: {''.join(left)} in {after[:300]!r}"
    assert re.search(r"[A-Za-z]{3}", after)


def check_shadow_wrap(v: Visit, base: dict) -> None:
    f, b = v.facts(), base["facts"]
    assert b["host"] != "x-part" and f["host"] == "x-part", f"the add control sits in {f['host']!r}"


def check_iframe_wrap(v: Visit, base: dict) -> None:
    top = v.page.evaluate("() => [...document.body.children].map((e) => e.localName)")
    assert top == ["iframe"], f"the top page's body should be one iframe, is {top}"
    top_text = v.page.main_frame.evaluate(TEXT_JS)
    assert not HAN.search(top_text), f"the top page shows text of its own: {top_text[:80]!r}"
    assert v.page.frames[1].url.split("?")[0] == v.page.url.split("?")[0], "a same-origin frame of the same page"


def check_slow(v: Visit, base: dict) -> None:
    nav = v.page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0]; return n.responseStart - n.requestStart; }")
    assert nav >= 250, f"the page answered in {nav:.0f} ms"
    shown = v.page.evaluate("""async () => {
      const d = document.createElement('div'); d.textContent = 'x'; document.body.appendChild(d);
      await Promise.resolve(); await new Promise((r) => setTimeout(r, 20));
      const early = getComputedStyle(d).display;
      await new Promise((r) => setTimeout(r, 450));
      const late = getComputedStyle(d).display; d.remove(); return [early, late];
    }""")
    assert shown == ["none", "block"], f"an insertion should show up late: {shown}"


CHECKS = {name: globals()["check_" + name] for name in TRANSFORMS}


# ---- tests ------------------------------------------------------------------------------------

def test_transforms_and_server_option():
    assert set(TRANSFORMS) == {"icons", "hashed_classes", "div_buttons", "touch_only", "delegated", "zh_hant",
                               "english", "shadow_wrap", "iframe_wrap", "slow"}
    assert all(len(d) > 20 for d in TRANSFORMS.values())
    with pytest.raises(ValueError):
        SandboxServer(perturb="upside_down")
    assert SandboxServer().perturb is None
    assert "qp-perturb.js" in inject_script("icons") and "</script" not in inject_script("english")[8:-9]


def test_word_tables_cover_what_the_sandbox_shows():
    """Every Chinese string of the sandbox's sources comes out of ``english`` without Han characters
    (merchant names and addresses kept) and out of ``zh_hant`` without Simplified-only ones."""
    root = Path(__file__).resolve().parents[2] / "sandbox"
    runs = set()
    for p in list(root.rglob("*.py")) + list((root / "static").glob("*.js")):
        if not p.name.startswith("perturb"):
            runs.update(re.findall(r"[\u3400-\u9fff\uf900-\ufaff][^\x00-\x7f]*", p.read_text(encoding="utf-8")))
    names = keep()
    simp = _hant_only()
    assert len(runs) > 300
    for r in runs:
        en = convert("english", r)
        if not any(k.startswith(r) or r in k for k in names):
            assert not HAN.search(en), (r, en)
        assert not simp & set(convert("zh_hant", r)), r
    assert convert("english", "合计 ¥28 · 13812345678") == "Total ¥28 · 13812345678"
    assert convert("zh_hant", "购物车（1）") == "購物車（1）"


@pytest.mark.browser
@pytest.mark.parametrize("vendor", list(REPS))
@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_perturbed_page_differs_and_still_takes_an_order(name, vendor, perturbed, phone, baseline):
    """(a) the rendered page differs as ``name`` promises; (b) tapping the add control adds the dish."""
    base = baseline(vendor)
    assert base["cart"] == 0
    v = Visit(phone, perturbed(name), vendor, extra_depth=1 if name == "iframe_wrap" else 0)
    CHECKS[name](v, base)
    text_before = v.text()
    v.add.tap(timeout=5000)
    assert v.wait_cart(1) == 1, f"{name}/{vendor}: tapping the add control did not add the dish"
    end = time.monotonic() + 3
    while v.text() in ("", text_before) and time.monotonic() < end:
        v.page.wait_for_timeout(100)
    assert v.text() not in ("", text_before), f"{name}/{vendor}: the page does not show the cart change"
    assert not v.errors, f"{name}/{vendor}: page errors {v.errors}"
