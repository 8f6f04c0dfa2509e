"""A KPI's target status for one week: a threshold, a plan metric's value, or a target paced
from its start to its date (:func:`kpireview.signals.pace`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from kpireview import signals
from kpireview.config import Metric, Target
from kpireview.model import TargetStatus
from kpireview.periods import week_end, week_label, week_start

if TYPE_CHECKING:
    from kpireview.review import Data


def status(data: Data, m: Metric, week: date, value: float | None) -> TargetStatus | None:
    target = m.target_for(week)
    if target is None:
        return None
    if target.metric:
        plan = data.get(target.metric).get(week)
        if plan is None:
            reason = f"no {target.metric} value this week"
            return TargetStatus(None, None, target.criterion, metric=target.metric, reason=reason)
        status = signals.standing(plan, target.criterion, value, target.tolerance).status
        return TargetStatus(plan, status, target.criterion, metric=target.metric)
    if target.criterion != "reach":
        if target.value is None:
            return TargetStatus(None, None, target.criterion, reason="no target value")
        status = signals.standing(target.value, target.criterion, value, target.tolerance).status
        return TargetStatus(target.value, status, target.criterion)
    return paced(data, m, target, week, value)


def paced(data: Data, m: Metric, t: Target, week: date, value: float | None) -> TargetStatus:
    assert t.start is not None and t.by is not None and t.value is not None
    baseline = t.baseline
    if baseline is None:
        baseline = data.get(m.id).get(week_start(t.start, week.weekday()))
    base = TargetStatus(t.value, None, "reach", by=t.by, start=t.start, baseline=baseline)
    if baseline is None:
        start = week_label(t.start, t.start.weekday())
        return replace(base, reason=f"no value in {start} to pace from")
    p = signals.pace(
        t.value, baseline, t.start, t.by, week_end(week), value, m.direction, t.tolerance
    )
    return replace(
        base, status=p.status, elapsed=p.elapsed, expected=p.expected, progress=p.progress
    )
