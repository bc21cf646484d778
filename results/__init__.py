"""qraudit's results: the store (the only writer of ``result.json`` and of the DuckDB
database), the evidence manifest, the read model for notebooks (``results.api``),
the HTML report, diff and export, and re-judging stored runs (``results.rescore``).

It reads traces (``core.trace``) and judgments (``detectors``); it never drives a browser.
"""
