"""The one roll-up of a KPI's values into a longer period (days into a week at import, weeks
into a month in the review), by the KPI's ``rollup``: sum, mean, or the last value."""

from __future__ import annotations

import math


def roll(rollup: str, values: list[float]) -> float:
    """``values`` in time order (at least one); sums exactly rounded (math.fsum)."""
    if rollup == "sum":
        return math.fsum(values)
    if rollup == "mean":
        return math.fsum(values) / len(values)
    return values[-1]
