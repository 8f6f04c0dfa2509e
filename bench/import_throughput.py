"""Import bench: `kpireview import` of a 1,000,000-row long CSV against `sqlite-utils insert`.

The CSV (metric,week,value,segment) covers the 500 KPIs of `kpireview sample --metrics 500`.
Both tools load the same file into a fresh database with the same `snapshots` schema and
primary key (created first for sqlite-utils), each in a subprocess, three times, interleaved.
Budgets: kpireview's throughput (rows/s, median of 3) at least twice sqlite-utils'; the peak
memory (ru_maxrss of the `kpireview import` subprocess, the highest of the 3 runs) at most
200 MB.

Prints `[ok]`/`[OVER]` and `[info]` lines; exits 1 when over budget.
Run: `python bench/import_throughput.py [--rows N] [--workdir DIR]`.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import CLI, MEMORY_BUDGET_MB, Figure, info, make_sample, report  # noqa: E402

ROWS = 1_000_000
RUNS = 3
RATIO_BUDGET = 2.0
SEGMENTS = ("", "north", "south", "east")
SNAPSHOTS_SQL = """CREATE TABLE snapshots (
    metric TEXT NOT NULL, week TEXT NOT NULL, segment TEXT NOT NULL DEFAULT '',
    value REAL NOT NULL, source TEXT, loaded_at TEXT,
    PRIMARY KEY (metric, week, segment)) WITHOUT ROWID"""


def stored_metric_ids(config_path: Path) -> list[str]:
    from kpireview import config

    return [m.id for m in config.load(config_path).metrics if not m.derived]


def percent_metric_ids(config_path: Path) -> set[str]:
    from kpireview import config

    return {m.id for m in config.load(config_path).metrics if m.unit == "percent"}


def write_csv(
    path: Path, metric_ids: list[str], rows: int, weeks: int = 520, percent: frozenset = frozenset()
) -> None:
    """``rows`` long-format rows: each metric's weeks for the total, then for each segment;
    percent KPIs get fractions, the others amounts."""
    rng = random.Random(1)
    end = date(2026, 11, 16)
    week_texts = [(end - timedelta(weeks=k)).isoformat() for k in range(weeks - 1, -1, -1)]
    keys = ((m, s, w) for m in metric_ids for s in SEGMENTS for w in week_texts)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("metric,week,value,segment\n")
        for metric, segment, week in islice(keys, rows):
            value = (
                rng.randrange(10**4) / 10**4 if metric in percent else rng.randrange(10**7) / 100
            )
            fh.write(f"{metric},{week},{value},{segment}\n")


def sqlite_utils_bin() -> str:
    beside = Path(sys.executable).with_name("sqlite-utils")
    found = str(beside) if beside.exists() else shutil.which("sqlite-utils")
    if not found:
        raise SystemExit("sqlite-utils is not installed (pip install sqlite-utils)")
    return found


def fresh_schema_db(path: Path) -> Path:
    _remove_db(path)
    conn = sqlite3.connect(path)
    conn.execute(SNAPSHOTS_SQL)
    conn.close()
    return path


def _remove_db(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)


def timed_run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one subprocess."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr.read().decode()}")
    proc.stderr.close()
    return elapsed, usage.ru_maxrss / 1024


def row_count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    finally:
        conn.close()


def kpireview_once(csv_path: Path, config_path: Path, db: Path) -> tuple[float, float]:
    _remove_db(db)
    return timed_run([*CLI, "import", str(csv_path), "--db", str(db), "--config", str(config_path)])


def sqlite_utils_once(csv_path: Path, db: Path) -> tuple[float, float]:
    fresh_schema_db(db)
    return timed_run([sqlite_utils_bin(), "insert", str(db), "snapshots", str(csv_path), "--csv"])


def measure(workdir: Path, rows: int) -> list[Figure]:
    _, config_path = make_sample(workdir, weeks=1)
    csv_path = workdir / "import.csv"
    start = time.perf_counter()
    percent = frozenset(percent_metric_ids(config_path))
    write_csv(csv_path, stored_metric_ids(config_path), rows, percent=percent)
    info(f"{rows:,}-row CSV, {csv_path.stat().st_size / 1e6:.0f} MB, written in "
         f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    ours, theirs, peaks = [], [], []
    for n in range(RUNS):
        seconds, peak = kpireview_once(csv_path, config_path, workdir / "kpireview.db")
        ours.append(seconds)
        peaks.append(peak)
        theirs.append(sqlite_utils_once(csv_path, workdir / "sqlite-utils.db")[0])
        info(f"run {n + 1}: kpireview {seconds:.2f} s, sqlite-utils {theirs[-1]:.2f} s")
    for db in ("kpireview.db", "sqlite-utils.db"):
        if row_count(workdir / db) != rows:
            raise SystemExit(f"{db}: expected {rows:,} rows, found {row_count(workdir / db):,}")
    ours_rate, theirs_rate = rows / statistics.median(ours), rows / statistics.median(theirs)
    info(f"kpireview import: {ours_rate:,.0f} rows/s (median of {RUNS}), peak memory "
         f"{', '.join(f'{p:.0f}' for p in peaks)} MB")  # fmt: skip
    info(f"sqlite-utils insert: {theirs_rate:,.0f} rows/s (median of {RUNS})")
    return [
        Figure("import throughput, kpireview / sqlite-utils", ours_rate / theirs_rate,
               RATIO_BUDGET, "", at_least=True),
        Figure(f"peak memory of `kpireview import` ({rows:,} rows)", max(peaks),
               MEMORY_BUDGET_MB, "MB"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS, help="rows in the CSV (default 1e6)")
    parser.add_argument("--workdir", type=Path, help="keep the generated files here")
    args = parser.parse_args(argv)
    return report(args.workdir, "kpireview-import-", lambda workdir: measure(workdir, args.rows))


if __name__ == "__main__":
    sys.exit(main())
