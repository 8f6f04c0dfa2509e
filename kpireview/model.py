"""The review model for one week: every number a meeting needs, as plain dataclasses.

`kpireview.review` computes it (``load``, ``build``); the TUI, the notes, the summary and the
JSON render it and never compute a number themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import NamedTuple

from kpireview import process, units
from kpireview.attribution import Attribution
from kpireview.flags import Flag, Limits
from kpireview.history import Restatement
from kpireview.store import Decision


@dataclass(frozen=True)
class Change:
    abs: float | None
    rel: float | None


class Point(NamedTuple):
    week: date
    value: float | None


class MonthPoint(NamedTuple):
    month: date
    value: float | None
    year_ago: float | None
    complete: bool


@dataclass(frozen=True)
class TargetStatus:
    value: float | None
    status: str | None
    criterion: str
    by: date | None = None
    start: date | None = None
    baseline: float | None = None
    elapsed: float | None = None
    expected: float | None = None
    progress: float | None = None
    metric: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class Segment:
    name: str
    value: float | None
    previous: float | None
    wow: Change
    share: float | None


@dataclass(frozen=True)
class Driver:
    id: str
    label: str
    unit: str
    value: float | None
    wow: Change
    currency: str = "$"


@dataclass(frozen=True)
class Kpi:
    id: str
    label: str
    pillar: str
    unit: str
    direction: str
    owner: str
    description: str
    formula: str | None
    value: float | None
    previous: float | None
    year_ago: float | None
    wow: Change
    yoy: Change
    history: tuple[Point, ...]
    months: tuple[MonthPoint, ...]
    target: TargetStatus | None
    limits: Limits | None
    flags: tuple[Flag, ...]
    missing: bool
    reason: str
    segments: tuple[Segment, ...]
    drivers: tuple[Driver, ...]
    decisions: tuple[Decision, ...]
    currency: str = "$"
    restatements: tuple[Restatement, ...] = ()  # of this week's values, oldest first
    dividers: tuple[process.Mark, ...] = ()  # active ones at or before the week
    attribution: Attribution | None = None  # a derived KPI's changes split among its inputs
    initiatives: tuple[str, ...] = ()  # the titles of the initiatives that bet on it

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def bad(self) -> bool:
        return any(f.tone == "bad" for f in self.flags)

    @property
    def lead(self) -> Flag | None:
        return next((f for f in self.flags if f.lead), None)

    @property
    def headline(self) -> tuple[Flag, ...]:
        """The flags said in one line each: the lead, and a target miss."""
        return tuple(f for f in self.flags if f.lead or f.rule == "target")

    def fmt(self, x: float | None) -> str:
        return units.value(x, self.unit, self.currency)


@dataclass(frozen=True)
class PillarReview:
    id: str
    label: str
    kpis: tuple[Kpi, ...]


@dataclass(frozen=True)
class Counts:
    kpis: int
    flagged: int
    bad: int
    met: int
    on_track: int
    at_risk: int
    off_track: int
    missing: int
    new: int = 0  # KPIs whose lead flag began this week
    continuing: int = 0  # KPIs whose lead flag began in an earlier week


@dataclass(frozen=True)
class CarriedOver:
    decision: Decision
    metric_label: str
    then: float | None
    now: float | None
    message: str
    overdue: bool
    follow_up: str = ""  # 'expected −0.3 pt by 2026-W52: met' (see kpireview.followup)
    closed: str = ""  # a closed decision: the day it was closed (YYYY-MM-DD)


@dataclass(frozen=True)
class WeekReview:
    title: str
    week: date
    label: str
    span: str
    week_starts: int
    previous_week: date | None
    next_week: date | None
    latest_week: date | None
    pillars: tuple[PillarReview, ...]
    counts: Counts
    decisions: tuple[Decision, ...]
    carried_over: tuple[CarriedOver, ...]
    open_actions: tuple[Decision, ...]
    partial: str = ""  # 'partial: 5 of 21 KPIs have a value', or '' for a complete week
    process_changes: tuple[process.Divider, ...] = ()  # the notes' window, removed ones too
    handled: frozenset[str] = frozenset()  # flagged KPIs, not new, with an open decision
    north_star: str | None = None  # the KPI shown first everywhere (review.north_star)
    # Each initiative's heading and a sentence per KPI: what it did since the initiative began.
    initiatives: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Decisions from earlier weeks closed in the reviewed week or the week after it (when its
    # meeting is held), with how their KPI moved since.
    closed: tuple[CarriedOver, ...] = ()

    @property
    def kpis(self) -> list[Kpi]:
        return [k for p in self.pillars for k in p.kpis]

    @property
    def decided(self) -> frozenset[str]:
        """The KPIs with an open decision (recorded in this week or before)."""
        return frozenset(d.metric for d in self.open_actions)

    @property
    def in_order(self) -> list[Kpi]:
        """Every KPI, the North Star first."""
        rest = [k for k in self.kpis if k.id != self.north_star]
        return rest if self.star is None else [self.star, *rest]

    @property
    def star(self) -> Kpi | None:
        """The North Star KPI, when the config names one."""
        return self.kpi(self.north_star) if self.north_star else None

    def kpi(self, metric_id: str) -> Kpi:
        return self._by_id[metric_id]

    @cached_property
    def _by_id(self) -> dict[str, Kpi]:
        return {k.id: k for k in self.kpis}
