"""Pages that cannot be loaded end inconclusive with the real cause as the reason."""

from __future__ import annotations

import asyncio
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest

from app.jobs import audit_url
from crawler.engine import AuditConfig

pytestmark = pytest.mark.browser


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


class _NotFound(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = b"<html><body><h1>404</h1></body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _audit(url: str, tmp_path):
    return asyncio.run(audit_url(url, AuditConfig(out_dir=tmp_path, timeout_s=30)))[1]


def test_connection_refused_is_named(tmp_path):
    result = _audit(f"http://127.0.0.1:{_closed_port()}/order?table=1", tmp_path)
    assert result.verdict == "inconclusive"
    assert result.reason == "page could not be loaded: connection refused (ERR_CONNECTION_REFUSED)"
    assert result.findings == []


def test_http_error_status_is_named(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = _audit(f"http://127.0.0.1:{server.server_address[1]}/order?table=1", tmp_path)
    finally:
        server.shutdown()
    assert result.verdict == "inconclusive"
    assert result.reason == "page could not be loaded: HTTP 404"
