"""Vendor style ``hash_spa`` ("扫扫点 SaoSao"): a vanilla-JS single-page app with hash routes.

The server sends one shell page; ``static/spa.js`` renders #/menu, #/cart,
#/checkout and #/done with clickable ``<div>``s (``cursor:pointer``) and an
icon-only cart; gates come from ``static/gates.js`` with ``div`` controls.
Also hosts two non-auditable pages: a script that throws on load and a
"open in the mini-program" page.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from sandbox.sites.common import esc, footer_html, mbase, menu_of, page, qa_config
from sandbox.web import Req, Resp

CSS = """
body{margin:0;font-family:-apple-system,"PingFang SC",sans-serif;background:#eef3fb;color:#1f2d3d}
.hs-head{background:linear-gradient(90deg,#1677ff,#4096ff);color:#fff;padding:14px;display:flex;justify-content:space-between;align-items:center}
.hs-title{font-size:19px;font-weight:600}.hs-sub{font-size:12px;opacity:.85}
.hs-carticon{position:relative;width:40px;height:40px;display:flex;align-items:center;justify-content:center;cursor:pointer}
.hs-badge{position:absolute;top:0;right:0;background:#ff4d4f;color:#fff;border-radius:9px;font-size:11px;min-width:16px;text-align:center;display:none}
.hs-list{padding:0 10px 80px}.hs-cat{font-weight:600;margin:14px 4px 6px;color:#1677ff}
.hs-item{display:flex;align-items:center;background:#fff;border-radius:12px;padding:10px;margin:8px 0}
.hs-pic{width:52px;height:52px;border-radius:10px;background:#d6e4ff;display:flex;align-items:center;justify-content:center;font-size:22px;color:#1677ff;margin-right:10px}
.hs-info{flex:1}.hs-name{font-size:15px}.hs-price{color:#ff4d4f;margin-top:4px}
.hs-plus{width:30px;height:30px;border-radius:50%;background:#1677ff;color:#fff;font-size:22px;line-height:28px;text-align:center;cursor:pointer}
.hs-specbtn{background:#1677ff;color:#fff;border-radius:14px;padding:4px 10px;font-size:13px;cursor:pointer}
.hs-bar{position:fixed;left:0;right:0;bottom:0;background:#1f2d3d;color:#fff;display:flex;justify-content:space-between;align-items:center;padding:8px 12px}
.hs-primary{background:#1677ff;color:#fff;border-radius:20px;padding:9px 22px;cursor:pointer;text-align:center}
.hs-page{background:#fff;margin:10px;border-radius:12px;padding:12px 14px 20px}.hs-h2{font-size:18px;font-weight:600;margin-bottom:8px}
.hs-line{display:flex;justify-content:space-between;padding:8px 0;border-bottom:1px solid #eee}.hs-link{color:#1677ff;margin-top:12px;cursor:pointer}
.hs-co input,.hs-co textarea,.hs-co select{width:100%;box-sizing:border-box;padding:8px;border:1px solid #d9d9d9;border-radius:8px;margin-top:4px}
.hs-co input[type=radio],.hs-co input[type=checkbox]{width:auto}
.hs-err{color:#ff4d4f;font-size:13px;min-height:16px}
.hs-sheetmask{position:fixed;inset:0;background:rgba(0,0,0,.45);z-index:800;display:flex;align-items:flex-end}
.hs-sheet{background:#fff;width:100%;border-radius:14px 14px 0 0;padding:14px}.hs-sheet-t{font-weight:600;margin-bottom:10px}
.hs-opt{display:inline-block;border:1px solid #ccc;border-radius:14px;padding:5px 14px;margin:4px;cursor:pointer}.hs-opt.on{border-color:#1677ff;color:#1677ff}
.hs-sheet .hs-primary{margin-top:12px}
.hs-toast{position:fixed;top:40%;left:50%;transform:translateX(-50%);background:rgba(0,0,0,.75);color:#fff;padding:8px 16px;border-radius:6px;z-index:9999}
.hs-footer{font-size:12px;color:#8a94a6;text-align:center;padding:14px 8px 80px}.hs-footer a{color:#8a94a6}
.hs-loading{padding:40px;text-align:center;color:#999}
"""

SKIN = {"p": "hs", "color": "#1677ff", "div": True, "radius": "14px"}


def _mini_program(m: dict[str, Any]) -> Resp:
    qr = "/qr.png?d=" + quote("https://wxaurl.cn/qaFake" + m["id"])
    body = (f'<div style="text-align:center;padding:40px 16px;font-family:sans-serif"><h2>{esc(m["name"])}</h2>'
            f"<p>请在微信小程序中打开</p><p>本店点餐已迁移至微信小程序，请长按识别小程序码</p>"
            f'<img src="{qr}" width="180" height="180" alt="小程序码">'
            f'<p><a href="weixin://dl/business/?t=QaFake{m["id"]}x9" style="display:inline-block;background:#07c160;'
            f'color:#fff;padding:10px 26px;border-radius:22px;text-decoration:none">打开小程序</a></p></div>')
    return page(m, m["name"], body)


def handle(sb: Any, req: Req, m: dict[str, Any], rest: str) -> Resp:
    """Serve one request of a ``hash_spa`` merchant."""
    cfg = m["cfg"]
    if rest != "/":
        return Resp("not found", 404, "text/plain")
    if cfg.get("special") == "miniprogram":
        return _mini_program(m)
    conf = qa_config(sb, req, m, SKIN)
    menu = json.dumps(menu_of(m), ensure_ascii=False).replace("</", "<\\/")
    footer = json.dumps(footer_html(m, "hs"), ensure_ascii=False).replace("</", "<\\/")
    scripts = (f"<script>window.QA={conf};QA.menu={menu};QA.footer={footer};</script>"
               f'<script src="/static/gates.js"></script>')
    if cfg.get("special") == "broken":
        # the vendor bundle expects a config the page never defines: it throws before rendering
        scripts += "<script>window.QA=undefined;</script><script>(function(){var s=QA.shop.settings;render(s);})();</script>"
    else:
        scripts += '<script src="/static/spa.js"></script>'
    return page(m, m["name"], f'<div id="app"></div>{scripts}', f"<style>{CSS}</style>")


__all__ = ["handle", "mbase"]
