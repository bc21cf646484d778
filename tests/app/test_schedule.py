"""Recurring runs: the commands of the shipped systemd unit and cron line, run as they are.

``deploy/qraudit-crawl@.service``'s ``ExecStart`` is run twice (``%i`` = a tiny
district's file, the install path ``/opt/qraudit`` = this repository, its data
folder a temporary one), then the cron line of ``deploy/qraudit.cron`` once:
three runs tagged ``weekly``, each after the first with the diff against the
previous one written into its report and linked from the report's index.  The
audits use the stub engine (``QRAUDIT_AUDIT_ENGINE``): what is tested is the
schedule, not the agent.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys

import pytest

from results.manifest import verify
from results.store import Store
from tests.crawl.conftest import REPO
from tests.crawl.fake_district import FakeDistrict

pytestmark = pytest.mark.browser

DEPLOY = REPO / "deploy"
INSTALL = "/opt/qraudit"
CLOSED = "closed: the merchant is not taking orders now (休息/打烊/closed)"


def unit_command(district: str, data: str) -> tuple[list[str], dict[str, str], str]:
    """``(argv, environment, cwd)`` of the service unit's ExecStart for instance ``district``."""
    text = (DEPLOY / "qraudit-crawl@.service").read_text(encoding="utf-8")
    (exec_start,) = re.findall(r"^ExecStart=(.+)$", text, re.M)
    env = dict(line.split("=", 1) for line in re.findall(r"^Environment=(.+)$", text, re.M))
    (cwd,) = re.findall(r"^WorkingDirectory=(.+)$", text, re.M)
    argv = shlex.split(exec_start.replace("%i", district))
    assert argv[0] == f"{INSTALL}/.venv/bin/qraudit", argv
    assert env.get("QRAUDIT_DATA") and cwd == INSTALL
    env["QRAUDIT_DATA"] = data
    # the installed console script = this checkout's entry point
    return [sys.executable, "-c", "from app.main import main; main()", *argv[1:]], env, str(REPO)


def cron_command(district: str, data: str) -> tuple[str, dict[str, str]]:
    """``(shell command, environment)`` of the cron line, as cron's /bin/sh would run it."""
    env: dict[str, str] = {}
    command = None
    for line in (DEPLOY / "qraudit.cron").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.match(r"^([A-Z_]+)=(.*)$", line)
        if m:
            env[m.group(1)] = m.group(2)
            continue
        fields = line.split(None, 5)
        assert len(fields) == 6, line
        command = fields[5]
    assert command and "qraudit crawl" in command and "--schedule weekly" in command
    env.update({"QRAUDIT_DATA": data, "DISTRICT": district})
    return command.replace(INSTALL, str(REPO)), env


def test_the_shipped_timer_and_cron_commands_give_runs_and_their_diffs(tmp_path, crawl_env):
    data = tmp_path / "data"
    base = {**crawl_env, "QRAUDIT_AUDIT_ENGINE": "tests.crawl.stub_engine", "QRAUDIT_STUB_DELAY": "0.1"}
    base.pop("QRAUDIT_DATA", None)
    with FakeDistrict() as fd:
        seeds = fd.write_seeds(tmp_path / "seeds")
        argv, env, cwd = unit_command(str(seeds), str(data))
        first = subprocess.run(argv, env={**base, **env}, cwd=cwd, capture_output=True, text=True, timeout=600)
        assert first.returncode == 0, first.stderr[-3000:]
        assert "first run of schedule weekly" in first.stdout, first.stdout
        # a week later shop 3 has closed
        env2 = {**base, **env, "QRAUDIT_STUB_REASONS": json.dumps({"/shop/3/": CLOSED})}
        second = subprocess.run(argv, env=env2, cwd=cwd, capture_output=True, text=True, timeout=600)
        assert second.returncode == 0, second.stderr[-3000:]
        command, cenv = cron_command(str(seeds), str(data))
        (REPO / ".venv" / "bin" / "qraudit").exists() or pytest.fail("make setup first: .venv/bin/qraudit")
        third = subprocess.run(["/bin/sh", "-c", command], env={**base, **cenv}, capture_output=True, text=True,
                               timeout=600)
        assert third.returncode == 0, (third.stderr, (data / "cron.log").read_text(errors="replace")[-3000:])
    store = Store(data_dir=data, read_only=True)
    runs = store.query("SELECT run_id, status, json_extract_string(settings, '$.schedule') AS schedule "
                       "FROM runs ORDER BY started_at")
    assert list(runs.schedule) == ["weekly"] * 3 and set(runs.status) == {"finished"}
    r1, r2, r3 = runs.run_id
    assert f"since {r1} (schedule weekly)" in second.stdout, second.stdout

    doc2 = json.loads((store.run_dir(r2) / "report" / "schedule.json").read_text(encoding="utf-8"))
    assert doc2["previous_run"] == r1 and doc2["schedule"] == "weekly"
    assert doc2["summary"]["verdict_changes"] == {"compliant->inconclusive": 1}
    changes = json.loads((store.run_dir(r2) / "report" / "changes.json").read_text(encoding="utf-8"))
    assert (changes["run_a"], changes["run_b"]) == (r1, r2)
    html = (store.run_dir(r2) / "report" / "changes.html").read_text(encoding="utf-8")
    assert r1 in html and "compliant → inconclusive" in html
    index = (store.run_dir(r2) / "report" / "index.html").read_text(encoding="utf-8")
    assert 'href="changes.html"' in index and r1 in index
    first_index = (store.run_dir(r1) / "report" / "index.html").read_text(encoding="utf-8")
    assert "weekly" in first_index and 'href="changes.html"' not in first_index

    doc3 = json.loads((store.run_dir(r3) / "report" / "schedule.json").read_text(encoding="utf-8"))
    assert doc3["previous_run"] == r2
    assert doc3["summary"]["verdict_changes"] == {"inconclusive->compliant": 1}
    assert "qraudit crawl" in (data / "cron.log").read_text(encoding="utf-8")
    for run in (r1, r2, r3):  # the diff lives in the report folder, outside the evidence manifest
        assert verify(store.run_dir(run)) == []
    # `qraudit report` rebuilt later keeps the link
    rebuilt = subprocess.run([sys.executable, "-c", "from app.main import main; main()", "report", r2,
                              "--data", str(data)], env=base, capture_output=True, text=True, timeout=300)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert 'href="changes.html"' in (store.run_dir(r2) / "report" / "index.html").read_text(encoding="utf-8")
    assert os.path.isfile(store.run_dir(r2) / "report" / "changes.csv")
