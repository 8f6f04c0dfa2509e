"""A KPI's range of values: the defaults by unit, and how a value outside it is worded."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kpireview.config import Metric


def outside(metric: Metric, value: float, shown: str = "") -> str:
    """Why ``value`` is outside the KPI's range ('above the KPI's maximum 1'), or ''."""
    low, high = metric.bounds
    whose = "its" if shown else "the KPI's"
    if low is not None and value < low:
        return f"below {whose} minimum {bound_text(metric, low, shown)}"
    if high is not None and value > high:
        return f"above {whose} maximum {bound_text(metric, high, shown)}"
    return ""


def bound_text(metric: Metric, bound: float, shown: str) -> str:
    """A range end as the user writes it: '100%' next to a cell with a % sign, else '1,000'."""
    if shown.endswith("%") or (shown and metric.unit == "percent"):
        return f"{bound * 100:,g}%"
    return f"{bound:,g}"


def cell_problem(metric: Metric, shown: str, value: float) -> str:
    """Why a cell's value (as stored: a fraction for a percent) is outside the KPI's range,
    worded for the cell as written: a percent in points, or a value beyond an end."""
    percent_sign = shown.endswith("%")
    high = metric.bounds[1]
    fraction = metric.unit == "percent" and not percent_sign and metric.scale != "points"
    if fraction and value > 1 and high is not None and high <= 1:
        return (
            f"{shown} for {metric.id}, a percent KPI, is above 1: percent values are "
            f"fractions ({value / 100:g} is {value:g}%); write {shown}% or set "
            "scale: points for the KPI"
        )
    why = outside(metric, value, shown)
    return f"{shown} for {metric.id} is {why} (set range: [min, max] for the KPI)"
