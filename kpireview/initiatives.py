"""Initiatives: the team's bets, linked to the KPIs they should move, and what those did since.

In the config (version-controlled, as strategy is)::

    initiatives:
      - id: faster_onboarding
        title: Faster onboarding
        owner: product
        kpis: [activation_rate, onboarding_completion]
        start: 2026-W28
        expect: {metric: activation_rate, change: +0.03, by: 2027-W10}
        status: active            # active | done | dropped

Every error names the file, the line and the field. :func:`progress` says, for a week, what
each KPI did since the start: the mean of its weeks before the start (back to an earlier
divider, at most the baseline) against the mean of its weeks since; whether that is beyond the
noise (outside the earlier weeks' natural limits); and, for the expected KPI, the change
against the expectation paced from the start to the ``by`` week.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from kpireview import signals
from kpireview.periods import week_label, week_start
from kpireview.yamltree import Node, Reader

KEYS = {"id", "title", "owner", "kpis", "start", "expect", "status"}
EXPECT_KEYS = {"metric", "change", "by"}
STATUSES = ("active", "done", "dropped")
WEEK = timedelta(weeks=1)
TOLERANCE = 0.1  # of the expected change: on track within it of the paced share, at risk 2×


@dataclass(frozen=True)
class Expect:
    metric: str
    change: float
    by: date


@dataclass(frozen=True)
class Initiative:
    id: str
    title: str
    owner: str
    kpis: tuple[str, ...]
    start: date
    expect: Expect | None
    status: str


def read(
    r: Reader, item: tuple[int, Node] | None, metric_ids: set[str], starts: int
) -> tuple[Initiative, ...]:
    """The ``initiatives:`` list (none when absent)."""
    if item is None:
        return ()
    node = item[1]
    if not isinstance(node.value, list):
        raise r.fail(node.line, "initiatives", "expected a list of initiatives")
    out: list[Initiative] = []
    seen: set[str] = set()
    for i, entry in enumerate(node.value):
        found = _one(r, entry, f"initiatives[{i}]", metric_ids, starts)
        if found.id in seen:
            raise r.fail(entry.line, f"initiatives[{i}].id", f"duplicate initiative '{found.id}'")
        seen.add(found.id)
        out.append(found)
    return tuple(out)


def _one(r: Reader, node: Node, where: str, metric_ids: set[str], starts: int) -> Initiative:
    f = r.mapping(node, where, KEYS)
    for key in ("id", "title", "kpis", "start"):
        if key not in f:
            raise r.fail(node.line, f"{where}.{key}", "missing")
    kpis_node = f["kpis"][1]
    if not isinstance(kpis_node.value, list) or not kpis_node.value:
        raise r.fail(kpis_node.line, f"{where}.kpis", "expected a list of KPI ids")
    kpis = []
    for k, n in enumerate(kpis_node.value):
        kpi = r.text(n, f"{where}.kpis[{k}]")
        if kpi not in metric_ids:
            raise r.fail(n.line, f"{where}.kpis[{k}]", f"unknown KPI '{kpi}'")
        kpis.append(kpi)
    start = week_start(r.day(f["start"][1], f"{where}.start"), starts)
    expect = (
        _expect(r, f["expect"][1], f"{where}.expect", kpis, start, starts)
        if "expect" in f
        else None
    )
    status = (
        r.choice(f["status"][1], f"{where}.status", STATUSES, "status")
        if "status" in f
        else "active"
    )
    owner = r.text(f["owner"][1], f"{where}.owner") if "owner" in f else ""
    return Initiative(
        r.text(f["id"][1], f"{where}.id"), r.text(f["title"][1], f"{where}.title"), owner,
        tuple(kpis), start, expect, status,
    )  # fmt: skip


def _expect(r: Reader, node: Node, where: str, kpis: list[str], start: date, starts: int) -> Expect:
    f = r.mapping(node, where, EXPECT_KEYS)
    for key in sorted(EXPECT_KEYS):
        if key not in f:
            raise r.fail(node.line, f"{where}.{key}", "missing")
    metric = r.text(f["metric"][1], f"{where}.metric")
    if metric not in kpis:
        raise r.fail(f["metric"][0], f"{where}.metric", f"'{metric}' is not among its kpis")
    change = float(r.scalar(f["change"][1], f"{where}.change", (int, float), "a number"))
    if not math.isfinite(change) or change == 0:
        raise r.fail(f["change"][0], f"{where}.change", "a change other than 0")
    by = week_start(r.day(f["by"][1], f"{where}.by"), starts)
    if by <= start:
        raise r.fail(
            f["by"][0], f"{where}.by",
            f"{week_label(by, starts)} is not after the start {week_label(start, starts)}",
        )  # fmt: skip
    return Expect(metric, change, by)


# --- progress ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moved:
    """What one KPI did since an initiative started, as of a week."""

    metric: str
    before: float | None  # the mean of its weeks before the start
    after: float | None  # the mean of its weeks from the start to the week
    change: float | None
    beyond_noise: bool | None  # the after mean outside the earlier weeks' natural limits
    expected: float | None = None  # the expected change, paced to the week
    status: str | None = None  # met, on_track, at_risk, off_track (the expected KPI only)


def moved(
    series: dict[date, float], initiative: Initiative, metric: str, week: date,
    before_from: date | None, baseline_weeks: int,
) -> Moved:  # fmt: skip
    """One KPI's move since the start (see the module docstring); ``before_from``: an earlier
    divider, where the weeks before the start begin at the latest."""
    start = initiative.start
    first = start - WEEK * baseline_weeks
    if before_from is not None and before_from > first:
        first = before_from
    earlier = [v for w, v in sorted(series.items()) if first <= w < start]
    later = [v for w, v in sorted(series.items()) if start <= w <= week]
    if not earlier or not later:
        return Moved(metric, _mean(earlier), _mean(later), None, None)
    before, after = math.fsum(earlier) / len(earlier), math.fsum(later) / len(later)
    lim = signals.limits(earlier)
    beyond = None if lim is None else not lim.lower <= after <= lim.upper
    out = Moved(metric, before, after, after - before, beyond)
    e = initiative.expect
    if e is None or e.metric != metric:
        return out
    elapsed = min(1.0, max(0.0, (week - start).days / (e.by - start).days))
    status = paced((after - before) / e.change, elapsed)
    return Moved(metric, before, after, after - before, beyond, e.change * elapsed, status)


def paced(share: float, elapsed: float) -> str:
    """Met, on track, at risk or off track: ``share`` of the expected change reached when
    ``elapsed`` of the time to it has passed (both fractions)."""
    if share >= 1:
        return "met"
    if share >= elapsed - TOLERANCE:
        return "on_track"
    if share >= elapsed - 2 * TOLERANCE:
        return "at_risk"
    return "off_track"


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None
