"""The review of one week: every number a meeting needs (the model: :mod:`kpireview.model`).

`load` (:mod:`kpireview.dataset`) reads the database once: stored series, derived series,
decisions; `build` computes one week's review from that, changing nothing but the caches of
what it computed (:class:`kpireview.dataset.Data`). The sentences are :mod:`kpireview.flags`'.
The TUI, the notes, the summary and the JSON render this model and never compute a number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kpireview import (
    bandcache,
    bets,
    flags,
    followup,
    months,
    pacing,
    units,
)
from kpireview.attribution import attribute, signed
from kpireview.config import Config, Metric
from kpireview.dataset import Data as Data
from kpireview.dataset import Series, closed_window
from kpireview.dataset import load as load
from kpireview.detail import DETAIL_WEEKS as DETAIL_WEEKS
from kpireview.detail import BandPoint as BandPoint
from kpireview.detail import Detail as Detail
from kpireview.detail import detail as detail
from kpireview.flags import Flag as Flag
from kpireview.flags import Limits as Limits
from kpireview.model import (
    CarriedOver,
    Change,
    Counts,
    Driver,
    Kpi,
    PillarReview,
    Point,
    Segment,
    WeekReview,
)
from kpireview.periods import (
    YEAR_AGO,
    add_months,
    month_of,
    week_end,
    week_label,
    week_span_text,
    week_start,
)
from kpireview.presentation import STATUS_TEXT
from kpireview.store import Decision

WEEK = timedelta(days=7)
DAY = timedelta(days=1)


# --- building one week ----------------------------------------------------------------------


def build(config: Config, data: Data, week: date | None = None) -> WeekReview:
    """The review of one week (default: the latest complete week, see `default_week`)."""
    starts = config.review.week_starts
    latest = data.weeks[-1] if data.weeks else None
    if week:
        week = week_start(week, starts)
    else:
        week = default_week(config, data) or week_start(date.today(), starts)
    frame = Frame.of(config, data, week)
    bandcache.prefetch(config, data, [week, week - WEEK])
    kpis = {m.id: _kpi(config, data, m, frame) for m in config.metrics}
    pillars = tuple(
        PillarReview(p.id, p.label, tuple(kpis[m.id] for m in config.in_pillar(p.id)))
        for p in config.pillars
    )
    earlier = [w for w in data.weeks if w < week]
    later = [w for w in data.weeks if w > week]
    open_actions = tuple(d for d in data.decisions if d.status == "open" and d.week <= week)
    return WeekReview(
        title=config.review.title,
        week=week,
        label=week_label(week, starts),
        span=week_span_text(week),
        week_starts=starts,
        previous_week=earlier[-1] if earlier else None,
        next_week=later[0] if later else None,
        latest_week=latest,
        pillars=pillars,
        counts=_counts(kpis.values()),
        decisions=tuple(d for d in data.decisions if d.week == week),
        carried_over=_carried_over(config, data, week),
        closed=_closed(config, data, week),
        open_actions=open_actions,
        partial=_partial(config, data, week),
        process_changes=data.changes.around(week),
        handled=flags.handled(kpis.values(), open_actions),
        north_star=config.review.north_star,
        initiatives=bets.entries(config, data, week),
    )


def _reported(config: Config, data: Data, week: date) -> set[str]:
    """The stored KPIs (derived ones follow their inputs) with a total for a week."""
    return {m.id for m in config.metrics if m.formula is None and week in data.get(m.id)}


def _expected(config: Config, data: Data, week: date) -> set[str]:
    """The KPIs expected in a week: those with a total that week or the week before (a KPI
    that stopped reporting counts for one week, not for every week after it)."""
    return _reported(config, data, week) | _reported(config, data, week - WEEK)


def default_week(config: Config, data: Data) -> date | None:
    """The latest complete week (see `_complete`): a week of only segment rows, or of the few
    KPIs imported early, is not it. When none of the last eight is, the latest with any
    total; None without data."""
    weeks = [w for w in reversed(data.weeks[-8:]) if _reported(config, data, w)]
    for week in weeks:
        if _complete(len(_reported(config, data, week)), len(_expected(config, data, week))):
            return week
    return weeks[0] if weeks else (data.weeks[-1] if data.weeks else None)


def _complete(have: int, want: int) -> bool:
    """More than half of the KPIs expected have their total; the others show as missing
    (late data), the week is still the one to review."""
    return 2 * have > want


def _partial(config: Config, data: Data, week: date) -> str:
    have, want = _reported(config, data, week), _expected(config, data, week)
    if _complete(len(have), len(want)) or not want:
        return ""
    return f"partial: {len(have)} of {len(want)} KPIs have a value"


def change(value: float | None, other: float | None) -> Change:
    """`abs` = value − other; `rel` = (value − other) / |other| (value / other − 1 for a
    positive other; its sign is the change's for a negative one), null when other is missing
    or 0."""
    if value is None or other is None:
        return Change(None, None)
    rel = value / other - 1 if other > 0 else (value - other) / -other if other else None
    return Change(value - other, rel if rel is not None and math.isfinite(rel) else None)


@dataclass(frozen=True)
class Frame:
    """What every KPI of one week's review shares: the week lists and the week's decisions."""

    week: date
    history: list[date]
    decisions: dict[str, tuple[Decision, ...]]
    months: list[tuple[date, date]]  # the trailing 12 months, each with the month a year before
    month_complete: bool  # whether the reviewed week is the last of its month
    month_weeks: list[date]  # the weeks of the reviewed week's month, up to it

    @classmethod
    def of(cls, config: Config, data: Data, week: date) -> Frame:
        by_metric: dict[str, list[Decision]] = {}
        for d in data.decisions:
            if d.week == week:
                by_metric.setdefault(d.metric, []).append(d)
        return cls(
            week,
            _weeks_back(week, config.review.history_weeks),
            {k: tuple(v) for k, v in by_metric.items()},
            [
                (add_months(month_of(week), -k), add_months(month_of(week), -k - 12))
                for k in range(11, -1, -1)
            ],
            month_of(week + WEEK) > month_of(week),
            [w for w in _weeks_back(week, 6) if month_of(w) == month_of(week)],
        )


def _kpi(config: Config, data: Data, m: Metric, frame: Frame) -> Kpi:
    week = frame.week
    s = data.get(m.id)
    value, previous, year_ago = s.get(week), s.get(week - WEEK), s.get(week - YEAR_AGO)
    target = pacing.status(data, m, week, value)
    hist = data.history_of(config, m)
    band = hist.band(week)
    missing = value is None and previous is not None
    fields: dict[str, Any] = dict(
        id=m.id,
        label=m.label,
        pillar=m.pillar,
        unit=m.unit,
        direction=m.direction,
        owner=m.owner,
        description=m.description,
        formula=m.formula.text if m.formula else None,
        value=value,
        previous=previous,
        year_ago=year_ago,
        wow=change(value, previous),
        yoy=change(value, year_ago),
        history=_points(data, m.id, s, frame.history),
        months=months.trailing(config, data, m, frame),
        target=target,
        limits=flags.limits(band),
        missing=missing,
        reason=data.reasons.get((m.id, week), ""),
        segments=_segments(data, m, week),
        drivers=_drivers(config, data, m, week),
        decisions=frame.decisions.get(m.id, ()),
        currency=m.currency,
        restatements=data.restatements.get((m.id, week), ()),
        dividers=data.changes.marks(m.id, week),
        attribution=attribute(config, m, data.get, week) if m.formula else None,
        initiatives=tuple(b.title for b in config.initiatives if m.id in b.kpis),
    )
    bare = Kpi(flags=(), **fields)
    # The flags' sentences read the KPI's other fields: made without flags, then with them.
    found = flags.kpi_flags(bare, hist, band, s, data.changes, config.options(m).baseline_weeks)
    return Kpi(flags=tuple(found), **fields)  # made again rather than `replace`d: cheaper


def _points(data: Data, metric_id: str, s: Series, weeks: list[date]) -> tuple[Point, ...]:
    """The KPI's points of ``weeks``, made once per week: a week switch shares most."""
    made = data.points.setdefault(metric_id, {})
    found = tuple(map(made.get, weeks))
    if None not in found:
        return found  # type: ignore[return-value]
    for w in weeks:
        if w not in made:
            made[w] = Point(w, s.get(w))
    return tuple(map(made.__getitem__, weeks))


def _weeks_back(week: date, n: int) -> list[date]:
    return [week - WEEK * k for k in range(n - 1, -1, -1)]


def _segments(data: Data, m: Metric, week: date) -> tuple[Segment, ...]:
    names = list(m.segments) + [seg for seg in data.segments.get(m.id, ()) if seg not in m.segments]
    total = data.get(m.id).get(week)
    out = []
    for name in names:
        s = data.get(m.id, name)
        if not s:
            continue
        value, previous = s.get(week), s.get(week - WEEK)
        share = value / total if value is not None and total else None
        out.append(Segment(name, value, previous, change(value, previous), share))
    return tuple(out)


def _drivers(config: Config, data: Data, m: Metric, week: date) -> tuple[Driver, ...]:
    out = []
    for name in m.formula.inputs if m.formula else ():
        d = config.metric(name)
        s = data.get(name)
        value = s.get(week)
        wow = change(value, s.get(week - WEEK))
        out.append(Driver(name, d.label, d.unit, value, wow, d.currency))
    return tuple(out)


# --- flags -----------------------------------------------------------------------------------


def _counts(kpis: Iterable[Kpi]) -> Counts:
    kpis = list(kpis)
    statuses = [k.target.status for k in kpis if k.target]
    leads = [lead.new for lead in (k.lead for k in kpis) if lead is not None]
    return Counts(
        kpis=len(kpis),
        flagged=sum(k.flagged for k in kpis),
        bad=sum(k.bad for k in kpis),
        met=statuses.count("met"),
        on_track=statuses.count("on_track"),
        at_risk=statuses.count("at_risk"),
        off_track=statuses.count("off_track"),
        missing=sum(k.missing for k in kpis),
        new=sum(leads),
        continuing=len(leads) - sum(leads),
    )


# --- follow-up -------------------------------------------------------------------------------


def _carried_over(config: Config, data: Data, week: date) -> tuple[CarriedOver, ...]:
    """Decisions still open from earlier weeks, with how their KPI moved since."""
    return _followed(config, data, week, [d for d in data.decisions if d.status == "open"])


def _closed(config: Config, data: Data, week: date) -> tuple[CarriedOver, ...]:
    """Decisions from earlier weeks closed in the week or the week after it (see
    `dataset.closed_window`), with how their KPI moved since."""
    first, end = closed_window(week)  # a comparison per decision: 5,000 at every build
    found = [
        d
        for d in data.decisions
        if d.status != "open" and first <= data.closed_at.get(d.id, "")[:10] < end
    ]
    return _followed(config, data, week, found)


def _followed(
    config: Config, data: Data, week: date, decisions: list[Decision]
) -> tuple[CarriedOver, ...]:
    """Each decision from a week before ``week``, with how its KPI moved since."""
    starts, end = config.review.week_starts, week_end(week)
    per_kpi: dict[str, tuple[str, str]] = {}  # the formatted value now and the target clause
    out = []
    for d in decisions:
        if d.week >= week or d.metric not in config.by_id:
            continue
        m = config.metric(d.metric)
        s = data.get(d.metric)
        then, now = s.get(d.week), s.get(week)
        if d.metric not in per_kpi:
            target = m.target_for(week)
            aim = f"; target {_fmt(m, target.value)}" if target and target.value is not None else ""
            per_kpi[d.metric] = (_fmt(m, now), aim)
        now_part, aim = per_kpi[d.metric]
        message = f"{m.label} {_fmt(m, then)} → {now_part} since {week_label(d.week, starts)}{aim}"
        follow_up = _follow_up(m, d, then, now, week, starts)
        message += follow_up and f"; {follow_up}"
        closed = data.closed_at.get(d.id, "")[:10] if d.status != "open" else ""
        out.append(
            CarriedOver(d, m.label, then, now, message, d.overdue(end + DAY), follow_up, closed)
        )
    return tuple(out)


def _follow_up(
    m: Metric, d: Decision, then: float | None, now: float | None, week: date, starts: int
) -> str:
    """'expected −0.3 pt by 2026-W52: met' when the decision's expected effect names a
    change and a week (see :mod:`kpireview.followup`)."""
    expected = followup.parse(d.expected, starts)
    found = None if expected is None else followup.status(expected, then, now, d.week, week)
    if expected is None or found is None:
        return ""
    state, change = found
    by = week_label(expected.by, starts)
    return f"expected {signed(change, m.unit, m.currency)} by {by}: {STATUS_TEXT[state]}"


def _fmt(m: Metric, x: float | None) -> str:
    return units.value(x, m.unit, m.currency)
