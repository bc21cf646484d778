#!/usr/bin/env bash
# One-command set-up of qraudit on a fresh Debian/Ubuntu machine or a laptop.
#
# 1. a virtual environment (.venv, or $QRAUDIT_VENV) with qraudit and its dev tools;
# 2. a Chromium that Playwright can drive: Playwright's own (`playwright install chromium`)
#    where that works, else the system Chromium (Debian's `chromium`, installed with apt when
#    running as root), else one clear message saying what to install; with the system
#    Chromium also its headless shell (Debian's `chromium-headless-shell`), lighter for audits;
# 3. CJK fonts so screenshots of Chinese pages are readable (fonts-noto-cjk, when root).
#
# Safe to run again: each part is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# --- Python ---------------------------------------------------------------
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.11 python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      PY="$cand"; break
    fi
  done
fi
[ -n "$PY" ] || die "Python 3.11 or newer is needed (install python3.11 and python3.11-venv)"

VENV="${QRAUDIT_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV with $("$PY" --version 2>&1)"
  "$PY" -m venv "$VENV" || die "could not create a virtual environment (on Debian/Ubuntu: apt-get install python3-venv)"
fi
stamp="$VENV/.qraudit-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing qraudit and its dependencies into $VENV"
  # (the filter drops pip's notes about unreachable extra indexes configured on some machines)
  if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]' \
      2> >(grep -v -E 'is ignored: it is neither a file nor a directory' >&2); then
    die "pip install failed (see the messages above)"
  fi
  touch "$stamp"
fi

# --- a Chromium Playwright can drive ----------------------------------------
have_browser() {
  "$VENV/bin/python" -c 'from crawler.browser import launch_options; launch_options()' >/dev/null 2>&1
}
apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $* with apt-get"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >/dev/null 2>&1
  else
    return 1
  fi
}
if ! have_browser; then
  say "trying Playwright's own Chromium (playwright install chromium)"
  if ! timeout 600 "$VENV/bin/python" -m playwright install chromium >/dev/null 2>&1; then
    say "Playwright's download failed; falling back to the system Chromium"
    apt_install chromium || apt_install chromium-browser || true
  fi
fi
have_browser || die "no Chromium found: run 'python -m playwright install chromium' (needs internet) or install your system's chromium package (Debian: apt-get install chromium), then run this again"
# a headless shell makes audits lighter (see crawler/browser/launch.py); optional
if ! "$VENV/bin/python" -c 'import sys; from crawler.browser.launch import launch_options; sys.exit("headless" not in launch_options().get("executable_path", "headless_shell"))' >/dev/null 2>&1; then
  apt_install chromium-headless-shell || say "note: no chromium-headless-shell package; audits use the full Chromium in headless mode"
fi

# --- CJK fonts ----------------------------------------------------------------
if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; then
  :
elif ! apt_install fonts-noto-cjk; then
  say "warning: no CJK font found; screenshots of Chinese pages will show boxes (install fonts-noto-cjk)"
fi

say "ready: $VENV/bin/qraudit ($("$VENV/bin/python" -c 'import crawler; print(crawler.__version__)'))"
