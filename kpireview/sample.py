"""Deterministic sample data: a SaaS team's weekly KPIs with a story a good review should catch.

One ``random.Random(seed)`` and no clock: the same config, seed, weeks and end week give the
same database byte for byte. Derived KPIs (formulas) are never stored; the review computes them.
Counted back from the last week, the story is:

- a pricing change 4 weeks before the end: churn_rate jumps from ~1.6% to ~2.75%, ARPU rises
  6%, NRR slips;
- cpa creeps up over the last 12 weeks and ends above its $45 ceiling;
- an onboarding change 10 weeks before the end lifts activation_rate and onboarding_completion
  and shortens time_to_value;
- LTV (ARPU × margin / trailing churn) over CAC (CPA / paid conversion) falls from ~3.5 to
  under 3;
- mrr grows toward its target; everything else is trend, seasonality and noise.

With more KPIs asked for than the config has, ``synthetic_0001``... KPIs are added (for
benchmarks) and a config naming them all is written next to the database.
"""

from __future__ import annotations

import math
import os
import random
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from kpireview.config import Config, Metric
from kpireview.errors import KpiError
from kpireview.periods import FIRST_DAY, LAST_DAY, parse_week, week_label
from kpireview.store import Store

DEFAULT_END = "2026-W47"
DEFAULT_WEEKS = 156
DEFAULT_SEED = 47
SYNTHETIC_PREFIX = "synthetic_"
PRICING_WEEKS = 4  # weeks since the pricing change, the last week included
CPA_WEEKS = 12  # weeks of creeping CPA
ONBOARDING_WEEKS = 10  # weeks since the onboarding change
CLAMP = 2.5  # noise is Gaussian cut at ±2.5 sd, so the story shows with any seed
MARGIN = 0.75  # gross margin in LTV = ARPU × margin / churn
TAU = 2 * math.pi
UNITS = ("count", "currency", "percent", "ratio", "days", "score")

Row = tuple[str, date, str, float]
Totals = dict[str, list[float]]


class SampleError(KpiError):
    """Sample data that cannot be written."""


@dataclass(frozen=True)
class Profile:
    """How a series moves: level in the last week, growth per year, yearly cycle, noise."""

    base: float
    growth: float = 0.0  # relative change per year
    season: float = 0.0  # relative amplitude of the yearly cycle
    noise: float = 0.03  # relative standard deviation, week to week
    digits: int = 4  # decimals kept
    peak: int = 0  # day of the year the cycle peaks
    holiday: float = 0.0  # relative dip in the week of 25 December


PROFILES: dict[str, Profile] = {
    "signups": Profile(3700, digits=0),
    "signup_conversion": Profile(0.0405, 0.04, 0.03, 0.03, peak=60),
    "cpa": Profile(39.5, 0.02, 0.03, 0.02, 2, peak=320),
    "lead_quality": Profile(68, 0.01, 0.01, 0.035, 1),
    "onboarding_completion": Profile(0.58, noise=0.025),
    "time_to_value": Profile(2.6, noise=0.04, digits=2),
    "feature_adoption": Profile(0.27, 0.05, noise=0.03),
    "activation_rate": Profile(0.34, noise=0.025),
    "retention_d1": Profile(0.62, season=0.01, noise=0.02),
    "retention_d7": Profile(0.41, season=0.015, noise=0.03),
    "retention_d30": Profile(0.24, season=0.02, noise=0.04),
    "churn_rate": Profile(0.016, season=0.04, noise=0.05, peak=15),
    "nrr": Profile(1.04, noise=0.006),
    "csat": Profile(4.2, noise=0.01, digits=2),
    "nps": Profile(38, 0.03, noise=0.08, digits=0),
    "mrr": Profile(472000, 0.22, noise=0.0025, digits=0),
    "arpu": Profile(31.0, 0.03, noise=0.01, digits=2),
    "ltv": Profile(1455, digits=2),
    "cac": Profile(416, noise=0.03, digits=2),
    "expansion_revenue": Profile(5700, 0.22, noise=0.08, digits=2),
}
SEGMENT_PROFILES: dict[tuple[str, str], Profile] = {
    ("traffic", "organic"): Profile(52000, 0.18, 0.08, 0.04, 0, 290, 0.2),
    ("traffic", "paid"): Profile(21000, 0.10, 0.06, 0.05, 0, 320, 0.25),
    ("traffic", "referral"): Profile(7400, 0.12, 0.05, 0.07, 0, 290, 0.2),
    ("traffic", "social"): Profile(6100, 0.25, 0.10, 0.08, 0, 250, 0.15),
}
UNIT_BASES = {
    "count": (200, 50000, 0),
    "currency": (20, 20000, 2),
    "percent": (0.02, 0.6, 4),
    "ratio": (0.8, 5.0, 3),
    "days": (1.5, 4.5, 2),
    "score": (3.6, 4.7, 2),
}


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
        "activation_rate", 11, "Activation flat at ~34% for two quarters; the checklist is "
        "the biggest drop-off.", "Ship the new onboarding checklist to all new accounts.",
        "product", 4, "Activation +3 points within 8 weeks", "sam", "done",
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
class Timeline:
    """The generated weeks, oldest first, with each week's place in the year."""

    weeks: tuple[date, ...]

    @classmethod
    def ending(cls, end: date, count: int) -> Timeline:
        return cls(tuple(end - timedelta(weeks=count - 1 - i) for i in range(count)))

    @property
    def n(self) -> int:
        return len(self.weeks)

    def last(self, count: int) -> range:
        """Indices of the last ``count`` weeks."""
        return range(max(0, self.n - count), self.n)


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


# --- generation ----------------------------------------------------------------------------


def _gauss(rng: random.Random) -> float:
    return max(-CLAMP, min(CLAMP, rng.gauss(0.0, 1.0)))


def _series(p: Profile, tl: Timeline, rng: random.Random) -> list[float]:
    """Trend (anchored at the last week) × yearly cycle × holiday dip × noise."""
    last, out = tl.n - 1, []
    for i, week in enumerate(tl.weeks):
        mid = week + timedelta(days=3)
        angle = TAU * (mid.timetuple().tm_yday - p.peak) / 365.25
        trend = (1 + p.growth) ** ((i - last) / 52)
        holiday = p.holiday if mid.month == 12 and 22 <= mid.day <= 28 else 0.0
        wave = (1 + p.season * math.cos(angle)) * (1 - holiday)
        out.append(p.base * trend * wave * (1 + p.noise * _gauss(rng)))
    return out


def _unit_profile(unit: str, rng: random.Random) -> Profile:
    """A plausible random profile for a KPI the story does not know."""
    low, high, digits = UNIT_BASES[unit]
    base = rng.uniform(low, high)
    return Profile(
        round(base) if digits == 0 else base,
        growth=rng.uniform(-0.03, 0.12),
        season=rng.uniform(0.0, 0.06),
        noise=rng.uniform(0.01, 0.06),
        digits=digits,
        peak=rng.randrange(365),
    )


def _profile(metric: Metric, rng: random.Random) -> Profile:
    return PROFILES.get(metric.id) or _unit_profile(metric.unit, rng)


def _segment_profiles(metric: Metric, rng: random.Random) -> dict[str, Profile]:
    known = {s: SEGMENT_PROFILES.get((metric.id, s)) for s in metric.segments}
    if all(known.values()):
        return known  # type: ignore[return-value]
    whole = _profile(metric, rng)
    split = whole.base / len(metric.segments) if metric.rollup == "sum" else whole.base
    base = round(split) if whole.digits == 0 else split
    return {s: Profile(base, whole.growth, whole.season, whole.noise, whole.digits, whole.peak)
            for s in metric.segments}  # fmt: skip


def _segmented(
    metric: Metric, tl: Timeline, rng: random.Random
) -> tuple[list[float], dict[str, list[float]], int]:
    """Each segment's rounded series, the total (their sum, or mean unless the KPI sums) and
    the total's decimals."""
    profiles = _segment_profiles(metric, rng)
    parts = {s: [_round(v, p.digits) for v in _series(p, tl, rng)] for s, p in profiles.items()}
    columns = list(zip(*parts.values(), strict=True))
    digits = max(p.digits for p in profiles.values())
    if metric.rollup == "sum":
        return [sum(c) for c in columns], parts, digits
    return [sum(c) / len(c) for c in columns], parts, digits + 2


def _round(value: float, digits: int) -> float:
    value = max(0.0, value)
    return float(round(value)) if digits == 0 else round(value, digits)


def _pricing_change(t: Totals, tl: Timeline, rng: random.Random) -> None:
    """Prices rise: churn jumps, ARPU follows the price, NRR slips."""
    for i in tl.last(PRICING_WEEKS):
        if "churn_rate" in t:
            t["churn_rate"][i] = 0.0275 * (1 + 0.04 * _gauss(rng))
        if "arpu" in t:
            t["arpu"][i] *= 1.06
        if "nrr" in t:
            t["nrr"][i] -= 0.015


def _cpa_creep(t: Totals, tl: Timeline) -> None:
    """CPA climbs steadily, 23% over the last 12 weeks."""
    if "cpa" in t:
        for i in tl.last(CPA_WEEKS):
            t["cpa"][i] *= 1 + 0.23 * (i - tl.n + CPA_WEEKS + 1) / CPA_WEEKS


def _onboarding_change(t: Totals, tl: Timeline) -> None:
    """New onboarding: activation and completion step up and keep improving."""
    steps = {"activation_rate": (0.035, 0.002), "onboarding_completion": (0.06, 0.002)}
    for i in tl.last(ONBOARDING_WEEKS):
        k = i - (tl.n - ONBOARDING_WEEKS)
        for metric, (step, slope) in steps.items():
            if metric in t:
                t[metric][i] += step + slope * k
        if "time_to_value" in t:
            t["time_to_value"][i] *= 0.87


def _funnel(t: Totals, tl: Timeline, rng: random.Random) -> None:
    """Metrics that follow from others: sign-ups, CAC, LTV, expansion revenue."""
    if {"traffic", "signup_conversion", "signups"} <= t.keys():
        t["signups"] = [a * b for a, b in zip(t["traffic"], t["signup_conversion"], strict=True)]
    if {"cpa", "cac"} <= t.keys():
        t["cac"] = [v / (0.095 * (1 + 0.02 * _gauss(rng))) for v in t["cpa"]]
    if {"arpu", "churn_rate", "ltv"} <= t.keys():
        churn = t["churn_rate"]
        trailing = [sum(churn[max(0, i - 11) : i + 1]) / len(churn[max(0, i - 11) : i + 1])
                    for i in range(tl.n)]  # fmt: skip
        t["ltv"] = [a * MARGIN / c for a, c in zip(t["arpu"], trailing, strict=True)]
    if {"mrr", "expansion_revenue"} <= t.keys():
        t["expansion_revenue"] = [m * 0.012 * (1 + 0.08 * _gauss(rng)) for m in t["mrr"]]


def generate(metrics: list[Metric], tl: Timeline, seed: int) -> list[Row]:
    """Every stored value of the non-derived ``metrics`` over the timeline."""
    rng = random.Random(seed)
    stored = [m for m in metrics if not m.derived]
    totals: Totals = {}
    parts: dict[str, dict[str, list[float]]] = {}
    digits: dict[str, int] = {}
    for m in stored:
        if m.segments:
            totals[m.id], parts[m.id], digits[m.id] = _segmented(m, tl, rng)
        else:
            p = _profile(m, rng)
            totals[m.id], digits[m.id] = _series(p, tl, rng), p.digits
    _pricing_change(totals, tl, rng)
    _cpa_creep(totals, tl)
    _onboarding_change(totals, tl)
    _funnel(totals, tl, rng)
    return list(_rows(stored, tl, totals, parts, digits))


def _rows(
    metrics: list[Metric],
    tl: Timeline,
    totals: Totals,
    parts: dict[str, dict[str, list[float]]],
    digits: dict[str, int],
) -> Iterator[Row]:
    for m in metrics:
        for i, week in enumerate(tl.weeks):
            yield m.id, week, "", _round(totals[m.id][i], digits[m.id])
            for segment, values in parts.get(m.id, {}).items():
                yield m.id, week, segment, values[i]


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
        return _add_decisions(store, tl, metric_ids)


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
