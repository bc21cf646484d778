"""Where Chromium is and how to launch it.

:func:`launch_options` returns the keyword arguments for Playwright's
``chromium.launch()`` (and for scrapy-playwright's ``PLAYWRIGHT_LAUNCH_OPTIONS``):
Playwright's own Chromium when it is installed, else a system Chromium.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

from core.errors import QrauditError
from core.sites import OAUTH_HOSTS

#: Hosts of the WeChat / Alipay OAuth authorize pages.  They are unreachable for
#: a crawler and must never be contacted: the browser resolves them to nothing
#: (``--host-resolver-rules``) so a server-side redirect to them fails locally,
#: and :class:`crawler.browser.Visit` routes client-side requests to a stand-in.

BASE_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--no-default-browser-check",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--disable-blink-features=AutomationControlled",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--host-resolver-rules=" + ", ".join(f"MAP {h} ~NOTFOUND" for h in OAUTH_HOSTS),
]

SYSTEM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: The system's headless shell (Debian's ``chromium-headless-shell``): Chromium's old headless
#: mode, without the desktop browser's UI stack.  As Playwright does with its own builds, a
#: headless launch takes it first: on the demo district it costs about 40 % of the CPU time
#: and half the renderer processes of ``chromium --headless`` (``benchmarks/crawl_bench.py``).
SYSTEM_HEADLESS_CANDIDATES = ("/usr/bin/chromium-headless-shell", "chromium-headless-shell")


def _browsers_root() -> Path:
    env = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if env and env != "0":
        return Path(env).expanduser()
    return Path.home() / ".cache" / "ms-playwright"


@functools.lru_cache(maxsize=1)
def _bundled_revisions() -> dict[str, str]:
    try:
        import playwright  # noqa: PLC0415  (heavy: loaded only when needed)

        data = json.loads(
            (Path(playwright.__file__).parent / "driver" / "package" / "browsers.json").read_text("utf-8")
        )
        return {b["name"]: str(b["revision"]) for b in data.get("browsers", [])}
    except Exception:  # noqa: BLE001 - any problem means "not installed"
        return {}


def bundled_chromium(headless: bool = True) -> tuple[Path | None, bool]:
    """Return ``(path, is_default)`` of Playwright's own Chromium, or ``(None, False)``.

    ``is_default`` is True when Playwright would pick that binary by itself for this
    ``headless`` mode (then no ``executable_path`` is needed).
    """
    revs = _bundled_revisions()
    root = _browsers_root()
    shell = None
    if "chromium-headless-shell" in revs:
        d = root / f"chromium_headless_shell-{revs['chromium-headless-shell']}"
        for sub in ("chrome-headless-shell-linux64/chrome-headless-shell", "chrome-linux/headless_shell"):
            if (d / sub).exists():
                shell = d / sub
    full = None
    if "chromium" in revs:
        d = root / f"chromium-{revs['chromium']}"
        for sub in ("chrome-linux64/chrome", "chrome-linux/chrome"):
            if (d / sub).exists():
                full = d / sub
    if headless and shell:
        return shell, True
    if full:
        return full, not headless
    return (shell, False) if shell else (None, False)


def system_chromium(headless: bool = False) -> Path | None:
    """Return the first system Chromium/Chrome found, or None: with ``headless`` a headless
    shell first (:data:`SYSTEM_HEADLESS_CANDIDATES`), then ``/usr/bin/chromium`` and the others."""
    for cand in (*SYSTEM_HEADLESS_CANDIDATES, *SYSTEM_CANDIDATES) if headless else SYSTEM_CANDIDATES:
        path = cand if os.path.isabs(cand) else shutil.which(cand)
        if path and os.path.exists(path) and os.access(path, os.X_OK):
            return Path(path)
    return None


def chromium_path(headless: bool = True) -> Path:
    """Return the Chromium binary qraudit would launch.

    Raises :class:`QrauditError` when none is installed.
    """
    bundled, _ = bundled_chromium(headless)
    if bundled:
        return bundled
    system = system_chromium(headless)
    if system:
        return system
    raise QrauditError("no Chromium found: run `make setup` or install chromium")


def launch_options(headless: bool = True) -> dict:
    """Keyword arguments for ``playwright.chromium.launch(**kw)``.

    Keys: ``headless``, ``args`` (no sandbox, no background networking, fake media
    devices, ``navigator.webdriver`` off, the OAuth hosts resolved to nothing),
    ``timeout`` (ms) and, unless Playwright's default bundled browser is
    installed, ``executable_path``.  Raises :class:`QrauditError` when no
    Chromium is found.
    """
    opts: dict = {"headless": headless, "args": list(BASE_ARGS), "timeout": 60_000}
    bundled, is_default = bundled_chromium(headless)
    if bundled and is_default:
        return opts
    opts["executable_path"] = str(chromium_path(headless))
    return opts


@functools.lru_cache(maxsize=4)
def browser_version_hint(headless: bool = True) -> str:
    """The ``--version`` line of the Chromium :func:`launch_options` picks
    (e.g. ``"Chromium 156.0.8078.108 ..."``), or ``""`` when unknown.  Use
    ``browser.version`` once a browser runs; this is for messages before that."""
    try:
        exe = chromium_path(headless)
    except QrauditError:
        return ""
    try:
        out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    for line in out.stdout.splitlines():
        if line.strip():
            return line.strip()
    return ""
