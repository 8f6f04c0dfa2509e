"""The review of one week: every number a meeting needs (the model: :mod:`kpireview.model`).

`load` reads the database once (stored series, derived series, decisions); `build` computes
one week's review from that. The TUI, the notes, the summary and the JSON render this model
and never compute a number themselves.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from kpireview import (
    bandcache,
    bands,
    flags,
    history,
    months,
    pacing,
    process,
    signal_options,
    units,
)
from kpireview.bandcache import BandCache
from kpireview.config import Config, Metric
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
    MonthPoint,
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
from kpireview.store import Decision, Store

WEEK = timedelta(days=7)
DAY = timedelta(days=1)
Series = dict[date, float]


# --- data ------------------------------------------------------------------------------------


@dataclass
class Data:
    """What the database holds, read once: series (derived ones computed) and decisions."""

    series: dict[tuple[str, str], Series]
    reasons: dict[tuple[str, date], str]
    decisions: list[Decision]
    weeks: list[date] = field(default_factory=list)
    segments: dict[str, list[str]] = field(default_factory=dict)
    monthly: dict[str, dict[date, float]] = field(default_factory=dict)
    month_points: dict[tuple[str, date], tuple[MonthPoint, ...]] = field(default_factory=dict)
    restatements: dict[tuple[str, date], tuple[history.Restatement, ...]] = field(
        default_factory=dict
    )
    changes: process.Changes = field(default_factory=process.Changes)
    histories: dict[tuple, bands.History] = field(default_factory=dict)  # see `history_of`
    band_cache: BandCache | None = None  # where computed bands are kept between runs
    points: dict[str, dict[date, Point]] = field(default_factory=dict)  # see `_points`

    def __post_init__(self) -> None:
        for metric_id, segment in sorted(self.series):
            if segment:
                self.segments.setdefault(metric_id, []).append(segment)

    def get(self, metric_id: str, segment: str = "") -> Series:
        return self.series.get((metric_id, segment), {})

    def history_of(self, config: Config, m: Metric) -> bands.History:
        """A KPI's expected bands over its whole series, kept for as long as its dividers and
        options stay: a week switch reuses the bands already computed."""
        options = config.options(m)
        dividers = tuple(d.week for d in self.changes.active.get(m.id, ()))
        key = (m.id, dividers, options)
        found = self.histories.get(key)
        if found is None:
            found = bands.History(list(self.get(m.id).items()), dividers, options)  # sorts
            self.histories[key] = found
        return found


def load(config: Config, store: Store, around: date | None = None) -> Data:
    """Read snapshots, restatements and decisions, and compute the derived series.

    With ``around`` (a week start), only what that week's review reads: about five years
    before it (the expected bands, see `flags.BAND_WEEKS`; months and the same months a year
    earlier; history), the weeks after it, and the weeks that pacing and open decisions refer
    to. Such data serves one week's review (export, summary); the TUI, which moves between
    weeks, reads everything. A locked range outside its KPI's data is a ConfigError.
    """
    decisions = store.decisions()
    since = None if around is None else _window_start(config, around)
    restated = history.by_week(history.load(store, since=since))
    if since is None:
        series = store.load_snapshots()
    else:
        series = store.load_snapshots(since)
        for (metric_id, week), value in store.load_points(
            _points_referred(config, decisions)
        ).items():
            series.setdefault((metric_id, ""), {})[week] = value
    reasons: dict[tuple[str, date], str] = {}
    for metric in _in_dependency_order(config):
        if metric.formula is not None:
            series[(metric.id, "")] = _derived(metric, series, reasons)
    weeks = sorted({w for s in series.values() for w in s})
    data = Data(series, reasons, decisions, weeks, restatements=restated)
    check_locks(config, data)
    data.changes = process.Changes.load(store)
    data.monthly = months.monthly(_in_dependency_order(config), data)
    return data


def _window_start(config: Config, week: date) -> date:
    """The first week one week's review reads: whole months 23 months back, or further back
    for a long history or the expected bands (see `flags.BAND_WEEKS`), and locked limits."""
    first_month = add_months(month_of(week), -23)
    weeks = max(config.review.history_weeks, flags.BAND_WEEKS)
    start = min(week_start(first_month, config.review.week_starts) - WEEK, week - WEEK * weeks)
    return min([start, *(lock.first for lock in config.locks())])


def check_locks(config: Config, data: Data) -> None:
    """Each locked range within its KPI's data: a one-line error naming where it is written."""
    locks = config.locks()
    if locks:
        spans = {k.metric: data.get(k.metric) for k in locks}
        starts = config.review.week_starts
        signal_options.check_locks(
            locks, {m: (min(s), max(s)) for m, s in spans.items() if s}, starts
        )


def _points_referred(config: Config, decisions: list[Decision]) -> set[tuple[str, date]]:
    """(metric, week) values read from before the window: pacing baselines and the KPI of
    each open decision in its week, derived KPIs through their inputs."""
    starts = config.review.week_starts
    wanted = {
        (m.id, week_start(t.start, starts)) for m in config.metrics for t in m.targets if t.start
    }
    wanted |= {
        (d.metric, d.week) for d in decisions if d.status == "open" and d.metric in config.by_id
    }
    memo: dict[str, set[str]] = {}
    return {(leaf, week) for metric_id, week in wanted for leaf in _leaves(config, metric_id, memo)}


def _leaves(config: Config, metric_id: str, memo: dict[str, set[str]]) -> set[str]:
    """The stored metrics a KPI is computed from (itself when it is not derived)."""
    if metric_id not in memo:
        formula = config.metric(metric_id).formula
        memo[metric_id] = (
            {metric_id}
            if formula is None
            else set().union(*(_leaves(config, name, memo) for name in formula.inputs))
        )
    return memo[metric_id]


def _in_dependency_order(config: Config) -> list[Metric]:
    done: dict[str, Metric] = {}

    def visit(m: Metric) -> None:
        if m.id in done:
            return
        for name in m.formula.inputs if m.formula else ():
            visit(config.metric(name))
        done[m.id] = m

    for m in config.metrics:
        visit(m)
    return list(done.values())


def _derived(metric: Metric, series: dict, reasons: dict) -> Series:
    assert metric.formula is not None
    inputs = {name: series.get((name, ""), {}) for name in metric.formula.inputs}
    weeks = set().union(*(s.keys() for s in inputs.values())) if inputs else set()
    out: Series = {}
    for week in weeks:
        result = metric.formula.evaluate({n: s.get(week) for n, s in inputs.items()})
        if result.value is None:
            reasons[(metric.id, week)] = result.reason
        else:
            out[week] = result.value
    return out


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
        open_actions=open_actions,
        partial=_partial(config, data, week),
        process_changes=data.changes.around(week),
        handled=flags.handled(kpis.values(), open_actions),
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
    """`abs` = value − other; `rel` = value / other − 1, null when other is missing or 0."""
    if value is None or other is None:
        return Change(None, None)
    rel = value / other - 1 if other != 0 else None
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
    kpi = Kpi(
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
        flags=(),
        missing=missing,
        reason=data.reasons.get((m.id, week), ""),
        segments=_segments(data, m, week),
        drivers=_drivers(config, data, m, week),
        decisions=frame.decisions.get(m.id, ()),
        currency=m.currency,
        restatements=data.restatements.get((m.id, week), ()),
        dividers=data.changes.marks(m.id, week),
    )
    # The flags' sentences read the finished KPI; set them on it once (it is not shared yet).
    found = flags.kpi_flags(kpi, hist, band, s, data.changes, config.options(m).baseline_weeks)
    object.__setattr__(kpi, "flags", tuple(found))
    return kpi


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
    starts, end = config.review.week_starts, week_end(week)
    per_kpi: dict[str, tuple[str, str]] = {}  # the formatted value now and the target clause
    out = []
    for d in data.decisions:
        if d.status != "open" or d.week >= week or d.metric not in config.by_id:
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
        out.append(CarriedOver(d, m.label, then, now, message, d.overdue(end + DAY)))
    return tuple(out)


def _fmt(m: Metric, x: float | None) -> str:
    return units.value(x, m.unit, m.currency)
