"""Vendor style ``web_components`` ("微卡 WeiKa"): custom elements with open shadow roots.

The page is ``<wk-shop>`` whose shadow root holds ``<wk-item>`` dishes (each with
its own shadow root and a real ``<button>``), a ``<wk-cartbar>``, ``<wk-sheet>``
spec pickers / cart, ``<wk-checkout>``; gate dialogs are ``<wk-dialog>`` hosts.
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.sites.common import footer_html, menu_of, page, qa_config
from sandbox.web import Req, Resp

SKIN = {"p": "wk", "color": "#7b3fe4", "div": False, "radius": "16px"}
CSS = ("body{margin:0;background:#f3effa;color:#2a1b4a}.wk-footer{font-size:12px;color:#8c7bab;text-align:center;"
       "padding:12px 8px 90px;font-family:sans-serif}.wk-footer a{color:#8c7bab}")


def handle(sb: Any, req: Req, m: dict[str, Any], rest: str) -> Resp:
    """Serve one request of a ``web_components`` merchant."""
    if rest != "/":
        return Resp("not found", 404, "text/plain")
    conf = qa_config(sb, req, m, SKIN)
    menu = json.dumps(menu_of(m), ensure_ascii=False).replace("</", "<\\/")
    footer = footer_html(m, "wk").replace("<footer ", '<footer slot="footer" ', 1)
    body = (f"<wk-shop>{footer}</wk-shop><script>window.QA={conf};QA.menu={menu};</script>"
            f'<script src="/static/gates.js"></script><script src="/static/wc.js"></script>')
    return page(m, m["name"], body, f"<style>{CSS}</style>")
