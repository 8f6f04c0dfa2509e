"""The sample's working copy: `kpireview` with no --db opens the committed sample.db, whose
decisions and imports must not change it (a fresh clone's tests compare it with the
generator's output). Writes go to `.kpireview/sample.db` beside it, made from it on first
use; every command without --db uses that copy once it exists.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path

from kpireview.errors import KpiError
from kpireview.files import umask

WORK_DIR = ".kpireview"


def copy_path(path: Path) -> Path:
    return path.parent / WORK_DIR / path.name


def is_working_copy(path: Path) -> bool:
    return path.parent.name == WORK_DIR


def copy_note(copy: Path) -> str:
    """What the review says when it opens the working copy."""
    return (
        f"Sample copy: decisions and imports go to {copy}; "
        f"{copy.parent.parent / copy.name} stays as committed (delete the copy to start again)."
    )


def is_generated_sample(path: Path) -> bool:
    """Whether a database holds only what `kpireview sample` wrote (read through SQLite)."""
    if not path.is_file():
        return False
    try:
        conn = sqlite3.connect(_read_only_uri(path), uri=True)
        try:
            total, other = conn.execute(
                "SELECT count(*), coalesce(sum(source != 'sample'), 0) FROM snapshots"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return total > 0 and other == 0


def resolve(path: Path, write: bool) -> tuple[Path, bool]:
    """The database a command without --db uses, and whether the copy was just made.

    The working copy when it exists; else, for a command that writes, a new copy of the
    generated sample; else the file itself (read commands change nothing on disk).
    """
    copy = copy_path(path)
    if copy.exists():
        return copy, False
    if not write or not is_generated_sample(path):
        return path, False
    _make_copy(path, copy)
    return copy, True


def _read_only_uri(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"


def backup(source: Path, dest: Path) -> None:
    """A consistent copy of ``source`` into ``dest`` through SQLite (its backup), the source
    opened read-only."""
    src = sqlite3.connect(_read_only_uri(source), uri=True)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _make_copy(source: Path, copy: Path) -> None:
    """A consistent copy (SQLite's backup), put in place whole."""
    try:
        copy.parent.mkdir(exist_ok=True)
        (copy.parent / ".gitignore").write_text("*\n", encoding="utf-8")
        fd, tmp = tempfile.mkstemp(dir=copy.parent, prefix=f".{copy.name}.", suffix=".tmp")
        os.close(fd)
        os.chmod(tmp, 0o666 & ~umask())
    except OSError as exc:
        raise KpiError(f"{copy}: cannot make the sample's working copy ({exc.strerror})") from None
    try:
        backup(source, Path(tmp))
        os.replace(tmp, copy)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise KpiError(f"{copy}: cannot make the sample's working copy ({exc})") from None
