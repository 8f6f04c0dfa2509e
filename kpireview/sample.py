"""Deterministic sample data: a SaaS team's weekly KPIs with a story a good review should catch.

One ``random.Random(seed)`` and no clock: the same config, seed, weeks and end week give the
same database byte for byte. Derived KPIs (formulas) are never stored; the review computes them.
The series and their story are drawn by ``kpireview.sample_series``; this module writes them,
with a few decisions recorded along the story, into one database file.

With more KPIs asked for than the config has, ``synthetic_0001``... KPIs are added (for
benchmarks) and a config naming them all is written next to the database.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from kpireview.config import Config, Metric
from kpireview.errors import KpiError
from kpireview.periods import FIRST_DAY, LAST_DAY, parse_week, week_label
from kpireview.sample_series import DIVIDERS, Row, Timeline, generate
from kpireview.store import Store

DEFAULT_END = "2026-W47"
DEFAULT_WEEKS = 156
DEFAULT_SEED = 47
SYNTHETIC_PREFIX = "synthetic_"
UNITS = ("count", "currency", "percent", "ratio", "days", "score")


class SampleError(KpiError):
    """Sample data that cannot be written."""


@dataclass(frozen=True)
class DecisionSpec:
    """A decision recorded ``weeks_back`` weeks before the last week."""

    metric: str
    weeks_back: int
    note: str
    decision: str
    owner: str
    due_weeks: int
    expected: str
    author: str
    status: str


DECISIONS = (
    DecisionSpec(
        "cpa", 40, "CPA up 9% in a month, driven by paid-social bids.",
        "Cap paid-social bids; move 15% of the budget to search.", "growth", 4,
        "CPA back under $40 within a month", "maya", "done",
    ),
    DecisionSpec(
        "mrr", 22, "MRR pacing a little behind the plan for next June.",
        "Offer the annual plan in the trial e-mails.", "finance", 6,
        "+$8k MRR by the end of the quarter", "leo", "done",
    ),
    DecisionSpec(
        "activation_rate", 21, "Activation flat at ~34% for two quarters; the checklist is "
        "the biggest drop-off.", "Ship the new onboarding checklist to all new accounts.",
        "product", 8, "Activation +3 points within 8 weeks", "sam", "done",
    ),
    DecisionSpec(
        "churn_rate", 6, "The pricing change ships in three weeks; watch cancellations.",
        "Success calls every cancelling account over $500 MRR; churn reviewed weekly.",
        "success", 8, "Churn stays under 2%", "ana", "open",
    ),
    DecisionSpec(
        "cpa", 2, "CPA above the $45 ceiling again.",
        "Pause the two worst paid campaigns and re-bid the rest.", "growth", 2,
        "CPA under $45 within three weeks", "maya", "open",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Written:
    """What ``write`` produced, for the one-line summary."""

    path: Path
    values: int
    metrics: int
    synthetic: int
    timeline: Timeline
    week_starts: int
    decisions: int
    config_path: Path | None = None
    kpis: int = 0

    def lines(self) -> list[str]:
        weeks = self.timeline.weeks
        first, last = (
            week_label(weeks[0], self.week_starts),
            week_label(weeks[-1], self.week_starts),
        )
        extra = f" ({self.synthetic} synthetic)" if self.synthetic else ""
        lines = [
            f"{self.path}: {self.values:,} values, {self.metrics} metrics{extra}, "
            f"{first} to {last} ({self.timeline.n} weeks), {self.decisions} decisions"
        ]
        if self.config_path:
            lines.append(
                f"{self.config_path}: config with the {self.kpis} KPIs "
                f"(use --config {self.config_path})"
            )
        return lines


# --- synthetic KPIs ------------------------------------------------------------------------


def synthetic_metrics(cfg: Config, total: int) -> list[dict[str, Any]]:
    """Config entries for ``total`` minus the configured count extra KPIs, pillars round-robin."""
    pillars = [p.id for p in cfg.pillars]
    out = []
    for n in range(1, total - len(cfg.metrics) + 1):
        unit = UNITS[n % len(UNITS)]
        entry: dict[str, Any] = {
            "id": f"{SYNTHETIC_PREFIX}{n:04d}",
            "label": f"Synthetic KPI {n}",
            "pillar": pillars[(n - 1) % len(pillars)],
            "unit": unit,
            "direction": "down" if n % 3 == 0 else "up",
            "rollup": "sum" if unit in ("count", "currency") else "mean",
            "owner": "bench",
        }
        out.append(entry)
    return out


def _as_metric(entry: dict[str, Any]) -> Metric:
    return Metric(**entry)


def _config_text(cfg: Config, extra: list[dict[str, Any]]) -> str:
    data = yaml.safe_load(cfg.path.read_text(encoding="utf-8-sig"))
    data["metrics"] = list(data["metrics"]) + extra
    head = (
        f"# Written by `kpireview sample`: the KPIs of {cfg.path.name} "
        f"and {len(extra)} synthetic ones.\n"
    )
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# --- writing -------------------------------------------------------------------------------


def _check_target(path: Path, force: bool) -> None:
    if path.is_dir():
        raise SampleError(f"{path}: is a directory")
    if not path.parent.is_dir():
        raise SampleError(f"{path.parent}: no such directory")
    if path.exists() and not force:
        raise SampleError(f"{path}: already exists (use --force to replace it)")


def _temp_beside(path: Path) -> Path:
    """An empty file in the same directory, with the mode a new file there would get."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~umask)
    return Path(name)


def _discard(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)


def _replace(tmp: Path, path: Path) -> None:
    """Move a finished database into place; the old file's WAL must not outlive it."""
    for side in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        side.unlink(missing_ok=True)
    os.replace(tmp, path)


def _fill(path: Path, rows: list[Row], tl: Timeline, metric_ids: set[str]) -> int:
    """Store the rows, stamp them as loaded by a Monday-morning pipeline, add decisions."""
    with Store(path) as store:
        store.upsert_snapshots(rows, source="sample")
        with store.transaction() as conn:
            conn.execute(
                "UPDATE snapshots SET loaded_at = date(week, '+7 days') || 'T06:00:00+00:00'"
            )
        _add_dividers(store, tl, metric_ids)
        return _add_decisions(store, tl, metric_ids)


def _add_dividers(store: Store, tl: Timeline, metric_ids: set[str]) -> None:
    """The process changes the sample team marked, stamped the Monday after their week."""
    for metric, weeks_back, reason, author in DIVIDERS:
        index = tl.n - 1 - weeks_back
        if metric in metric_ids and index >= 0:
            store.add_divider(metric, tl.weeks[index], reason, author)
    with store.transaction() as conn:
        conn.execute("UPDATE dividers SET created_at = date(week, '+7 days') || 'T09:00:00+00:00'")


def _add_decisions(store: Store, tl: Timeline, metric_ids: set[str]) -> int:
    count = 0
    for d in DECISIONS:
        index = tl.n - 1 - d.weeks_back
        if d.metric not in metric_ids or index < 0:
            continue
        week = tl.weeks[index]
        store.add_decision(
            d.metric, week, d.note, decision=d.decision, owner=d.owner,
            due=week + timedelta(weeks=d.due_weeks, days=4), expected=d.expected,
            author=d.author, status=d.status,
            created_at=f"{week + timedelta(days=3)}T10:30:00+00:00",
        )  # fmt: skip
        count += 1
    return count


def _self_contained(path: Path) -> None:
    """Leave the file in rollback-journal mode: one file, which readers open without making
    -wal and -shm files beside it (a writer's Store switches its own copy to WAL)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()


def _write_db(path: Path, rows: list[Row], tl: Timeline, metric_ids: set[str]) -> int:
    tmp = _temp_beside(path)
    try:
        decisions = _fill(tmp, rows, tl, metric_ids)
        _self_contained(tmp)
        _replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise
    return decisions


def _write_text(path: Path, text: str) -> None:
    tmp = _temp_beside(path)
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write(
    cfg: Config,
    path: Path,
    *,
    weeks: int = DEFAULT_WEEKS,
    seed: int = DEFAULT_SEED,
    end: str = DEFAULT_END,
    metrics: int | None = None,
    force: bool = False,
) -> Written:
    """Generate the sample and write it to ``path`` (and a config when KPIs are added)."""
    configured = len(cfg.metrics)
    if metrics is not None and metrics < configured:
        raise SampleError(f"--metrics {metrics}: the config already has {configured} KPIs")
    extra = synthetic_metrics(cfg, metrics) if metrics else []
    config_path = path.with_suffix(".yaml") if extra else None
    if config_path and config_path.resolve() in (path.resolve(), cfg.path.resolve()):
        raise SampleError(
            f"{config_path}: the config for the synthetic KPIs would replace the database "
            "or the config being read; choose another -o"
        )
    for target in (path, config_path):
        if target:
            _check_target(target, force)
    tl = Timeline.ending(parse_week(end, cfg.review.week_starts), weeks)
    if tl.weeks[0] < FIRST_DAY:
        raise SampleError(
            f"--weeks {weeks} before --end {end} start on {tl.weeks[0]}, outside "
            f"{FIRST_DAY} to {LAST_DAY}"
        )
    all_metrics = list(cfg.metrics) + [_as_metric(e) for e in extra]
    rows = generate(all_metrics, tl, seed)
    decisions = _write_db(path, rows, tl, {m.id for m in cfg.metrics if not m.derived})
    if config_path:
        _write_text(config_path, _config_text(cfg, extra))
    stored = sum(not m.derived for m in all_metrics)
    return Written(path, len(rows), stored, len(extra), tl, cfg.review.week_starts, decisions,
                   config_path, len(all_metrics))  # fmt: skip
