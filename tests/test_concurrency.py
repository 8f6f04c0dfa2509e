"""Crash safety and concurrency, with real processes.

- An import SIGKILLed while it writes leaves an intact database holding all or none of it.
- A process saving decisions, SIGKILLed, loses none it acknowledged.
- 8 writers x 50 decisions give exactly 400 rows while a reader reads without errors.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import CONFIG, run

CLI = [sys.executable, "-c", "from kpireview.cli import main; main()"]
ROOT = Path(__file__).resolve().parent.parent
WRITERS, PER_WRITER = 8, 50
KILL_AT_WAL_BYTES = 256 * 1024

WRITER = """
import sys, time
from datetime import date
from kpireview.store import Store
db, tag, count, pause = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
with Store(db, must_exist=True) as store:
    for n in range(count):
        did = store.add_decision("mrr", date(2026, 11, 16), f"{tag} note {n}", owner=tag)
        print(did, flush=True)
        time.sleep(pause)
"""

READER = """
import json, sys, time
from pathlib import Path
from kpireview import config, review
from kpireview.store import Store
db, cfg_path, stop = sys.argv[1], sys.argv[2], Path(sys.argv[3])
cfg = config.load(cfg_path)
reads, seen, errors = 0, set(), []
while not stop.exists():
    try:
        with Store(db, must_exist=True) as store:
            data = review.load(cfg, store)
            review.build(cfg, data)
            seen.add(len(store.decisions()))
        reads += 1
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    if reads == 1 and not errors:
        print("ready", flush=True)
print(json.dumps({"reads": reads, "counts": sorted(seen), "errors": errors[:5]}), flush=True)
"""


def python(code: str, *args: str | Path, **kwargs) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def count(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def stored_metric_ids() -> list[str]:
    from kpireview import config

    return [m.id for m in config.load(CONFIG).metrics if not m.derived]


def write_long_csv(path: Path, weeks: int, segments: int) -> int:
    """A long CSV for every stored KPI of the repository's config; returns its row count."""
    end = date(2026, 11, 16)
    days = [(end - timedelta(weeks=k)).isoformat() for k in range(weeks)]
    names = [""] + [f"s{n}" for n in range(1, segments)]
    rows = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write("metric,week,value,segment\n")
        for metric in stored_metric_ids():
            for segment in names:
                for n, day in enumerate(days):
                    fh.write(f"{metric},{day},{(n + 0.5) / weeks},{segment}\n")  # < 1: a fraction
                    rows += 1
    return rows


def seeded_db(tmp_path: Path) -> tuple[Path, int]:
    db = tmp_path / "kpi.db"
    seed = tmp_path / "seed.csv"
    seed.write_text("metric,week,value,segment\nmrr,2026-W46,1,seed\nmrr,2026-W47,2,seed\n")
    assert run("import", seed, "--db", db, "--config", CONFIG).exit_code == 0
    return db, count(db, "snapshots")


def wal_size(db: Path) -> int:
    try:
        return Path(f"{db}-wal").stat().st_size
    except FileNotFoundError:
        return 0


def kill_when_writing(proc: subprocess.Popen[str], db: Path, timeout: float = 60) -> bool:
    """SIGKILL ``proc`` once its transaction has spilled pages into the WAL; False if it ended."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if wal_size(db) >= KILL_AT_WAL_BYTES:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.001)
    proc.wait()
    return False


def test_import_killed_mid_write_is_all_or_nothing(tmp_path: Path) -> None:
    db, old = seeded_db(tmp_path)
    big = tmp_path / "big.csv"
    rows = write_long_csv(big, weeks=1000, segments=6)
    proc = subprocess.Popen(
        [*CLI, "import", str(big), "--db", str(db), "--config", str(CONFIG)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killed = kill_when_writing(proc, db)  # type: ignore[arg-type]
    assert killed, f"the import ended (exit {proc.returncode}) before its write was seen"
    assert proc.returncode == -signal.SIGKILL
    assert integrity(db) == "ok"
    assert count(db, "snapshots") in (old, old + rows)


def test_acknowledged_decisions_survive_sigkill(tmp_path: Path) -> None:
    db, _ = seeded_db(tmp_path)
    proc = python(WRITER, db, "crash", 100_000, 0)
    assert proc.stdout is not None
    acked = [int(proc.stdout.readline()) for _ in range(200)]
    proc.send_signal(signal.SIGKILL)
    acked += [int(line) for line in proc.stdout.read().split()]  # what it printed before dying
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert integrity(db) == "ok"
    conn = sqlite3.connect(db)
    stored = {row[0] for row in conn.execute("SELECT id FROM decisions")}
    conn.close()
    assert set(acked) <= stored
    assert len(stored) - len(acked) <= 1  # at most the one committed but not yet printed


def test_eight_writers_and_a_reader(tmp_path: Path) -> None:
    db = tmp_path / "kpi.db"
    assert run("sample", "-o", db, "--weeks", "60", "--config", CONFIG).exit_code == 0
    before = count(db, "decisions")
    stop = tmp_path / "stop"
    reader = python(READER, db, CONFIG, stop)
    assert reader.stdout is not None
    assert reader.stdout.readline().strip() == "ready", reader.communicate()
    writers = [python(WRITER, db, f"w{n}", PER_WRITER, 0.004) for n in range(WRITERS)]
    outputs = [w.communicate(timeout=120) for w in writers]
    stop.touch()
    report_text = reader.stdout.read()  # not communicate(): readline() may hold buffered text
    reader_err = reader.stderr.read() if reader.stderr else ""
    reader.wait(timeout=60)
    for w, (out, err) in zip(writers, outputs, strict=True):
        assert w.returncode == 0, err
        assert len(out.split()) == PER_WRITER
    ids = [int(i) for out, _ in outputs for i in out.split()]
    assert len(set(ids)) == WRITERS * PER_WRITER
    assert count(db, "decisions") == before + WRITERS * PER_WRITER
    assert reader.returncode == 0, reader_err
    report = json.loads(report_text)
    assert report["errors"] == []
    assert report["reads"] >= 2  # the first before the writers, at least one while they wrote
    assert report["counts"][0] == before


@pytest.mark.parametrize("command", ["import", "decide"])
def test_writer_waits_for_a_short_lock(tmp_path: Path, command: str) -> None:
    """A lock released within the busy timeout makes a writer wait, not fail."""
    db, old = seeded_db(tmp_path)
    good = tmp_path / "good.csv"
    good.write_text("metric,week,value\nmrr,2026-W45,5\n")
    args = ["import", str(good)] if command == "import" else ["decide", "mrr", "--note", "n"]
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    env = {**os.environ, "KPIREVIEW_BUSY_TIMEOUT_MS": "5000"}
    proc = subprocess.Popen(
        [*CLI, *args, "--db", str(db), "--config", str(CONFIG)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)
    holder.execute("COMMIT")
    holder.close()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    table = "snapshots" if command == "import" else "decisions"
    assert count(db, table) == (old + 1 if command == "import" else 1)
