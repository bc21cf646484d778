"""The smaller things a new user hit: long run ids cut in `runs`, `diff` with one argument,
`rescore RUN --dry-run`, flags shown as `<bool>`, `qraudit sandbox` writing no photos,
`latest` taking a crawl that found nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from crawler.qr import decode_qr_photo
from results import api
from results.store import Store
from tests.results.fakerun import build_fake_run, merchants_with

REPO = Path(__file__).resolve().parents[2]
QRAUDIT = [sys.executable, "-c", "from app.main import main; main()"]
LONG = "20261207T091500Z-example-district-of-the-riverside-neighbourhood-2"


def qraudit(*args: str | Path, data: Path, columns: int = 200, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, QRAUDIT_DATA=str(data), PYTHONPATH=str(REPO), COLUMNS=str(columns))
    return subprocess.run([*QRAUDIT, *map(str, args)], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def test_runs_never_cuts_a_run_id(tmp_path):
    build_fake_run(tmp_path, "20261130T091500Z-demo")
    build_fake_run(tmp_path, LONG, district="example-district-of-the-riverside-neighbourhood")
    for columns in (200, 120):
        out = qraudit("runs", data=tmp_path, columns=columns).stdout
        assert LONG in out and "20261130T091500Z-demo" in out, out
        assert "…" not in out.split("\n", 1)[1].split("┃ run")[0]


def test_diff_with_one_argument_is_one_line_and_with_none_compares_the_latest_two(tmp_path):
    build_fake_run(tmp_path, "20261130T091500Z-demo")
    build_fake_run(tmp_path, "20261207T091500Z-demo", merchants_with({"m01": {"verdict": "compliant",
                                                                              "findings": []}}))
    one = qraudit("diff", "20261130T091500Z-demo", data=tmp_path)
    assert one.returncode == 2 and len(one.stderr.strip().splitlines()) == 1, one.stderr
    assert "diff needs two runs" in one.stderr and "╭" not in one.stderr
    none = qraudit("diff", data=tmp_path)
    assert none.returncode == 0, none.stderr
    assert none.stdout.startswith("20261130T091500Z-demo -> 20261207T091500Z-demo")
    assert "1 fixed" in none.stdout


def test_rescore_dry_run_of_a_stored_run_writes_nothing(tmp_path):
    run_dir = build_fake_run(tmp_path, "r1")
    before = {p: p.stat().st_mtime_ns for p in run_dir.rglob("*") if p.is_file()}
    proc = qraudit("rescore", "r1", "--dry-run", data=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert {p: p.stat().st_mtime_ns for p in run_dir.rglob("*") if p.is_file()} == before
    help_text = qraudit("rescore", "--help", data=tmp_path).stdout
    assert "--dry-run" in help_text and "a run of the store" in " ".join(help_text.split())


def test_help_shows_no_bool_type_for_flags(tmp_path):
    for cmd in ("crawl", "check", "rescore", "diff", "report"):
        out = qraudit(cmd, "--help", data=tmp_path).stdout
        assert "<bool>" not in out, cmd
        assert "--help" in out


def test_latest_skips_a_crawl_that_audited_nothing(tmp_path):
    build_fake_run(tmp_path, "20261130T091500Z-demo")
    store = Store(data_dir=tmp_path)
    store.create_run("crawl", district="example-district", run_id="20261201T000000Z-example-district")
    store.finish_run("20261201T000000Z-example-district")
    assert api.latest_run(tmp_path) == "20261130T091500Z-demo"
    assert api.latest_run(tmp_path, district="demo") == "20261130T091500Z-demo"


def test_sandbox_command_writes_photos_that_point_at_its_port(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, QRAUDIT_DATA=str(tmp_path), PYTHONPATH=str(REPO))
    proc = subprocess.Popen([*QRAUDIT, "sandbox", "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        photos = tmp_path / "sandbox" / "photos"
        while not (photos.is_dir() and len(list(photos.glob("*.png"))) >= 5):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.2)
        urls = [decode_qr_photo(p) for p in sorted(photos.glob("*.png"))]
        assert all(u.startswith(f"http://127.0.0.1:{port}/m/") for u in urls), urls
    finally:
        proc.send_signal(signal.SIGTERM)  # what `kill %1` sends: stops like Ctrl-C
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "QR photos:" in out and "sandbox stopped" in out
