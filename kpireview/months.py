"""A KPI's months: whole-month values rolled up from its weeks (derived KPIs from their
inputs' months, never averaged), and the trailing 12 months of one week's review."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from kpireview import rollup
from kpireview.config import Config, Metric
from kpireview.model import MonthPoint
from kpireview.periods import month_of

if TYPE_CHECKING:
    from kpireview.review import Data, Frame


class Monthly:
    """Whole-month values, each (KPI, month) rolled up the first time it is asked for (derived
    KPIs from their inputs' months, never averaged): a week's review reads 24 months of the
    KPIs it shows, not every month of every KPI."""

    def __init__(self, by_id: Mapping[str, Metric], data: Data) -> None:
        self.by_id, self.data = by_id, data
        self._weeks: dict[date, list[date]] = {}
        for week in data.weeks:
            self._weeks.setdefault(month_of(week), []).append(week)
        self._done: dict[tuple[str, date], float | None] = {}

    def value(self, metric_id: str, month: date) -> float | None:
        """The KPI's value for a whole month; None without data (or for an unknown id)."""
        key = (metric_id, month)
        if key not in self._done:
            self._done[key] = self._compute(metric_id, month)
        return self._done[key]

    def _compute(self, metric_id: str, month: date) -> float | None:
        m = self.by_id.get(metric_id)
        if m is None:
            return None
        if m.formula is not None:
            inputs = {n: self.value(n, month) for n in m.formula.inputs}
            return m.formula.evaluate(inputs).value
        s = self.data.get(metric_id)
        points = [s[w] for w in self._weeks.get(month, ()) if w in s]
        return roll(m.rollup, points) if points else None


roll = rollup.roll  # the one roll-up (kpireview.rollup), under its old name here


def trailing(config: Config, data: Data, m: Metric, frame: Frame) -> tuple[MonthPoint, ...]:
    """The trailing 12 calendar months to the reviewed week, and the same months a year before.

    Weeks belong to the month holding most of their days; the reviewed week's month counts its
    weeks up to the reviewed one. Derived metrics are recomputed from their inputs' monthly
    values, never averaged. The whole months are shared by every week of a month (cached).
    """
    key = (m.id, frame.months[-1][0])
    whole_months = data.month_points.get(key)
    if whole_months is None:
        if data.monthly is None:
            data.monthly = Monthly(config.by_id, data)
        value = data.monthly.value
        whole_months = tuple(
            MonthPoint(mo, value(m.id, mo), value(m.id, ago), True) for mo, ago in frame.months
        )
        data.month_points[key] = whole_months
    if frame.month_complete:
        return whole_months
    last = whole_months[-1]
    partial = month_to_date(config, data, m, frame.month_weeks)
    return (*whole_months[:-1], MonthPoint(last.month, partial, last.year_ago, False))


def month_to_date(
    config: Config,
    data: Data,
    m: Metric,
    weeks: list[date],
    memo: dict[str, float | None] | None = None,
) -> float | None:
    """A KPI's value for the reviewed week's month so far (its ``weeks`` up to the week)."""
    if m.formula is not None:
        memo = {} if memo is None else memo
        if m.id not in memo:
            values = {
                n: month_to_date(config, data, config.metric(n), weeks, memo)
                for n in m.formula.inputs
            }
            memo[m.id] = m.formula.evaluate(values).value
        return memo[m.id]
    s = data.get(m.id)
    points = [s[w] for w in weeks if w in s]
    return roll(m.rollup, points) if points else None
