"""An import after its file is read: conflicts between rows, and one value per week.

The file's checked cells are staged (see staging.py) with their date cells as codes; ``Cells``
gives each code its day (the file's dates resolved) and its week. A second value for one
series on one day (two spellings of the day) or, in a weekly file, in one week is an error
naming its line. Daily rows (some series with two dates in one week) are read back series by
series and rolled up into weeks with each metric's rollup; a week missing days is recorded
as partial and skipped, never stored as a low value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from kpireview import rollup
from kpireview.config import Config
from kpireview.csvfile import ImportError_
from kpireview.periods import is_week_string, week_label, week_start
from kpireview.staging import CHUNK, Staging

MAX_LISTED = 10


class Errors:
    """Bad cells: the first message in full (first by line, then column), and the first few
    line numbers; cells may be reported out of line order."""

    def __init__(self, path: Path) -> None:
        self.path, self.first, self.count = path, "", 0
        self.first_at: tuple[int, int] | None = None
        self.lines: list[int] = []

    def add(self, line: int, where: str, message: str, order: int = 0) -> None:
        """A bad cell at ``line``; ``order`` places it among the line's cells."""
        self.count += 1
        if self.first_at is None or (line, order) < self.first_at:
            self.first_at = (line, order)
            self.first = f"{self.path}:{line}: {where}: {message}"
        if line not in self.lines:
            self.lines = sorted([*self.lines, line])[:MAX_LISTED]

    def raise_any(self) -> None:
        if not self.count:
            return
        if self.count == 1:
            raise ImportError_(f"{self.first}; nothing imported")
        listed = ", ".join(map(str, self.lines)) + (", ..." if self.count > len(self.lines) else "")
        raise ImportError_(
            f"{self.first} ({self.count} bad values, at lines {listed}); nothing imported"
        )


@dataclass(frozen=True)
class Partial:
    metric: str
    segment: str
    week: date
    days: int


@dataclass
class Cells:
    """The file's metrics and date cells by code: ``ids[m]``, ``texts[c]``, ``days[c]``."""

    ids: list[str]
    texts: list[str]
    days: list[date] = field(default_factory=list)
    weeks: list[date] = field(default_factory=list)

    def resolve(self, days: dict[str, date], starts: int) -> None:
        self.days = [days[text] for text in self.texts]
        self.weeks = [week_start(day, starts) for day in self.days]


def check_same_days(staging: Staging, cells: Cells, errors: Errors, where: str) -> None:
    """Two spellings of one day ('2026-11-16', '16 Nov 2026') for one series conflict."""
    if len(set(cells.days)) == len(cells.days):
        return  # one spelling per day: a conflict would be the same cell twice
    staging.group_cells({c: day.toordinal() for c, day in enumerate(cells.days)})
    for line, col, m, c, first in staging.later_in_group():
        message = f"a second value for {cells.ids[m]} on {cells.days[c]} (first at line {first})"
        errors.add(line, where, message, col + 1)


def is_daily(staging: Staging, cells: Cells) -> bool:
    """Daily rows: some KPI (and segment) has two dates in one week. KPIs each dated on a
    different day of the week are still one value per week."""
    dated = [c for c, text in enumerate(cells.texts) if not is_week_string(text)]
    weeks = {c: cells.weeks[c].toordinal() for c in dated}
    if len(set(weeks.values())) == len({cells.days[c] for c in dated}):
        return False  # one date per week in the whole file
    staging.group_cells(weeks)  # week strings in no group
    return staging.any_repeat()


def check_one_per_week(staging: Staging, cells: Cells, errors: Errors, starts: int) -> None:
    """In a weekly file, two rows for one metric, segment and week are a conflict."""
    if len(cells.weeks) == len(set(cells.weeks)):
        return  # every day is in a week of its own: a conflict would be an exact duplicate
    staging.group_cells({c: week.toordinal() for c, week in enumerate(cells.weeks)})
    for line, col, m, c, first in staging.later_in_group():
        week = week_label(cells.weeks[c], starts)
        message = f"a second value for {cells.ids[m]} in {week} (first at line {first})"
        errors.add(line, "week", message, col + 1)


@dataclass
class Weeks:
    """What the rows to store cover: their count, metrics and first and last week."""

    count: int = 0
    metrics: set[str] = field(default_factory=set)
    first: date | None = None
    last: date | None = None

    def cover(self, metrics: set[str], weeks: set[date], count: int) -> None:
        self.count += count
        self.metrics |= metrics
        if weeks:
            low, high = min(weeks), max(weeks)
            self.first = low if self.first is None else min(self.first, low)
            self.last = high if self.last is None else max(self.last, high)


def weekly(staging: Staging, cells: Cells) -> Weeks:
    """A weekly file's rows are its cells as they are."""
    out = Weeks()
    metrics = {cells.ids[m] for m in staging.metrics}
    out.cover(metrics, {cells.weeks[c] for c in staging.cells}, staging.count)
    return out


def roll_up_days(staging: Staging, cells: Cells, config: Config, partial: list[Partial]) -> Weeks:
    """Stage one value per metric, segment and whole week of a daily file.

    A week the file covers but where a metric has fewer values (from its first week on) is
    recorded in ``partial``. Series go by metric id and segment, weeks in order.
    """
    file_weeks = {cells.weeks[c] for c, text in enumerate(cells.texts) if not is_week_string(text)}
    out = Weeks()
    rows: list[tuple[int, str, str, float]] = []
    for (m, segment), items in groupby(staging.observed(), key=itemgetter(0, 1)):
        by_week: dict[date, list[tuple[date, float]]] = defaultdict(list)
        for _, _, c, value in items:
            by_week[cells.weeks[c]].append((cells.days[c], value))
        metric_id = cells.ids[m]
        for week, values in _weeks_from_first(by_week, file_weeks):
            if len(values) < 7:
                partial.append(Partial(metric_id, segment, week, len(values)))
                continue
            rows.append((m, segment, week.isoformat(), _roll_up(config, metric_id, values)))
            out.cover({metric_id}, {week}, 1)
        if len(rows) >= CHUNK:
            staging.roll(rows)
            rows = []
    staging.roll(rows)
    return out


def _weeks_from_first(
    by_week: dict[date, list[tuple[date, float]]], file_weeks: set[date]
) -> Iterator[tuple[date, list[tuple[date, float]]]]:
    first = min(by_week)
    for week in sorted(file_weeks | set(by_week)):
        if week >= first:
            yield week, by_week.get(week, [])


def _roll_up(config: Config, metric_id: str, days: list[tuple[date, float]]) -> float:
    return rollup.roll(config.metric(metric_id).rollup, [v for _, v in sorted(days)])
