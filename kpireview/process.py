"""Process changes and acknowledged signals, as the review reads them.

A divider at week D on a KPI says its process changed from D on: the expected band of a
week w >= D comes only from the weeks D .. w-1 (:mod:`kpireview.bands`). Until that segment
is long enough the band is settling, and the KPI carries one 'settling' flag (rule
``divider``) instead of the signal flags; :func:`moved` says the level it moved to. Everything
is read once with the data (`Changes.load`); the review looks it up per KPI without a query.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from kpireview import signals
from kpireview.divider_store import Acknowledgement, Divider

if TYPE_CHECKING:
    from kpireview.divider_store import DividerStore

DIVIDER_RULE = "divider"
NOTES_WEEKS = 12  # the notes list the process changes of the reviewed week and the 11 before
WEEK = timedelta(weeks=1)
PREVIOUS_WEEKS = 20  # at most this many weeks before a divider make the level it moved from


@dataclass(frozen=True)
class Mark:
    """An active divider as a KPI of the review lists it."""

    week: date
    reason: str
    author: str
    created_at: str


@dataclass(frozen=True)
class Acknowledged:
    """Who acknowledged a signal in the meeting, when, and what they noted."""

    author: str
    note: str
    created_at: str


@dataclass
class Changes:
    """Every divider (removed ones too) and acknowledgement, indexed for the review."""

    dividers: list[Divider] = field(default_factory=list)
    acks: dict[tuple[str, date, str], Acknowledgement] = field(default_factory=dict)
    active: dict[str, list[Divider]] = field(default_factory=dict)  # by KPI, oldest week first

    @classmethod
    def of(cls, dividers: Iterable[Divider], acks: Iterable[Acknowledgement]) -> Changes:
        items = sorted(dividers, key=lambda d: (d.week, d.id))
        active: dict[str, list[Divider]] = {}
        for d in items:
            if d.active:
                active.setdefault(d.metric, []).append(d)
        by_key = {(a.metric, a.week, a.rule): a for a in acks}  # the latest one wins
        return cls(items, by_key, active)

    @classmethod
    def load(cls, store: DividerStore, declared: Iterable[Divider] = ()) -> Changes:
        """Read from a Store (an older file's copy in memory is already upgraded), with the
        dividers the config declares (initiatives' starts) where none is stored that week."""
        stored = store.dividers(removed=True)
        taken = {(d.metric, d.week) for d in stored if d.active}
        extra = [d for d in declared if (d.metric, d.week) not in taken]
        return cls.of([*stored, *extra], store.acknowledgements())

    def start(self, metric: str, week: date) -> Divider | None:
        """The latest active divider of a KPI at or before ``week``."""
        items = self.active.get(metric)
        if not items:
            return None
        i = bisect.bisect_right([d.week for d in items], week)
        return items[i - 1] if i else None

    def before(self, metric: str, divider: Divider) -> date | None:
        """The week of the active divider before ``divider`` (None: the KPI's start)."""
        earlier = [d.week for d in self.active.get(metric, ()) if d.week < divider.week]
        return earlier[-1] if earlier else None

    def marks(self, metric: str, week: date) -> tuple[Mark, ...]:
        """A KPI's active dividers at or before ``week``."""
        return tuple(
            Mark(d.week, d.reason, d.author, d.created_at)
            for d in self.active.get(metric, ())
            if d.week <= week
        )

    def acknowledged(
        self, metric: str, week: date, rule: str, since: date | None = None
    ) -> Acknowledged | None:
        """The latest acknowledgement of a KPI's rule from the week its signal began
        (``since``) to ``week``: a signal stays acknowledged for as long as it continues, and
        is news again once it stops and fires anew (or another rule leads)."""
        if not self.acks:
            return None
        first = since or week
        found = [a for a in self.by_rule.get((metric, rule), ()) if first <= a.week <= week]
        a = found[-1] if found else None
        return Acknowledged(a.author, a.note, a.created_at) if a else None

    @cached_property
    def by_rule(self) -> dict[tuple[str, str], list[Acknowledgement]]:
        out: dict[tuple[str, str], list[Acknowledgement]] = {}
        for a in sorted(self.acks.values(), key=lambda a: a.week):
            out.setdefault((a.metric, a.rule), []).append(a)
        return out

    def around(self, week: date, weeks: int = NOTES_WEEKS) -> tuple[Divider, ...]:
        """Dividers (removed ones too) at the week or in the ``weeks - 1`` before it."""
        first = week - timedelta(weeks=weeks - 1)
        return tuple(d for d in self.dividers if first <= d.week <= week)


@dataclass(frozen=True)
class Settling:
    """A KPI's level since a week against the level before it (see :func:`moved`)."""

    weeks: int  # baseline weeks of the new segment with a value (before the reviewed week)
    mean: float | None  # the new segment's mean, the reviewed week included
    before: float | None  # the mean of up to PREVIOUS_WEEKS weeks before the divider
    tone: str


def moved(
    series: dict[date, float],
    start: date,
    previous: date | None,
    week: date,
    direction: str,
    weeks: int = 0,
) -> Settling:
    """The level from ``start`` to ``week`` against the one before ``start`` (at most
    PREVIOUS_WEEKS weeks, from the ``previous`` divider on), and its tone."""
    low = start - timedelta(weeks=PREVIOUS_WEEKS)
    if previous is not None:
        low = max(low, previous)
    now = _values(series, start, week + WEEK)
    then = _values(series, low, start)
    mean, before = _mean(now), _mean(then)
    return Settling(weeks, mean, before, _tone(mean, before, direction))


def _values(series: dict[date, float], first: date, end: date) -> list[float]:
    """The values of the weeks from ``first`` up to ``end`` (excluded), week by week."""
    out, week = [], first
    while week < end:
        value = series.get(week)
        if value is not None:
            out.append(value)
        week += WEEK
    return out


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _tone(mean: float | None, before: float | None, direction: str) -> str:
    """good or bad: the way the level moved against the KPI's direction. A move of a neutral
    KPI is 'bad' (worth a look), as for its other signals; no comparison is 'good' (the team
    marked the change, it is known)."""
    if mean is None or before is None or mean == before:
        return signals.GOOD
    if direction not in ("up", "down"):
        return signals.BAD
    return signals.GOOD if (mean > before) == (direction == "up") else signals.BAD
