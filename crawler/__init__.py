"""qraudit's capture side: spiders, the in-app browser, the order agent, the trace and the store."""

__version__ = "0.1.0"
