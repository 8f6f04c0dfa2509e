"""The database: schema, WAL, migrations, bad files, snapshots, decisions with revisions."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from kpireview.store import SCHEMA_VERSION, Store, StoreError

W1, W2 = date(2026, 11, 9), date(2026, 11, 16)


def test_new_database_has_schema_wal_and_busy_timeout(db: Path) -> None:
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert {"snapshots", "decisions", "decision_revisions"} <= set(store.db.table_names())
        assert store.db["snapshots"].pks == ["metric", "week", "segment"]


def make_v1(path: Path) -> None:
    """A database as the first schema version wrote it: no revisions, no `expected`."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE snapshots (metric TEXT NOT NULL, week TEXT NOT NULL,
            segment TEXT NOT NULL DEFAULT '', value REAL NOT NULL, source TEXT, loaded_at TEXT,
            PRIMARY KEY (metric, week, segment)) WITHOUT ROWID;
        CREATE TABLE decisions (id INTEGER PRIMARY KEY, metric TEXT NOT NULL, week TEXT NOT NULL,
            note TEXT NOT NULL, decision TEXT, owner TEXT, due TEXT,
            status TEXT NOT NULL DEFAULT 'open', author TEXT,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        INSERT INTO snapshots VALUES ('mrr', '2026-11-16', '', 480000, 'old.csv', '2026-11-20');
        INSERT INTO decisions (metric, week, note, created_at, updated_at)
            VALUES ('mrr', '2026-11-16', 'old note', '2026-11-20', '2026-11-20');
        PRAGMA user_version = 1;
        """
    )
    conn.close()


def test_older_version_is_migrated_keeping_data(db: Path) -> None:
    make_v1(db)
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.load_snapshots()[("mrr", "")][W2] == 480000
        [old] = store.decisions()
        assert old.note == "old note" and old.expected == ""
        store.update_decision(old.id, note="new note", expected="MRR +2%")
        assert store.revisions(old.id)[0].note == "old note"


def test_read_only_refuses_to_migrate(db: Path) -> None:
    make_v1(db)
    with pytest.raises(StoreError, match="schema version 1 needs an upgrade"):
        Store(db, read_only=True)


def test_newer_version_is_refused(db: Path) -> None:
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this kpireview supports"):
        Store(db)


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"metric,week,value\n", "not a SQLite database"),
        (b"", "empty file"),
    ],
)
def test_not_a_database(db: Path, content: bytes, fragment: str) -> None:
    db.write_bytes(content)
    with pytest.raises(StoreError, match=fragment) as err:
        Store(db, must_exist=True)
    assert str(err.value).startswith(str(db))


def test_truncated_database(db: Path) -> None:
    with Store(db) as store:
        store.upsert_snapshots([("mrr", W2, "", float(i)) for i in range(1)])
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db.read_bytes()
    db.write_bytes(data[:1500])
    with pytest.raises(StoreError, match="damaged or truncated"):
        Store(db, must_exist=True).load_snapshots()


def test_other_sqlite_database_is_refused(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.close()
    with pytest.raises(StoreError, match="not a kpireview database"):
        Store(db)


def test_missing_database_when_required(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such database"):
        Store(tmp_path / "nope.db", must_exist=True)


def test_read_only_mode_cannot_write(db: Path) -> None:
    Store(db).close()
    store = Store(db, read_only=True)
    with pytest.raises(sqlite3.OperationalError):
        store.upsert_snapshots([("mrr", W2, "", 1.0)])


def test_upsert_counts_new_changed_unchanged(db: Path) -> None:
    with Store(db) as store:
        first = store.upsert_snapshots([("mrr", W1, "", 1.0), ("mrr", W2, "", 2.0)])
        assert (first.new, first.changed, first.unchanged) == (2, 0, 0)
        again = store.upsert_snapshots([("mrr", W1, "", 1.0), ("mrr", W2, "", 2.5)])
        assert (again.new, again.changed, again.unchanged) == (0, 1, 1)
        assert store.load_snapshots()[("mrr", "")] == {W1: 1.0, W2: 2.5}


def test_dry_run_writes_nothing(db: Path) -> None:
    with Store(db) as store:
        counts = store.upsert_snapshots([("mrr", W1, "", 1.0)], dry_run=True)
        assert counts.new == 1
        assert store.load_snapshots() == {}


def test_failed_upsert_leaves_nothing(db: Path) -> None:
    def rows():
        yield ("mrr", W1, "", 1.0)
        raise RuntimeError("half-way")

    with Store(db) as store:
        with pytest.raises(RuntimeError):
            store.upsert_snapshots(rows())
        assert store.load_snapshots() == {}


def test_unchanged_rows_keep_their_load_time(db: Path) -> None:
    with Store(db) as store:
        store.upsert_snapshots([("mrr", W1, "", 1.0)], source="a.csv")
        store.conn.execute("UPDATE snapshots SET loaded_at = 'then'")
        store.upsert_snapshots([("mrr", W1, "", 1.0)], source="b.csv")
        row = store.conn.execute("SELECT source, loaded_at FROM snapshots").fetchone()
        assert row == ("a.csv", "then")


def test_decisions_with_revisions(db: Path) -> None:
    with Store(db) as store:
        did = store.add_decision(
            "churn_rate",
            W2,
            "Churn jumped",
            decision="Roll back",
            owner="ana",
            due=date(2026, 11, 27),
        )
        store.update_decision(did, note="Churn jumped after pricing", editor="bo")
        store.update_decision(did, status="done")
        current = store.decision(did)
        assert current.note == "Churn jumped after pricing" and current.status == "done"
        assert current.due == date(2026, 11, 27) and current.owner == "ana"
        history = store.revisions(did)
        assert [r.note for r in history] == ["Churn jumped", "Churn jumped after pricing"]
        assert [r.status for r in history] == ["open", "open"]
        assert [d.id for d in store.decisions(status="done")] == [did]
        assert store.decisions(metric="mrr") == []


def test_update_unknown_decision(db: Path) -> None:
    with Store(db) as store, pytest.raises(StoreError, match="no decision with id 9"):
        store.update_decision(9, note="x")


def test_locked_database_gives_up_with_one_line(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Store(db).close()
    monkeypatch.setenv("KPIREVIEW_BUSY_TIMEOUT_MS", "200")
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        store = Store(db)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            store.upsert_snapshots([("mrr", W1, "", 1.0)])
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
