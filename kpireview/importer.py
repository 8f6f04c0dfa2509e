"""CSV import: long (`metric,week,value[,segment]`) or wide (a date column, one column per metric).

The whole file is read (once, as a stream) and checked before anything is written, so an
import is all or nothing. Rows are keyed by their date cells as written; the file's dates are
read with one format once all are in (see dates.py). Values must lie in their KPI's range.
Daily rows (some KPI with two dates in one week) are rolled up into weeks with each metric's
rollup; a week missing days is reported and skipped, never stored as a low value.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kpireview.config import Config, Metric
from kpireview.csvfile import (
    PROGRESS_BYTES,
    ImportError_,
    Source,
    check_unique,
    header_row,
    is_long,
    progress_rows,
    unknown_delimiter,
)
from kpireview.dates import ColumnError, DateColumn
from kpireview.numbers import AmbiguousNumber, parse_value
from kpireview.periods import PeriodError, is_week_string, week_label, week_start
from kpireview.periods import week_span_text as span
from kpireview.ranges import cell_problem
from kpireview.store import UpsertCounts

__all__ = ["PROGRESS_BYTES", "Batch", "ImportError_", "parse_value", "read"]

LONG_COLUMNS = {"metric", "week", "value", "segment"}
SEGMENT_SEP = ":"
MAX_LISTED = 10

Row = tuple[str, date, str, float]


@dataclass(frozen=True)
class Partial:
    metric: str
    segment: str
    week: date
    days: int


@dataclass
class Batch:
    """What a file holds, checked and rolled up into weeks; nothing written yet."""

    path: Path
    week_starts: int
    rows: list[Row] = field(default_factory=list)
    partial: list[Partial] = field(default_factory=list)
    daily: bool = False

    def partial_lines(self) -> list[str]:
        """One line per metric whose weeks were skipped for missing days."""
        by_metric: dict[str, list[Partial]] = defaultdict(list)
        for p in self.partial:
            by_metric[_name(p)].append(p)
        lines = []
        for name, items in by_metric.items():
            first, last = (week_label(p.week, self.week_starts) for p in (items[0], items[-1]))
            when = f"{first} ({span(items[0].week)})" if len(items) == 1 else f"{first} to {last}"
            low, high = min(p.days for p in items), max(p.days for p in items)
            days = f"{low}" if low == high else f"{low}-{high}"
            weeks = "week" if len(items) == 1 else "weeks"
            lines.append(
                f"{self.path.name}: {name}: {len(items)} {weeks} with missing days skipped, "
                f"{when}, {days} of 7 days with values"
            )
        return lines

    def summary(self, counts: UpsertCounts, dry_run: bool = False) -> str:
        metrics = {r[0] for r in self.rows}
        weeks = sorted({r[1] for r in self.rows})
        total = counts.new + counts.changed + counts.unchanged
        verb = "Would import" if dry_run else "Imported"
        text = (
            f"{verb} {total:,} values: {counts.new:,} new, {counts.changed:,} changed, "
            f"{counts.unchanged:,} unchanged; {len(metrics)} metrics"
        )
        if weeks:
            first, last = (week_label(w, self.week_starts) for w in (weeks[0], weeks[-1]))
            text += f", weeks {first} to {last}"
        partial_weeks = len({p.week for p in self.partial})
        text += f"; {partial_weeks} partial weeks skipped"
        return text + (" (dry run, nothing written)." if dry_run else ".")


def _name(p: Partial) -> str:
    return f"{p.metric}{SEGMENT_SEP}{p.segment}" if p.segment else p.metric


class _Errors:
    """Bad rows: the first message in full, and the line numbers of the first few."""

    def __init__(self, path: Path) -> None:
        self.path, self.first, self.count = path, "", 0
        self.lines: list[int] = []

    def add(self, line: int, where: str, message: str) -> None:
        self.count += 1
        if not self.first:
            self.first = f"{self.path}:{line}: {where}: {message}"
        if len(self.lines) < MAX_LISTED and line not in self.lines:
            self.lines.append(line)

    def raise_any(self) -> None:
        if not self.count:
            return
        if self.count == 1:
            raise ImportError_(f"{self.first}; nothing imported")
        listed = ", ".join(map(str, self.lines)) + (", ..." if self.count > len(self.lines) else "")
        raise ImportError_(
            f"{self.first} ({self.count} bad values, at lines {listed}); nothing imported"
        )


@dataclass
class _Reading:
    """What the row readers share: the file's errors, dates and number spelling."""

    config: Config
    errors: _Errors
    dates: DateColumn
    delimiter: str
    date_field: str = "week"


def read(
    path: Path, config: Config, progress: bool = False, date_format: str | None = None
) -> Batch:
    """Read and check a whole CSV file; raise ImportError_ naming file, line and field.

    ``date_format`` (a strptime format) overrides the config's ``review.date_format``.
    """
    fmt = date_format or config.review.date_format
    source_name = "--date-format" if date_format else "review.date_format"
    with Source(path) as source:
        reader, delimiter = source.reader()
        header = header_row(reader, path)
        errors = _Errors(path)
        ctx = _Reading(config, errors, DateColumn(fmt, source_name), delimiter)
        lines = progress_rows(reader, source, progress)
        read_rows = _read_long if is_long(header) else _read_wide
        observations = read_rows(lines, reader, header, ctx)
    errors.raise_any()
    try:
        days = ctx.dates.resolve()
    except ColumnError as exc:
        errors.add(exc.line, ctx.date_field, str(exc))
        errors.raise_any()
    batch = Batch(path, config.review.week_starts)
    _check_same_days(observations, days, errors, ctx.date_field)
    batch.daily = _is_daily(observations, days, batch.week_starts)
    if not batch.daily and not errors.count:
        _check_one_per_week(observations, days, batch.week_starts, errors)
    errors.raise_any()
    _to_weeks(observations, days, config, batch)
    if batch.partial and not batch.rows:
        raise ImportError_(f"{path}: nothing to import: every week misses days ({_why(batch)})")
    return batch


def _why(batch: Batch) -> str:
    first = batch.partial[0]
    label = week_label(first.week, batch.week_starts)
    return f"a daily file needs all 7 days of a week; {_name(first)} {label} has {first.days} of 7"


def _check_same_days(obs: Observations, days: dict[str, date], errors: _Errors, where: str) -> None:
    """Two spellings of one day ('2026-11-16', '16 Nov 2026') for one series conflict."""
    if len(set(days.values())) == len(days):
        return  # one spelling per day: a conflict would be the same cell twice
    first: dict[tuple[str, str, date], int] = {}
    for (metric_id, segment, key), (_, line) in obs.items():
        earlier = first.setdefault((metric_id, segment, days[key]), line)
        if earlier != line:
            errors.add(
                line, where, f"a second value for {metric_id} on {days[key]} (first at line "
                f"{earlier})"
            )  # fmt: skip


def _is_daily(obs: Observations, days: dict[str, date], starts: int) -> bool:
    """Daily rows: some KPI (and segment) has two dates in one week. KPIs each dated on a
    different day of the week are still one value per week."""
    dated = {key: day for key, day in days.items() if not is_week_string(key)}
    weeks = {key: week_start(day, starts) for key, day in dated.items()}
    if len(set(weeks.values())) == len(set(dated.values())):
        return False  # one date per week in the whole file
    seen: set[tuple[str, str, date]] = set()
    for metric_id, segment, key in obs:
        week = weeks.get(key)
        if week is not None:
            item = (metric_id, segment, week)
            if item in seen:
                return True
            seen.add(item)
    return False


def _check_one_per_week(
    obs: Observations, days: dict[str, date], starts: int, errors: _Errors
) -> None:
    """In a weekly file, two rows for one metric, segment and week are a conflict."""
    weeks = {key: week_start(day, starts) for key, day in days.items()}
    if len(weeks) == len(set(weeks.values())):
        return  # every day is in a week of its own: a conflict would be an exact duplicate
    first: dict[tuple[str, str, date], int] = {}
    for (metric_id, segment, key), (_, line) in obs.items():  # in line order, as recorded
        week = weeks[key]
        earlier = first.setdefault((metric_id, segment, week), line)
        if earlier != line:
            label = week_label(week, starts)
            errors.add(
                line, "week", f"a second value for {metric_id} in {label} (first at line {earlier})"
            )


Observations = dict[tuple[str, str, str], tuple[float, int]]  # (metric, segment, date cell)


def _record(
    obs: Observations,
    key: tuple[str, str, str],
    value: float,
    line: int,
    errors: _Errors,
    field_: str,
) -> None:
    earlier = obs.get(key)
    if earlier is not None:
        errors.add(
            line, field_, f"a second value for {key[0]} on {key[2]} (first at line {earlier[1]})"
        )
        return
    obs[key] = (value, line)


def _read_long(rows: Iterator[list[str]], reader, header: list[str], ctx: _Reading) -> Observations:
    errors, config = ctx.errors, ctx.config
    lower = [h.lower() for h in header]
    for name in lower:
        if name not in LONG_COLUMNS | {"date"}:
            raise ImportError_(
                f"{errors.path}:1: column '{name}': not a long-format column "
                "(expected metric, week, value and optionally segment)"
            )
    check_unique(lower, errors.path)
    if {"week", "date"} <= set(lower):
        raise ImportError_(f"{errors.path}:1: column 'date': give either week or date, not both")
    at = {name: lower.index(name) for name in lower}
    week_col = at["week"] if "week" in at else at["date"]  # is_long: one of them is there
    metric_col, value_col, seg_col = at["metric"], at["value"], at.get("segment")
    ctx.date_field = header[week_col]
    width = len(header)
    obs: Observations = {}
    for row in _safe_rows(rows, reader, errors):
        line = reader.line_num
        if len(row) != width:
            if any(c.strip() for c in row):
                errors.add(line, "row", f"{len(row)} cells where the header has {width}")
            continue
        metric_id = row[metric_col].strip()
        metric = config.by_id.get(metric_id)
        if metric is None or metric.derived:
            why = "is derived (a formula) and is not imported" if metric else "is not in the config"
            errors.add(line, "metric", f"'{metric_id}' {why}")
            continue
        day = _day(row[week_col], line, header[week_col], ctx)
        value = _value(row[value_col], line, header[value_col], ctx, metric)
        if day is None:
            continue
        if value is None:
            continue
        segment = row[seg_col].strip() if seg_col is not None else ""
        # the config's own id string: one object shared by every row of the metric
        _record(obs, (metric.id, segment, day), value, line, errors, header[value_col])
    return obs


def _safe_rows(rows: Iterator[list[str]], reader, errors: _Errors) -> Iterator[list[str]]:
    try:
        yield from rows
    except csv.Error as exc:
        errors.add(reader.line_num, "row", f"not valid CSV ({exc})")


def _day(text: str, line: int, where: str, ctx: _Reading) -> str | None:
    """The cell's key in the file's date column (its text, read once all cells are in)."""
    try:
        return ctx.dates.add(text, line)
    except PeriodError as exc:
        ctx.errors.add(line, where, str(exc))
        return None


def _value(text: str, line: int, where: str, ctx: _Reading, metric: Metric) -> float | None:
    try:
        value = parse_value(text, ctx.delimiter)
    except AmbiguousNumber as exc:
        ctx.errors.add(line, where, str(exc))
        return None
    except ValueError:
        ctx.errors.add(line, where, f"'{text.strip()}' is not a number")
        return None
    if value is None:
        return None
    if metric.scale == "points" and not text.strip().endswith("%"):
        value /= 100
    low, high = metric.bounds
    if (low is None or value >= low) and (high is None or value <= high):
        return value  # the common case, checked inline: a million cells go through here
    ctx.errors.add(line, where, cell_problem(metric, text.strip(), value))
    return None


def _wide_columns(header: list[str], config: Config, path: Path) -> list[tuple[int, Metric, str]]:
    """(index, metric, segment) for each metric column of a wide file."""
    check_unique(header, path)
    columns = config.by_column()
    derived = {m.column: m for m in config.metrics if m.derived}
    out = []
    for i, name in enumerate(header[1:], start=1):
        if not name:
            raise ImportError_(f"{path}:1: column {i + 1}: has no name")
        base, _, segment = name.partition(SEGMENT_SEP)
        metric = columns.get(name) or (columns.get(base) if segment else None)
        if metric is None:
            why = (
                "is a derived metric (formula) and is not imported"
                if name in derived
                else (f"matches no metric's column in {config.path}")
            )
            raise ImportError_(f"{path}:1: column '{name}': {why}")
        out.append((i, metric, "" if metric.column == name else segment))
    if not out and unknown_delimiter(header):
        raise ImportError_(f"{path}:1: no metric columns{unknown_delimiter(header)}")
    return out


def _read_wide(rows: Iterator[list[str]], reader, header: list[str], ctx: _Reading) -> Observations:
    errors = ctx.errors
    columns = _wide_columns(header, ctx.config, errors.path)
    ctx.date_field = header[0] or "date"
    obs: Observations = {}
    for row in _safe_rows(rows, reader, errors):
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            errors.add(line, "row", f"{len(row)} cells where the header has {len(header)}")
            continue
        day = _day(row[0], line, ctx.date_field, ctx)
        if day is None:
            continue
        for i, metric, segment in columns:
            value = _value(row[i], line, header[i], ctx, metric)
            if value is not None:
                _record(obs, (metric.id, segment, day), value, line, errors, header[i])
    return obs


def _to_weeks(obs: Observations, days: dict[str, date], config: Config, batch: Batch) -> None:
    """Fill the batch with one value per metric, segment and week.

    With daily rows, a week is imported only with all seven days; a week the file covers
    but where a metric has fewer values (from its first week on) is recorded as partial.
    """
    starts = config.review.week_starts
    weeks = {key: week_start(day, starts) for key, day in days.items()}
    if not batch.daily:  # one value per week, checked: the rows as they are
        rows = []
        while obs:  # emptied as it goes, so observations and rows are never both whole
            (m, s, d), (value, _) = obs.popitem()
            rows.append((m, weeks[d], s, value))
        rows.sort(key=lambda r: (r[0], r[2], r[1]))
        batch.rows = rows
        return
    groups: dict[tuple[str, str], dict[date, list[tuple[date, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for (metric_id, segment, key), (value, _) in obs.items():
        groups[(metric_id, segment)][weeks[key]].append((days[key], value))
    file_weeks = {weeks[key] for key in days if not is_week_string(key)}
    for (metric_id, segment), by_week in sorted(groups.items()):
        rollup = config.metric(metric_id).rollup
        first = min(by_week)
        for week in sorted(file_weeks | set(by_week)):
            values = by_week.get(week, [])
            if week < first:
                continue
            if len(values) < 7:
                batch.partial.append(Partial(metric_id, segment, week, len(values)))
            else:
                batch.rows.append((metric_id, week, segment, _roll_up(rollup, values)))


def _roll_up(rollup: str, days: list[tuple[date, float]]) -> float:
    values = [v for _, v in sorted(days)]
    if rollup == "sum":
        return math.fsum(values)
    if rollup == "mean":
        return math.fsum(values) / len(values)
    return values[-1]
