"""The notebooks run top to bottom against fake runs (through results.api only)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .fakerun import build_fake_run, merchants_with

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def run_notebook(name: str) -> nbformat.NotebookNode:
    """Execute a notebook in a fresh kernel (which inherits QRAUDIT_DATA); raise on any cell error."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb


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
