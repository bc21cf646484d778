"""Vendor style ``lazy_json`` ("懒加 LanJia"): skeleton loaders, the menu fetched as JSON
(``api/menu?page=N``, 6 items a page) after a delay, infinite scroll, a category
sidebar and a cart drawer.  Also hosts an app-only landing page.
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.sites.common import esc, footer_html, menu_of, page, qa_config
from sandbox.web import Req, Resp

SKIN = {"p": "lz", "color": "#e8453c", "div": False, "radius": "8px"}
PAGE_SIZE = 6
CSS = """body{margin:0;font-family:"PingFang SC",sans-serif;background:#fff;color:#333}
.lz-hd{display:flex;justify-content:space-between;align-items:center;padding:12px 14px;background:#fff5f4;border-bottom:1px solid #f3d6d3}
.lz-name{font-size:18px;font-weight:700;color:#e8453c}.lz-tb{font-size:12px;color:#999}
.lz-scan{border:1px solid #e8453c;background:#fff;color:#e8453c;border-radius:14px;padding:4px 10px}
.lz-main{display:flex;min-height:70vh}.lz-side{width:84px;background:#f7f7f7;position:sticky;top:0;align-self:flex-start}
.lz-side a{display:block;padding:14px 8px;color:#555;text-decoration:none;font-size:13px}
.lz-list{flex:1;padding:0 10px 120px}.lz-cat{margin:12px 0 4px;color:#888;font-weight:normal;font-size:13px}
.lz-item{display:flex;align-items:center;padding:10px 0;min-height:90px;border-bottom:1px solid #f3f3f3}.lz-item.out{opacity:.5}
.lz-img{width:64px;height:64px;border-radius:8px;background:linear-gradient(135deg,#ffd8d3,#ffe9c7);margin-right:10px}
.lz-info{flex:1}.lz-price{color:#e8453c;margin-top:6px}.lz-plus{width:28px;height:28px;border-radius:50%;border:0;background:#e8453c;color:#fff;font-size:20px}
.lz-spec{border:0;background:#e8453c;color:#fff;border-radius:12px;padding:4px 10px}.lz-out{color:#999;font-size:13px}
.lz-skel{display:flex;align-items:center;padding:10px 0}.lz-skel i{width:64px;height:64px;border-radius:8px;background:#eee;margin-right:10px}
.lz-skel b{display:block;height:12px;width:50%;background:#eee;margin:6px 0}.lz-skel b.s{width:30%}
.lz-sentinel{text-align:center;color:#bbb;font-size:12px;padding:10px 0}
.lz-bar{position:fixed;bottom:0;left:0;right:0;display:flex;justify-content:space-between;align-items:center;background:#222;color:#fff;padding:8px 12px;z-index:40}
.lz-go{background:#e8453c;color:#fff;border:0;border-radius:18px;padding:9px 22px;font-size:15px}.lz-go:disabled{background:#666}
.lz-drawer{position:fixed;inset:0;background:rgba(0,0,0,.4);z-index:600;display:flex;align-items:flex-end}
.lz-drawer-in{background:#fff;width:100%;padding:14px;border-radius:12px 12px 0 0}.lz-line{display:flex;justify-content:space-between;padding:6px 0}
.lz-opt{display:block;margin:8px 0}.lz-primary{display:block;width:100%;padding:11px;border:0;border-radius:20px;background:#e8453c;color:#fff;font-size:16px;margin-top:10px}
.lz-co{padding:12px 14px 100px}.lz-co input,.lz-co textarea,.lz-co select{width:100%;box-sizing:border-box;padding:8px;border:1px solid #ddd;border-radius:6px;margin-top:4px}
.lz-co input[type=radio],.lz-co input[type=checkbox]{width:auto}.co-err{color:#e8453c}
.lz-footer{font-size:12px;color:#aaa;text-align:center;padding:10px 8px 70px}.lz-footer a{color:#aaa}"""


def _app_only(m: dict[str, Any]) -> Resp:
    body = (f'<div style="text-align:center;padding:50px 20px;font-family:sans-serif"><h2>{esc(m["name"])}</h2>'
            f"<p>本店仅支持APP点餐</p><p>下载APP点餐，新用户首单立减5元</p>"
            f'<p><a href="https://apps.apple.com/cn/app/id0000000000" style="display:inline-block;background:#e8453c;color:#fff;'
            f'padding:10px 24px;border-radius:20px;text-decoration:none">下载APP点餐</a></p>'
            f'<p><a href="lanjia://order?shop={m["id"]}">已安装？打开APP</a></p></div>')
    return page(m, m["name"], body)


def handle(sb: Any, req: Req, m: dict[str, Any], rest: str) -> Resp:
    """Serve one request of a ``lazy_json`` merchant."""
    cfg = m["cfg"]
    if rest == "/api/menu":
        try:
            p = max(1, int(req.query.get("page", "1")))
        except ValueError:
            p = 1
        items = menu_of(m)
        chunk = items[(p - 1) * PAGE_SIZE: p * PAGE_SIZE]
        nxt = p + 1 if p * PAGE_SIZE < len(items) else None
        return Resp.json({"items": chunk, "next": nxt, "page": p})
    if rest != "/":
        return Resp("not found", 404, "text/plain")
    if cfg.get("special") == "app":
        return _app_only(m)
    conf = qa_config(sb, req, m, SKIN)
    footer = json.dumps(footer_html(m, "lz"), ensure_ascii=False).replace("</", "<\\/")
    body = (f'<div id="lz-root"></div><script>window.QA={conf};QA.footer={footer};QA.scan={json.dumps(bool(cfg.get("scan")))};</script>'
            f'<script src="/static/gates.js"></script><script src="/static/lazy.js"></script>')
    return page(m, m["name"], body, f"<style>{CSS}</style>")
