"""The database schema: its version (PRAGMA user_version) and the migrations to it.

A file at an older version is brought up to date step by step, in one transaction the caller
holds; a newer, negative or foreign schema is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from kpireview.errors import StoreError

SCHEMA_VERSION = 4


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


def _v4(conn: sqlite3.Connection) -> None:
    """Process changes (dividers, removals kept as history) and acknowledged signals."""
    conn.execute(
        """CREATE TABLE dividers (
            id INTEGER PRIMARY KEY, metric TEXT NOT NULL, week TEXT NOT NULL,
            reason TEXT NOT NULL, author TEXT, created_at TEXT NOT NULL,
            removed_at TEXT, removed_by TEXT)"""
    )
    conn.execute("CREATE INDEX dividers_metric_week ON dividers(metric, week)")
    conn.execute(
        """CREATE TABLE acknowledgements (
            id INTEGER PRIMARY KEY, metric TEXT NOT NULL, week TEXT NOT NULL,
            rule TEXT NOT NULL, author TEXT, note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL)"""
    )
    conn.execute("CREATE INDEX acknowledgements_metric_week ON acknowledgements(metric, week)")


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _v1,
    2: _v2,
    3: _v3,
    4: _v4,
}


def check_version(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Refuse a schema this kpireview did not write: newer, negative, or another app's."""
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: schema version {version} is newer than this kpireview "
            f"supports ({SCHEMA_VERSION}); upgrade kpireview"
        )
    if version < 0:
        raise StoreError(
            f"{path}: schema version {version} (PRAGMA user_version) was not written "
            "by kpireview: not a kpireview database"
        )
    if version == 0 and _table_names(conn) - {"snapshots", "decisions"}:
        raise StoreError(f"{path}: a SQLite database, but not a kpireview database")


def migrate(conn: sqlite3.Connection, version: int) -> None:
    """Bring a schema at ``version`` up to SCHEMA_VERSION, in the caller's transaction."""
    for step in range(version + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[step](conn)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _table_names(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows}
