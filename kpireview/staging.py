"""An import's checked values on their way in: a private SQLite database on disk.

The importer writes each checked cell here as it reads the file (metric, segment, date cell,
value, and the line and column it came from), a chunk at a time, so memory holds a chunk of
rows, never the file. A second value for one metric, segment and date cell is found as each
chunk goes in. Once the whole file is read and its dates resolved, the conflicts between rows
are found here in SQL, daily rows are read back series by series to be rolled up into weeks,
and the rows to store are read back from here. SQLite deletes the database when it is closed
(and at once on POSIX systems, so a killed import leaves no file behind).

Metrics and date cells are stored as small integers (the caller's codes); segments as text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator

CHUNK = 20_000  # rows written at a time
CACHE_KB = 16_000  # SQLite's page cache for the staged rows

Cell = tuple[int, str, int, float, int, int]  # metric, segment, date cell, value, line, column

_OBSERVED = """CREATE TABLE observed (m INTEGER NOT NULL, s TEXT NOT NULL, c INTEGER NOT NULL,
    value REAL NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL,
    PRIMARY KEY (m, s, c)) WITHOUT ROWID"""
_ROLLED = (
    "CREATE TABLE rolled (m INTEGER NOT NULL, s TEXT NOT NULL, w INTEGER NOT NULL, value REAL)"
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
        self.conn = sqlite3.connect("", isolation_level=None)  # a private file, deleted on close
        for pragma in ("journal_mode = OFF", "synchronous = OFF", f"cache_size = -{CACHE_KB}"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute(_OBSERVED)
        self.conn.execute(_ROLLED)
        self.conn.execute("BEGIN")  # one transaction for all of it: nothing else reads it
        self.pending: list[Cell] = []
        self.count = 0  # cells staged
        self.metrics: set[int] = set()  # metric and date-cell codes with a value
        self.cells: set[int] = set()

    def close(self) -> None:
        self.conn.close()

    def add(self, cell: Cell) -> None:
        self.pending.append(cell)
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Write the pending cells; report each one whose key is already staged."""
        rows, self.pending = self.pending, []
        if not rows:
            return
        cursor = self.conn.executemany("INSERT OR IGNORE INTO observed VALUES (?,?,?,?,?,?)", rows)
        self.count += cursor.rowcount
        self.metrics.update({r[0] for r in rows})
        self.cells.update({r[2] for r in rows})
        if cursor.rowcount != len(rows):
            self._report_duplicates(rows)

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
        yield from self.conn.execute("SELECT m, s, c, value FROM observed")

    def roll(self, rows: Iterable[tuple[int, str, int, float]]) -> None:
        """Keep (metric, segment, week, value) rows made from the observed ones."""
        self.conn.executemany("INSERT INTO rolled VALUES (?, ?, ?, ?)", rows)

    def rolled(self) -> Iterator[tuple[int, str, int, float]]:
        yield from self.conn.execute("SELECT m, s, w, value FROM rolled")
