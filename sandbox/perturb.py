"""Perturbations of the sandbox: every merchant served again with its markup transformed.

``SandboxServer(perturb="icons")`` serves the district with ONE transform of
:data:`TRANSFORMS` applied to every HTML response (main documents and iframes).  The
merchants' behaviour, and so the ground truth, is the same under every transform: a
metamorphic test of the auditor (``benchmarks/perturb_bench.py``).  ``perturb=None`` (the
default) serves the sandbox untouched.

Many sandbox pages are built by JavaScript at run time, so transforming the HTML text is not
enough: every HTML response gets ``static/perturb/perturb.js`` inlined at the top of its
``<head>``; it applies the transform to the live DOM (a MutationObserver over the document and
every shadow root, patches of ``addEventListener`` / ``attachShadow`` / the lookup APIs).
Where it is simpler the server rewrites the HTML too (``hashed_classes``, ``zh_hant``,
``english``), serves a wrapper page (``iframe_wrap``) or waits (``slow``).

The page's own scripts keep working: lookups made *by the page* (``querySelector('.hs-plus')``,
``getElementById('app')``) are translated to the hashed names or see through the shadow
wrappers; the same calls made by anyone else (an auditor's ``evaluate``) behave natively.
"""

from __future__ import annotations

import codecs
import html
import json
import re
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from sandbox.perturb_words import convert, tables
from sandbox.web import Req, Resp

#: name -> what the transform does to every page
TRANSFORMS: dict[str, str] = {
    "icons": "text buttons and controls become icons with no accessible name: their text is removed and an "
             "inline SVG glyph (a background glyph for <input>) says what they do; aria-label/title dropped",
    "hashed_classes": "every class name and id hashed (_xxxxxxx), stylesheets rewritten to match; data-* kept; "
                      "the page's own lookups by class/id are translated",
    "div_buttons": "button / a / input[type=submit] become div / span / <x-tap> with the same handlers; a "
                   "submit control in a form calls form.requestSubmit(), a link navigates from a click handler",
    "touch_only": "click handlers answer touchend instead: a real tap still works, a mouse click on a control "
                  "does nothing (link and submit defaults are blocked unless the click comes from a tap)",
    "delegated": "click handlers delegated to one listener on the document that dispatches by target; the "
                 "elements themselves carry none",
    "zh_hant": "Simplified Chinese text shown in Traditional Chinese (zh-TW); numbers, prices, phones kept",
    "english": "Chinese text shown in English by a word table covering the sandbox; merchant names and "
               "addresses kept; numbers, prices, phones kept",
    "shadow_wrap": "page parts (the body's children, every form, every control outside a form) moved into "
                   "open shadow roots of <x-part> hosts, the page's styles adopted there",
    "iframe_wrap": "each top-level page is served as a same-origin wrapper whose body is one full-size iframe "
                   "showing the real page",
    "slow": "every response delayed 300 ms and every DOM insertion shown 300 ms late",
}

STATIC = Path(__file__).resolve().parent / "static" / "perturb"
SLOW_S = 0.3
#: transforms with a part that runs in the page
CLIENT = {"icons", "hashed_classes", "div_buttons", "touch_only", "delegated", "zh_hant", "english",
          "shadow_wrap", "slow"}


def check_name(name: str | None) -> str | None:
    """``name`` if it is ``None`` or a key of :data:`TRANSFORMS`; else ``ValueError``."""
    if name is not None and name not in TRANSFORMS:
        raise ValueError(f"unknown perturbation {name!r}; one of: {', '.join(TRANSFORMS)}")
    return name


# ---- the in-page script ------------------------------------------------------------------------

@lru_cache(maxsize=16)
def inject_script(name: str) -> str:
    """The ``<script>`` element put at the top of every HTML response under transform ``name``."""
    cfg: dict[str, Any] = {"t": name}
    if name in ("zh_hant", "english"):

        cfg["words"] = tables(name)
    if name == "slow":
        cfg["delay_ms"] = int(SLOW_S * 1000)
    src = (STATIC / "perturb.js").read_text(encoding="utf-8").rstrip().rstrip(";").replace("</", "<\\/")
    arg = json.dumps(cfg, ensure_ascii=False).replace("</", "<\\/")
    return f"<script>{src}({arg});\n//# sourceURL=qp-perturb.js\n</script>"


_HEAD = re.compile(r"<head\b[^>]*>", re.I)
_HTML = re.compile(r"<html\b[^>]*>", re.I)
_DOCTYPE = re.compile(r"\s*<!doctype[^>]*>", re.I)


def _ascii_js(src: str) -> str:
    """``src`` with every non-ASCII character written as a JavaScript escape (``\\uXXXX``, UTF-16),
    so the script reads the same in a page of any charset (GBK, Big5...)."""
    out = []
    for ch in src:
        if ord(ch) < 128:
            out.append(ch)
        else:
            b = ch.encode("utf-16-be")
            out.extend(f"\\u{int.from_bytes(b[i:i + 2], 'big'):04x}" for i in range(0, len(b), 2))
    return "".join(out)


def inject(doc: str, name: str, ascii_only: bool = False) -> str:
    """``doc`` with the transform's script as the first thing the parser runs (``ascii_only``: its
    non-ASCII characters escaped, for a page not in UTF-8)."""
    tag = inject_script(name)
    if ascii_only:
        tag = _ascii_js(tag)
    for rx in (_HEAD, _HTML, _DOCTYPE):
        m = rx.search(doc)
        if m:
            return doc[:m.end()] + tag + doc[m.end():]
    return tag + doc


# ---- server-side rewrites -------------------------------------------------------------------

_TOKENS = re.compile(r"(<script\b.*?</script\s*>|<style\b[^>]*>.*?</style\s*>|<textarea\b.*?</textarea\s*>"
                     r"|<!--.*?-->|<[a-zA-Z!/][^>]*>)", re.S | re.I)
_HASHED = re.compile(r"_[0-9a-z]{7}")


def hash_name(name: str) -> str:
    """The hashed form of a class name or id (FNV-1a, the same as ``hname`` in perturb.js)."""
    if not name or _HASHED.fullmatch(name):
        return name
    h = 0x811C9DC5
    for ch in "qp:" + name:
        h ^= ord(ch)
        h = (h * 0x01000193) & 0xFFFFFFFF
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while h:
        h, r = divmod(h, 36)
        out = digits[r] + out
    return "_" + out.rjust(7, "0")


def _hash_tokens(v: str) -> str:
    return " ".join(hash_name(t) for t in v.split())


def hash_selector(sel: str) -> str:
    """A CSS selector with its ``.class`` and ``#id`` parts hashed (strings and ``[...]`` left alone)."""
    out, i, n = [], 0, len(sel)
    ident = re.compile(r"-?[_a-zA-Z][-\w]*")
    while i < n:
        c = sel[i]
        if c in "\"'":
            j = sel.find(c, i + 1)
            j = n - 1 if j < 0 else j
            out.append(sel[i:j + 1])
            i = j + 1
        elif c == "[":
            k, q = i + 1, ""
            while k < n:
                ch = sel[k]
                if q:
                    q = "" if ch == q else q
                elif ch in "\"'":
                    q = ch
                elif ch == "]":
                    break
                k += 1
            out.append(sel[i:k + 1])
            i = k + 1
        elif c == "\\":
            out.append(sel[i:i + 2])
            i += 2
        elif c in ".#" and (m := ident.match(sel, i + 1)):
            out.append(c + hash_name(m.group(0)))
            i = m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _skip_string(css: str, i: int) -> int:
    q, j = css[i], i + 1
    while j < len(css) and css[j] != q:
        j += 2 if css[j] == "\\" else 1
    return j + 1


def _brace_end(css: str, open_: int) -> int:
    depth, i = 0, open_
    while i < len(css):
        c = css[i]
        if css.startswith("/*", i):
            e = css.find("*/", i + 2)
            i = len(css) if e < 0 else e + 2
            continue
        if c in "\"'":
            i = _skip_string(css, i)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(css) - 1


def hash_css(css: str) -> str:
    """A stylesheet with the selectors of its rules hashed (declarations, @keyframes left alone)."""
    out, i, n, start = [], 0, len(css), 0
    while i < n:
        c = css[i]
        if css.startswith("/*", i):
            e = css.find("*/", i + 2)
            i = n if e < 0 else e + 2
        elif c in "\"'":
            i = _skip_string(css, i)
        elif c in ";}":
            out.append(css[start:i + 1])
            i += 1
            start = i
        elif c == "{":
            prelude, end = css[start:i], _brace_end(css, i)
            body = css[i + 1:end]
            if prelude.lstrip().startswith("@"):
                nested = re.match(r"\s*@(media|supports|layer|container|document)", prelude, re.I)
                out.append(prelude + "{" + (hash_css(body) if nested else body) + "}")
            else:
                out.append(hash_selector(prelude) + "{" + body + "}")
            i = end + 1
            start = i
        else:
            i += 1
    out.append(css[start:])
    return "".join(out)


_ATTR = re.compile(r"""(\s)(class|id)(\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I)


def _hash_attrs(tag: str) -> str:
    def one(m: re.Match) -> str:
        v = next(g for g in (m.group(4), m.group(5), m.group(6)) if g is not None)
        hv = _hash_tokens(v) if m.group(2).lower() == "class" else hash_name(v.strip())
        q = "'" if m.group(5) is not None else '"'
        return m.group(1) + m.group(2) + m.group(3) + q + hv + q
    return _ATTR.sub(one, tag)


def hash_html(doc: str) -> str:
    """Hash the class/id attributes and ``<style>`` rules of an HTML document (scripts untouched)."""
    out = []
    for part in _TOKENS.split(doc):
        low = part[:9].lower()
        if low.startswith("<style"):
            m = re.match(r"(<style\b[^>]*>)(.*?)(</style\s*>)", part, re.S | re.I)
            out.append(_hash_attrs(m.group(1)) + hash_css(m.group(2)) + m.group(3) if m else part)
        elif low.startswith("<script") or part.startswith("<!--"):
            out.append(part)
        elif part.startswith("<") and len(part) > 1 and part[1].isalpha():
            out.append(_hash_attrs(part))
        else:
            out.append(part)
    return "".join(out)


_TEXT_ATTR = re.compile(r"""(\s(?:placeholder|title|alt|aria-label)\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.I)
_LANG = re.compile(r"""(<html\b[^>]*?\slang\s*=\s*)(?:"[^"]*"|'[^']*')""", re.I)


def translate_html(doc: str, name: str) -> str:
    """The visible text (text nodes, ``<title>``, placeholder/title/alt/aria-label) of ``doc`` converted."""

    def text(s: str) -> str:
        return html.escape(convert(name, html.unescape(s)), quote=False) if s.strip() else s

    def attrs(tag: str) -> str:
        def one(m: re.Match) -> str:
            v = m.group(2) if m.group(2) is not None else m.group(3)
            return m.group(1) + '"' + html.escape(convert(name, html.unescape(v)), quote=True) + '"'
        return _TEXT_ATTR.sub(one, tag)

    out = []
    for part in _TOKENS.split(doc):
        low = part[:9].lower()
        if low.startswith(("<script", "<style", "<textarea")) or part.startswith("<!--"):
            out.append(part)
        elif part.startswith("<"):
            out.append(attrs(part))
        else:
            out.append(text(part))
    return _LANG.sub(lambda m: m.group(1) + '"' + tables(name)["lang"] + '"', "".join(out), count=1)


_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)


def iframe_wrapper(doc: str, req: Req) -> str:
    """A page whose whole body is one same-origin iframe showing ``req``'s URL."""
    src = req.path + ("?" + req.raw_query if req.raw_query else "")
    m = _TITLE.search(doc)
    title = m.group(1) if m else ""
    lang = re.search(r"""<html\b[^>]*?\slang\s*=\s*["']([^"']*)""", doc, re.I)
    return (f'<!DOCTYPE html><html lang="{lang.group(1) if lang else "zh-CN"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">'
            f"<title>{title}</title><style>html,body{{margin:0;height:100%;overflow:hidden}}"
            f"iframe{{display:block;border:0;width:100%;height:100%}}</style></head>"
            f'<body><iframe src="{html.escape(src, quote=True)}" title="{title}"></iframe></body></html>')


# ---- the server hook ----------------------------------------------------------------------------

def apply(name: str | None, req: Req, resp: Resp, third_party: bool = False) -> Resp:
    """The response ``resp`` to ``req`` as the sandbox serves it under transform ``name``."""
    if not name:
        return resp
    if name == "slow":
        time.sleep(SLOW_S)
    if third_party or not resp.ctype.startswith("text/html") or not resp.body:
        return resp
    # the page's charset: its Content-Type, else its <meta charset> (a GBK page is read and written back as GBK)
    m = re.search(r"charset=([\w-]+)", resp.ctype, re.I) or \
        re.search(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", resp.body[:4096], re.I)
    charset = (m.group(1) if m else "utf-8")
    charset = (charset.decode("ascii") if isinstance(charset, bytes) else charset).lower()
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    doc = resp.body.decode(charset, "replace")
    if name == "iframe_wrap":
        top = (req.headers.get("Sec-Fetch-Dest") or "").lower() == "document"
        if top and req.method == "GET" and resp.status == 200:
            return Resp(iframe_wrapper(doc, req), resp.status, "text/html; charset=utf-8", resp.headers)
        return resp
    if name == "hashed_classes":
        doc = hash_html(doc)
    elif name in ("zh_hant", "english"):
        doc = translate_html(doc, name)
    if name in CLIENT:
        doc = inject(doc, name, ascii_only=charset not in ("utf-8", "utf8"))
    return Resp(doc.encode(charset, "xmlcharrefreplace"), resp.status, resp.ctype, resp.headers)


__all__ = ["TRANSFORMS", "apply", "check_name", "hash_name", "hash_css", "hash_html", "hash_selector",
           "inject_script", "translate_html", "iframe_wrapper"]
