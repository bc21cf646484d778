"""A tiny local district for crawl unit tests (independent of the sandbox package).

``FakeDistrict()`` serves on a free 127.0.0.1 port: a paged directory
(``/list?page=1..2``, items in a repeated ``<li class="shop">`` structure), a
sitemap (merchants + a non-merchant page), robots.txt (``/private`` disallowed)
and six plain merchant pages ``/shop/<n>/order``.  ``write_seeds(folder)`` writes a
district file using every discovery path (directory, sitemap, csv, urls).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SHOPS = {
    1: ("面馆一号", "文昌路 18 号"),
    2: ("Cafe Two", "12 Riverside Road"),
    3: ("川味小厨", "人民路 7 号"),
    4: ("早餐铺", "东风街 42 号"),
    5: ("Bistro Five", "5 Market Street"),
    6: ("饺子馆", "和平路 9 号"),
}


def _page(n: int) -> str:
    items = []
    ids = [1, 2, 3] if n == 1 else [4, 5, 1]
    for i in ids:
        name, addr = SHOPS[i]
        table = f"?table=A{i}" if i != 2 else "?tableNo=7&utm_source=dir"
        items.append(f'<li class="shop"><h3>{name}</h3><p class="addr">地址：{addr}</p>'
                     f'<a href="/shop/{i}/order{table}">点餐</a></li>')
    nav = '<a rel="next" href="/list?page=2">下一页</a>' if n == 1 else '<a href="/list?page=1">上一页</a>'
    return (f"<html><head><title>Dir p{n}</title></head><body><nav><a href='/about'>About</a></nav>"
            f"<ul>{''.join(items)}</ul><div class='pager'>{nav}</div>"
            "<footer><a href='/private/x'>x</a></footer></body></html>")


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):  # noqa: N802
        base = f"http://{self.headers['Host']}"
        path, _, query = self.path.partition("?")
        ctype = "text/html; charset=utf-8"
        status = 200
        if path == "/list":
            body = _page(2 if "page=2" in query else 1)
        elif path == "/robots.txt":
            body, ctype = "User-agent: *\nDisallow: /private\n", "text/plain"
        elif path == "/sitemap.xml":
            locs = [f"{base}/shop/{i}/order" for i in (5, 6)] + [f"{base}/about"]
            body = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    + "".join(f"<url><loc>{u}</loc></url>" for u in locs) + "</urlset>")
            ctype = "application/xml"
        elif path.startswith("/shop/"):
            i = int(path.split("/")[2])
            body = (f"<html><head><title>{SHOPS[i][0]}</title><meta name='generator' content='FakeOrder 2.1'>"
                    f"</head><body><h1>{SHOPS[i][0]}</h1><button>加入购物车</button></body></html>")
        elif path == "/about":
            body = "<html><body>about</body></html>"
        else:
            body, status = "not found", 404
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeDistrict:
    def __enter__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def shop_url(self, i: int) -> str:
        return f"{self.base_url}/shop/{i}/order"

    def write_seeds(self, folder: Path, *, obey_robots: bool = True) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "fake.csv").write_text(
            "name,address,url\n"
            f"饺子馆,和平路 9 号,{self.base_url}/shop/6/order?desk=3\n"
            f"Cafe Two,,{self.base_url}/shop/2/order?utm_campaign=x\n",
            encoding="utf-8",
        )
        path = folder / "fake.toml"
        path.write_text(
            f"""[district]
name = "fake"
label = "Fake district"
env = "mobile"
sandbox_hosts = ["127.0.0.1"]

[[sources]]
type = "directory"
start_urls = ["{self.base_url}/list?page=1"]

[[sources]]
type = "sitemap"
url = "{self.base_url}/sitemap.xml"

[[sources]]
type = "csv"
path = "fake.csv"

[[sources]]
type = "urls"
urls = ["{self.base_url}/shop/3/order?seat=9", "weixin://dl/business/?t=abc"]

[limits]
max_merchants = 50
per_host_concurrency = 4
download_delay = 0
timeout_s = 30
obey_robots = {str(obey_robots).lower()}
""",
            encoding="utf-8",
        )
        return path
