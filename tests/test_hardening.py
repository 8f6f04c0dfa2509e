"""Bad input, second corpus: config, CSV, --week, formulas, --due and database files.

Each case gives one line on stderr naming the place (file, line, field where there is one),
exit code 2, no traceback, and leaves the database as it was. Database cases run the real
command line in a subprocess, so nothing but the process's own stderr is seen.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpireview.store import Store
from tests.conftest import CONFIG, file_digest, run
from tests.test_bad_input import assert_one_line

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from kpireview.cli import main; main()"]
GOOD_CSV = "metric,week,value\nmrr,2026-W46,470000\nmrr,2026-W47,480000\n"
HEAD = "pillars:\n  - {id: revenue, label: Revenue}\nmetrics:\n"
MRR = "  - {id: mrr, label: MRR, pillar: revenue}\n"
NOBODY = 65534


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding two weeks of MRR, made once."""
    folder = tmp_path_factory.mktemp("template")
    db, good = folder / "kpi.db", folder / "good.csv"
    good.write_text(GOOD_CSV)
    assert run("import", good, "--db", db, "--config", CONFIG).exit_code == 0
    return db


@pytest.fixture
def seeded(tmp_path: Path, template: Path) -> tuple[Path, Path]:
    """A copy of the template database, and the CSV that made it."""
    db, good = tmp_path / "kpi.db", tmp_path / "good.csv"
    good.write_text(GOOD_CSV)
    shutil.copy(template, db)
    return db, good


def snapshot(db: Path) -> str | bytes:
    """The database's rows, or its bytes when it is not a readable database."""
    if db.is_dir():
        return "a directory"
    try:
        return file_digest(db)
    except sqlite3.DatabaseError:
        return db.read_bytes()


def assert_fails(args: tuple, db: Path, *fragments: str) -> str:
    """In-process: exit 2, one line holding every fragment, no output, the database unchanged."""
    before = snapshot(db)
    result = run(*args)
    assert result.exit_code == 2, result.stdout + result.stderr
    for fragment in fragments:
        assert_one_line(result.stderr, fragment)
    assert result.stdout == ""
    assert snapshot(db) == before
    return result.stderr


# --- config ------------------------------------------------------------------------------------

BAD_CONFIGS = [
    ("", ":1: the config is empty"),
    ("- a\n- b\n", ":1: : expected a mapping, got a list"),
    ("colour: red\n" + HEAD + MRR, ":1: colour: unknown key"),
    ("review: {week_starts: funday}\n" + HEAD + MRR, ":1: review.week_starts: unknown weekday 'funday'"),
    ("review: {history_weeks: 2}\n" + HEAD + MRR, ":1: review.history_weeks: must be between 4 and 520"),
    ("review: {baseline_weeks: ten}\n" + HEAD + MRR, ":1: review.baseline_weeks: expected a whole number"),
    ("pillars:\n  - {id: a}\n  - {id: a}\nmetrics:\n  - {id: m, label: M, pillar: a}\n", ":3: pillars[1].id: duplicate pillar id 'a'"),
    ("pillars: []\nmetrics:\n" + MRR, ":1: pillars: expected a list"),
    (HEAD + "  - {id: mrr-total, label: MRR, pillar: revenue}\n", ":4: metrics[0].id: 'mrr-total' is not an id"),
    (HEAD + "  - {id: mrr, pillar: revenue}\n", ":4: metrics[0].label: missing"),
    ("pillars:\n  - {id: revenue}\nmetrics: {mrr: 1}\n", ":3: metrics: expected a list of metrics"),
    ("pillars:\n  - {id: revenue}\n", ":1: metrics: missing"),
    (HEAD + MRR.rstrip("}\n") + ", targets: [{value: 2, by: 2027-06-30, from: 2026-01-01}, {value: 3, by: 2027-01-31, from: 2026-01-01}]}\n", ":4: metrics[0].targets[1].by: targets must be in date order"),
    (HEAD + MRR.rstrip("}\n") + ", target: {value: 2}, targets: [{value: 3, by: 2027-01-31}]}\n", ":4: metrics[0].targets: give either target or targets"),
    (HEAD + MRR.rstrip("}\n") + ", target: {value: 2, by: 2026-01-01, from: 2026-06-01}}\n", ":4: metrics[0].target.by: must be after 'from'"),
    (HEAD + MRR.rstrip("}\n") + ", direction: neutral, target: {value: 2}}\n", ":4: metrics[0].target.criterion: missing"),
    (HEAD + MRR.rstrip("}\n") + ", target: {value: 2, tolerance: high}}\n", ":4: metrics[0].target.tolerance: expected a number, got text 'high'"),
    (HEAD + MRR.rstrip("}\n") + ", target: {value: true}}\n", ":4: metrics[0].target.value: expected a number, got true/false"),
    (HEAD + MRR.rstrip("}\n") + ", target: {value: 2, by: soon, from: 2026-01-01}}\n", ":4: metrics[0].target.by: 'soon' is not a date"),
    (HEAD + MRR.rstrip("}\n") + ", segments: [eu, us, eu]}\n", ":4: metrics[0].segments: segment names repeat"),
    (HEAD + MRR + "  - {id: arr, label: ARR, pillar: revenue, column: mrr}\n", ":5: metrics[1].column: column 'mrr' is also used by 'mrr'"),
    (HEAD + "  - {id: a, label: A, pillar: revenue, formula: b * 2}\n  - {id: b, label: B, pillar: revenue, formula: a / 2}\n", ":4: metrics[0].formula: formula cycle: a -> b -> a"),
    (HEAD + "\t- {id: mrr, label: MRR, pillar: revenue}\n", ":4: not valid YAML"),
]  # fmt: skip


@pytest.mark.parametrize("text, fragment", BAD_CONFIGS, ids=[c[1] for c in BAD_CONFIGS])
def test_bad_config(tmp_path: Path, seeded: tuple[Path, Path], text: str, fragment: str) -> None:
    db, good = seeded
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    assert_fails(("import", good, "--db", db, "--config", bad), db, f"{bad}{fragment}")


def test_config_that_is_not_utf8(tmp_path: Path, seeded: tuple[Path, Path]) -> None:
    db, good = seeded
    bad = tmp_path / "bad.yaml"
    bad.write_bytes((HEAD + "  - {id: mrr, label: M\xe9, pillar: revenue}\n").encode("latin-1"))
    assert_fails(("import", good, "--db", db, "--config", bad), db, f"{bad}: cannot be read")


def test_config_that_is_a_directory(tmp_path: Path, seeded: tuple[Path, Path]) -> None:
    db, good = seeded
    assert_fails(
        ("import", good, "--db", db, "--config", tmp_path), db, f"{tmp_path}: cannot be read"
    )


# --- formulas in the config --------------------------------------------------------------------

BAD_FORMULAS = [
    ("mrr ** 2", "Pow is not allowed"),
    ("__import__('os').system('true')", "Call is not allowed"),
    ("mrr.real", "Attribute is not allowed"),
    ("mrr[0]", "Subscript is not allowed"),
    ("mrr < 2", "Compare is not allowed"),
    ("mrr // 2", "FloorDiv is not allowed"),
    ("mrr if mrr else 1", "IfExp is not allowed"),
    ("lambda: mrr", "Lambda is not allowed"),
    ("'mrr'", "only numbers and metric ids are allowed"),
    ("mrr /", "is not a valid formula"),
    ("mrr; mrr", "is not a valid formula"),
    ("(" * 240 + "mrr" + ")" * 240, "is not a valid formula"),
    ("mrr + " * 100 + "mrr", "formula is longer than 500 characters"),
    ("''", "only numbers and metric ids are allowed"),
    ("mrr * unknown_id", "unknown metric id 'unknown_id'"),
    ("mrr + ℌ", "'ℌ' would be read as 'H'; write metric ids plainly"),
]


@pytest.mark.parametrize("formula, fragment", BAD_FORMULAS, ids=[f[1] for f in BAD_FORMULAS])
def test_bad_formula(
    tmp_path: Path, seeded: tuple[Path, Path], formula: str, fragment: str
) -> None:
    db, good = seeded
    quoted = formula.replace('"', '\\"')
    bad = tmp_path / "bad.yaml"
    bad.write_text(HEAD + MRR + f'  - {{id: x, label: X, pillar: revenue, formula: "{quoted}"}}\n')
    args = ("import", good, "--db", db, "--config", bad)
    assert_fails(args, db, f"{bad}:5: metrics[1].formula:", fragment)


NOT_TEXT = [
    ("true", "expected a formula, got true/false"),
    ("[a, b]", "expected a formula, got a list"),
    ('""', "formula is empty"),
    ("{a: 1}", "expected a formula, got a mapping"),
]


@pytest.mark.parametrize("value, fragment", NOT_TEXT, ids=[n[0] for n in NOT_TEXT])
def test_formula_that_is_not_text(
    tmp_path: Path, seeded: tuple[Path, Path], value: str, fragment: str
) -> None:
    db, good = seeded
    bad = tmp_path / "bad.yaml"
    bad.write_text(HEAD + MRR + f"  - {{id: x, label: X, pillar: revenue, formula: {value}}}\n")
    assert_fails(
        ("import", good, "--db", db, "--config", bad),
        db,
        f"{bad}:5: metrics[1].formula: {fragment}",
    )


# --- CSV ---------------------------------------------------------------------------------------

BAD_CSVS = [
    ("metric,week,value,value\nmrr,2026-W45,1,2\n", ":1: column 'value': appears twice in the header"),
    ("metric,week,date,value\nmrr,2026-W45,2026-11-02,1\n", ":1: column 'date': give either week or date"),
    ("week,mrr,mrr\n2026-W45,1,2\n", ":1: column 'mrr': appears twice in the header"),
    ("week,,mrr\n2026-W45,1,2\n", ":1: column 2: has no name"),
    ("metric,week,value\nmrr,2026-W45,1\x00\n", ":2: value: "),
    ("metric,week,value\nmrr,2026-W45,\"" + "9" * 200_000 + "\"\n", ":2: row: not valid CSV (field larger than field limit"),
    ("metric,week,value\nmrr,2026-W45,1e400\n", ":2: value: '1e400' is not a number"),
    ("metric,week,value\nmrr,2026-W45,--5\n", ":2: value: '--5' is not a number"),
    ("metric,week,value\nmrr,2026-W45,0x10\n", ":2: value: '0x10' is not a number"),
    ("metric,week,value\nmrr,2026-W45,1_000\n", ":2: value: '1_000' is not a number"),
    ("metric,week,value\nmrr,2026-W45,12%%\n", ":2: value: '12%%' is not a number"),
    ("metric,week,value\nmrr,2025-W53,1\n", ":2: week: '2025-W53' is not a valid ISO week"),
    ("metric,week,value\nmrr,2026-W47-8,1\n", ":2: week: '2026-W47-8' is not a valid ISO week"),
    ("metric,week,value\nmrr,99999-01-01,1\n", ":2: week: '99999-01-01' is not a date"),
    ("metric,week,value\nmrr,2026-02-30,1\n", ":2: week: '2026-02-30' is not a date"),
    ("metric,week,value\nmrr,2026-W45,1\nmrr-x,2026-W45,1\n", ":3: metric: 'mrr-x' is not in the config"),
    ("metric,date,value\nmrr,2026-11-16,1\nmrr,2026-11-16,2\n", ":3: value: a second value for mrr on 2026-11-16 (first at line 2)"),
    ("metric,week,value\n" + "mrr,2026-W45,x\n" * 30, ":2: value: 'x' is not a number (30 bad values, at lines 2, 3, 4"),
]  # fmt: skip


@pytest.mark.parametrize("text, fragment", BAD_CSVS, ids=[c[1][:60] for c in BAD_CSVS])
def test_bad_csv(tmp_path: Path, seeded: tuple[Path, Path], text: str, fragment: str) -> None:
    db, _ = seeded
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    assert_fails(("import", bad, "--db", db, "--config", CONFIG), db, f"{bad}{fragment}")


def test_csv_in_utf16(tmp_path: Path, seeded: tuple[Path, Path]) -> None:
    db, _ = seeded
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD_CSV, encoding="utf-16")
    assert_fails(("import", bad, "--db", db, "--config", CONFIG), db, f"{bad}:1: not UTF-8 text")


def test_csv_that_is_a_directory(tmp_path: Path, seeded: tuple[Path, Path]) -> None:
    db, _ = seeded
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert_fails(
        ("import", folder, "--db", db, "--config", CONFIG), db, f"{folder}: cannot be read"
    )


# --- --week and --due --------------------------------------------------------------------------

BAD_WEEKS = [
    (("summary",), "2026-W60", "'2026-W60' is not a valid ISO week"),
    (("summary",), "2026-W00", "'2026-W00' is not a valid ISO week"),
    (("export",), "next tuesday", "'next tuesday' is not a date or a week like 2026-W47"),
    (
        ("export", "--format", "json"),
        "1" * 60,
        f"'{'1' * 60}' is not a date or a week like 2026-W47",
    ),
    (("decide", "mrr", "--note", "n"), "2026-02-30", "'2026-02-30' is not a date"),
    (("decide", "mrr", "--note", "n"), "2026-W47-0", "'2026-W47-0' is not a valid ISO week"),
    (("tui",), "2026-W47-8", "'2026-W47-8' is not a valid ISO week"),
    (("tui", "--read-only"), "W47", "'W47' is not a date or a week like 2026-W47"),
]


@pytest.mark.parametrize(
    "command, week, fragment", BAD_WEEKS, ids=[w[1][:12] + "-" + w[0][0] for w in BAD_WEEKS]
)
def test_bad_week(
    seeded: tuple[Path, Path], command: tuple[str, ...], week: str, fragment: str
) -> None:
    db, _ = seeded
    assert_fails(
        (*command, "--week", week, "--db", db, "--config", CONFIG), db, f"--week: {fragment}"
    )


BAD_DUES = [
    ("someday", "'someday' is not a due date (try 2026-11-27, fri, +7d or 2026-W49)"),
    ("fr", "'fr' is not a due date"),
    ("+99999d", "'+99999d' is not a due date"),
    ("+7x", "'+7x' is not a due date"),
    ("2026-W99", "'2026-W99' is not a valid ISO week"),
    ("31/31/2026", "'31/31/2026' is not a due date"),
]


@pytest.mark.parametrize("due, fragment", BAD_DUES, ids=[d[0] for d in BAD_DUES])
def test_bad_due(seeded: tuple[Path, Path], due: str, fragment: str) -> None:
    db, _ = seeded
    args = ("decide", "mrr", "--note", "n", "--due", due, "--db", db, "--config", CONFIG)
    assert_fails(args, db, f"decide: --due: {fragment}")


# --- database files, through a real process ----------------------------------------------------


def cli(
    *args: str | Path, env: dict[str, str] | None = None, code: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The command line in a subprocess (``code`` replaces the default entry point)."""
    argv = [sys.executable, "-c", code] if code else CLI
    return subprocess.run(
        [*argv, *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def assert_cli_fails(args: tuple, db: Path, *fragments: str, **kwargs) -> None:
    """In a subprocess: exit 2, one line holding every fragment, the database unchanged."""
    before = snapshot(db)
    proc = cli(*args, **kwargs)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    for fragment in fragments:
        assert_one_line(proc.stderr, fragment)
    assert proc.stdout == ""
    assert snapshot(db) == before


def args_for(command: str, db: Path, good: Path) -> tuple:
    where = ("--db", db, "--config", CONFIG)
    return {
        "import": ("import", good, *where),
        "decide": ("decide", "mrr", "--note", "n", *where),
        "summary": ("summary", *where),
        "export": ("export", "--format", "json", *where),
        "decisions": ("decisions", *where),
        "check": ("check", *where),
        "tui": ("tui", "--read-only", *where),
    }[command]


def truncated(db: Path, size: int) -> Path:
    data = db.read_bytes()
    db.write_bytes(data[:size])
    return db


@pytest.fixture
def big_db(tmp_path: Path) -> tuple[Path, Path]:
    """A checkpointed database of a few pages (so truncating it loses tables), and a CSV."""
    db, good = tmp_path / "kpi.db", tmp_path / "good.csv"
    good.write_text(GOOD_CSV)
    assert run("sample", "-o", db, "--weeks", "20", "--config", CONFIG).exit_code == 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return db, good


@pytest.mark.parametrize("command", ["export", "import"])
def test_truncated_database(big_db: tuple[Path, Path], command: str) -> None:
    db, good = big_db
    truncated(db, db.stat().st_size // 3)
    assert_cli_fails(args_for(command, db, good), db, f"{db}: damaged or truncated SQLite file")


def test_database_cut_inside_its_header(big_db: tuple[Path, Path]) -> None:
    db, good = big_db
    truncated(db, 50)
    assert_cli_fails(args_for("summary", db, good), db, f"{db}: ")


@pytest.mark.parametrize("command", ["summary", "tui"])
def test_empty_database_file(tmp_path: Path, command: str) -> None:
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    assert_cli_fails(args_for(command, db, db), db, f"{db}: empty file, not a kpireview database")


@pytest.mark.parametrize("command", ["decide", "check"])
def test_database_that_is_not_sqlite(tmp_path: Path, command: str) -> None:
    db = tmp_path / "notes.db"
    db.write_text("# meeting notes\n" * 100)
    assert_cli_fails(args_for(command, db, db), db, f"{db}: not a SQLite database")


def test_sqlite_database_of_another_app(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.commit()
    conn.close()
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV)
    assert_cli_fails(
        args_for("import", db, good), db, f"{db}: a SQLite database, but not a kpireview database"
    )


@pytest.mark.parametrize("command", ["summary", "decide", "decisions", "tui"])
def test_database_newer_than_supported(seeded: tuple[Path, Path], command: str) -> None:
    db, good = seeded
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    assert_cli_fails(
        args_for(command, db, good),
        db,
        f"{db}: schema version 7 is newer than this kpireview supports",
    )


def test_database_that_is_a_directory(tmp_path: Path) -> None:
    folder = tmp_path / "kpi.db"
    folder.mkdir()
    assert_cli_fails(args_for("summary", folder, folder), folder, f"{folder}: is a directory")


def test_database_in_a_missing_directory(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV)
    db = tmp_path / "no" / "such" / "kpi.db"
    assert_cli_fails(args_for("import", db, good), db, f"{db}: unable to open database file")
    assert not db.parent.exists()


HAND_EDITS = [
    ("summary", "INSERT INTO snapshots VALUES ('mrr', 'last week', '', 1, '', '')", "week 'last week' is not a date"),
    ("export", "INSERT INTO snapshots VALUES ('cac', '2026-11-16', '', 'n/a', '', '')", "snapshots row (metric 'cac', week '2026-11-16', segment ''): value 'n/a' is not a finite number"),
    ("export", "INSERT INTO snapshots VALUES ('cac', '2026-11-16', '', 9e999, '', '')", "value inf is not a finite number"),
    ("decide", "INSERT INTO snapshots VALUES ('mrr', 'W47', '', 1, '', '')", "snapshots: week 'W47' is not a date"),
    ("decisions", "INSERT INTO decisions (metric, week, note, due, created_at, updated_at) VALUES ('mrr', '2026-11-16', 'n', 'friday', '', '')", "decision 1: due 'friday' is not a date (YYYY-MM-DD)"),
    ("check", "INSERT INTO snapshots VALUES ('mrr', '2026-13-01', '', 1, '', '')", "week '2026-13-01' is not a date"),
]  # fmt: skip


@pytest.mark.parametrize("command, sql, fragment", HAND_EDITS, ids=[h[2][:40] for h in HAND_EDITS])
def test_hand_edited_database(
    seeded: tuple[Path, Path], command: str, sql: str, fragment: str
) -> None:
    db, good = seeded
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(sql)
    conn.close()
    assert_cli_fails(args_for(command, db, good), db, f"{db}: ", fragment)


@pytest.mark.parametrize("command", ["import", "decide"])
def test_locked_database(seeded: tuple[Path, Path], command: str) -> None:
    db, good = seeded
    before = file_digest(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        proc = cli(*args_for(command, db, good), env={"KPIREVIEW_BUSY_TIMEOUT_MS": "300"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert_one_line(proc.stderr, f"{db}: database is locked by another process")
    assert proc.stdout == ""
    assert file_digest(db) == before


# --- a read-only database, opened by a user who may not write it -------------------------------

# Root ignores file modes, so as root the child drops to `nobody` before running the command.
# It cannot exec the interpreter as nobody (it lives under /root), so it starts as root, loads
# everything the commands import, and then gives up its privileges.
AS_NOBODY = f"""
import os, sys
import csv, getpass, json, tempfile, textwrap, importlib.metadata
import encodings.ascii, encodings.latin_1, encodings.utf_8_sig
import sqlite_utils
sqlite_utils.Database(memory=True)  # loads its plugins while they can still be read
from kpireview import check, cli, config, decisions, export, importer, review, store
if os.geteuid() == 0:
    os.setgroups([])
    os.setgid({NOBODY})
    os.setuid({NOBODY})
cli.main()
"""


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory others can read but not write, holding a read-only database and a CSV."""
    folder = Path(tempfile.mkdtemp(prefix="kpireview-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("command", ["import", "decide"])
def test_read_only_database(shared_dir: Path, command: str) -> None:
    db, good = shared_dir / "kpi.db", shared_dir / "good.csv"
    good.write_text(GOOD_CSV.replace("470000", "1"))
    assert run("import", good, "--db", db, "--config", CONFIG).exit_code == 0
    good.write_text(GOOD_CSV)
    for path in (db, good):
        path.chmod(0o444)
    shared_dir.chmod(0o555)
    if os.geteuid() != 0 and os.access(db, os.W_OK):
        pytest.skip("cannot make the database read-only for this user")
    args = args_for(command, db, good)
    assert_cli_fails(args, db, f"{db}: cannot write to a read-only database", code=AS_NOBODY)
    assert not Path(f"{db}-wal").exists()


@pytest.mark.parametrize("command", ["summary", "export", "decisions", "check"])
def test_read_only_database_can_still_be_read(shared_dir: Path, command: str) -> None:
    db, good = shared_dir / "kpi.db", shared_dir / "good.csv"
    good.write_text(GOOD_CSV)
    assert run("import", good, "--db", db, "--config", CONFIG).exit_code == 0
    with Store(db) as store:
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for extra in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        extra.unlink(missing_ok=True)
    db.chmod(0o444)
    shared_dir.chmod(0o555)
    before = snapshot(db)
    proc = cli(*args_for(command, db, good), code=AS_NOBODY)
    assert proc.returncode in (0, 1), proc.stderr  # check warns about KPIs without data
    expected = {"summary": "MRR", "export": '"id": "mrr"', "decisions": "No decisions."}
    assert expected.get(command, "mrr") in proc.stdout
    assert snapshot(db) == before and not Path(f"{db}-wal").exists()


def test_control_characters_in_messages_are_escaped() -> None:
    from kpireview.errors import KpiError

    message = str(KpiError("bad 'x\rkpireview: all good\x1b[2J' here\nand there"))
    assert message == "bad 'x\\rkpireview: all good\\x1b[2J' here and there"
    assert message.isprintable()
