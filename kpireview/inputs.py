"""Opening an input file once: regular files and pipes; devices and directories refused."""

from __future__ import annotations

import fcntl
import os
import stat
from pathlib import Path
from typing import BinaryIO

from kpireview.errors import KpiError


class InputError(KpiError):
    """An input path that is not a file to read."""


def open_input(path: Path) -> BinaryIO:
    """``path`` opened for reading bytes, once.

    A pipe (``<(cat file.csv)``, a FIFO) is read as it comes; a FIFO without a writer reads
    as empty instead of waiting. Directories, devices and sockets are refused: ``/dev/zero``
    would be read for ever. FileNotFoundError passes through for the caller to word.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    kind = _odd_kind(mode)
    if kind:
        raise InputError(f"{path}: cannot be read: not a regular file ({kind})")
    fifo = stat.S_ISFIFO(mode)
    try:
        fd = os.open(path, os.O_RDONLY | (os.O_NONBLOCK if fifo else 0))
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    if fifo:  # opened without waiting for a writer; reads wait for data again
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return os.fdopen(fd, "rb")


def _odd_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return ""
