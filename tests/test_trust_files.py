"""Files that are not regular files: pipes are read once, devices and directories refused."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CONFIG, run
from tests.test_bad_input import assert_one_line
from tests.test_hardening import AS_NOBODY, cli

CSV = "metric,week,value\nmrr,2026-W46,470000\nmrr,2026-W47,480000\n"


def test_import_from_a_pipe(tmp_path: Path) -> None:
    """`kpireview import <(cat file.csv)`: the shell passes /dev/fd/N, readable only once."""
    db = tmp_path / "kpi.db"
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, CSV.encode())
        os.close(write_end)
        result = run("import", f"/dev/fd/{read_end}", "--db", db, "--config", CONFIG)
    finally:
        os.close(read_end)
    assert result.exit_code == 0, result.stderr
    assert "Imported 2 values" in result.stdout
    with sqlite3.connect(db) as conn:  # the source says where the values came from
        assert {s for (s,) in conn.execute("SELECT source FROM snapshots")} == {"pipe"}


@pytest.mark.parametrize("path, kind", [("/dev/zero", "a device"), ("/", "a directory")])
def test_devices_and_directories_are_refused(tmp_path: Path, path: str, kind: str) -> None:
    db = tmp_path / "kpi.db"
    result = run("import", path, "--db", db, "--config", CONFIG)
    assert result.exit_code == 2
    assert_one_line(result.stderr, f"{path}: cannot be read: not a regular file ({kind})")
    assert not db.exists()


def test_config_that_is_a_device(tmp_path: Path) -> None:
    result = run("check", "--db", tmp_path / "kpi.db", "--config", "/dev/zero")
    assert result.exit_code == 2
    assert_one_line(result.stderr, "/dev/zero: cannot be read: not a regular file (a device)")


def test_a_very_long_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(b"metric,week,value\n" + b"x" * 3_000_000)
    result = run("import", path, "--db", tmp_path / "kpi.db", "--config", CONFIG)
    assert result.exit_code == 2
    assert_one_line(result.stderr, f"{path}:2: line longer than")


@pytest.fixture
def private_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="kpireview-unreadable-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("which", ["csv", "config"])
def test_unreadable_files_are_one_line(private_dir: Path, which: str) -> None:
    csv, cfg, db = private_dir / "f.csv", private_dir / "c.yaml", private_dir / "kpi.db"
    csv.write_text(CSV)
    shutil.copy(CONFIG, cfg)
    (csv if which == "csv" else cfg).chmod(0o000)
    if os.geteuid() != 0 and os.access(csv if which == "csv" else cfg, os.R_OK):
        pytest.skip("cannot make a file unreadable for this user")
    proc = cli("import", csv, "--db", db, "--config", cfg, code=AS_NOBODY)
    assert proc.returncode == 2, proc.stderr
    bad = csv if which == "csv" else cfg
    assert_one_line(proc.stderr, f"{bad}: cannot be read (Permission denied)")
    assert "Usage" not in proc.stderr


def test_a_fifo_without_a_writer_reads_as_empty(tmp_path: Path) -> None:
    """Opening a FIFO nobody writes to would wait for ever; it reads as an empty file."""
    fifo, db = tmp_path / "f.csv", tmp_path / "kpi.db"
    os.mkfifo(fifo)
    proc = cli("import", fifo, "--db", db, "--config", CONFIG)  # a child, bounded by a timeout
    assert proc.returncode == 2, proc.stderr
    assert_one_line(proc.stderr, f"{fifo}:1: empty file")
    assert not db.exists()
