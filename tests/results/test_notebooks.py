"""The notebooks run top to bottom against fake runs (through results.api only), through the
documented runner ``python notebooks/run.py`` (parameters, quiet kernel)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from results.store import Store

from .conftest import RUN_A, RUN_B
from .fakerun import build_fake_run, merchants_with

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
_spec = importlib.util.spec_from_file_location("notebook_runner", NOTEBOOKS / "run.py")
runner = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runner)


def run_notebook(name: str, **params: str) -> nbformat.NotebookNode:
    """Execute a notebook in a fresh kernel (which inherits QRAUDIT_DATA); raise on any cell error."""
    return runner.execute(NOTEBOOKS / name, params, timeout=300)


def outputs(nb: nbformat.NotebookNode) -> tuple[int, str]:
    """(number of PNG outputs, all text/plain/html/stream output joined)."""
    pngs, texts = 0, []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", out
            data = out.get("data", {})
            pngs += "image/png" in data
            texts.append(out.get("text", "") + data.get("text/plain", "") + data.get("text/html", ""))
    return pngs, "\n".join(texts)


def test_district_overview(data_dir):
    nb = run_notebook("01-district-overview.ipynb")
    pngs, text = outputs(nb)
    assert pngs == 4  # verdicts, rules, vendors, stages
    assert "20261207T091500Z-demo" in text  # the latest run by default
    assert "third_party_leak" in text and "m04" in text


def test_merchant_drilldown(data_dir):
    nb = run_notebook("02-merchant-drilldown.ipynb")
    pngs, text = outputs(nb)
    assert "m04" in text and "excessive_fields" in text  # first violation of the latest run
    assert pngs == 2 + 5  # two findings' screenshots + five steps of the order path
    assert "127.0.0.2" in text  # the third-party request


def test_rectification(data_dir):
    nb = run_notebook("03-rectification.ipynb")
    pngs, text = outputs(nb)
    assert "20261130T091500Z-demo -> 20261207T091500Z-demo" in text
    assert "fixed: 1" in text and "new: 0" in text and "forced_phone" in text
    assert pngs == 2


@pytest.fixture
def empty_data(tmp_path, monkeypatch):
    """One run where every merchant is compliant or inconclusive: charts have nothing to plot."""
    d = tmp_path / "data"
    build_fake_run(d, "only", merchants_with({"m01": {"verdict": "compliant", "findings": []},
                                               "m04": {"verdict": "compliant", "findings": []}}))
    monkeypatch.setenv("QRAUDIT_DATA", str(d))
    return d


def test_notebooks_survive_a_run_without_findings(empty_data):
    _, text = outputs(run_notebook("01-district-overview.ipynb"))
    assert "Merchants by rule: nothing to plot" in text and "Findings by stage: nothing to plot" in text
    _, text = outputs(run_notebook("02-merchant-drilldown.ipynb"))
    assert "no findings" in text
    _, text = outputs(run_notebook("03-rectification.ipynb"))
    assert "comparing it with itself" in text and "nothing to plot" in text


def _later_runs_that_are_not_the_demos_results(data_dir: Path) -> None:
    """After the demo's runs: the README's invented district (a crawl that found nothing) and a check."""
    store = Store(data_dir=data_dir)
    rid = store.create_run("crawl", district="example-district", run_id="20261208T091500Z-example-district")
    store.finish_run(rid, "finished")
    build_fake_run(data_dir, "20261209T091500Z-check", merchants_with({"m02": None, "m03": None, "m04": None}),
                   district=None, district_file=None, kind="check")


def test_by_default_the_notebooks_show_the_latest_run_of_the_demo_that_audited_merchants(data_dir):
    _later_runs_that_are_not_the_demos_results(data_dir)
    _, text = outputs(run_notebook("01-district-overview.ipynb"))
    assert f"run {RUN_B}: crawl of demo" in text
    _, text = outputs(run_notebook("03-rectification.ipynb"))
    assert f"{RUN_A} -> {RUN_B}" in text and "fixed: 1" in text


def test_parameters_choose_the_run_without_editing_a_cell(data_dir, monkeypatch):
    _, text = outputs(run_notebook("01-district-overview.ipynb", RUN_ID=RUN_A))
    assert f"run {RUN_A}: crawl of demo" in text
    _, text = outputs(run_notebook("02-merchant-drilldown.ipynb", RUN_ID=RUN_A, MERCHANT_ID="m01"))
    assert f"run {RUN_A}, merchant m01" in text
    monkeypatch.setenv("QRAUDIT_RUN", RUN_A)  # or an environment variable, in Jupyter
    _, text = outputs(run_notebook("01-district-overview.ipynb"))
    assert f"run {RUN_A}: crawl of demo" in text


def test_the_documented_command_runs_quietly_and_keeps_the_executed_notebook(data_dir):
    env = dict(os.environ, QRAUDIT_DATA=str(data_dir), PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "notebooks/run.py", "03-rectification.ipynb", "-p", "RUN_A", RUN_A,
                           "-p", "RUN_B", RUN_B], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no kernel or Jupyter warnings
    assert f"{RUN_A} -> {RUN_B}" in proc.stdout and "fixed: 1" in proc.stdout
    out = data_dir / "notebooks" / "03-rectification.ipynb"
    assert f"executed notebook: {out}" in proc.stdout and out.is_file()
    bad = subprocess.run([sys.executable, "notebooks/run.py", "01-district-overview.ipynb", "-p", "RUN_ID", "nope"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert bad.returncode == 1 and "unknown run 'nope'" in bad.stderr


def test_running_a_notebook_prints_no_kernel_warning(data_dir, capfd):
    run_notebook("01-district-overview.ipynb")
    err = capfd.readouterr().err
    assert "WARNING" not in err and "Jupyter is migrating" not in err, err
