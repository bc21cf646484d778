"""Tiny request/response types shared by the sandbox server and its site engines."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit


class Req:
    """One parsed request handed to the site engines.

    ``path`` (no query), ``query`` (first value per key), ``form`` (urlencoded
    body, first value per key), ``json`` (parsed JSON body or ``None``),
    ``body`` (raw text), ``cookies`` (name -> value), ``host`` (``Host`` header).
    """

    def __init__(self, handler: BaseHTTPRequestHandler, method: str):
        self.method = method
        parts = urlsplit(handler.path)
        self.path = parts.path
        self.raw_query = parts.query
        self.query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = handler.headers
        self.host = handler.headers.get("Host", "")
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length > 0 else b""
        self.body = raw.decode("utf-8", "replace")
        self.form: dict[str, str] = {}
        self.json: Any = None
        ctype = handler.headers.get("Content-Type", "")
        if "application/x-www-form-urlencoded" in ctype:
            self.form = {k: v[0] for k, v in parse_qs(self.body, keep_blank_values=True).items()}
        elif self.body:
            try:
                self.json = json.loads(self.body)
            except ValueError:
                self.json = None
        self.cookies: dict[str, str] = {}
        for part in (handler.headers.get("Cookie") or "").split(";"):
            if "=" in part:
                k, v = part.split("=", 1)
                self.cookies[k.strip()] = v.strip()

    @property
    def origin(self) -> str:
        """``http://<Host header>``, the origin the browser used."""
        return f"http://{self.host}"


class Resp:
    """A response: status, body (str or bytes), content type and extra headers."""

    def __init__(self, body: str | bytes = b"", status: int = 200, ctype: str = "text/html; charset=utf-8",
                 headers: list[tuple[str, str]] | None = None):
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.status = status
        self.ctype = ctype
        self.headers = list(headers or [])

    @classmethod
    def redirect(cls, location: str, status: int = 302, headers: list[tuple[str, str]] | None = None) -> Resp:
        """A redirect to ``location``."""
        return cls(b"", status, "text/plain", [("Location", location)] + list(headers or []))

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Resp:
        """A JSON response."""
        return cls(json.dumps(data, ensure_ascii=False), status, "application/json; charset=utf-8", headers)
