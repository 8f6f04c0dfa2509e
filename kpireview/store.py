"""The SQLite database: schema and migrations, snapshots, decisions with revisions.

Every write is one ``BEGIN IMMEDIATE`` transaction, so concurrent writers queue on the busy
timeout instead of failing, and a killed process leaves either all of a write or none of it.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from functools import cache, cached_property
from math import isfinite
from pathlib import Path
from typing import TYPE_CHECKING

from kpireview.errors import KpiError

if TYPE_CHECKING:
    import sqlite_utils

SCHEMA_VERSION = 3
BUSY_TIMEOUT_ENV = "KPIREVIEW_BUSY_TIMEOUT_MS"
MAX_BUSY_TIMEOUT_MS = 2**31 - 1
STATUSES = ("open", "done", "dropped")
TEXT_FIELDS = ("note", "decision", "owner", "due", "status", "expected")
RESTATED_SHOWN = 10  # restated values an upsert returns (the count has them all)
Series = dict[date, float]


class StoreError(KpiError):
    """A database that cannot be opened, read or written."""


class DecisionConflict(StoreError):
    """An edit made from a revision that is no longer the current one: someone saved first."""

    def __init__(
        self, decision_id: int, base: int, revision: int, by: str, at: str, changes: list
    ) -> None:
        self.decision_id, self.base, self.revision = decision_id, base, revision
        self.by, self.at = by, at
        self.changes: list[tuple[str, str, str]] = changes  # (field, at your base, now)
        what = "; ".join(f"{k} {_clip(a)} → {_clip(b)}" for k, a, b in changes) or "no text"
        super().__init__(
            f"decision {decision_id} was changed by {by or 'someone'} at {at} after you "
            f"opened it (revision {base} → revision {revision}): {what}; not saved"
        )


def _clip(text: str, width: int = 60) -> str:
    """A text on one line, cut to ``width``; quoted when it has several words."""
    words = str(text).split()
    text = " ".join(words)
    text = text if len(text) <= width else text[: width - 1] + "…"
    return f"“{text}”" if len(words) > 1 else text or "(empty)"


def _busy_timeout_ms() -> int:
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


def now_text() -> str:
    """UTC timestamp as stored in the database (second precision)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Restated:
    """A stored value an upsert replaces (or, in a dry run, would replace)."""

    metric: str
    week: date
    segment: str
    old: float
    new: float


@dataclass(frozen=True)
class UpsertCounts:
    new: int
    changed: int
    unchanged: int
    restated: tuple[Restated, ...] = ()  # the first RESTATED_SHOWN of the `changed` values


def stored_day(text: object, name: str) -> date:
    """A date read from the database; a hand-edited bad one raises ValueError naming it."""
    try:
        return date.fromisoformat(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} {text!r} is not a date (YYYY-MM-DD)") from None


def _row_name(metric: object, week: object, segment: object) -> str:
    return f"snapshots row (metric {metric!r}, week {week!r}, segment {segment!r})"


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class Decision:
    id: int
    metric: str
    week: date
    note: str
    decision: str
    owner: str
    due: date | None
    status: str
    expected: str
    author: str
    created_at: str
    updated_at: str
    revision: int = 1
    edited_by: str = ""

    @classmethod
    def from_row(cls, row: dict) -> Decision:
        values = {name: row.get(name) for name in _field_names(cls)}
        values["week"] = stored_day(row["week"], "week")
        values["due"] = stored_day(row["due"], "due") if row.get("due") else None
        for name in ("note", "decision", "owner", "expected", "author", "edited_by"):
            values[name] = values[name] or ""
        values["revision"] = values["revision"] or 1
        return cls(**values)


@dataclass(frozen=True)
class Revision:
    decision_id: int
    note: str
    decision: str
    owner: str
    due: str
    status: str
    expected: str
    author: str
    revised_at: str  # when this text was replaced
    revision: int = 0
    edited_by: str = ""  # who wrote this text, when it was an edit
    updated_at: str = ""  # when this text was written


@dataclass(frozen=True)
class MetricRange:
    metric: str
    segment: str
    first: date
    last: date
    count: int


def _v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE IF NOT EXISTS snapshots (
            metric TEXT NOT NULL, week TEXT NOT NULL, segment TEXT NOT NULL DEFAULT '',
            value REAL NOT NULL, source TEXT, loaded_at TEXT,
            PRIMARY KEY (metric, week, segment)) WITHOUT ROWID"""
    )
    conn.execute(
        """CREATE TABLE IF NOT EXISTS decisions (
            id INTEGER PRIMARY KEY, metric TEXT NOT NULL, week TEXT NOT NULL,
            note TEXT NOT NULL, decision TEXT, owner TEXT, due TEXT,
            status TEXT NOT NULL DEFAULT 'open', author TEXT,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"""
    )


def _v2(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE decisions ADD COLUMN expected TEXT")
    conn.execute(
        """CREATE TABLE decision_revisions (
            id INTEGER PRIMARY KEY, decision_id INTEGER NOT NULL REFERENCES decisions(id),
            note TEXT, decision TEXT, owner TEXT, due TEXT, status TEXT, expected TEXT,
            author TEXT, revised_at TEXT NOT NULL)"""
    )
    conn.execute("CREATE INDEX decisions_metric_week ON decisions(metric, week)")
    conn.execute("CREATE INDEX decision_revisions_decision ON decision_revisions(decision_id)")


def _v3(conn: sqlite3.Connection) -> None:
    """Restated values kept; decisions numbered by revision, their author kept on edits."""
    conn.execute(
        """CREATE TABLE snapshot_history (
            metric TEXT NOT NULL, week TEXT NOT NULL, segment TEXT NOT NULL DEFAULT '',
            value REAL NOT NULL, source TEXT, loaded_at TEXT, replaced_at TEXT NOT NULL)"""
    )
    conn.execute("CREATE INDEX snapshot_history_key ON snapshot_history(metric, week, segment)")
    conn.execute("ALTER TABLE decisions ADD COLUMN revision INTEGER NOT NULL DEFAULT 1")
    conn.execute("ALTER TABLE decisions ADD COLUMN edited_by TEXT")
    for column in ("revision INTEGER", "edited_by TEXT", "updated_at TEXT"):
        conn.execute(f"ALTER TABLE decision_revisions ADD COLUMN {column}")
    for sql in _V3_BACKFILL:
        conn.execute(sql)


# Earlier texts numbered 1, 2, ... per decision, each with when it was written (the decision's
# creation, then the moment the text before it was replaced). Before version 3 an edit wrote
# its editor over the author: the first text's author is the original one, the others' are
# who edited them.
_V3_BACKFILL = (
    """UPDATE decision_revisions SET revision = (SELECT count(*) FROM decision_revisions r
       WHERE r.decision_id = decision_revisions.decision_id AND r.id <= decision_revisions.id)""",
    """UPDATE decision_revisions SET updated_at = coalesce(
       (SELECT r.revised_at FROM decision_revisions r WHERE r.decision_id =
        decision_revisions.decision_id AND r.revision = decision_revisions.revision - 1),
       (SELECT created_at FROM decisions d WHERE d.id = decision_revisions.decision_id))""",
    """UPDATE decisions SET revision = 1 + (SELECT count(*) FROM decision_revisions r
       WHERE r.decision_id = decisions.id)""",
    "UPDATE decision_revisions SET edited_by = author WHERE revision > 1",
    "UPDATE decisions SET edited_by = author WHERE revision > 1",
    """UPDATE decision_revisions SET author = coalesce((SELECT r.author FROM decision_revisions r
       WHERE r.decision_id = decision_revisions.decision_id AND r.revision = 1
       AND r.author != ''), author) WHERE revision > 1""",
    """UPDATE decisions SET author = coalesce((SELECT r.author FROM decision_revisions r
       WHERE r.decision_id = decisions.id AND r.revision = 1 AND r.author != ''), author)
       WHERE revision > 1""",
)

MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1, 2: _v2, 3: _v3}


def _check_file(path: Path, must_exist: bool) -> bool:
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


class Store:
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
        exists = _check_file(self.path, must_exist or read_only or reading)
        try:
            self.conn = self._connect() if exists or not scratch else self._memory()
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

    def _connect(self) -> sqlite3.Connection:
        timeout = _busy_timeout_ms()
        if self.read_only:
            uri = f"file:{self.path.resolve()}?mode=ro"
            if not self._can_make_wal_files():
                uri += "&immutable=1"  # nobody can be writing it: read it without -shm/-wal
            conn = sqlite3.connect(uri, uri=True, timeout=timeout / 1000, isolation_level=None)
        else:
            conn = sqlite3.connect(self.path, timeout=timeout / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {timeout}")
        return conn

    def _memory(self) -> sqlite3.Connection:
        self.in_memory = True
        return sqlite3.connect(":memory:", isolation_level=None)

    def _to_memory(self) -> None:
        """Go on with a copy in memory of the database (read through SQLite's backup)."""
        memory = self._memory()
        try:
            self.conn.backup(memory)
        except BaseException:
            memory.close()
            raise
        self.conn.close()
        self.conn = memory

    def _can_make_wal_files(self) -> bool:
        """Whether SQLite can create the -shm and -wal files a WAL database needs to be read."""
        if Path(f"{self.path}-shm").exists():
            return True
        return os.access(self.path.resolve().parent, os.W_OK)

    def _prepare(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        self._check_version(version)
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
                for step in range(version + 1, SCHEMA_VERSION + 1):
                    MIGRATIONS[step](self.conn)
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _check_version(self, version: int) -> None:
        """Refuse a schema this kpireview did not write: newer, negative, or another app's."""
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this kpireview "
                f"supports ({SCHEMA_VERSION}); upgrade kpireview"
            )
        if version < 0:
            raise StoreError(
                f"{self.path}: schema version {version} (PRAGMA user_version) was not written "
                "by kpireview: not a kpireview database"
            )
        if version == 0 and self._table_names() - {"snapshots", "decisions"}:
            raise StoreError(f"{self.path}: a SQLite database, but not a kpireview database")

    def close(self) -> None:
        self.conn.close()

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils on this connection, imported when first needed (it is slow to import,
        and start-up reads only through plain queries)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def _table_names(self) -> set[str]:
        rows = self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}

    def _rows(self, sql: str, params: list) -> Iterator[dict]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return (dict(zip(names, row, strict=True)) for row in cursor)

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

    # --- snapshots -------------------------------------------------------------------------

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
        restated: tuple[Restated, ...] = ()
        with self._rollback_if(dry_run) as conn:
            conn.execute(
                """CREATE TEMP TABLE IF NOT EXISTS incoming (metric TEXT, week TEXT,
                   segment TEXT, value REAL, PRIMARY KEY (metric, week, segment)) WITHOUT ROWID"""
            )
            conn.execute("DELETE FROM incoming")
            conn.executemany(
                "INSERT OR REPLACE INTO incoming VALUES (?, ?, ?, ?)",
                ((m, w.isoformat(), s, v) for m, w, s, v in rows),
            )
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

    def add_decision(
        self,
        metric: str,
        week: date,
        note: str,
        decision: str = "",
        owner: str = "",
        due: date | None = None,
        expected: str = "",
        author: str = "",
        status: str = "open",
        created_at: str | None = None,
    ) -> int:
        """Record a decision; committed when this returns. Returns its id."""
        stamp = created_at or now_text()
        with self.transaction() as conn:
            cur = conn.execute(
                """INSERT INTO decisions (metric, week, note, decision, owner, due, status,
                   expected, author, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    metric,
                    week.isoformat(),
                    note,
                    decision,
                    owner,
                    due.isoformat() if due else None,
                    status,
                    expected,
                    author,
                    stamp,
                    stamp,
                ),
            )
            return int(cur.lastrowid)

    def update_decision(
        self, decision_id: int, editor: str = "", base: int | None = None, **changes: object
    ) -> int:
        """Change a decision, keeping its earlier text as a revision; returns the new revision.

        ``base`` is the revision the edit was made from: when another edit has been saved
        since, nothing is changed and DecisionConflict says what that edit was. The author
        stays; ``editor`` is recorded as ``edited_by``.
        """
        allowed = {"note", "decision", "owner", "due", "status", "expected", "metric", "week"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
        if "status" in changes and changes["status"] not in STATUSES:
            raise StoreError(f"status must be one of {', '.join(STATUSES)}")
        values = {k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()}
        with self.transaction() as conn:
            found = list(self._rows("SELECT * FROM decisions WHERE id = ?", [decision_id]))
            row = found[0] if found else None
            if row is None:
                raise StoreError(f"{self.path}: no decision with id {decision_id}")
            revision = row["revision"]
            if base is not None and base != revision:
                raise self._conflict(row, base)
            stamp = now_text()
            conn.execute(
                """INSERT INTO decision_revisions (decision_id, note, decision, owner, due,
                   status, expected, author, revised_at, revision, edited_by, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (decision_id, *(row[k] for k in TEXT_FIELDS), row["author"], stamp, revision,
                 row["edited_by"], row["updated_at"]),
            )  # fmt: skip
            assignments = "".join(f"{k} = ?, " for k in values)
            conn.execute(
                f"UPDATE decisions SET {assignments}edited_by = ?, revision = ?, updated_at = ? "
                "WHERE id = ?",
                (*values.values(), editor, revision + 1, stamp, decision_id),
            )
        return revision + 1

    def _conflict(self, row: dict, base: int) -> DecisionConflict:
        """The edit saved since ``base``: who, when, and what text differs from ``base``."""
        earlier = self.conn.execute(
            f"SELECT {', '.join(TEXT_FIELDS)} FROM decision_revisions "
            "WHERE decision_id = ? AND revision = ? ORDER BY id DESC",
            (row["id"], base),
        ).fetchone()
        changes = [
            (name, old or "", row[name] or "")
            for name, old in zip(TEXT_FIELDS, earlier or (None,) * len(TEXT_FIELDS), strict=True)
            if (old or "") != (row[name] or "")
        ]
        by = row["edited_by"] or row["author"] or ""
        return DecisionConflict(row["id"], base, row["revision"], by, row["updated_at"], changes)

    def decisions(
        self, metric: str | None = None, week: date | None = None, status: str | None = None
    ) -> list[Decision]:
        where, params = [], []
        for column, value in (("metric", metric), ("week", week), ("status", status)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value.isoformat() if isinstance(value, date) else value)
        sql = "SELECT * FROM decisions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [self._decision(r) for r in self._rows(sql + " ORDER BY week, id", params)]

    def decision(self, decision_id: int) -> Decision:
        rows = list(self.db.query("SELECT * FROM decisions WHERE id = ?", [decision_id]))
        if not rows:
            raise StoreError(f"{self.path}: no decision with id {decision_id}")
        return self._decision(rows[0])

    def _decision(self, row: dict) -> Decision:
        try:
            return Decision.from_row(row)
        except ValueError as exc:
            raise StoreError(f"{self.path}: decision {row.get('id')}: {exc}") from None

    def revisions(self, decision_id: int) -> list[Revision]:
        rows = self.db.query(
            """SELECT decision_id, note, decision, owner, due, status, expected, author,
               revised_at, revision, edited_by, updated_at FROM decision_revisions
               WHERE decision_id = ? ORDER BY id""",
            [decision_id],
        )
        return [Revision(**{k: v if v is not None else "" for k, v in r.items()}) for r in rows]
