"""A district ready to crawl: placeholders resolved, and the built-in sandbox started when
the district file asks for one (``sandbox = true``, e.g. the demo district)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from core.errors import QrauditError
from crawler.district import District, check_sources, resolve
from sandbox.server import SandboxServer


@contextlib.contextmanager
def open_district(district: District, qr_dir: Path | None = None) -> Iterator[District]:
    """Yield the district ready to crawl; start/stop the sandbox when it asks for one.

    For a sandbox district, starts ``sandbox.server.SandboxServer`` in the district's
    ``sandbox_state`` (background thread, loopback ports), writes its QR photos to ``qr_dir`` (a temporary
    folder by default) and substitutes ``{sandbox}`` (base URL), ``{sandbox_qr}``
    (that folder) and ``{sandbox_third_party}``.  CSV files of a sandbox district
    may contain ``{sandbox}`` too (see :func:`read_csv_source`).
    Raises QrauditError if a local source (CSV file, photo folder) does not exist.
    """
    if not district.sandbox:
        live = resolve(district, {})
        check_sources(live)
        yield live
        return
    with contextlib.ExitStack() as stack:
        if qr_dir is None:
            qr_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="qraudit-qr-")))
        qr_dir = Path(qr_dir).resolve()
        qr_dir.mkdir(parents=True, exist_ok=True)
        try:
            server = SandboxServer(state=district.sandbox_state)
        except ValueError as exc:
            raise QrauditError(f"{district.file}: district.sandbox_state: {exc}") from None
        sb = stack.enter_context(server)
        sb.write_qr_photos(qr_dir)
        base = sb.base_url.rstrip("/")
        third = str(getattr(sb, "third_party_base", "") or "").rstrip("/")
        mapping = {"sandbox": base, "sandbox_qr": str(qr_dir), "sandbox_third_party": third}
        live = resolve(district, mapping)
        tls = str(getattr(sb, "tls_base_url", "") or "").rstrip("/")  # the merchant served over TLS
        live.sandbox_origins = [o for o in (base, third, tls) if o]
        hosts = {urlsplit(o).hostname for o in live.sandbox_origins}
        live.sandbox_hosts = sorted(set(live.sandbox_hosts) | {h for h in hosts if h})
        live.placeholders = mapping
        live.server = sb
        check_sources(live)
        yield live
