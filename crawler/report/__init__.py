"""The static HTML report of a run (``qraudit report``); see :mod:`crawler.report.build`."""

from crawler.report.build import build_report

__all__ = ["build_report"]
