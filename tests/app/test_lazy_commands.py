"""The CLI loads only the command it runs; help and ``app.main.app`` still have every command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from app.main import app

REPO = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
from app.main import load_commands
load_commands(sys.argv[1:])
from app.cli import app
print(json.dumps({"commands": sorted(c.name for c in app.registered_commands),
                  "scrapy": "scrapy" in sys.modules, "redis": "redis" in sys.modules, "pandas": "pandas" in sys.modules}))
"""


def _probe(*argv: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=REPO, capture_output=True, text=True, timeout=120,
                         check=True).stdout
    return json.loads(out)


def test_a_check_loads_the_check_command_without_scrapy_redis_or_pandas():
    got = _probe("check", "http://shop.example/", "--format", "json")
    assert got["commands"] == ["check"]
    assert not got["scrapy"] and not got["redis"] and not got["pandas"], got


def test_a_command_that_shares_a_module_brings_its_siblings():
    assert _probe("runs")["commands"] == ["crawl", "runs"]


def test_help_no_command_and_a_typo_load_every_command():
    every = ["check", "crawl", "diff", "export", "merge", "report", "rescore", "rules", "runs", "sandbox", "verify"]
    for argv in (["--help"], [], ["chek"]):
        assert _probe(*argv)["commands"] == every, argv


def test_app_main_app_has_every_command_and_help_lists_them():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("check", "crawl", "runs", "merge", "rescore", "rules", "report", "diff", "export", "verify", "sandbox"):
        assert f" {name} " in result.output, name


def test_a_typo_is_one_usage_error_naming_the_commands():
    done = subprocess.run([sys.executable, "-c", "from app.main import main; main()", "chek"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "No such command" in done.stderr and "Traceback" not in done.stderr
