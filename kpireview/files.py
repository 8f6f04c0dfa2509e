"""Writing output files: whole or not at all, never over a database, with the usual mode.

A symlinked target is written through (the link stays, the file it names is replaced); a
new file gets 0666 less the umask, a replaced one keeps its mode; the temporary file beside
the target is removed on every failure.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from kpireview.errors import KpiError

SQLITE_HEADER = b"SQLite format 3\x00"
_SIDE_FILES = ("-wal", "-shm", "-journal")


def write_atomic(path: Path, text: str, reading: Iterable[Path] = ()) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it and a rename.

    Refused: a directory, a file that is not a regular one, a file the command reads
    (``reading``: its database and config) or one of its database's side files, and any
    SQLite database.
    """
    path = Path(path)
    target = Path(os.path.realpath(path))
    mode = _checked_mode(path, target, list(reading))
    data = text.encode("utf-8")
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise KpiError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise KpiError(f"{path}: cannot write ({exc.strerror or exc})") from None
        raise


def _checked_mode(path: Path, target: Path, reading: list[Path]) -> int:
    """The mode the written file gets; raises when the target must not be written."""
    for read in reading:
        if _same(target, read) or any(_same(target, Path(f"{read}{s}")) for s in _SIDE_FILES):
            raise KpiError(f"{path}: is a file this command reads; choose another output file")
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return 0o666 & ~umask()
    except OSError as exc:
        raise KpiError(f"{path}: cannot write ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise KpiError(f"{path}: is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise KpiError(f"{path}: not a regular file")
    if is_sqlite(target):
        raise KpiError(f"{path}: is a SQLite database; it is not replaced by an output file")
    return stat.S_IMODE(st.st_mode)


def _same(a: Path, b: Path) -> bool:
    """The same file (a link to it, or the same path when it does not exist yet)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def is_sqlite(path: Path) -> bool:
    """Whether a regular file starts with the SQLite header. Only for files no connection of
    this process has open (closing a descriptor drops that process's locks on the file)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def umask() -> int:
    """The process's umask, read without changing it where Linux tells it (os.umask sets it
    for every thread for a moment)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
