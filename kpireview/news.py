"""Which flags are news: each KPI's lead flag, and since when a signal has been firing.

A KPI's signals are ranked by the strength of their evidence (:data:`RANK`): beyond a natural
limit, then a run of 8, then near a limit. The strongest is the lead; a missing value is its own
lead; a target miss is its own line and never the lead. A signal's ``since`` is the first week of
the unbroken stretch of weeks, ending at the reviewed one, in which the same rule fired on the
same side (looked back week by week, at most :data:`SINCE_WEEKS` weeks); it is new when that is
the reviewed week.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from kpireview import signals

WEEK = timedelta(days=7)
SINCE_WEEKS = 52
RANK = {signals.OUTSIDE_LIMITS: 0, signals.RUN_OF_8: 1, signals.NEAR_LIMIT: 2}
"""Lower is stronger evidence."""

Fired = dict[tuple[str, date], frozenset[tuple[str, str]]]
"""(metric, week) → the (rule, side) pairs that fired that week: shared by the weeks' reviews."""


def lead_rule(rules: list[str]) -> str | None:
    """The strongest of a KPI's signal rules (None when there is no signal)."""
    ranked = [r for r in rules if r in RANK]
    return min(ranked, key=RANK.__getitem__) if ranked else None


def fired(
    series: dict[date, float], week: date, baseline_weeks: int, cache: Fired, metric: str
) -> frozenset[tuple[str, str]]:
    """The (rule, side) pairs that fired in ``week``, as the review of that week finds them."""
    if week not in series:
        return frozenset()
    key = (metric, week)
    found = cache.get(key)
    if found is None:
        base = [series[w] for w in (week - back for back in _back(baseline_weeks)) if w in series]
        # Eight weeks decide every rule: a run of 8, and 3 of the last 4.
        recent = [series.get(week - back) for back in _back(signals.RUN_LENGTH - 1)]
        recent.append(series[week])
        lim = signals.limits(base)
        found = frozenset((s.rule, s.side) for s in signals.detect(lim, recent, "neutral"))
        cache[key] = found
    return found


def since(
    series: dict[date, float],
    week: date,
    rule: str,
    side: str,
    baseline_weeks: int,
    cache: Fired,
    metric: str,
) -> date:
    """The first week of the stretch, ending at ``week``, in which ``rule`` fired on ``side``."""
    start = week
    for _ in range(SINCE_WEEKS - 1):
        earlier = start - WEEK
        if (rule, side) not in fired(series, earlier, baseline_weeks, cache, metric):
            break
        start = earlier
    return start


@cache
def _back(weeks: int) -> tuple[timedelta, ...]:
    """How far back each of the ``weeks`` weeks before a week is, the oldest first."""
    return tuple(WEEK * k for k in range(weeks, 0, -1))
