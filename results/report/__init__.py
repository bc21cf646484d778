"""The static HTML report of a run (``qraudit report``); see :mod:`results.report.build`."""

from results.report.build import build_report

__all__ = ["build_report"]
