"""User-facing errors: raised with a one-line message, printed by the CLI with a non-zero exit."""


class QrauditError(Exception):
    """A problem with the user's input or environment, reported as one line (exit code 2)."""

    exit_code = 2
