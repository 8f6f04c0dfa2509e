"""Bad input through the command line: one line naming the place, exit 2, nothing changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import CONFIG, file_digest, run

GOOD_CSV = "metric,week,value\nmrr,2026-W46,470000\nmrr,2026-W47,480000\n"
GOOD_HEAD = "pillars:\n  - {id: revenue, label: Revenue}\nmetrics:\n"

BAD_CONFIGS = [
    (
        "  - {id: mrr, label: MRR, pillar: revenue, unit: dollars}\n",
        ":4: metrics[0].unit: unknown unit 'dollars'",
    ),
    ("  - {id: mrr, label: MRR, pillar: sales}\n", ":4: metrics[0].pillar: unknown pillar 'sales'"),
    (
        "  - {id: mrr, label: MRR, pillar: revenue, owner: [a, b]}\n",
        ":4: metrics[0].owner: expected text",
    ),
    (
        "  - {id: mrr, label: MRR, pillar: revenue}\n  - {id: mrr, label: M, pillar: revenue}\n",
        ":5: metrics[1].id: duplicate id 'mrr'",
    ),
    (
        "  - {id: mrr, label: MRR, pillar: revenue, formula: arr / 12}\n",
        ":4: metrics[0].formula: unknown metric id 'arr'",
    ),
    (
        "  - {id: mrr, label: MRR, pillar: revenue, target: {value: 5, by: 2027-02-30, from: 2026-01-01}}\n",
        ":4: metrics[0].target.by:",
    ),
    (
        "  - {id: mrr, label: MRR, pillar: revenue, target: {criterion: reach}}\n",
        ":4: metrics[0].target.value: missing",
    ),
    (
        "  - {id: mrr, label: MRR, pillar: revenue, direction: upward}\n",
        ":4: metrics[0].direction: unknown direction 'upward'",
    ),
    (
        "  - {id: mrr, label: MRR, pillar: revenue, rollup: max}\n",
        ":4: metrics[0].rollup: unknown rollup 'max'",
    ),
    (
        "  - {id: mrr, label: MRR, pillar: revenue, unknown_key: 1}\n",
        ":4: metrics[0].unknown_key: unknown key",
    ),
    ("  - id: mrr\n   label: MRR\n", ":5: not valid YAML"),
]


@pytest.mark.parametrize("metrics, fragment", BAD_CONFIGS, ids=[c[1] for c in BAD_CONFIGS])
def test_bad_config(write, db: Path, metrics: str, fragment: str) -> None:
    bad = write("bad.yaml", GOOD_HEAD + metrics)
    good = write("good.csv", GOOD_CSV)
    assert_fails(("import", good, "--db", db, "--config", bad), db, f"{bad}{fragment}")


BAD_CSVS = [
    ("metric,week,value\nmrr,2026-W47,abc\n", ":2: value: 'abc' is not a number"),
    ("metric,week,value\nmrr,2026-W99,1\n", ":2: week: '2026-W99' is not a valid ISO week"),
    ("metric,week,value\nmrr,last week,1\n", ":2: week: 'last week' is not a date"),
    ("metric,week,value\nmrr,,1\n", ":2: week: '' is not a date"),
    ("metric,week,value\nrevenue,2026-W47,1\n", ":2: metric: 'revenue' is not in the config"),
    ("metric,week,value\narr,2026-W47,1\n", ":2: metric: 'arr' is derived"),
    (
        "metric,week,value\nmrr,2026-W47,1\nmrr,2026-11-18,2\n",
        ":3: week: a second value for mrr in 2026-W47 (first at line 2)",
    ),
    ("metric,week,value\nmrr,2026-W47\n", ":2: row: 2 cells where the header has 3"),
    ("week,mrr,bogus\n2026-W47,1,2\n", ":1: column 'bogus': matches no metric's column"),
    ("week,mrr,arr\n2026-W47,1,2\n", ":1: column 'arr': is a derived metric"),
    ("week,mrr\n2026-W47,1\n2026-W48,inf\n", ":3: mrr: 'inf' is not a number"),
    ("week,mrr\n2026-W47,NaN\n", ":2: mrr: 'NaN' is not a number"),
    ("", ":1: empty file"),
    (
        "metric,week,value,colour\nmrr,2026-W47,1,red\n",
        ":1: column 'colour': not a long-format column",
    ),
    ("date,mrr\nSun, 05-Jan-2020,1\n", ":2: row: 3 cells where the header has 2"),
]


@pytest.mark.parametrize("text, fragment", BAD_CSVS, ids=[c[1] for c in BAD_CSVS])
def test_bad_csv(write, db: Path, text: str, fragment: str) -> None:
    run("import", write("seed.csv", GOOD_CSV), "--db", db, "--config", CONFIG)
    bad = write("bad.csv", text)
    assert_fails(("import", bad, "--db", db, "--config", CONFIG), db, f"{bad}{fragment}")


def test_csv_that_is_not_utf8(tmp_path: Path, db: Path) -> None:
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("metric,week,value\nmrr,2026-W47,1\nm\xe9tric,2026-W47,1\n".encode("latin-1"))
    assert_fails(("import", bad, "--db", db, "--config", CONFIG), db, f"{bad}:3: not UTF-8 text")


def test_missing_csv(tmp_path: Path, db: Path) -> None:
    missing = tmp_path / "none.csv"
    assert_fails(
        ("import", missing, "--db", db, "--config", CONFIG), db, f"{missing}: no such file"
    )


@pytest.mark.parametrize(
    "content, fragment",
    [(b"id,name\n1,a\n", "not a SQLite database"), (b"SQLite format 3\x00" + b"\x00" * 80, "")],
)
def test_database_file_that_is_not_one(write, db: Path, content: bytes, fragment: str) -> None:
    db.write_bytes(content)
    good = write("good.csv", GOOD_CSV)
    result = run("import", good, "--db", db, "--config", CONFIG)
    assert result.exit_code == 2
    assert_one_line(result.stderr, f"{db}: {fragment}")
    assert db.read_bytes() == content


def test_database_newer_than_supported(write, db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = db.read_bytes()
    result = run("import", write("good.csv", GOOD_CSV), "--db", db, "--config", CONFIG)
    assert result.exit_code == 2
    assert_one_line(result.stderr, f"{db}: schema version 99 is newer")
    assert db.read_bytes() == before


def test_missing_database_for_check(tmp_path: Path) -> None:
    result = run("check", "--db", tmp_path / "none.db", "--config", CONFIG)
    assert result.exit_code == 2
    assert_one_line(result.stderr, "none.db: no such database")
    assert not (tmp_path / "none.db").exists()


def assert_one_line(stderr: str, fragment: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("kpireview: error: "), lines[0]
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in stderr


def assert_fails(args: tuple, db: Path, fragment: str) -> None:
    before = file_digest(db)
    result = run(*args)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert_one_line(result.stderr, fragment)
    assert result.stdout == ""
    assert file_digest(db) == before
