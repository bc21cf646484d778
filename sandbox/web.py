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
        self.raw = raw
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

        self.scheme = "https" if getattr(handler.server, "tls", False) else "http"
        self.handler = handler

    @property
    def origin(self) -> str:
        """``http(s)://<Host header>``, the origin the browser used."""
        return f"{self.scheme}://{self.host}"

    @property
    def upgrade(self) -> bool:
        """Whether the request asks to upgrade to a websocket."""
        return (self.headers.get("Upgrade", "").lower() == "websocket"
                and bool(self.headers.get("Sec-WebSocket-Key")))

    def form_in(self, charset: str) -> dict[str, str]:
        """The urlencoded body parsed with the page's ``charset`` (a GBK page posts GBK bytes)."""
        text = self.raw.decode("ascii", "replace")
        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True, encoding=charset,
                                             errors="replace").items()}


class Resp:
    """A response: status, body (str or bytes), content type and extra headers.

    ``action`` makes the server do something else than answer: ``"drop"`` closes
    the connection without a response (the browser sees ``ERR_EMPTY_RESPONSE``),
    ``"websocket"`` upgrades it and runs :func:`sandbox.ws.serve` with ``on_message``.
    """

    def __init__(self, body: str | bytes = b"", status: int = 200, ctype: str = "text/html; charset=utf-8",
                 headers: list[tuple[str, str]] | None = None):
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.status = status
        self.ctype = ctype
        self.headers = list(headers or [])
        self.action = ""
        self.on_message: Any = None
        self.greeting: str | None = None

    @classmethod
    def drop(cls) -> Resp:
        """Close the connection without answering."""
        r = cls()
        r.action = "drop"
        return r

    @classmethod
    def websocket(cls, on_message: Any, greeting: str | None = None) -> Resp:
        """Upgrade to a websocket whose messages go to ``on_message(data, binary)`` (see :mod:`sandbox.ws`)."""
        r = cls(status=101)
        r.action, r.on_message, r.greeting = "websocket", on_message, greeting
        return r

    @classmethod
    def redirect(cls, location: str, status: int = 302, headers: list[tuple[str, str]] | None = None) -> Resp:
        """A redirect to ``location``."""
        return cls(b"", status, "text/plain", [("Location", location)] + list(headers or []))

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Resp:
        """A JSON response."""
        return cls(json.dumps(data, ensure_ascii=False), status, "application/json; charset=utf-8", headers)
