"""The sample's weekly series: trend, seasonality and noise, plus the story a review should catch.

Everything is drawn from the one ``random.Random(seed)`` given, in a fixed order, so the same
metrics, timeline and seed give the same values. Counted back from the last week, the story is:

- a pricing change 4 weeks before the end: churn_rate jumps from ~1.6% to ~2.75%, so LTV
  (ARPU × margin / trailing churn) falls, churned customers nearly double and paying customers
  stop growing; accounts renewing at the new price trim their seats, so price per seat rises
  (+15%) while seats per customer fall (−8%) and MRR, ARR and ARPU keep their course: a
  movement only the KPI tree (ARR = paying customers × seats per customer × price per seat ×
  12, drawn by :mod:`kpireview.sample_tree`) explains;
- cpa creeps up over the last 12 weeks and ends above its $45 ceiling, CAC (CPA / paid
  conversion) with it, so LTV:CAC falls from ~3.5 to under 3;
- an onboarding change 20 weeks before the end lifted activation_rate and onboarding_completion
  and shortened time_to_value; the team marked it as a process change (a divider, see
  :data:`DIVIDERS`), so those KPIs are judged on their new level and are quiet by now;
- mrr grows toward its target; everything else is trend, seasonality and noise.

:data:`STORY` lists the events of the last 12 weeks and the KPIs a review should flag for them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from kpireview.config import Metric
from kpireview.sample_tree import TREE, add_tree

PRICING_WEEKS = 4  # weeks since the pricing change, the last week included
CPA_WEEKS = 12  # weeks of creeping CPA
ONBOARDING_WEEKS = 20  # weeks since the onboarding change
CLAMP = 2.5  # noise is Gaussian cut at ±2.5 sd, so the story shows with any seed
MARGIN = 0.75  # gross margin in LTV = ARPU × margin / churn
TAU = 2 * math.pi

STORY: dict[str, tuple[str, ...]] = {  # an event of the last 12 weeks: the KPIs it moves
    "pricing change": (
        "churn_rate",
        "churned_customers",
        "paying_customers",
        "net_new_customers",
        "seats_per_customer",
        "price_per_seat",
        "ltv",
        "ltv_cac",
    ),
    "CPA creep": ("cpa", "cac", "ltv_cac"),
}
DIVIDERS = (  # (KPI, weeks before the last week, reason, author): process changes marked
    ("activation_rate", ONBOARDING_WEEKS - 1, "new onboarding checklist", "sam"),
    ("onboarding_completion", ONBOARDING_WEEKS - 1, "new onboarding checklist", "sam"),
    ("time_to_value", ONBOARDING_WEEKS - 1, "new onboarding checklist", "sam"),
)

Row = tuple[str, date, str, float]
Totals = dict[str, list[float]]


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
    """Prices rise: churn jumps."""
    for i in tl.last(PRICING_WEEKS):
        if "churn_rate" in t:
            t["churn_rate"][i] = 0.0275 * (1 + 0.04 * _gauss(rng))


def _cpa_creep(t: Totals, tl: Timeline) -> None:
    """CPA climbs steadily, 23% over the last 12 weeks."""
    if "cpa" in t:
        for i in tl.last(CPA_WEEKS):
            t["cpa"][i] *= 1 + 0.23 * (i - tl.n + CPA_WEEKS + 1) / CPA_WEEKS


def _onboarding_change(t: Totals, tl: Timeline) -> None:
    """New onboarding: activation and completion step up, time to value drops."""
    steps = {"activation_rate": 0.045, "onboarding_completion": 0.07}
    for i in tl.last(ONBOARDING_WEEKS):
        for metric, step in steps.items():
            if metric in t:
                t[metric][i] += step
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
        if m.id in TREE:
            totals[m.id], digits[m.id] = [], TREE[m.id]  # drawn last, by add_tree
        elif m.segments:
            totals[m.id], parts[m.id], digits[m.id] = _segmented(m, tl, rng)
        else:
            p = _profile(m, rng)
            totals[m.id], digits[m.id] = _series(p, tl, rng), p.digits
    _pricing_change(totals, tl, rng)
    _cpa_creep(totals, tl)
    _onboarding_change(totals, tl)
    _funnel(totals, tl, rng)
    totals = {k: [_round(v, digits[k]) for v in values] for k, values in totals.items()}
    add_tree(totals, tl.n, PRICING_WEEKS, seed)
    _untreed(stored, tl, totals, digits, random.Random(f"{seed}:untreed"))
    return list(_rows(stored, tl, totals, parts, digits))


def _untreed(
    stored: list[Metric], tl: Timeline, totals: Totals, digits: dict[str, int], rng: random.Random
) -> None:
    """The tree's KPIs in a config without MRR or churn: plain series of their units."""
    for m in stored:
        if not totals[m.id]:
            p = _unit_profile(m.unit, rng)
            totals[m.id], digits[m.id] = _series(p, tl, rng), p.digits


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
