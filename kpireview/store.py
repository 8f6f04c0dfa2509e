"""The SQLite database: one connection, its snapshots, and (through DecisionStore) decisions.

Every write is one ``BEGIN IMMEDIATE`` transaction, so concurrent writers queue on the busy
timeout instead of failing, and a killed process leaves either all of a write or none of it.
The schema lives in ``schema``, opening the file in ``connection``, the values read and written
in ``records``, decisions in ``decision_store``, dividers and acknowledgements in
``divider_store``; their public names are importable from here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import cached_property
from math import isfinite
from pathlib import Path
from typing import TYPE_CHECKING

from kpireview import schema
from kpireview.connection import (
    BUSY_TIMEOUT_ENV,
    MAX_BUSY_TIMEOUT_MS,
    check_file,
    connect,
    copy_to_memory,
    describe_sqlite_error,
    memory,
)
from kpireview.decision_store import DecisionStore
from kpireview.divider_store import Acknowledgement, Divider, DividerStore
from kpireview.errors import StoreError
from kpireview.records import (
    STATUSES,
    TEXT_FIELDS,
    Decision,
    DecisionConflict,
    MetricRange,
    Restated,
    Revision,
    UpsertCounts,
    now_text,
    stored_day,
)
from kpireview.schema import MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    import sqlite_utils

__all__ = [
    "BUSY_TIMEOUT_ENV",
    "Acknowledgement",
    "Divider",
    "MAX_BUSY_TIMEOUT_MS",
    "MIGRATIONS",
    "RESTATED_SHOWN",
    "SCHEMA_VERSION",
    "STATUSES",
    "TEXT_FIELDS",
    "Decision",
    "DecisionConflict",
    "MetricRange",
    "Restated",
    "Revision",
    "Series",
    "Store",
    "StoreError",
    "UpsertCounts",
    "describe_sqlite_error",
    "now_text",
    "stored_day",
]

RESTATED_SHOWN = 10  # restated values an upsert returns (the count has them all)
Series = dict[date, float]


def _row_name(metric: object, week: object, segment: object) -> str:
    return f"snapshots row (metric {metric!r}, week {week!r}, segment {segment!r})"


class Store(DecisionStore, DividerStore):
    """One connection to a kpireview database. Open it in the thread that uses it.

    As the writers open it (the default), an older schema is migrated and the file switched to
    WAL. ``reading=True`` (see ``reader``) leaves the file as it is: an older schema is read
    through an upgraded copy in memory. ``scratch=True`` works on a copy in memory (an empty
    database when there is no file): a dry run that writes nothing to disk.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        must_exist: bool = False,
        reading: bool = False,
        scratch: bool = False,
    ):
        self.path = Path(path)
        self.read_only = read_only
        self.reading = reading or scratch
        self.copy = scratch  # work on a copy in memory, whatever the schema
        self.in_memory = False
        exists = check_file(self.path, must_exist or read_only or reading)
        try:
            self.conn = connect(self.path, read_only) if exists or not scratch else self._memory()
            try:
                self._prepare()
            except BaseException:
                self.conn.close()
                raise
        except sqlite3.Error as exc:
            raise StoreError(describe_sqlite_error(self.path, exc)) from None

    @classmethod
    def reader(cls, path: str | Path) -> Store:
        """Open a database to read, changing nothing on disk (not its journal mode, not its
        schema); read-only where this user may not write it."""
        try:
            return cls(path, reading=True)
        except StoreError as exc:
            if "read-only" not in str(exc) and "unable to open" not in str(exc):
                raise
        return cls(path, read_only=True, reading=True)

    @classmethod
    def scratch(cls, path: str | Path) -> Store:
        """A copy in memory of a database (empty when there is none), for a dry run."""
        return cls(path, scratch=True)

    def _memory(self) -> sqlite3.Connection:
        self.in_memory = True
        return memory()

    def _to_memory(self) -> None:
        """Go on with a copy in memory of the database."""
        self.in_memory = True
        self.conn = copy_to_memory(self.conn)

    def _prepare(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        schema.check_version(self.conn, self.path, version)
        if self.reading and not self.in_memory:
            if version == SCHEMA_VERSION and not self.copy:
                return  # read as it is
            self._to_memory()  # a dry run, or an older schema to read: a copy, not the file
        elif self.read_only:
            if version < SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: schema version {version} needs an upgrade; "
                    "open it once without --read-only"
                )
            return
        elif not self.in_memory:
            if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
        if version < SCHEMA_VERSION:
            with self.transaction():
                schema.migrate(self.conn, version)

    def close(self) -> None:
        self.conn.close()

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils on this connection, imported when first needed (it is slow to import,
        and start-up reads only through plain queries)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so that writers queue rather than deadlock."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")  # committed when this returns, or it raises
        except BaseException:
            if self.conn.in_transaction:  # SQLite may have rolled back already: say why it failed
                self.conn.execute("ROLLBACK")
            raise

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def data_version(self) -> int:
        """Changes whenever another connection commits; cheap to poll."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def upsert_snapshots(
        self,
        rows: Iterable[tuple[str, date, str, float]],
        source: str = "",
        dry_run: bool = False,
    ) -> UpsertCounts:
        """Insert or update (metric, week, segment, value) rows, all in one transaction.

        Rows whose value is already stored are left alone, so loading a file twice changes
        nothing. A value replaced is kept in ``snapshot_history`` (with its source and load
        time), in the same transaction. With ``dry_run`` the counts are computed and the
        transaction rolled back.
        """

        def fill(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT OR REPLACE INTO incoming VALUES (?, ?, ?, ?)",
                ((m, w.isoformat(), s, v) for m, w, s, v in rows),
            )

        return self._upsert(fill, source, dry_run)

    def upsert_staged(
        self, staged: Path, select: str, source: str = "", dry_run: bool = False
    ) -> UpsertCounts:
        """As ``upsert_snapshots``, for the (metric, week text, segment, value) rows that
        ``select`` reads from the SQLite file ``staged``, attached as schema ``staged``; the
        rows go from file to file inside SQLite."""
        self.conn.execute("ATTACH DATABASE ? AS staged", (str(staged),))
        try:
            return self._upsert(
                lambda conn: conn.execute(f"INSERT OR REPLACE INTO incoming {select}"),
                source,
                dry_run,
            )
        finally:
            self.conn.execute("DETACH DATABASE staged")

    def _upsert(
        self, fill: Callable[[sqlite3.Connection], object], source: str, dry_run: bool
    ) -> UpsertCounts:
        """Merge the rows ``fill`` puts into the temporary table ``incoming``."""
        restated: tuple[Restated, ...] = ()
        with self._rollback_if(dry_run) as conn:
            conn.execute(
                """CREATE TEMP TABLE IF NOT EXISTS incoming (metric TEXT, week TEXT,
                   segment TEXT, value REAL, PRIMARY KEY (metric, week, segment)) WITHOUT ROWID"""
            )
            conn.execute("DELETE FROM incoming")
            fill(conn)
            new, changed, unchanged = conn.execute(
                """SELECT coalesce(sum(s.value IS NULL), 0),
                          coalesce(sum(s.value IS NOT NULL AND s.value != i.value), 0),
                          coalesce(sum(s.value = i.value), 0)
                   FROM incoming i LEFT JOIN snapshots s
                   ON s.metric = i.metric AND s.week = i.week AND s.segment = i.segment"""
            ).fetchone()
            stamp = now_text()
            if changed:
                restated = self._keep_replaced(conn, stamp)
            conn.execute(
                """INSERT INTO snapshots (metric, week, segment, value, source, loaded_at)
                   SELECT metric, week, segment, value, ?, ? FROM incoming WHERE true
                   ON CONFLICT (metric, week, segment) DO UPDATE SET value = excluded.value,
                   source = excluded.source, loaded_at = excluded.loaded_at
                   WHERE snapshots.value != excluded.value""",
                (source, stamp),
            )
            conn.execute("DELETE FROM incoming")
        return UpsertCounts(new, changed, unchanged, restated)

    def _keep_replaced(self, conn: sqlite3.Connection, stamp: str) -> tuple[Restated, ...]:
        """Copy the stored values the incoming rows change into snapshot_history; return the
        first few of them."""
        join = """FROM incoming i JOIN snapshots s ON s.metric = i.metric AND s.week = i.week
                  AND s.segment = i.segment WHERE s.value != i.value"""
        conn.execute(
            "INSERT INTO snapshot_history (metric, week, segment, value, source, loaded_at, "
            f"replaced_at) SELECT s.metric, s.week, s.segment, s.value, s.source, s.loaded_at, ? "
            f"{join}",
            (stamp,),
        )
        rows = conn.execute(
            f"SELECT s.metric, s.week, s.segment, s.value, i.value {join} "
            f"ORDER BY s.metric, s.week, s.segment LIMIT {RESTATED_SHOWN}"
        )
        return tuple(
            Restated(m, self._stored_week(w, _row_name(m, w, seg)), seg, old, new)
            for m, w, seg, old, new in rows
        )

    @contextmanager
    def _rollback_if(self, dry_run: bool) -> Iterator[sqlite3.Connection]:
        if not dry_run:
            with self.transaction() as conn:
                yield conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        finally:
            self.conn.execute("ROLLBACK")

    def load_snapshots(
        self, since: date | None = None, also: Iterable[date] = ()
    ) -> dict[tuple[str, str], Series]:
        """Stored values: (metric, segment) → {week start: value}, weeks in order.

        All of them, or with ``since`` the weeks from then on plus the weeks in ``also``.
        Read in primary-key order (no sort step); each week's text is parsed once.
        """
        out: dict[tuple[str, str], Series] = {}
        days: dict[str, date] = {}
        where, params = "", []
        if since is not None:
            extra = sorted({d.isoformat() for d in also})
            where = "WHERE week >= ?" + (
                f" OR week IN ({', '.join('?' * len(extra))})" if extra else ""
            )
            params = [since.isoformat(), *extra]
        cursor = self.conn.execute(
            f"SELECT metric, segment, week, value FROM snapshots {where} "
            "ORDER BY metric, week, segment",
            params,
        )
        for metric, segment, week, value in cursor:
            day = days.get(week)
            if day is None:
                day = days[week] = self._stored_week(week, _row_name(metric, week, segment))
            if type(value) is not float or not isfinite(value):
                where = _row_name(metric, week, segment)
                raise StoreError(f"{self.path}: {where}: value {value!r} is not a finite number")
            series = out.get((metric, segment))
            if series is None:
                series = out[(metric, segment)] = {}
            series[day] = value
        return out

    def _stored_week(self, text: object, where: str) -> date:
        """A week read from snapshots; a hand-edited bad one is a StoreError naming the row."""
        try:
            return stored_day(text, "week")
        except ValueError as exc:
            raise StoreError(f"{self.path}: {where}: {exc}") from None

    def load_points(self, points: Iterable[tuple[str, date]]) -> dict[tuple[str, date], float]:
        """The totals stored for given (metric, week) pairs; pairs without a value are left out."""
        out = {}
        for metric, week in sorted(set(points)):
            row = self.conn.execute(
                "SELECT value FROM snapshots WHERE metric = ? AND week = ? AND segment = ''",
                (metric, week.isoformat()),
            ).fetchone()
            if row is not None:
                out[(metric, week)] = row[0]
        return out

    def latest_week(self) -> date | None:
        row = self.conn.execute("SELECT max(week) FROM snapshots").fetchone()
        return self._stored_week(row[0], "snapshots") if row and row[0] else None

    def metric_ranges(self) -> list[MetricRange]:
        """Per metric and segment: first and last week with data, and the count of values."""
        rows = self.conn.execute(
            """SELECT metric, segment, min(week), max(week), count(*) FROM snapshots
               GROUP BY metric, segment ORDER BY metric, segment"""
        )
        return [
            MetricRange(
                m,
                s,
                self._stored_week(a, _row_name(m, a, s)),
                self._stored_week(b, _row_name(m, b, s)),
                n,
            )
            for m, s, a, b, n in rows
        ]

    # --- decisions -------------------------------------------------------------------------
