"""A real Redis for the tests of shared runs (``qraudit crawl --redis``).

The ``redis_url`` fixture (session-wide) uses the server named by
``$QRAUDIT_TEST_REDIS_URL`` when it is set -- ``.ci/run`` installs the Debian
``redis-server`` package, starts one on 127.0.0.1 and sets it -- and otherwise
starts a ``redis-server`` of its own on a free loopback port (no persistence,
in a temporary folder) and stops it at the end.  Without a ``redis-server`` the
tests fail, never skip.  Every test names its own run (``fresh_run_id``), so tests
sharing one server never see each other's keys.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import pytest
import redis

ENV = "QRAUDIT_TEST_REDIS_URL"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ping(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
        except redis.RedisError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)


@pytest.fixture(scope="session")
def redis_url():
    """``redis://127.0.0.1:PORT/0`` of a live redis-server (see the module docstring)."""
    given = os.environ.get(ENV)
    if given:
        if not _ping(given, 10):
            pytest.fail(f"${ENV}={given} does not answer PING")
        yield given
        return
    binary = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server")
                                              else None)
    if binary is None:
        pytest.fail("redis-server is not installed: apt-get install -y redis-server (or set "
                    f"${ENV} to a running server)")
    port = _free_port()
    folder = tempfile.mkdtemp(prefix="qraudit-redis-")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder,
         "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        if not _ping(url, 15):
            pytest.fail(f"redis-server did not start on 127.0.0.1:{port}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


def fresh_run_id(prefix: str = "t") -> str:
    """A run id no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
