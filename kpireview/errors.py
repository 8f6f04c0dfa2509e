"""The one error type users see: a one-line message, exit code 2."""

from __future__ import annotations


class KpiError(Exception):
    """Bad input or an unusable database. The message is one line naming the place."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split("\n")))
