"""Opening a database file: the checks before SQLite sees it, the connection, copies in memory.

The file itself is never opened outside SQLite: POSIX locks belong to the process, not to the
descriptor, so closing any other descriptor on it would drop the locks this process's
connections hold.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from kpireview.errors import StoreError

BUSY_TIMEOUT_ENV = "KPIREVIEW_BUSY_TIMEOUT_MS"
MAX_BUSY_TIMEOUT_MS = 2**31 - 1


def busy_timeout_ms() -> int:
    """How long a write waits for another (KPIREVIEW_BUSY_TIMEOUT_MS; unset or empty: 10 s)."""
    text = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    if not text:
        return 10_000
    value = int(text) if text.isascii() and text.isdigit() else -1
    if not 0 <= value <= MAX_BUSY_TIMEOUT_MS:
        raise StoreError(
            f"{BUSY_TIMEOUT_ENV}: {text!r} is not a number of milliseconds "
            f"(0 to {MAX_BUSY_TIMEOUT_MS})"
        )
    return value


def check_file(path: Path, must_exist: bool) -> bool:
    """Whether the database file exists; refuses what cannot be one.

    Only ``stat()``: opening and closing the file outside SQLite would drop every lock this
    process's connections hold on it (POSIX locks belong to the process, not the descriptor).
    SQLite itself says when the content is not a database.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        if must_exist:
            raise StoreError(
                f"{path}: no such database "
                "(create one with `kpireview import` or `kpireview sample`)"
            ) from None
        return False
    except OSError as exc:
        raise StoreError(f"{path}: cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise StoreError(f"{path}: is a directory, not a database file")
    if not stat.S_ISREG(info.st_mode):
        raise StoreError(f"{path}: not a regular file (a database is a plain file)")
    if info.st_size == 0 and must_exist:
        raise StoreError(f"{path}: empty file, not a kpireview database")
    return True


def describe_sqlite_error(path: Path | str, exc: sqlite3.Error) -> str:
    """One line for a SQLite error, naming the file."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"{path}: database is locked by another process (gave up after waiting)"
    if "readonly" in text or "read-only" in text:
        return f"{path}: cannot write to a read-only database (--read-only opens it to look)"
    if "not a database" in text:
        return f"{path}: not a SQLite database, or a damaged one ({text})"
    if "malformed" in text:
        return f"{path}: damaged or truncated SQLite file ({text})"
    return f"{path}: {text}"


def connect(path: Path, read_only: bool) -> sqlite3.Connection:
    """A connection to the file, waiting on a busy database as long as the environment says."""
    timeout = busy_timeout_ms()
    if read_only:
        uri = f"file:{path.resolve()}?mode=ro"
        if not _can_make_wal_files(path):
            uri += "&immutable=1"  # nobody can be writing it: read it without -shm/-wal
        conn = sqlite3.connect(uri, uri=True, timeout=timeout / 1000, isolation_level=None)
    else:
        conn = sqlite3.connect(path, timeout=timeout / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {timeout}")
    return conn


def memory() -> sqlite3.Connection:
    """An empty database in memory."""
    return sqlite3.connect(":memory:", isolation_level=None)


def copy_to_memory(conn: sqlite3.Connection) -> sqlite3.Connection:
    """A copy in memory of the database (read through SQLite's backup); ``conn`` is closed."""
    copy = memory()
    try:
        conn.backup(copy)
    except BaseException:
        copy.close()
        raise
    conn.close()
    return copy


def _can_make_wal_files(path: Path) -> bool:
    """Whether SQLite can create the -shm and -wal files a WAL database needs to be read."""
    if Path(f"{path}-shm").exists():
        return True
    return os.access(path.resolve().parent, os.W_OK)


def inserted_id(cur: sqlite3.Cursor) -> int:
    """The rowid an INSERT just made (SQLite always sets it for one)."""
    if cur.lastrowid is None:
        raise StoreError("the database gave no id for the new row")
    return cur.lastrowid
