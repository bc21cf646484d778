"""What the README must say for a new user (no browser): run times, how to run the notebooks,
the exit statuses, that loopback is live unless declared, and only commands that exist."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from app.main import app

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_readme_gives_run_times():
    times = _flat(README[README.index("Run times"):README.index("## Everyday use")])
    assert re.search(r"`make demo` about \d+ min", times) and re.search(r"`make test` about \d+ min", times)
    assert "`qraudit check`" in times


def test_the_readme_says_how_to_run_the_notebooks():
    text = _flat(README)
    assert "python notebooks/run.py NOTEBOOK [-p NAME VALUE]..." in text
    assert "QRAUDIT_RUN" in text and "latest run of the demo district that audited merchants" in text
    assert (REPO / "notebooks" / "run.py").is_file()


def test_the_readme_documents_the_exit_statuses_of_check_and_crawl():
    text = _flat(README)
    assert "`check` exits 0 when the page was audited" in text and "1 when it could not be audited" in text
    assert "`crawl` exits 0 when at least one merchant page was audited" in text


def test_loopback_is_live_unless_declared_and_the_readme_says_so():
    text = _flat(README)
    assert "Loopback addresses and `localhost` are live too" in text
    assert "--sandbox-host 127.0.0.1" in text  # the flag it takes to submit orders on the local sandbox
    help_text = _flat(CliRunner().invoke(app, ["check", "--help"], env={"COLUMNS": "200"}).output)
    assert "loopback and localhost included, is audited live" in help_text


def test_every_readme_command_names_a_real_command_and_the_example_is_a_demo_merchant():
    names = {c.name for c in app.registered_commands}
    blocks = "\n".join(re.findall(r"```sh\n(.*?)```", README, re.S))
    used = set(re.findall(r"^qraudit (\w+)", blocks, re.M))
    assert used and used <= names, used - names
    assert "张记面馆" not in README and '--merchant "云朵小面"' in README
    demo = (REPO / "seeds" / "demo-merchants.csv").read_text(encoding="utf-8") + (
        REPO / "sandbox" / "ground_truth.json").read_text(encoding="utf-8")
    assert "云朵小面" in demo


def test_the_layout_table_names_folders_that_exist():
    table = README[README.index("| path | what |"):]
    for path in re.findall(r"^\| `([^`]+)`", table, re.M):
        for part in path.split("`, `"):
            assert (REPO / part.rstrip("/")).exists(), part
