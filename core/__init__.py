"""qraudit's bottom layer: what every other package may import, and which imports nothing of ours.

* :mod:`core.trace` — the trace, the contract between capture and judgment;
* :mod:`core.reasons` — reason codes, and the one table of their words (en, zh);
* :mod:`core.sites` — hosts, registrable domains ("sites"), OAuth hosts;
* :mod:`core.lexicon` — the one text normaliser (width, traditional → simplified, case);
* :mod:`core.errors` — :class:`~core.errors.QrauditError`, a user-facing one-line error.
"""

__version__ = "0.1.0"
