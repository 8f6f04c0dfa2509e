"""What a review reads from the database, once: stored and derived series, restatements,
decisions, dividers, monthly values; and the caches `review.build` fills (computed bands,
points, months), which never change what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from kpireview import bandcache, bands, graph, history, months, process, signal_options
from kpireview.bandcache import BandCache
from kpireview.config import Config, Metric
from kpireview.divider_store import Divider
from kpireview.model import MonthPoint, Point
from kpireview.periods import add_months, month_of, week_start
from kpireview.store import Decision, Store

WEEK = timedelta(days=7)
Series = dict[date, float]


@dataclass
class Data:
    """What the database holds, read once: series (derived ones computed) and decisions."""

    series: dict[tuple[str, str], Series]
    reasons: dict[tuple[str, date], str]
    decisions: list[Decision]
    weeks: list[date] = field(default_factory=list)
    segments: dict[str, list[str]] = field(default_factory=dict)
    monthly: months.Monthly | None = None  # made by `load`, or by the first review built
    month_points: dict[tuple[str, date], tuple[MonthPoint, ...]] = field(default_factory=dict)
    restatements: dict[tuple[str, date], tuple[history.Restatement, ...]] = field(
        default_factory=dict
    )
    changes: process.Changes = field(default_factory=process.Changes)
    histories: dict[tuple, bands.History] = field(default_factory=dict)  # see `history_of`
    band_cache: BandCache | None = None  # where computed bands are kept between runs
    points: dict[str, dict[date, Point]] = field(default_factory=dict)  # see `_points`
    closed_at: dict[int, str] = field(default_factory=dict)  # decision id → when it was closed

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
    before it (the expected bands, see `_window_start`; months and the same months a year
    earlier; history), the weeks after it, and the weeks that pacing and open decisions refer
    to. Such data serves one week's review (export, summary); the TUI, which moves between
    weeks, reads everything. A locked range outside its KPI's data is a ConfigError.
    """
    decisions = store.decisions()
    closed_at = store.closed_at()
    since = None if around is None else _window_start(config, around)
    restated = history.by_week(history.load(store, since=since))
    if since is None or around is None:
        series = store.load_snapshots()
    else:
        series = store.load_snapshots(since)
        for (metric_id, week), value in store.load_points(
            _points_referred(config, decisions, closed_at, around)
        ).items():
            series.setdefault((metric_id, ""), {})[week] = value
    reasons: dict[tuple[str, date], str] = {}
    for metric in graph.in_order(config.metrics, config.by_id):
        if metric.formula is not None:
            series[(metric.id, "")] = _derived(metric, series, reasons)
    weeks = sorted({w for s in series.values() for w in s})
    data = Data(series, reasons, decisions, weeks, restatements=restated)
    data.closed_at = closed_at
    check_locks(config, data)
    data.changes = process.Changes.load(store, _initiative_dividers(config))
    data.monthly = months.Monthly(config.by_id, data)
    return data


def _window_start(config: Config, week: date) -> date:
    """The first week one week's review reads: whole months 23 months back, or further back
    for a long history or the expected bands (every week their computation reads, see
    `bandcache.reach`, for the week and the one before), and locked limits."""
    first_month = add_months(month_of(week), -23)
    band = max((bandcache.reach(config.options(m)) for m in config.metrics), default=0) + 2
    weeks = max(config.review.history_weeks, band)
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


def _points_referred(
    config: Config, decisions: list[Decision], closed_at: dict[int, str], week: date
) -> set[tuple[str, date]]:
    """(metric, week) values read from before the window: pacing baselines and the KPI of
    each open decision, or one closed around ``week``, in its week, derived KPIs through
    their inputs."""
    starts = config.review.week_starts
    wanted = {
        (m.id, week_start(t.start, starts)) for m in config.metrics for t in m.targets if t.start
    }
    first, end = closed_window(week)
    wanted |= {
        (d.metric, d.week)
        for d in decisions
        if (d.status == "open" or first <= closed_at.get(d.id, "")[:10] < end)
        and d.metric in config.by_id
    }
    leaves = graph.leaves(config.by_id)
    return {(leaf, week) for metric_id, week in wanted for leaf in leaves[metric_id]}


def closed_window(week: date) -> tuple[str, str]:
    """The days (ISO text, the end excluded) in which a decision closed counts as closed in
    the review of ``week``: that week and the week after it, when its meeting is held."""
    return week.isoformat(), (week + 2 * WEEK).isoformat()


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


def _initiative_dividers(config: Config) -> list[Divider]:
    """The start week of each active initiative, a divider on each of its KPIs (ids below 0:
    not in the database; a divider stored at the same week is the same process change)."""
    out = []
    for i, bet in enumerate(b for b in config.initiatives if b.status == "active"):
        for metric in bet.kpis:
            reason = f"initiative: {bet.title}"
            out.append(Divider(-1 - i, metric, bet.start, reason, bet.owner, ""))
    return out
