"""A decision's expected effect, followed up: when its ``expected`` text names a change and a
week ("-0.003 by 2026-W52", "-0.3 pt by 2026-W52", "+5% by 2027-W02"), later reviews check
the KPI's move since the decision's week against it, paced as initiatives are
(:func:`kpireview.initiatives.paced`).

A bare number is in the KPI's own units (a fraction for percent KPIs); ``pt`` is percentage
points (percent KPIs); ``%`` is relative to the KPI's value in the decision's week. Any other
text is a note for people, and is not checked.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from kpireview.errors import KpiError
from kpireview.initiatives import paced
from kpireview.periods import parse_day, week_start

EXPECTED = re.compile(
    r"^\s*(?P<num>[+\-−]?\s*\d+(?:\.\d+)?)\s*(?P<unit>pt|%)?\s+by\s+(?P<by>\S+)\s*$", re.I
)


@dataclass(frozen=True)
class Expected:
    change: float | None  # in the KPI's units; None: relative, see ``relative``
    relative: float | None  # a share of the value in the decision's week (0.05 for +5%)
    by: date


@lru_cache(maxsize=4096)
def parse(text: str, week_starts: int) -> Expected | None:
    """The change and week an ``expected`` text names, or None for any other text."""
    found = EXPECTED.match(text or "")
    if found is None:
        return None
    number = float(found["num"].replace("−", "-").replace(" ", ""))
    try:
        by = week_start(parse_day(found["by"]), week_starts)
    except KpiError:
        return None
    unit = (found["unit"] or "").lower()
    if unit == "%":
        return Expected(None, number / 100, by)
    return Expected(number / 100 if unit == "pt" else number, None, by)


def status(
    expected: Expected, then: float | None, now: float | None, since: date, week: date
) -> tuple[str, float] | None:
    """(met | on_track | at_risk | off_track, the change expected in full) for the KPI's move
    from ``then`` (its value in the decision's week ``since``) to ``now`` (``week``)."""
    if then is None or now is None or expected.by <= since:
        return None
    change = expected.change if expected.change is not None else then * (expected.relative or 0)
    if change == 0 or not math.isfinite(change):
        return None
    elapsed = min(1.0, max(0.0, (week - since).days / (expected.by - since).days))
    return paced((now - then) / change, elapsed), change
