"""qraudit's judgment side: pure rules over a recorded trace (see detectors.base)."""
