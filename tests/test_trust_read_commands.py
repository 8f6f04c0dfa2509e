"""Read commands and dry runs change nothing on disk: not the database's bytes, not its journal
mode, not its schema, no new file, no -wal or -shm left behind, no database where none was.

And the database file itself is refused in one line when it cannot be one: a FIFO, a device, a
negative schema version; a bad KPIREVIEW_BUSY_TIMEOUT_MS names the variable.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CONFIG, run
from tests.test_bad_input import assert_one_line
from tests.test_store import make_v1

CLI = [sys.executable, "-c", "from kpireview.cli import main; main()"]
GOOD_CSV = "metric,week,value\nmrr,2026-W46,470000\nmrr,2026-W47,480000\n"
NEWER_CSV = "metric,week,value\nmrr,2026-W47,490000\nmrr,2026-W48,500000\n"

READS = {
    "summary": ("summary",),
    "export": ("export",),
    "export-json": ("export", "--format", "json"),
    "decisions": ("decisions",),
    "check": ("check",),
    "import-dry-run": ("import", "{csv}", "--dry-run"),
}


def disk_state(folder: Path) -> dict[str, tuple]:
    """Every file in a folder: its bytes' hash, size, modification time and mode."""
    state = {}
    for entry in sorted(folder.iterdir()):
        info = entry.stat()
        digest = hashlib.sha256(entry.read_bytes()).hexdigest()
        state[entry.name] = (digest, info.st_size, info.st_mtime_ns, info.st_mode)
    return state


def args(command: str, db: Path, csv: Path) -> list[str | Path]:
    return [a.format(csv=csv) for a in READS[command]] + ["--db", db, "--config", CONFIG]


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    path = tmp_path / "newer.csv"
    path.write_text(NEWER_CSV)
    return path


def make_db(tmp_path: Path, journal: str) -> Path:
    """A kpireview database alone in its folder, with values and a decision, cleanly closed."""
    folder = tmp_path / "data"
    folder.mkdir()
    db, good = folder / "kpi.db", tmp_path / "good.csv"
    good.write_text(GOOD_CSV)
    assert run("import", good, "--db", db, "--config", CONFIG).exit_code == 0
    assert run("decide", "mrr", "--note", "n", "--db", db, "--config", CONFIG).exit_code == 0
    conn = sqlite3.connect(db)
    assert conn.execute(f"PRAGMA journal_mode = {journal}").fetchone()[0] == journal.lower()
    conn.close()
    assert sorted(p.name for p in folder.iterdir()) == ["kpi.db"]
    return db


def journal_mode(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("journal", ["DELETE", "WAL"])
@pytest.mark.parametrize("command", list(READS))
def test_read_commands_change_nothing_on_disk(
    tmp_path: Path, csv: Path, command: str, journal: str
) -> None:
    db = make_db(tmp_path, journal)
    before = disk_state(db.parent)
    result = run(*args(command, db, csv))
    assert result.exit_code in (0, 1), result.stderr  # check warns about KPIs without data
    assert result.stdout
    assert disk_state(db.parent) == before
    assert journal_mode(db) == journal.lower()


def test_dry_run_counts_against_the_database(tmp_path: Path, csv: Path) -> None:
    db = make_db(tmp_path, "DELETE")
    result = run(*args("import-dry-run", db, csv))
    assert result.exit_code == 0, result.stderr
    assert "1 new, 1 changed, 0 unchanged" in result.stdout
    assert "nothing written" in result.stdout


@pytest.mark.parametrize("command", list(READS))
def test_read_commands_create_no_database(tmp_path: Path, csv: Path, command: str) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "kpi.db"
    result = run(*args(command, db, csv))
    if command == "import-dry-run":  # counted as if the database were empty
        assert result.exit_code == 0, result.stderr
        assert "2 new, 0 changed, 0 unchanged" in result.stdout
    else:
        assert result.exit_code == 2
        assert_one_line(result.stderr, f"{db}: no such database")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("command", ["summary", "decisions", "check", "import-dry-run"])
def test_an_older_schema_is_read_without_upgrading_the_file(
    tmp_path: Path, csv: Path, command: str
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "kpi.db"
    make_v1(db)
    before = disk_state(folder)
    result = run(*args(command, db, csv))
    assert result.exit_code in (0, 1), result.stderr
    expected = {"summary": "MRR", "decisions": "old note", "import-dry-run": "1 changed"}
    assert expected.get(command, "mrr") in result.stdout
    assert disk_state(folder) == before
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


# --- files that are not databases, settings that are not numbers -------------------------------


def cli(*argv: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command line in a subprocess: a hang fails the test instead of stopping it."""
    return subprocess.run(
        [*CLI, *map(str, argv)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=30,
    )


@pytest.mark.parametrize("command", ["summary", "import", "decide", "tui"])
def test_a_fifo_is_not_a_database(tmp_path: Path, csv: Path, command: str) -> None:
    fifo = tmp_path / "kpi.db"
    os.mkfifo(fifo)
    argv = {"import": ("import", csv), "decide": ("decide", "mrr", "--note", "n")}.get(
        command, (command,)
    )
    proc = cli(*argv, "--db", fifo, "--config", CONFIG)
    assert proc.returncode == 2, proc.stderr
    assert_one_line(proc.stderr, f"{fifo}: not a regular file")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("command", ["summary", "import"])
def test_a_device_is_not_a_database(csv: Path, command: str) -> None:
    argv = ("import", csv) if command == "import" else (command,)
    proc = cli(*argv, "--db", "/dev/zero", "--config", CONFIG)
    assert proc.returncode == 2, proc.stderr
    assert_one_line(proc.stderr, "/dev/zero: not a regular file")


@pytest.mark.parametrize("value", ["abc", "-5", "1.5", "99999999999999999999"])
@pytest.mark.parametrize("command", ["summary", "import"])
def test_a_bad_busy_timeout_names_the_variable(
    tmp_path: Path, csv: Path, command: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = make_db(tmp_path, "WAL")
    monkeypatch.setenv("KPIREVIEW_BUSY_TIMEOUT_MS", value)
    argv = ("import", csv) if command == "import" else (command,)
    result = run(*argv, "--db", db, "--config", CONFIG)
    assert result.exit_code == 2, result.stdout
    assert_one_line(result.stderr, f"KPIREVIEW_BUSY_TIMEOUT_MS: '{value}' is not a number")


def test_an_empty_busy_timeout_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = make_db(tmp_path, "WAL")
    monkeypatch.setenv("KPIREVIEW_BUSY_TIMEOUT_MS", "")
    assert run("summary", "--db", db, "--config", CONFIG).exit_code == 0


@pytest.mark.parametrize("command", ["summary", "import", "decide", "decisions"])
def test_a_negative_schema_version_is_refused(tmp_path: Path, csv: Path, command: str) -> None:
    db = make_db(tmp_path, "WAL")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = -5")
    conn.close()
    before = disk_state(db.parent)
    argv = {"import": ("import", csv), "decide": ("decide", "mrr", "--note", "n")}.get(
        command, (command,)
    )
    result = run(*argv, "--db", db, "--config", CONFIG)
    assert result.exit_code == 2, result.stdout
    assert_one_line(result.stderr, f"{db}: schema version -5")
    assert disk_state(db.parent) == before


@pytest.mark.parametrize(
    "sql, fragment",
    [
        ("CREATE TABLE invoices (id INTEGER)", "a SQLite database, but not a kpireview database"),
        ("PRAGMA user_version = 99", "schema version 99 is newer"),
    ],
)
def test_a_dry_run_refuses_what_the_import_would(
    tmp_path: Path, csv: Path, sql: str, fragment: str
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "other.db"
    conn = sqlite3.connect(db)
    conn.execute(sql)
    conn.close()
    before = disk_state(folder)
    result = run(*args("import-dry-run", db, csv))
    assert result.exit_code == 2, result.stdout
    assert_one_line(result.stderr, f"{db}: {fragment}")
    assert disk_state(folder) == before
