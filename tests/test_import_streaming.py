"""The import reads its file as a stream, staged a chunk at a time: still all or nothing,
idempotent, with the same weeks, errors and counts as when a file is read whole.

The files here span several staging chunks, so that what is checked, rolled up or found
conflicting after the pass sees rows from every chunk.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest

from kpireview import config, importer
from kpireview.staging import CHUNK, PREFIX, SUFFIX
from tests.conftest import CONFIG, file_digest, run

CFG = config.load(CONFIG)
MONDAY = date(2016, 12, 5)  # weeks start on Monday in the config
WEEKS = 520
SEGMENTS = 2 * CHUNK // WEEKS + 20  # enough rows for more than two chunks
HEADER = "metric,week,value,segment"


def weekly_lines(change: int = 0) -> list[str]:
    """Traffic for SEGMENTS segments × WEEKS weeks; ``change`` values revised by +1."""
    lines = []
    for k in range(SEGMENTS):
        for w in range(WEEKS):
            value = 1000 + k * 7 + w + (1 if k * WEEKS + w < change else 0)
            lines.append(f"traffic,{MONDAY + timedelta(weeks=w)},{value},s{k}")
    return lines


def weekly_file(write, name: str = "weekly.csv", change: int = 0) -> Path:
    return write(name, "\n".join([HEADER, *weekly_lines(change)]) + "\n")


def stored(db: Path) -> list[tuple[str, str, str, float]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT metric, week, segment, value FROM snapshots ORDER BY 1, 2, 3"
        ).fetchall()
    finally:
        conn.close()


def test_the_files_span_several_chunks() -> None:
    assert SEGMENTS * WEEKS > 2 * CHUNK


# --- a bad last row: nothing written ------------------------------------------------------


@pytest.mark.parametrize(
    "last, message",
    [
        ("traffic,2026-11-16,oops,s0", "value: 'oops' is not a number"),
        ("nope,2026-11-16,1,s0", "metric: 'nope' is not in the config"),
        ("traffic,2026-11-20,-5,s9999", "value: -5 for traffic is below its minimum 0"),
        ("traffic,2016-12-05,5,s0", "value: a second value for traffic on 2016-12-05 (first at line 2)"),
        ("traffic,2026-W47,5,s0", "week: a second value for traffic on 2026-11-16 (first at line 521)"),
        ("traffic,2026-W47-3,5,s0", "week: a second value for traffic in 2026-W47 (first at line 521)"),
        ("traffic,01/13/2026,5,x", "week: '01/13/2026' is month-first but '13/01/2026' (line 2)"),
    ],
)  # fmt: skip
def test_a_bad_last_row_writes_nothing(write, db: Path, last: str, message: str) -> None:
    run("import", write("first.csv", f"{HEADER}\ntraffic,2026-11-09,5,s0\n"), "--db", db,
        "--config", CONFIG)  # fmt: skip
    before = file_digest(db)
    lines = [HEADER, *weekly_lines(), last]
    if "13/01/2026" in message:  # a day-first date first, and a month-first one last
        lines.insert(1, "traffic,13/01/2026,5,first")
    path = write("bad-last.csv", "\n".join(lines) + "\n")
    result = run("import", path, "--db", db, "--config", CONFIG)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"kpireview: error: {path}:{len(lines)}: {message}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.rstrip().endswith("nothing imported")
    assert file_digest(db) == before


def test_a_bad_last_row_creates_no_database(write, tmp_path: Path) -> None:
    db = tmp_path / "absent.db"
    path = write("bad.csv", "\n".join([HEADER, *weekly_lines(), "traffic,2026-11-16,x,s0"]) + "\n")
    assert run("import", path, "--db", db, "--config", CONFIG).exit_code == 2
    assert file_digest(db) == "absent"


def test_errors_found_a_chunk_later_keep_line_order(write, db: Path) -> None:
    """A second value is found when its chunk is staged, after the errors of later lines
    in the chunk; the message still starts with the first bad line."""
    lines = [HEADER, "traffic,2026-11-16,1,a", "traffic,2026-11-16,2,a", "traffic,2026-11-23,x,a"]
    path = write("twice.csv", "\n".join(lines) + "\n")
    result = run("import", path, "--db", db, "--config", CONFIG)
    assert result.exit_code == 2
    assert result.stderr == (
        f"kpireview: error: {path}:3: value: a second value for traffic on 2026-11-16 (first at "
        "line 2) (2 bad values, at lines 3, 4); nothing imported\n"
    )


def test_a_second_value_chunks_apart_is_found(write) -> None:
    lines = [HEADER, *weekly_lines(), "traffic,2026-11-16,5,s1"]  # s1's last week again
    path = write("again.csv", "\n".join(lines) + "\n")
    with pytest.raises(importer.ImportError_) as exc:
        importer.read(path, CFG)
    first = 2 + WEEKS + WEEKS - 1
    assert str(exc.value) == (
        f"{path}:{len(lines)}: value: a second value for traffic on 2026-11-16 (first at line "
        f"{first}); nothing imported"
    )


# --- daily rows: a week's days anywhere in the file --------------------------------------

DAILY_HEADER = "date,signups,signup_conversion,mrr"
FIRST_DAY = date(2026, 10, 5)  # a Monday


def day_line(i: int) -> str:
    d = FIRST_DAY + timedelta(days=i)
    return f"{d},{10 + i * 3 % 7},{(i % 9 + 1) / 100},{1000 + i * 13 % 11}"


def filler(days: int) -> list[str]:
    """Daily traffic of many segments, in a file of its own columns: a long file."""
    return [
        f"traffic,{FIRST_DAY + timedelta(days=d)},{k + d},f{k}"
        for k in range(2 * CHUNK // days + 10)
        for d in range(days)
    ]


def long_day_lines(days: list[int]) -> list[str]:
    out = []
    for i in days:
        day, signups, conversion, mrr = day_line(i).split(",")
        out += [f"signups,{day},{signups},", f"signup_conversion,{day},{conversion},",
                f"mrr,{day},{mrr},"]  # fmt: skip
    return out


def test_a_week_split_across_the_file_rolls_up_as_when_adjacent(write, tmp_path: Path) -> None:
    """Days 7-9 (the start of the second week) first, the other days after two chunks of
    other rows, in reverse order; the last week has two days, one at each end."""
    days = 3 * 7 + 2
    adjacent = [HEADER, *filler(days), *long_day_lines(list(range(days)))]
    split = [HEADER, *long_day_lines([7, 8, 9, 21]), *filler(days),
             *long_day_lines([d for d in reversed(range(days)) if d not in (7, 8, 9, 21)])]  # fmt: skip
    assert sorted(adjacent) == sorted(split)
    paths = [write(f"{name}.csv", "\n".join(lines) + "\n")
             for name, lines in (("adjacent", adjacent), ("split", split))]  # fmt: skip
    one, two = (importer.read(p, CFG) for p in paths)
    assert one.daily and two.daily
    assert one.rows == two.rows
    assert one.partial == two.partial
    assert [
        line.replace("adjacent", "split") for line in one.partial_lines()
    ] == two.partial_lines()
    values = {(m, w): v for m, w, s, v in two.rows if not s}
    week = FIRST_DAY + timedelta(weeks=1)
    week_days = [day_line(i).split(",") for i in range(7, 14)]
    assert values[("signups", week)] == sum(int(d[1]) for d in week_days)
    assert values[("signup_conversion", week)] == pytest.approx(
        sum(float(d[2]) for d in week_days) / 7
    )
    assert values[("mrr", week)] == float(week_days[-1][3])  # the last day, not the last line
    assert {(p.metric, p.days) for p in two.partial} >= {("signups", 2), ("mrr", 2)}
    outputs = []
    for p in paths:
        db = tmp_path / f"{p.stem}.db"
        result = run("import", p, "--db", db, "--config", CONFIG)
        assert result.exit_code == 0, result.stderr
        outputs.append((result.stdout, result.stderr.replace(p.name, "FILE"), stored(db)))
    assert outputs[0] == outputs[1]
    assert "1 partial week skipped" in outputs[0][0]


def test_wide_daily_rows_split_across_the_file(write) -> None:
    days = 28
    rows = [day_line(i) for i in range(days)]
    mixed = rows[7:9] + [day_line(i) for i in range(days, days + 2 * CHUNK // 3)] + rows[:7] + rows[9:]  # fmt: skip
    adjacent = rows + [day_line(i) for i in range(days, days + 2 * CHUNK // 3)]
    one, two = (importer.read(write(f"{n}.csv", "\n".join([DAILY_HEADER, *lines]) + "\n"), CFG)
                for n, lines in (("a", adjacent), ("b", mixed)))  # fmt: skip
    assert one.rows == two.rows and one.partial == two.partial


# --- idempotent ------------------------------------------------------------------------------


def test_importing_twice_changes_nothing(write, db: Path) -> None:
    path = weekly_file(write)
    total = SEGMENTS * WEEKS
    first = run("import", path, "--db", db, "--config", CONFIG)
    assert first.stdout.startswith(f"Imported {total:,} values: {total:,} new, 0 changed")
    before = file_digest(db)
    again = run("import", path, "--db", db, "--config", CONFIG)
    assert again.stdout.startswith(f"Imported {total:,} values: 0 new, 0 changed, {total:,} unch")
    assert file_digest(db) == before

    revised = weekly_file(write, "revised.csv", change=3)
    result = run("import", revised, "--db", db, "--config", CONFIG)
    assert f"0 new, 3 changed, {total - 3:,} unchanged" in result.stdout
    lines = result.stdout.splitlines()
    assert lines[1:] == [
        "traffic:s0 2016-W49 revised 1,000 → 1,001",
        "traffic:s0 2016-W50 revised 1,001 → 1,002",
        "traffic:s0 2016-W51 revised 1,002 → 1,003",
    ]
    after = file_digest(db)
    assert run("import", revised, "--db", db, "--config", CONFIG).stdout.startswith(
        f"Imported {total:,} values: 0 new, 0 changed, {total:,} unchanged"
    )
    assert file_digest(db) == after
    history = run("history", "traffic", "--db", db, "--config", CONFIG).stdout
    assert len(history.splitlines()) == 1 + 3


def test_dry_run_counts_against_the_database_and_writes_nothing(
    write, db: Path, tmp_path: Path
) -> None:
    path = weekly_file(write)
    total = SEGMENTS * WEEKS
    absent = tmp_path / "none.db"
    dry = run("import", path, "--dry-run", "--db", absent, "--config", CONFIG)
    assert dry.stdout.startswith(f"Would import {total:,} values: {total:,} new, 0 changed")
    assert file_digest(absent) == "absent"
    run("import", path, "--db", db, "--config", CONFIG)
    before = file_digest(db)
    dry = run("import", weekly_file(write, "r.csv", change=2), "--dry-run", "--db", db,
              "--config", CONFIG)  # fmt: skip
    assert dry.stdout.splitlines()[0] == (
        f"Would import {total:,} values: 0 new, 2 changed, {total - 2:,} unchanged; 1 metric, "
        "weeks 2016-W49 to 2026-W47; 0 partial weeks skipped (dry run, nothing written)."
    )
    assert file_digest(db) == before


# --- the dates: all of them are seen before any is read ------------------------------------


def test_a_date_order_proven_by_the_last_row_reads_every_row(write) -> None:
    """'05/01/2026' reads two ways; only the last row ('13/01/2026') shows day-first."""
    lines = [HEADER, "traffic,05/01/2026,7,early", *weekly_lines(), "traffic,13/01/2026,9,late"]
    batch = importer.read(write("order.csv", "\n".join(lines) + "\n"), CFG)
    values = {(s, w): v for _, w, s, v in batch.rows}
    assert values[("early", date(2026, 1, 5))] == 7  # 5 Jan, not 1 May
    assert values[("late", date(2026, 1, 12))] == 9


# --- the staging file ------------------------------------------------------------------------


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "tmp"
    where.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(where))
    return where


def test_the_staging_file_is_removed(write, db: Path, temp_dir: Path) -> None:
    good = weekly_file(write)
    bad = write("bad.csv", f"{HEADER}\ntraffic,2026-11-16,x,s0\n")
    for args in ((good,), (good, "--dry-run"), (bad,)):
        run("import", *args, "--db", db, "--config", CONFIG)
        assert list(temp_dir.iterdir()) == []
    batch = importer.read(good, CFG)
    staged = batch.staging.path
    assert staged.parent == temp_dir and staged.exists()
    del batch  # dropped without closing
    assert not staged.exists()


def test_an_import_removes_the_staging_file_of_a_killed_one(
    write, db: Path, temp_dir: Path
) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    left = temp_dir / f"{PREFIX}{int(gone.stdout)}-x1{SUFFIX}"
    alive = temp_dir / f"{PREFIX}{os.getpid()}-x2{SUFFIX}"
    other = temp_dir / "kpireview-import-notes.txt"
    for path in (left, alive, other):
        path.write_bytes(b"")
    run("import", weekly_file(write), "--db", db, "--config", CONFIG)
    assert sorted(temp_dir.iterdir()) == sorted([alive, other])
