"""The one error type users see: a one-line message, exit code 2."""

from __future__ import annotations


class KpiError(Exception):
    """Bad input or an unusable database. The message is one line naming the place.

    Newlines become spaces and other control characters are shown escaped, so text quoted
    from a file can neither break the line nor drive the terminal.
    """

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(_printable(" ".join(message.split("\n"))))


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class StoreError(KpiError):
    """A database that cannot be opened, read or written."""


class ConfigError(KpiError):
    """An invalid config file."""
