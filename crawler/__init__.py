"""qraudit's capture side: district sources, Scrapy, the in-app browser and the order agent.

Capture records what happened as a :class:`core.trace.Trace`; it never judges
(``detectors``) nor stores (``results``).
"""

from core import __version__

__all__ = ["__version__"]
