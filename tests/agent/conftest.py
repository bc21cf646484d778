"""Small pages for the agent's browser tests, served from a loopback server.

``pages`` (fixture): a :class:`PageServer` — ``add(path, html)`` registers a
page, ``url(path)`` gives its URL, ``hits`` lists every request path seen (so a
test can assert a pay endpoint was never called).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class PageServer:
    """Serve registered HTML pages on 127.0.0.1 (a free port)."""

    def __init__(self) -> None:
        self.routes: dict[str, str] = {}
        self.hits: list[str] = []
        srv = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):  # noqa: ANN002
                return

            def _go(self):
                path = self.path.split("?")[0]
                srv.hits.append(self.command + " " + self.path)
                if self.command == "POST":
                    n = int(self.headers.get("Content-Length") or 0)
                    self.rfile.read(n)
                body = srv.routes.get(path)
                code = 200 if body is not None else 404
                data = (body if body is not None else "not found").encode("utf-8")
                self.send_response(code)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _go  # noqa: N815
            do_POST = _go  # noqa: N815

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path: str, html: str) -> str:
        self.routes[path] = html
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def pages():
    srv = PageServer()
    yield srv
    srv.stop()
