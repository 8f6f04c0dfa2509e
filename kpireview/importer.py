"""CSV import: long (`metric,week,value[,segment]`) or wide (a date column, one column per metric).

The file is read once, as a stream, and each checked cell is staged on disk as it comes (see
staging.py), so memory holds a chunk of rows, not the file. Nothing is written to the
database until the whole file is read and checked: an import is all or nothing. Date cells
are keyed by their text as written; the file's dates are read with one format once all are in
(see dates.py). Values must lie in their KPI's range. Daily rows (some KPI with two dates in
one week) are rolled up into weeks with each metric's rollup; a week missing days is reported
and skipped, never stored as a low value (see import_weeks.py).
"""

from __future__ import annotations

import csv
import sqlite3
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
from kpireview.import_weeks import (
    Cells,
    Errors,
    Partial,
    Weeks,
    check_one_per_week,
    check_same_days,
    is_daily,
    roll_up_days,
    weekly,
)
from kpireview.numbers import AmbiguousNumber, parse_value
from kpireview.periods import PeriodError, week_label
from kpireview.periods import week_span_text as span
from kpireview.presentation import plural
from kpireview.ranges import cell_problem
from kpireview.staging import CHUNK, Cell, Staging
from kpireview.store import Store, UpsertCounts

__all__ = ["PROGRESS_BYTES", "Batch", "ImportError_", "parse_value", "read"]

LONG_COLUMNS = {"metric", "week", "value", "segment"}
SEGMENT_SEP = ":"

Row = tuple[str, date, str, float]


@dataclass
class Batch:
    """What a file holds, checked and rolled up into weeks, staged on disk; nothing written
    to the database yet. Close it (or use it in a ``with``) to drop the staged rows."""

    path: Path
    week_starts: int
    staging: Staging
    cells: Cells
    weeks: Weeks = field(default_factory=Weeks)
    partial: list[Partial] = field(default_factory=list)
    daily: bool = False

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.staging.close()

    def iter_rows(self) -> Iterator[Row]:
        """The rows to store, (metric, week, segment, value), read back from the staging."""
        weeks: dict[str, date] = {}
        for metric_id, text, segment, value in self.staging.rows(self.daily):
            week = weeks.get(text) or weeks.setdefault(text, date.fromisoformat(text))
            yield metric_id, week, segment, value

    def store(self, store: Store, source: str, dry_run: bool = False) -> UpsertCounts:
        """Write the rows into the store's snapshots, in one transaction (see
        ``Store.upsert_staged``), or count them with ``dry_run``."""
        select = self.staging.select(self.daily, "staged")
        return store.upsert_staged(self.staging.path, select, source, dry_run)

    @property
    def rows(self) -> list[Row]:
        """Every row, by metric, segment and week (all in memory: for small files)."""
        return sorted(self.iter_rows(), key=lambda r: (r[0], r[2], r[1]))

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
        total = counts.new + counts.changed + counts.unchanged
        verb = "Would import" if dry_run else "Imported"
        text = (
            f"{verb} {plural(total, 'value')}: {counts.new:,} new, {counts.changed:,} changed, "
            f"{counts.unchanged:,} unchanged; {plural(len(self.weeks.metrics), 'metric')}"
        )
        if self.weeks.first is not None and self.weeks.last is not None:
            first, last = (
                week_label(w, self.week_starts) for w in (self.weeks.first, self.weeks.last)
            )
            text += f", weeks {first} to {last}"
        partial_weeks = len({p.week for p in self.partial})
        text += f"; {plural(partial_weeks, 'partial week')} skipped"
        return text + (" (dry run, nothing written)." if dry_run else ".")


def _name(p: Partial) -> str:
    return f"{p.metric}{SEGMENT_SEP}{p.segment}" if p.segment else p.metric


@dataclass
class _Reading:
    """What the row readers share: the file's errors, dates, number spelling, header, and
    the codes its metrics and date cells are staged under."""

    config: Config
    errors: Errors
    dates: DateColumn
    ids: list[str]
    delimiter: str = ","
    date_field: str = "week"
    header: list[str] = field(default_factory=list)
    metric_codes: dict[str, int] = field(default_factory=dict)
    cell_codes: dict[str, int] = field(default_factory=dict)  # by the cell's stripped text
    raw_codes: dict[str, int] = field(default_factory=dict)  # by its text as written
    cell_texts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.metric_codes = {metric_id: i for i, metric_id in enumerate(self.ids)}

    def duplicate(self, cell: Cell, first: int) -> None:
        """A second value for a metric, segment and date cell (staged cells are checked a
        chunk at a time, so this comes after later lines' errors: Errors orders them)."""
        m, _, c, _, line, col = cell
        message = (
            f"a second value for {self.ids[m]} on {self.cell_texts[c]} (first at line {first})"
        )
        self.errors.add(line, self.header[col], message, col + 1)


def read(
    path: Path, config: Config, progress: bool = False, date_format: str | None = None
) -> Batch:
    """Read, check and stage a whole CSV file; raise ImportError_ naming file, line and field.

    ``date_format`` (a strptime format) overrides the config's ``review.date_format``.
    """
    fmt = date_format or config.review.date_format
    source_name = "--date-format" if date_format else "review.date_format"
    ids = sorted(m.id for m in config.metrics if not m.derived)  # codes in id order
    ctx = _Reading(config, Errors(path), DateColumn(fmt, source_name), ids)
    staging = Staging(ctx.duplicate)
    try:
        with Source(path) as source:
            reader, ctx.delimiter = source.reader()
            ctx.header = header_row(reader, path)
            lines = progress_rows(reader, source, progress)
            read_rows = _read_long if is_long(ctx.header) else _read_wide
            read_rows(lines, reader, ctx, staging)
        staging.flush()
        return _to_batch(path, ctx, staging)
    except sqlite3.Error as exc:
        staging.close()
        raise ImportError_(f"{path}: the import's temporary file {staging.path}: {exc}") from None
    except BaseException:
        staging.close()
        raise


def _to_batch(path: Path, ctx: _Reading, staging: Staging) -> Batch:
    """Resolve the dates, check the rows against each other, and make the weeks."""
    errors, starts = ctx.errors, ctx.config.review.week_starts
    errors.raise_any()
    try:
        days = ctx.dates.resolve()
    except ColumnError as exc:
        errors.add(exc.line, ctx.date_field, str(exc))
        errors.raise_any()
    cells = Cells(ctx.ids, ctx.cell_texts)
    cells.resolve(days, starts)
    batch = Batch(path, starts, staging, cells)
    check_same_days(staging, cells, errors, ctx.date_field)
    batch.daily = is_daily(staging, cells)
    if not batch.daily and not errors.count:
        check_one_per_week(staging, cells, errors, starts)
    errors.raise_any()
    if batch.daily:
        batch.weeks = roll_up_days(staging, cells, ctx.config, batch.partial)
    else:
        batch.weeks = weekly(staging, cells)
    if batch.partial and not batch.weeks.count:
        raise ImportError_(f"{path}: nothing to import: every week misses days ({_why(batch)})")
    staging.finish(ctx.ids, [week.isoformat() for week in cells.weeks])
    return batch


def _why(batch: Batch) -> str:
    first = batch.partial[0]
    label = week_label(first.week, batch.week_starts)
    return f"a daily file needs all 7 days of a week; {_name(first)} {label} has {first.days} of 7"


def _read_long(rows: Iterator[list[str]], reader, ctx: _Reading, staging: Staging) -> None:
    errors, config, header = ctx.errors, ctx.config, ctx.header
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
    width, codes, pending = len(header), ctx.metric_codes, staging.pending
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
        value = _value(row[value_col], line, value_col, ctx, metric)
        if day is None:
            continue
        if value is None:
            continue
        segment = row[seg_col].strip() if seg_col is not None else ""
        pending.append((codes[metric.id], segment, day, value, line, value_col))
        if len(pending) >= CHUNK:
            staging.flush()


def _safe_rows(rows: Iterator[list[str]], reader, errors: Errors) -> Iterator[list[str]]:
    try:
        yield from rows
    except csv.Error as exc:
        errors.add(reader.line_num, "row", f"not valid CSV ({exc})")


def _day(text: str, line: int, where: str, ctx: _Reading) -> int | None:
    """The cell's code in the file's date column (its text, read once all cells are in)."""
    code = ctx.raw_codes.get(text)
    if code is not None:
        return code  # a spelling seen before, as written
    try:
        key = ctx.dates.add(text, line)
    except PeriodError as exc:
        ctx.errors.add(line, where, str(exc))
        return None
    code = ctx.cell_codes.get(key)
    if code is None:
        code = ctx.cell_codes[key] = len(ctx.cell_texts)
        ctx.cell_texts.append(key)
    ctx.raw_codes[text] = code
    return code


def _value(text: str, line: int, col: int, ctx: _Reading, metric: Metric) -> float | None:
    where = ctx.header[col]
    try:
        value = parse_value(text, ctx.delimiter)
    except AmbiguousNumber as exc:
        ctx.errors.add(line, where, str(exc), col + 1)
        return None
    except ValueError:
        ctx.errors.add(line, where, f"'{text.strip()}' is not a number", col + 1)
        return None
    if value is None:
        return None
    if metric.scale == "points" and not text.strip().endswith("%"):
        value /= 100
    low, high = metric.bounds
    if (low is None or value >= low) and (high is None or value <= high):
        return value  # the common case, checked inline: a million cells go through here
    ctx.errors.add(line, where, cell_problem(metric, text.strip(), value), col + 1)
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


def _read_wide(rows: Iterator[list[str]], reader, ctx: _Reading, staging: Staging) -> None:
    errors, header = ctx.errors, ctx.header
    columns = _wide_columns(header, ctx.config, errors.path)
    ctx.date_field = header[0] or "date"
    codes = ctx.metric_codes
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
            value = _value(row[i], line, i, ctx, metric)
            if value is not None:
                staging.add((codes[metric.id], segment, day, value, line, i))
