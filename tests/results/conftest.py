"""Fixtures of the results tests: two fake runs of the same district, one merchant fixed in between."""

from __future__ import annotations

import shutil

import pytest

from app.main import main

from .fakerun import build_fake_run, merchants_with

RUN_A = "20261130T091500Z-demo"
RUN_B = "20261207T091500Z-demo"
#: In run B merchant m01 no longer asks for a phone number (rectified).
FIXED_M01 = {"m01": {"verdict": "compliant", "findings": []}}


@pytest.fixture(scope="session")
def template_data(tmp_path_factory):
    """RUN_A and RUN_B built once per session (tests get a copy)."""
    d = tmp_path_factory.mktemp("results-template") / "data"
    build_fake_run(d, RUN_A)
    build_fake_run(d, RUN_B, merchants_with(FIXED_M01))
    return d


@pytest.fixture
def data_dir(template_data, tmp_path, monkeypatch):
    """A fresh copy of a data folder holding RUN_A and RUN_B (m01 fixed in B); QRAUDIT_DATA points at it."""
    d = tmp_path / "data"
    shutil.copytree(template_data, d)
    monkeypatch.setenv("QRAUDIT_DATA", str(d))
    return d


@pytest.fixture
def cli(capsys):
    """Run ``qraudit ARGS`` in-process through app.cli.main; return (exit code, stdout, stderr)."""

    def run(*args: str):
        with pytest.raises(SystemExit) as exc:
            main(list(args))
        out = capsys.readouterr()
        code = exc.value.code
        return (0 if code is None else code), out.out, out.err

    return run
