"""The `qraudit check` command: target resolution, QR photos and clear one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import qrcode
from PIL import Image

from app.cmd_check import resolve_target
from core.errors import QrauditError
from crawler.qr import decode_qr_photo, read_qr_codes


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from app.main import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def qr_photo(tmp_path, *payloads: str, name: str = "photo.png"):
    """A photo-like image: the codes pasted on a tinted, larger background, slightly rotated."""
    codes = [qrcode.make(p).get_image().convert("RGB") for p in payloads]
    w = sum(c.width for c in codes) + 60 * (len(codes) + 1)
    h = max(c.height for c in codes) + 120
    bg = Image.new("RGB", (w, h), (214, 200, 170))
    x = 60
    for c in codes:
        bg.paste(c, (x, 60))
        x += c.width + 60
    path = tmp_path / name
    bg.rotate(4, expand=True, fillcolor=(214, 200, 170)).save(path)
    return path


def test_url_passes_through():
    assert resolve_target("https://shop.example/o?table=3") == "https://shop.example/o?table=3"


def test_bare_host_gets_http():
    assert resolve_target("shop.example/order") == "http://shop.example/order"


def test_non_web_scheme_kept_for_unsupported_verdict():
    assert resolve_target("weixin://dl/business/?t=abc") == "weixin://dl/business/?t=abc"


@pytest.mark.parametrize("bad", ["", "   ", "not a url", "http://"])
def test_bad_targets_raise(bad):
    with pytest.raises(QrauditError):
        resolve_target(bad)


def test_qr_photo_decodes_to_its_url(tmp_path):
    path = qr_photo(tmp_path, "http://127.0.0.1:9/m/x?table=A3")
    assert decode_qr_photo(path) == "http://127.0.0.1:9/m/x?table=A3"
    assert resolve_target(str(path)) == "http://127.0.0.1:9/m/x?table=A3"


def test_photo_without_code_is_an_error(tmp_path):
    path = tmp_path / "blank.jpg"
    Image.new("RGB", (300, 200), (120, 90, 60)).save(path)
    assert read_qr_codes(path) == []
    with pytest.raises(QrauditError, match="no QR code found"):
        decode_qr_photo(path)


def test_photo_with_two_codes_is_an_error(tmp_path):
    path = qr_photo(tmp_path, "http://a.example/1", "http://b.example/2")
    with pytest.raises(QrauditError, match="2 different QR codes"):
        decode_qr_photo(path)


def test_not_an_image_is_an_error(tmp_path):
    path = tmp_path / "fake.png"
    path.write_text("hello")
    with pytest.raises(QrauditError, match="not a readable image"):
        decode_qr_photo(path)


@pytest.mark.parametrize(
    "args, message",
    [
        (["check"], "give exactly one of TARGET"),
        (["check", "not a url"], "not a URL or an image file"),
        (["check", "/nonexistent/photo.png"], "no such file"),
        (["check", "http://127.0.0.1:9/", "--env", "qq"], "unknown --env"),
        (["check", "http://127.0.0.1:9/", "--timeout", "0"], "--timeout must be"),
        (["check", "htp://127.0.0.1:9/"], "unknown URL scheme 'htp'"),
        (["check", "ftp://127.0.0.1/menu"], "unknown URL scheme 'ftp'"),
    ],
)
def test_cli_errors_are_one_line_with_exit_2(args, message):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""


def test_app_link_is_unsupported_with_its_run_folder_in_the_json(tmp_path):

    out = tmp_path / "visit"
    proc = run_cli("check", "weixin://dl/business/?t=abc", "--format", "json", "--out", str(out),
                   "--data", str(tmp_path / "data"))
    assert proc.returncode == 0, proc.stderr  # audited: a verdict about the link (not a web page)
    result = json.loads(proc.stdout)  # exactly one JSON object on stdout
    assert result["verdict"] == "unsupported" and "mini-program" in result["reason"]
    # --out is the check's run folder: its evidence, manifest and report
    evidence = Path(result["evidence_dir"])
    assert evidence.parent.parent == out and (evidence / "trace.json").is_file()
    assert (out / "manifest.json").is_file() and result["report"] == str(out / "report" / "index.html")
    # the same folder again would mix two visits' evidence: refused
    again = run_cli("check", "weixin://dl/business/?t=abc", "--format", "json", "--out", str(out))
    assert again.returncode == 2 and "already holds an audit's evidence" in again.stderr
