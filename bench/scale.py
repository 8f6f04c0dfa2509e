"""Scale bench: 500 KPIs x 520 weeks plus 5,000 decisions.

Budgets (figures measured in this run):

- markdown export in-process (what `kpireview export` does: config, the week's data, the
  review, export.markdown): at most 0.5 s
  (median of 5 runs);
- peak memory of a `kpireview export` subprocess (its own ru_maxrss): at most 200 MB;
- a week switch (review.build for another week, data already loaded, its bands computed
  before: see `switch_seconds`): at most 50 ms
  (median over 10 different weeks).

Prints one `[ok]` or `[OVER]` line per budget and `[info]` lines for context; exits 1 when a
budget is missed. Run: `python bench/scale.py [--workdir DIR]`.
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
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "kpis.yaml"
CLI = [sys.executable, "-c", "from kpireview.cli import main; main()"]
METRICS, WEEKS, DECISIONS = 500, 520, 5000
EXPORT_BUDGET_S = 0.5
MEMORY_BUDGET_MB = 200.0
SWITCH_BUDGET_S = 0.050
EXPORT_RUNS, SWITCH_WEEKS = 5, 10
RECENT_WEEKS = 12  # decisions this recent stay open; older ones are mostly closed


@dataclass(frozen=True)
class Figure:
    """One measured figure and its budget (a ceiling, or a floor when ``at_least``)."""

    name: str
    value: float
    budget: float
    unit: str
    at_least: bool = False

    @property
    def ok(self) -> bool:
        return self.value >= self.budget if self.at_least else self.value <= self.budget

    def line(self) -> str:
        mark = "[ok]  " if self.ok else "[OVER]"
        sign = ">=" if self.at_least else "<="
        return (
            f"{mark} {self.name}: {_fmt(self.value, self.unit)} "
            f"(budget {sign} {_fmt(self.budget, self.unit)})"
        )


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:,.1f} ms" if value < 1 else f"{value:,.2f} s"
    return f"{value:,.1f} {unit}" if unit else f"{value:,.2f}"


def info(text: str) -> None:
    print(f"[info] {text}", flush=True)


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The real command line in a subprocess; raises with its stderr when it fails."""
    proc = subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"kpireview {' '.join(map(str, args))} failed:\n{proc.stderr}")
    return proc


# --- data --------------------------------------------------------------------------------------


def make_sample(workdir: Path, weeks: int = WEEKS) -> tuple[Path, Path]:
    """`kpireview sample --metrics 500`: the database and the config naming all 500 KPIs."""
    db = workdir / f"scale-{weeks}w.db"
    if not db.exists():
        run_cli("sample", "-o", db, "--metrics", METRICS, "--weeks", weeks, "--config", CONFIG)
    return db, db.with_suffix(".yaml")


def add_decisions(db: Path, config_path: Path, count: int = DECISIONS, seed: int = 6) -> int:
    """Add ``count`` decisions with Store.add_decision, in one go; returns how many are open.

    Weeks are spread over the whole history, each decision recorded in its week's meeting (a
    done one recorded now would count as closed this week). Decisions of the last 12 weeks are
    open; older
    ones are done (85%), dropped (10%) or still open (5%), as in a team that closes its
    actions. The worst case, where nobody ever closes one, is measured too (not budgeted).
    """
    from kpireview import config
    from kpireview.store import Store

    cfg = config.load(config_path)
    rng = random.Random(seed)
    ids = [m.id for m in cfg.metrics]
    with Store(db, must_exist=True) as store:
        latest = store.latest_week()
        assert latest is not None
        for n in range(count):
            week = latest - timedelta(weeks=rng.randrange(WEEKS))
            store.add_decision(
                rng.choice(ids), week, _note(rng, n), decision=f"Follow up #{n}",
                owner=rng.choice(["growth", "product", "finance", "ops | eng"]),
                due=week + timedelta(days=4 + 7 * rng.randrange(4)), expected="+2% *WoW*",
                author="bench", status=_status(rng, latest, week),
                created_at=f"{week + timedelta(days=3)}T10:00:00+00:00",  # in its meeting
            )  # fmt: skip
        return len(store.decisions(status="open"))


def _note(rng: random.Random, n: int) -> str:
    words = ["churn", "pricing", "cohort", "[paid]", "a|b", "`beta`", "<tag>", "ça", "→"]
    return f"Decision {n}: " + " ".join(rng.choice(words) for _ in range(rng.randrange(3, 40)))


def _status(rng: random.Random, latest: date, week: date) -> str:
    if latest - week < timedelta(weeks=RECENT_WEEKS):
        return "open"
    return rng.choices(["done", "dropped", "open"], weights=[85, 10, 5])[0]


def all_open_copy(db: Path) -> Path:
    """A copy of the database where every decision is open (the worst case)."""
    copy = db.with_name(f"{db.stem}-all-open.db")
    src, dst = sqlite3.connect(db), sqlite3.connect(copy)
    with dst:
        src.backup(dst)
        dst.execute("UPDATE decisions SET status = 'open'")
    src.close()
    dst.close()
    return copy


# --- measurements ------------------------------------------------------------------------------


def private_band_cache(workdir: Path) -> Path:
    """An empty band cache of this run's own (KPIREVIEW_CACHE, inherited by subprocesses),
    so that no figure depends on what an earlier run or the user's reviews computed."""
    path = workdir / "bands.sqlite"
    for stale in workdir.glob("bands.sqlite*"):
        stale.unlink()
    os.environ["KPIREVIEW_CACHE"] = str(path)
    return path


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def export_seconds(config_path: Path, db: Path, runs: int = EXPORT_RUNS) -> list[float]:
    """Wall time of what `kpireview export` does: load_review (config, the week's data, the
    review) and export.markdown."""
    from kpireview import export
    from kpireview.cli import load_review

    def once() -> None:
        export.markdown(load_review(config_path, db, None))

    return [timed(once) for _ in range(runs)]


def switch_seconds(
    config_path: Path, db: Path, weeks: int = SWITCH_WEEKS
) -> tuple[list[float], list[float]]:
    """review.build for each of the ``weeks`` weeks before the latest, data loaded once: first
    with their bands never computed (cold), then, on the data read again, with the bands the
    first pass kept (a week reviewed before, or computed ahead by the TUI while the week after
    it was on screen). Returns (cold, kept)."""
    from kpireview import bandcache, config, review
    from kpireview.store import Store

    cfg = config.load(config_path)

    def loaded() -> review.Data:
        with Store(db, must_exist=True) as store:
            data = review.load(cfg, store)
        data.band_cache = bandcache.BandCache.default()
        review.build(cfg, data)
        return data

    data = loaded()
    targets = data.weeks[-1 - weeks : -1][::-1]
    cold = [timed(lambda w=w: review.build(cfg, data, w)) for w in targets]
    bandcache.save(cfg, data)
    data = loaded()
    return cold, [timed(lambda w=w: review.build(cfg, data, w)) for w in targets]


# The export runs as the child of a fresh, small interpreter: a child forked from this bench
# process would report this process's size as its peak (ru_maxrss survives fork and exec).
LAUNCHER = """import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-c", "from kpireview.cli import main; main()",
                              *sys.argv[1:]])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss, file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def export_peak_mb(config_path: Path, db: Path, out: Path) -> tuple[float, float]:
    """Peak RSS (MB) and wall time (s) of `kpireview export -o FILE` in a subprocess."""
    args = ["export", "--db", db, "--config", config_path, "-o", out]
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *map(str, args)], capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"kpireview export failed: {proc.stderr}")
    return int(proc.stderr.split()[-1]) / 1024, elapsed


def config_load_seconds(config_path: Path) -> float:
    from kpireview import config

    return timed(lambda: config.load(config_path))


# --- main --------------------------------------------------------------------------------------


def measure(workdir: Path) -> list[Figure]:
    start = time.perf_counter()
    private_band_cache(workdir)
    db, cfg = make_sample(workdir)
    fresh = not _has_decisions(db, DECISIONS)
    open_count = add_decisions(db, cfg) if fresh else _open_count(db)
    info(
        f"data: {METRICS} KPIs x {WEEKS} weeks, {_count(db, 'snapshots'):,} values, "
        f"{_count(db, 'decisions'):,} decisions ({open_count:,} open); "
        f"set-up {time.perf_counter() - start:.1f} s"
    )
    exports = export_seconds(cfg, db)
    info("markdown export runs: " + ", ".join(_fmt(x, "s") for x in exports))
    cold, switches = switch_seconds(cfg, db)
    info(f"week switches: max {_fmt(max(switches), 's')} over {len(switches)} weeks")
    info(
        f"week switch to a week whose bands were never computed: median "
        f"{_fmt(statistics.median(cold), 's')} (not budgeted; the TUI computes the weeks before "
        "the one shown in the background, and keeps every week it computed)"
    )
    peak, wall = export_peak_mb(cfg, db, workdir / "notes.md")
    info(f"`kpireview export` subprocess: {wall:.2f} s wall, {peak:.0f} MB peak")
    info(f"config.load of {METRICS} KPIs: {_fmt(config_load_seconds(cfg), 's')} (not budgeted)")
    worst = all_open_copy(db)
    info(
        "worst case, all decisions open: export "
        f"{_fmt(statistics.median(export_seconds(cfg, worst, 3)), 's')}, week switch "
        f"{_fmt(statistics.median(switch_seconds(cfg, worst, 5)[1]), 's')} (not budgeted)"
    )
    return [
        Figure("markdown export (config+load+build+markdown)", statistics.median(exports),
               EXPORT_BUDGET_S, "s"),
        Figure("peak memory of `kpireview export`", peak, MEMORY_BUDGET_MB, "MB"),
        Figure("week switch (review.build)", statistics.median(switches), SWITCH_BUDGET_S, "s"),
    ]  # fmt: skip


def _count(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def _has_decisions(db: Path, count: int) -> bool:
    return _count(db, "decisions") >= count


def _open_count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM decisions WHERE status = 'open'").fetchone()[0]
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workdir", type=Path, help="keep the generated data here and reuse it on the next run"
    )
    args = parser.parse_args(argv)
    return report(args.workdir, "kpireview-scale-", measure)


def report(kept: Path | None, prefix: str, measure: Callable[[Path], list[Figure]]) -> int:
    """Measure in ``kept`` (reused) or a temporary directory, print each figure against its
    budget, and return the exit status: 1 when any budget is missed."""
    workdir = kept or Path(tempfile.mkdtemp(prefix=prefix))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        figures = measure(workdir)
    finally:
        if kept is None:
            shutil.rmtree(workdir, ignore_errors=True)
    for figure in figures:
        print(figure.line(), flush=True)
    return 0 if all(f.ok for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
