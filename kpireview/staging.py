"""An import's checked values on their way in: a SQLite file of the system's temporary files.

The importer writes each checked cell here as it reads the file (metric, segment, date cell,
value, and the line and column it came from), a chunk at a time, so memory holds a chunk of
rows, never the file. A second value for one metric, segment and date cell is found as each
chunk goes in. Once the whole file is read and its dates resolved, the conflicts between rows
are found here in SQL, daily rows are read back series by series to be rolled up into weeks,
and the store reads the rows to keep from this file (attached to its connection), inside
SQLite. The file is readable by its owner only, and removed when the staging is closed or
dropped (or the interpreter exits); its name holds the process id, so that the next import
removes the file of an import that was killed.

Metrics and date cells are stored as small integers (the caller's codes); segments as text.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kpireview.errors import KpiError

PREFIX, SUFFIX = "kpireview-import-", ".sqlite"
CHUNK = 20_000  # rows written at a time
CACHE_KB = 16_000  # SQLite's page cache for the staged rows

Cell = tuple[int, str, int, float, int, int]  # metric, segment, date cell, value, line, column

_OBSERVED = """CREATE TABLE observed (m INTEGER NOT NULL, s TEXT NOT NULL, c INTEGER NOT NULL,
    value REAL NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL,
    PRIMARY KEY (m, s, c)) WITHOUT ROWID"""
_ROLLED = (
    "CREATE TABLE rolled (m INTEGER NOT NULL, s TEXT NOT NULL, week TEXT NOT NULL, value REAL)"
)
_NAMES = (
    "CREATE TABLE metric_id (m INTEGER PRIMARY KEY, id TEXT NOT NULL)",
    "CREATE TABLE cell_week (c INTEGER PRIMARY KEY, week TEXT NOT NULL)",
)
_GROUPS = "CREATE TABLE IF NOT EXISTS cell_group (c INTEGER PRIMARY KEY, g INTEGER)"

# Each cell that is not the first (by line) of its metric, segment and group, in line order.
_LATER = """SELECT line, col, m, c, first FROM (
    SELECT o.line, o.col, o.m, o.c, min(o.line) OVER (PARTITION BY o.m, o.s, k.g) AS first
    FROM observed o JOIN cell_group k ON k.c = o.c)
WHERE line != first ORDER BY line, col"""
_REPEATS = """SELECT 1 FROM observed o JOIN cell_group k ON k.c = o.c
GROUP BY o.m, o.s, k.g HAVING count(*) > 1 LIMIT 1"""


class Staging:
    """The staged cells of one file; ``duplicate(cell, first_line)`` is called for a second
    value of a metric, segment and date cell (the first one is kept)."""

    def __init__(self, duplicate: Callable[[Cell, int], None]) -> None:
        self.duplicate = duplicate
        sweep(Path(tempfile.gettempdir()))
        try:
            fd, name = tempfile.mkstemp(prefix=f"{PREFIX}{os.getpid()}-", suffix=SUFFIX)
        except OSError as exc:
            raise KpiError(
                f"{tempfile.gettempdir()}: cannot create the import's temporary file "
                f"({exc.strerror}); set TMPDIR to a writable directory"
            ) from None
        os.close(fd)
        self.path = Path(name)
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self._cleanup = weakref.finalize(self, _remove, self.conn, self.path)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", f"cache_size = -{CACHE_KB}"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute(_OBSERVED)
        self.conn.execute(_ROLLED)
        for sql in _NAMES:
            self.conn.execute(sql)
        self.conn.execute("BEGIN")  # one transaction for all of it: nothing else reads it
        self.pending: list[Cell] = []
        self.count = 0  # cells staged
        self.metrics: set[int] = set()  # the codes of the metrics and date cells staged
        self.cells: set[int] = set()

    def close(self) -> None:
        """Close and remove the file (done too when the staging is dropped unclosed)."""
        self._cleanup()

    def finish(self, ids: list[str], weeks: list[str]) -> None:
        """Name the codes (metric ids, each date cell's week as text) and commit, so that
        another connection can read the rows (see ``select``)."""
        self.conn.executemany("INSERT INTO metric_id VALUES (?, ?)", enumerate(ids))
        self.conn.executemany("INSERT INTO cell_week VALUES (?, ?)", enumerate(weeks))
        self.conn.execute("COMMIT")

    @staticmethod
    def select(daily: bool, schema: str = "main") -> str:
        """SQL reading the rows to store, (metric, week text, segment, value): the rolled-up
        weeks of a daily file, else the observed cells."""
        if daily:
            return (
                f"SELECT k.id, r.week, r.s, r.value FROM {schema}.rolled r "
                f"JOIN {schema}.metric_id k ON k.m = r.m"
            )
        return (
            f"SELECT k.id, w.week, o.s, o.value FROM {schema}.observed o "
            f"JOIN {schema}.metric_id k ON k.m = o.m JOIN {schema}.cell_week w ON w.c = o.c"
        )

    def rows(self, daily: bool) -> Iterator[tuple[str, str, str, float]]:
        yield from self.conn.execute(self.select(daily))

    def add(self, cell: Cell) -> None:
        self.pending.append(cell)
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Write the pending cells; report each one whose key is already staged."""
        rows = self.pending
        if not rows:
            return
        cursor = self.conn.executemany("INSERT OR IGNORE INTO observed VALUES (?,?,?,?,?,?)", rows)
        self.count += cursor.rowcount
        self.metrics.update({r[0] for r in rows})
        self.cells.update({r[2] for r in rows})
        if cursor.rowcount != len(rows):
            self._report_duplicates(rows)
        rows.clear()  # the same list: readers may hold it (see ``add``)

    def _report_duplicates(self, rows: list[Cell]) -> None:
        find = "SELECT line, col FROM observed WHERE m = ? AND s = ? AND c = ?"
        for row in rows:
            line, col = self.conn.execute(find, row[:3]).fetchone()
            if (line, col) != (row[4], row[5]):
                self.duplicate(row, line)

    def group_cells(self, groups: dict[int, int]) -> None:
        """Give each date cell a group (e.g. its day, or its week); cells not given are in
        no group."""
        self.conn.execute(_GROUPS)
        self.conn.execute("DELETE FROM cell_group")
        self.conn.executemany("INSERT INTO cell_group VALUES (?, ?)", groups.items())

    def later_in_group(self) -> Iterator[tuple[int, int, int, int, int]]:
        """(line, column, metric, cell, first line) of each cell after the first of its metric,
        segment and group, in line order."""
        yield from self.conn.execute(_LATER)

    def any_repeat(self) -> bool:
        """Whether a metric and segment have two cells in one group."""
        return self.conn.execute(_REPEATS).fetchone() is not None

    def observed(self) -> Iterator[tuple[int, str, int, float]]:
        """(metric, segment, cell, value), by metric, segment and cell."""
        yield from self.conn.execute("SELECT m, s, c, value FROM observed ORDER BY m, s, c")

    def roll(self, rows: Iterable[tuple[int, str, str, float]]) -> None:
        """Keep (metric, segment, week text, value) rows made from the observed ones."""
        self.conn.executemany("INSERT INTO rolled VALUES (?, ?, ?, ?)", rows)


def _remove(conn: sqlite3.Connection, path: Path) -> None:
    conn.close()
    path.unlink(missing_ok=True)


def sweep(directory: Path) -> None:
    """Remove the staging files left in ``directory`` by imports whose process is gone."""
    with contextlib.suppress(OSError):
        for path in directory.glob(f"{PREFIX}*{SUFFIX}"):
            pid = path.name[len(PREFIX) :].partition("-")[0]
            if pid.isdigit() and not _running(int(pid)):
                with contextlib.suppress(OSError):
                    path.unlink()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # another user's process, or no process id
    return True
