"""The words of a stored audit's reason in the report's language, from its code.

The words themselves live in one table, :data:`core.reasons.WORDS`; results
stored before reason codes are read back from their English sentence
(:func:`core.reasons.stored`).  The data keep the English.
"""

from __future__ import annotations

from typing import Any

from core.reasons import stored


def reason_text(reason: str | None, lang: str, code: str | None = None, params: Any = None) -> str:
    """The reason to show in ``lang`` (``zh`` | ``en``): rendered from ``code`` and ``params``
    (or from the stored English ``reason`` read back); ``""`` for none."""
    if lang != "zh" and reason:
        return reason  # the stored English, as written
    r = stored(code, params, reason)
    return r.text(lang) if r is not None else ""
