"""A minimal stdlib WebSocket endpoint (RFC 6455) for the sandbox's ThreadingHTTPServer.

:func:`serve` answers the upgrade handshake of a ``BaseHTTPRequestHandler`` and
runs the frame loop on its socket until the client closes: every text or binary
message from the page is handed to ``on_message(data, binary)``, whose return
value (``str``, ``bytes`` or ``None``) is sent back.  Fragmented messages are
joined; pings are answered; nothing else is supported (no extensions).
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_MESSAGE = 1 << 20

#: ``on_message(data, binary) -> reply``: the reply (text or bytes) is sent back; ``None`` sends nothing.
OnMessage = Callable[[bytes, bool], "str | bytes | None"]


def is_upgrade(handler: BaseHTTPRequestHandler) -> bool:
    """Whether the request asks to upgrade to a websocket."""
    return (handler.headers.get("Upgrade", "").lower() == "websocket"
            and bool(handler.headers.get("Sec-WebSocket-Key")))


def _frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, n])
    elif n < 1 << 16:
        head = bytes([0x80 | opcode, 126]) + struct.pack(">H", n)
    else:
        head = bytes([0x80 | opcode, 127]) + struct.pack(">Q", n)
    return head + payload


def send(handler: BaseHTTPRequestHandler, message: str | bytes) -> None:
    """Send one unfragmented text (``str``) or binary (``bytes``) message."""
    if isinstance(message, str):
        handler.wfile.write(_frame(0x1, message.encode("utf-8")))
    else:
        handler.wfile.write(_frame(0x2, bytes(message)))
    handler.wfile.flush()


def serve(handler: BaseHTTPRequestHandler, on_message: OnMessage, greeting: str | None = None) -> None:
    """Complete the handshake, optionally send ``greeting``, then run the frame loop (blocks)."""
    key = handler.headers.get("Sec-WebSocket-Key", "")
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode("ascii")).digest()).decode("ascii")
    handler.send_response(101, "Switching Protocols")
    handler.send_header("Upgrade", "websocket")
    handler.send_header("Connection", "Upgrade")
    handler.send_header("Sec-WebSocket-Accept", accept)
    handler.end_headers()
    handler.wfile.flush()
    handler.close_connection = True
    rf = handler.rfile
    parts: list[bytes] = []
    first_op = 0
    try:
        if greeting is not None:
            send(handler, greeting)
        while True:
            head = rf.read(2)
            if len(head) < 2:
                return
            fin, opcode = head[0] & 0x80, head[0] & 0x0F
            length = head[1] & 0x7F
            if length == 126:
                length = struct.unpack(">H", rf.read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", rf.read(8))[0]
            if length > MAX_MESSAGE:
                return
            mask = rf.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(rf.read(length)))
            if opcode == 0x8:  # close
                handler.wfile.write(_frame(0x8, data[:2]))
                handler.wfile.flush()
                return
            if opcode == 0x9:  # ping
                handler.wfile.write(_frame(0xA, data))
                handler.wfile.flush()
                continue
            if opcode == 0xA:
                continue
            if opcode in (0x1, 0x2):
                first_op, parts = opcode, [data]
            elif opcode == 0x0:
                parts.append(data)
            if not fin:
                continue
            reply = on_message(b"".join(parts), first_op == 0x2)
            parts = []
            if reply is not None:
                send(handler, reply)
    except (OSError, struct.error, ValueError):
        return
