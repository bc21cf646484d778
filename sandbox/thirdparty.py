"""The third-party tracker/CRM host (served on ``127.0.0.2``): ``/sdk.js``, ``/collect``, ``/pixel.gif``,
``/suggest`` (a "phone number lookup" answering prefixes) and the websocket ``/ws``.

Every hit is logged in :attr:`SandboxServer.third_party_hits` as
``{"method", "path", "query", "body", "referer"}``; every websocket message as
``{"method": "WS", "path", "query", "body", "binary"}`` (binary bodies hex-encoded).
"""

from __future__ import annotations

import base64
from typing import Any

from sandbox.web import Req, Resp

GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")

SDK = """/* QaTrack CRM SDK (sandbox third party) */
(function(){var s=document.currentScript&&document.currentScript.src||'';var base=s.replace(/\\/sdk\\.js.*$/,'');
window.QaTrack={pv:function(){new Image().src=base+'/pixel.gif?ev=pv&t='+Date.now();}};window.QaTrack.pv();})();
"""

CORS = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Headers", "Content-Type")]


def handle(sb: Any, req: Req) -> Resp:
    """Answer one request of the third-party host."""
    sb.record_third_party({"method": req.method, "path": req.path, "query": req.raw_query, "body": req.body,
                           "referer": req.headers.get("Referer", "")})
    if req.path == "/ws" and req.upgrade:
        def on_message(data: bytes, binary: bool) -> str:
            sb.record_third_party({"method": "WS", "path": req.path, "query": req.raw_query, "binary": binary,
                                   "body": data.hex() if binary else data.decode("utf-8", "replace")})
            return '{"ack":1}'

        return Resp.websocket(on_message, greeting='{"hello":"qatrack"}')
    if req.method == "OPTIONS":
        return Resp(b"", 204, "text/plain", CORS)
    if req.path == "/sdk.js":
        return Resp(SDK, ctype="application/javascript; charset=utf-8", headers=CORS)
    if req.path == "/pixel.gif":
        return Resp(GIF, ctype="image/gif", headers=CORS)
    if req.path == "/suggest":
        return Resp('{"carrier":"unknown","city":""}', ctype="application/json", headers=CORS)
    if req.path == "/collect":
        return Resp('{"ok":true}', ctype="application/json", headers=CORS)
    if req.path == "/":
        return Resp("<h1>QaTrack CRM</h1><p>Customer data platform (sandbox third party).</p>", headers=CORS)
    return Resp("not found", 404, "text/plain", CORS)
