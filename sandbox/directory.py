"""The district food directory: home page, paginated merchant list, sitemap, robots.txt.

Every merchant of the ground truth is listed with its ordering link (with a
``table=`` parameter); some are listed twice (another table code, or extra
tracking parameters such as ``utm_source``), as real directories do.  Merchants
with ``cfg.old_listing`` are listed only on ``/directory/old``, an old-style page
encoded in GBK whose charset is declared only in a ``<meta>`` tag (the HTTP
header says ``text/html``); the last page of the listing links to it as its next
page.  A merchant served over TLS (``cfg.tls``) is listed with its absolute
``https://`` URL.
"""

from __future__ import annotations

import html
from typing import Any

from sandbox.merchants import MERCHANTS
from sandbox.web import Req, Resp

PER_PAGE = 8
DISTRICT = "沪滨区"
ROBOTS = "User-agent: *\nAllow: /\nDisallow: /admin\nSitemap: /sitemap.xml\n"

CATEGORY = {"noodles": "面馆", "tea": "茶饮", "roast": "烧腊", "dumplings": "饺子", "fish": "烤鱼", "bento": "便当快餐",
            "hotpot": "火锅", "canteen": "家常菜", "bakery": "面包咖啡", "en_burger": "西式快餐", "en_cafe": "咖啡简餐",
            "zht_tea": "茶饮", "zht_dimsum": "港式点心", "zht_noodle": "面馆", "bbq": "烧烤", "zht_bbq": "烧烤"}

CSS = """body{margin:0;font-family:"PingFang SC",sans-serif;background:#faf7f2;color:#333}
header{background:#a0522d;color:#fff;padding:18px}header h1{margin:0;font-size:22px}
main{max-width:720px;margin:0 auto;padding:12px}.shop{background:#fff;border-radius:8px;padding:12px;margin:10px 0}
.shop h2{font-size:17px;margin:0 0 4px}.meta{color:#888;font-size:13px}.pager a{margin:0 6px}"""


def _link(sb: Any, m: dict[str, Any]) -> str:
    """The ordering link of ``m`` as listed: its path, or its absolute URL when served over TLS."""
    if m["cfg"].get("tls") and sb is not None and getattr(sb, "tls_base_url", ""):
        return sb.tls_base_url + m["path"]
    return m["path"]


def entries(sb: Any = None, old: bool = False) -> list[dict[str, Any]]:
    """Directory rows: ``{"mid", "name", "address", "category", "path"}`` incl. duplicates
    (``old``: the rows of the GBK page ``/directory/old`` instead)."""
    rows = []
    for i, m in enumerate(MERCHANTS):
        if bool(m["cfg"].get("old_listing")) != old:
            continue
        cat = CATEGORY.get(m["cfg"]["menu"], "餐饮")
        row = {"mid": m["id"], "name": m["name"], "address": m["address"], "category": cat, "path": _link(sb, m)}
        rows.append(row)
        if i % 5 == 1:
            other = m["path"].split("?")[0] + "?table=" + ("Z" + str(10 + i))
            rows.append(dict(row, path=other))
        if i % 7 == 3:
            rows.append(dict(row, path=m["path"] + "&utm_source=district_dir&utm_medium=list"))
    return rows


def _page(title: str, body: str) -> Resp:
    return Resp(f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" '
                f'content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
                f"<style>{CSS}</style></head><body>{body}</body></html>")


def home(sb: Any, req: Req) -> Resp:
    """``/``: the directory's home page."""
    n = len(MERCHANTS)
    body = (f"<header><h1>{DISTRICT}美食 · 扫码点餐商户名录</h1></header><main>"
            f"<p>本名录收录{DISTRICT} {n} 家支持扫码点餐的餐饮商户（演示数据，均为虚构）。</p>"
            f'<p><a href="/directory?page=1">浏览商户名录 »</a></p>'
            f'<p class="meta">数据更新：每日 · <a href="/sitemap.xml">网站地图</a></p></main>')
    return _page(f"{DISTRICT}美食 · 扫码点餐商户名录", body)


def pages() -> int:
    """Number of directory pages (the GBK page ``/directory/old`` not counted)."""
    return (len(entries()) + PER_PAGE - 1) // PER_PAGE


def listing(sb: Any, req: Req) -> Resp:
    """``/directory?page=N``: about 8 merchants per page with a next-page link."""
    try:
        p = max(1, int(req.query.get("page", "1")))
    except ValueError:
        p = 1
    rows = entries(sb)
    total = pages()
    if p > total:
        return Resp("<h1>没有更多商户</h1>", 404)
    chunk = rows[(p - 1) * PER_PAGE: p * PER_PAGE]
    items = "".join(
        f'<div class="shop"><h2>{html.escape(r["name"])}</h2><div class="meta">{html.escape(r["category"])} · '
        f'{html.escape(r["address"])}</div><a class="order" href="{html.escape(r["path"])}">扫码点餐</a></div>'
        for r in chunk)
    nav = []
    if p > 1:
        nav.append(f'<a rel="prev" href="/directory?page={p - 1}">上一页</a>')
    nav.append(f"第 {p} / {total} 页")
    if p < total:
        nav.append(f'<a rel="next" href="/directory?page={p + 1}">下一页</a>')
    elif entries(sb, old=True):
        nav.append('<a rel="next" href="/directory/old">下一页（老字号）</a>')
    body = (f'<header><h1>{DISTRICT}扫码点餐商户名录</h1></header><main><p><a href="/">首页</a></p>{items}'
            f'<p class="pager">{" ".join(nav)}</p></main>')
    return _page(f"商户名录 第{p}页", body)


def old_listing(sb: Any, req: Req) -> Resp:
    """``/directory/old``: the old-style listing in GBK, its charset declared only in ``<meta>``."""
    rows = entries(sb, old=True)
    items = "".join(
        f'<div class="shop"><h2>{html.escape(r["name"])}</h2><div class="meta">{html.escape(r["category"])} · '
        f'{html.escape(r["address"])}</div><a class="order" href="{html.escape(r["path"])}">扫码点餐</a></div>'
        for r in rows)
    body = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
            f"<title>{DISTRICT}老字号名录</title><style>{CSS}</style></head><body>"
            f'<header><h1>{DISTRICT}老字号 · 扫码点餐</h1></header><main><p><a href="/">首页</a></p>{items}'
            f'<p class="pager"><a rel="prev" href="/directory?page={pages()}">上一页</a></p></main></body></html>')
    return Resp(body.encode("gbk"), ctype="text/html")


def sitemap(sb: Any, req: Req) -> Resp:
    """``/sitemap.xml``: directory pages and every merchant's ordering URL."""
    base = req.origin
    urls = [f"{base}/"] + [f"{base}/directory?page={i}" for i in range(1, pages() + 1)]
    urls += [(sb.tls_base_url if m["cfg"].get("tls") and getattr(sb, "tls_base_url", "") else base) + m["path"]
             for m in MERCHANTS]
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(f"  <url><loc>{html.escape(u)}</loc></url>\n" for u in urls) + "</urlset>\n")
    return Resp(body, ctype="application/xml; charset=utf-8")
