"""The simulated district: a local web server of scan-to-order merchant sites.

``SandboxServer`` runs two stdlib ``ThreadingHTTPServer`` listeners in daemon threads:

* ``base_url`` (``http://127.0.0.1:<port>``): the district food directory
  (``/``, ``/directory?page=N``, ``/sitemap.xml``, ``/robots.txt``) and every
  merchant site under ``/m/<vendor>/<mid>/...``;
* ``third_party_base`` (``http://127.0.0.2:<port>``): a third-party tracker/CRM
  host (``/sdk.js``, ``/collect``, ``/pixel.gif``) -- another "site" than the
  merchants, since for IP hosts the IP itself is the site.

All per-visit state lives in cookies, localStorage or the query string; the
server keeps no state shared between visits except the safety log
:attr:`SandboxServer.events` (``pay`` / ``sms_send`` / ``order_submit`` hits)
and :attr:`SandboxServer.third_party_hits`.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sandbox import directory, followup, photos, thirdparty, ws
from sandbox import perturb as _perturb
from sandbox.merchants import MERCHANTS, by_id, ground_truth_dict
from sandbox.sites import common
from sandbox.web import Req, Resp

GROUND_TRUTH_PATH = Path(__file__).with_name("ground_truth.json")


def _make_handler(sb: SandboxServer, third_party: bool):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "QrSandbox/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

        def _serve(self, method: str) -> None:
            try:
                req = Req(self, method)
                if third_party:
                    resp = thirdparty.handle(sb, req)
                else:
                    resp = sb.dispatch(req)
                if sb.perturb:
                    resp = _perturb.apply(sb.perturb, req, resp, third_party)
            except Exception as exc:  # pragma: no cover - a sandbox bug must still answer
                resp = Resp(f"sandbox error: {type(exc).__name__}: {exc}", 500, "text/plain; charset=utf-8")
            if resp.action == "drop":
                self.close_connection = True
                return
            if resp.action == "websocket":
                ws.serve(self, resp.on_message, resp.greeting)
                return
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.ctype)
            self.send_header("Content-Length", str(len(resp.body)))
            self.send_header("Cache-Control", "no-store")
            for k, v in resp.headers:
                self.send_header(k, v)
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(resp.body)

        def do_GET(self) -> None:  # noqa: N802
            self._serve("GET")

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve("HEAD")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def do_OPTIONS(self) -> None:  # noqa: N802
            self._serve("OPTIONS")

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    tls = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a browser refusing our certificate, a dropped socket: nothing to report


class _TLSServer(_Server):
    """The same handler over TLS with a self-signed certificate (the browser sees a certificate error)."""

    tls = True

    def __init__(self, addr: tuple[str, int], handler: Any, context: ssl.SSLContext) -> None:
        super().__init__(addr, handler)
        self._ctx = context

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = super().get_request()
        # the handshake happens in the handler's thread (first read), never in the accept loop
        return self._ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr


def self_signed_context(host: str) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate for ``host`` (an IP), made now.

    Nothing is kept on disk: the key and certificate pass through a temporary folder only
    while the context loads them.
    """
    # heavy (and needed only for the TLS listener): loaded when a sandbox starts
    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "qraudit sandbox (self-signed)")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
            .sign(key, hashes.SHA256()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory(prefix="qraudit-tls-") as tmp:
        cert_path, key_path = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        ctx.load_cert_chain(str(cert_path), str(key_path))
    return ctx


class SandboxServer:
    """The simulated district, on free loopback ports.

    ``SandboxServer(port=0, third_party_port=0, state="initial")``; use as a context
    manager or call :meth:`start` / :meth:`stop`.  ``port=0`` picks a free port.
    ``state``: ``initial`` (the ground truth of ``ground_truth.json``) or ``followup``
    (the same district a month later, :mod:`sandbox.followup`).  Raises ``OSError``
    when a requested port is taken, ``ValueError`` for an unknown state.

    ``perturb``: the name of one transform of :data:`sandbox.perturb.TRANSFORMS` applied to
    every page (``ValueError`` for an unknown name); ``None`` serves the sandbox untouched.
    The ground truth is the same either way.
    """

    def __init__(self, port: int = 0, third_party_port: int = 0,
                 host: str = "127.0.0.1", third_party_host: str = "127.0.0.2", state: str = "initial",
                 perturb: str | None = None):
        self.perturb = _perturb.check_name(perturb)
        if state not in followup.STATES:
            raise ValueError(f"unknown sandbox state {state!r} (one of {', '.join(followup.STATES)})")
        self.state = state
        self._port = port
        self._tp_port = third_party_port
        self._host = host
        self._tp_host = third_party_host
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.events: list[dict[str, Any]] = []
        self.third_party_hits: list[dict[str, Any]] = []
        self.base_url = ""
        self.third_party_base = ""
        #: the same district over TLS with a self-signed certificate (merchants with ``cfg.tls``)
        self.tls_base_url = ""
        #: merchant id -> (when its cold start began, when its landing page was last asked for)
        self.warm: dict[str, tuple[float, float]] = {}

    # ---- lifecycle -------------------------------------------------------

    def start(self) -> SandboxServer:
        """Bind the listeners (main, third party, TLS) and serve in daemon threads; return self."""
        if self._servers:
            return self
        main = _Server((self._host, self._port), _make_handler(self, False))
        try:
            tp = _Server((self._tp_host, self._tp_port), _make_handler(self, True))
        except OSError:
            main.server_close()
            raise
        try:
            tls = _TLSServer((self._host, 0), _make_handler(self, False), self_signed_context(self._host))
        except OSError:
            main.server_close()
            tp.server_close()
            raise
        self._servers = [main, tp, tls]
        self.base_url = f"http://{self._host}:{main.server_address[1]}"
        self.third_party_base = f"http://{self._tp_host}:{tp.server_address[1]}"
        self.tls_base_url = f"https://{self._host}:{tls.server_address[1]}"
        for srv in self._servers:
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        """Stop every listener and close its socket (idempotent)."""
        for srv in self._servers:
            srv.shutdown()
            srv.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self._servers, self._threads = [], []

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---- data ------------------------------------------------------------

    def ground_truth(self) -> dict[str, Any]:
        """The ground truth of the state served: the parsed ``sandbox/ground_truth.json``
        (``{"version": 1, "merchants": [...]}``), or :func:`sandbox.followup.ground_truth`."""
        if self.state != "initial":
            return followup.ground_truth(self.state)
        return json.loads(GROUND_TRUTH_PATH.read_text(encoding="utf-8"))

    def merchant_url(self, mid: str, table: str | None = None) -> str:
        """Full ordering URL of merchant ``mid`` (base URL + ground-truth path; the TLS base
        URL for a merchant served over TLS).

        ``table`` replaces the table code of the path.  Raises ``KeyError`` for an unknown id.
        """
        m = by_id(mid)
        path = m["path"]
        if table is not None:
            path = path.split("?")[0] + "?table=" + table
        return (self.tls_base_url if m["cfg"].get("tls") else self.base_url) + path

    def write_qr_photos(self, folder: str | Path) -> list[Path]:
        """Write photo-like PNGs of table QR codes into ``folder`` (created); return their paths.

        Each photo is a QR code of a merchant's table URL drawn on a larger
        tinted, textured background, slightly rotated or scaled, with a caption.
        """

        return photos.write_photos(self, Path(folder))

    def record(self, kind: str, merchant: str, path: str, body: Any) -> None:
        """Append a safety event ``{"type", "merchant", "path", "body"}`` (thread-safe)."""
        with self._lock:
            self.events.append({"type": kind, "merchant": merchant, "path": path, "body": body})

    def record_third_party(self, hit: dict[str, Any]) -> None:
        """Append a third-party host hit ``{"method", "path", "query", "body", "referer"}``."""
        with self._lock:
            self.third_party_hits.append(hit)

    def reset_events(self) -> None:
        """Forget recorded events and third-party hits."""
        with self._lock:
            self.events.clear()
            self.third_party_hits.clear()

    # ---- routing ---------------------------------------------------------

    def dispatch(self, req: Req) -> Resp:
        """Route one request of the main host to the directory or a merchant site."""
        p = req.path
        if p == "/" or p == "/index.html":
            return directory.home(self, req)
        if p == "/directory":
            return directory.listing(self, req)
        if p == "/sitemap.xml":
            return directory.sitemap(self, req)
        if p == "/directory/old":
            return directory.old_listing(self, req)
        if p == "/robots.txt":
            return Resp(directory.ROBOTS, ctype="text/plain; charset=utf-8")
        if p == "/favicon.ico":
            return Resp(b"", 204, "image/x-icon")
        if p.startswith("/static/"):
            return common.static_file(p[len("/static/"):])
        if p == "/qr.png":
            return Resp(common.qr_png(req.query.get("d", "")), ctype="image/png")
        if p.startswith("/admin"):
            return Resp("forbidden", 403, "text/plain; charset=utf-8")
        if p.startswith("/m/"):
            parts = p.split("/", 4)  # '', 'm', vendor, mid, rest
            if len(parts) >= 4:
                vendor, mid = parts[2], parts[3]
                rest = "/" + parts[4] if len(parts) > 4 else ""
                m = by_id(mid, None)
                if m is not None and common.VENDOR_SHORT[m["vendor"]] == vendor:
                    m = followup.in_state(m, self.state)
                    if rest == "":
                        return Resp.redirect(p + "/" + ("?" + req.raw_query if req.raw_query else ""), 301)
                    return common.site_dispatch(self, req, m, rest)
        return Resp("<h1>404 页面不存在</h1>", 404)


def write_ground_truth() -> Path:
    """Regenerate ``sandbox/ground_truth.json`` from :mod:`sandbox.merchants`; return its path."""
    GROUND_TRUTH_PATH.write_text(
        json.dumps(ground_truth_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return GROUND_TRUTH_PATH


__all__ = ["SandboxServer", "MERCHANTS", "write_ground_truth", "Req", "Resp"]
