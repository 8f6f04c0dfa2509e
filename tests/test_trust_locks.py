"""Opening a database never drops the locks other connections of the process hold on it.

On Linux, closing any descriptor of a file drops every POSIX lock the process holds on that
file. Opening a Store (each TUI load and save does) must therefore never open the database file
outside SQLite, or another process can write under a transaction the app believes it holds, or
delete the -wal and -shm files a live connection of the app still maps.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kpireview.store import Store
from tests.conftest import CONFIG, run

GOOD_CSV = "metric,week,value\nmrr,2026-W46,470000\nmrr,2026-W47,480000\n"

# In another process: try to take the write lock at once, say whether it was free.
TRY_WRITE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)
try:
    conn.execute("BEGIN IMMEDIATE")
except sqlite3.OperationalError as exc:
    print(exc)
else:
    conn.execute("ROLLBACK")
    print("got the write lock")
conn.close()
"""

# In another process: write one row and close (the last connection out tidies -wal and -shm).
WRITE_AND_CLOSE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("UPDATE snapshots SET value = 1 WHERE metric = 'mrr' AND week = '2026-11-16'")
conn.close()
"""


def python(code: str, *args: object) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture
def kpi_db(tmp_path: Path) -> Path:
    db, good = tmp_path / "kpi.db", tmp_path / "good.csv"
    good.write_text(GOOD_CSV)
    assert run("import", good, "--db", db, "--config", CONFIG).exit_code == 0
    return db


def rollback_journal(db: Path) -> Path:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return db


@pytest.mark.parametrize("how", ["read_only", "reader", "must_exist"])
def test_opening_a_store_keeps_a_write_lock_held_in_the_process(
    kpi_db: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPIREVIEW_BUSY_TIMEOUT_MS", "100")
    db = rollback_journal(kpi_db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, on the database file itself
    try:
        if how == "read_only":
            Store(db, read_only=True).close()
        elif how == "reader":
            Store.reader(db).close()
        else:
            with pytest.raises(Exception, match="locked"):  # it would switch to WAL: it waits
                Store(db, must_exist=True)
        assert python(TRY_WRITE, db) == "database is locked"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert python(TRY_WRITE, db) == "got the write lock"


def test_opening_a_store_keeps_the_wal_of_a_live_connection(kpi_db: Path) -> None:
    """A WAL connection holds a shared lock on the file for as long as it is open, so that the
    last connection of another process leaves the -wal and -shm files alone."""
    watcher = sqlite3.connect(kpi_db, isolation_level=None)
    assert watcher.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    before = watcher.execute("PRAGMA data_version").fetchone()[0]
    try:
        with Store(kpi_db, must_exist=True) as store:
            store.latest_week()
        python(WRITE_AND_CLOSE, kpi_db)
        assert Path(f"{kpi_db}-wal").exists() and Path(f"{kpi_db}-shm").exists()
        assert watcher.execute("PRAGMA data_version").fetchone()[0] != before  # it sees it
        value = watcher.execute(
            "SELECT value FROM snapshots WHERE metric = 'mrr' AND week = '2026-11-16'"
        ).fetchone()[0]
        assert value == 1
    finally:
        watcher.close()
    assert python(TRY_WRITE, kpi_db) == "got the write lock"
