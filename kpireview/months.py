"""A KPI's months: whole-month values rolled up from its weeks (derived KPIs from their
inputs' months, never averaged), and the trailing 12 months of one week's review."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from kpireview import rollup
from kpireview.config import Config, Metric
from kpireview.model import MonthPoint
from kpireview.periods import month_of

if TYPE_CHECKING:
    from kpireview.review import Data, Frame


def monthly(order: list[Metric], data: Data) -> dict[str, dict[date, float]]:
    """Whole-month values of every KPI, rolled up once; derived ones from their inputs' months."""
    month = {w: month_of(w) for w in data.weeks}
    out: dict[str, dict[date, float]] = {}
    for m in order:
        if m.formula is not None:
            inputs = [out.get(n, {}) for n in m.formula.inputs]
            months = set().union(*inputs) if inputs else set()
            values = {
                mo: m.formula.evaluate(
                    {n: s.get(mo) for n, s in zip(m.formula.inputs, inputs, strict=True)}
                ).value
                for mo in months
            }
            out[m.id] = {mo: v for mo, v in values.items() if v is not None}
            continue
        groups: dict[date, list[float]] = {}
        for week, value in sorted(data.get(m.id).items()):
            groups.setdefault(month[week], []).append(value)
        out[m.id] = {mo: roll(m.rollup, vs) for mo, vs in groups.items()}
    return out


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
        whole = data.monthly.get(m.id, {})
        whole_months = tuple(
            MonthPoint(mo, whole.get(mo), whole.get(ago), True) for mo, ago in frame.months
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
