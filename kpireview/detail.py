"""A KPI's detail chart: a year of its weeks, the target line, its decisions and restatements,
and a trend or seasonal band's lines week by week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

from kpireview import flags, history, pacing
from kpireview.config import Config, Metric
from kpireview.model import Point
from kpireview.periods import week_end
from kpireview.store import Decision

if TYPE_CHECKING:
    from kpireview.review import Data

WEEK = timedelta(weeks=1)
DETAIL_WEEKS = 52


@dataclass(frozen=True)
class Detail:
    """What a KPI's detail chart needs beyond its Kpi: a year of weeks, the target line,
    every decision on the metric (any week, oldest first), and the restatements of the year's
    values (newest week first)."""

    metric: str
    week: date
    history52: tuple[Point, ...]
    pace: tuple[Point, ...]
    decisions: tuple[Decision, ...]
    restatements: tuple[history.Restatement, ...] = ()
    band: tuple[BandPoint, ...] = ()  # a trend or seasonal band's lines, week by week


class BandPoint(NamedTuple):
    week: date
    lower: float | None
    centre: float | None
    upper: float | None


def detail(config: Config, data: Data, week: date, metric_id: str) -> Detail:
    """The 52 weeks ending at ``week`` of one KPI, with the target line under each week.

    The target line is the value expected that week for a paced target (none before its
    start), the threshold for a standing target, and the plan value for a plan-metric target.
    """
    m = config.metric(metric_id)
    s = data.get(m.id)
    weeks = [week - WEEK * k for k in range(DETAIL_WEEKS - 1, -1, -1)]
    return Detail(
        metric=m.id,
        week=week,
        history52=tuple(Point(w, s.get(w)) for w in weeks),
        pace=tuple(Point(w, _target_line(data, m, w, s.get(w))) for w in weeks),
        decisions=tuple(d for d in data.decisions if d.metric == m.id),
        restatements=tuple(
            r for w in reversed(weeks) for r in data.restatements.get((m.id, w), ())
        ),
        band=_band_lines(config, data, m, weeks),
    )


def _band_lines(config: Config, data: Data, m: Metric, weeks: list[date]) -> tuple[BandPoint, ...]:
    """The expected band at each shown week from the first one the reviewed week's band was
    fitted on, when that band is a trend or seasonal one (a flat band is drawn flat)."""
    hist = data.history_of(config, m)
    band = hist.band(weeks[-1])
    if band.method not in flags.SLOPED or band.first is None:
        return ()
    out = []
    for w in weeks:
        b = hist.band(w) if w >= band.first else None
        lines = (b.lower, b.centre, b.upper) if b and b.method in flags.SLOPED else (None,) * 3
        out.append(BandPoint(w, *lines))
    return tuple(out)


def _target_line(data: Data, m: Metric, week: date, value: float | None) -> float | None:
    target = pacing.status(data, m, week, value)
    if target is None:
        return None
    if target.criterion == "reach":
        started = target.start is None or week_end(week) >= target.start
        return target.expected if started else None
    return target.value
