"""CSV import: long (`metric,week,value[,segment]`) or wide (a date column, one column per metric).

The whole file is read and checked before anything is written, so an import is all or
nothing. Daily rows are rolled up into weeks with each metric's rollup; a week missing days
is reported and skipped, never stored as a low value.
"""

from __future__ import annotations

import csv
import math
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import click

from kpireview.config import Config
from kpireview.errors import KpiError
from kpireview.periods import PeriodError, is_week_string, parse_day, week_label, week_start
from kpireview.periods import week_span_text as span
from kpireview.store import UpsertCounts

LONG_COLUMNS = {"metric", "week", "value", "segment"}
SEGMENT_SEP = ":"
MAX_LISTED = 10
PROGRESS_BYTES = 2_000_000
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CURRENCY = "$€£¥"

Row = tuple[str, date, str, float]


class ImportError_(KpiError):
    """A CSV file that cannot be imported."""


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
        self.path, self.first, self.lines, self.count = path, "", [], 0

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


def parse_value(text: str) -> float | None:
    """A number from a cell: '1,234', '12.5%', '$48.30', '-3e2'; None for an empty cell."""
    s = text.strip()
    if not s:
        return None
    try:
        value = float(s)
    except ValueError:
        value = _parse_decorated(s)
    else:
        if "_" in s:
            raise ValueError(s)
    if not math.isfinite(value):
        raise ValueError(s)
    return value


def _parse_decorated(s: str) -> float:
    percent = s.endswith("%")
    core = s[:-1].strip() if percent else s
    sign = ""
    if core[:1] in "+-":
        sign, core = core[0], core[1:].strip()
    core = core.lstrip(_CURRENCY).strip()
    if _THOUSANDS.match(core):
        core = core.replace(",", "")
    if not core or "_" in core or any(c.isalpha() and c not in "eE" for c in core):
        raise ValueError(s)
    value = float(sign + core)
    return value / 100 if percent else value


def read(path: Path, config: Config, progress: bool = False) -> Batch:
    """Read and check a whole CSV file; raise ImportError_ naming file, line and field."""
    line_count = _check_text(path)
    with path.open(encoding="utf-8-sig", newline="") as fh:  # streamed: big files stay small
        reader = csv.reader(fh)
        header = _header(reader, path)
        errors = _Errors(path)
        show = progress and path.stat().st_size >= PROGRESS_BYTES
        lines = _progress_rows(reader, line_count, show)
        days: set[date] = set()
        read_rows = _read_long if _is_long(header) else _read_wide
        observations = read_rows(lines, reader, header, config, errors, days)
    batch = Batch(path, config.review.week_starts)
    batch.daily = len(days) > len({week_start(d, batch.week_starts) for d in days})
    if not batch.daily:
        _check_one_per_week(observations, batch.week_starts, errors)
    errors.raise_any()
    _to_weeks(observations, days, config, batch)
    return batch


def _check_one_per_week(obs: Observations, starts: int, errors: _Errors) -> None:
    """In a weekly file, two rows for one metric, segment and week are a conflict."""
    weeks = _week_starts(obs, starts)
    if len(weeks) == len(set(weeks.values())):
        return  # every day is in a week of its own: a conflict would be an exact duplicate
    first: dict[tuple[str, str, date], int] = {}
    for (metric_id, segment, day), (_, line) in obs.items():  # in line order, as recorded
        week = weeks[day]
        earlier = first.setdefault((metric_id, segment, week), line)
        if earlier != line:
            label = week_label(week, starts)
            errors.add(
                line, "week", f"a second value for {metric_id} in {label} (first at line {earlier})"
            )


def _check_text(path: Path) -> int:
    """Check the file is readable UTF-8 text; return its number of lines."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportError_(f"{path}: no such file") from None
    except OSError as exc:
        raise ImportError_(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportError_(f"{path}:{line}: not UTF-8 text (byte {exc.start})") from None
    return data.count(b"\n") + 1


def _header(reader: Iterator[list[str]], path: Path) -> list[str]:
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                return [cell.strip() for cell in row]
    except csv.Error as exc:
        raise ImportError_(f"{path}:1: not a CSV header ({exc})") from None
    raise ImportError_(f"{path}:1: empty file (expected a header row)")


def _is_long(header: list[str]) -> bool:
    lower = {h.lower() for h in header}
    return {"metric", "value"} <= lower and ("week" in lower or "date" in lower)


def _progress_rows(reader: Iterator[list[str]], total: int, show: bool) -> Iterator[list[str]]:
    if not show:
        yield from reader
        return
    with click.progressbar(length=total, label="Reading", file=sys.stderr) as bar:
        done = 0
        for i, row in enumerate(reader):
            yield row
            if i % 20_000 == 0:
                line = getattr(reader, "line_num", done)
                bar.update(line - done)
                done = line
        bar.update(total - done)


Observations = dict[tuple[str, str, date], tuple[float, int]]


def _record(
    obs: Observations,
    key: tuple[str, str, date],
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


def _read_long(
    rows: Iterator[list[str]],
    reader,
    header: list[str],
    config: Config,
    errors: _Errors,
    days: set[date],
) -> Observations:
    lower = [h.lower() for h in header]
    for name in lower:
        if name not in LONG_COLUMNS | {"date"}:
            raise ImportError_(
                f"{errors.path}:1: column '{name}': not a long-format column "
                "(expected metric, week, value and optionally segment)"
            )
    _check_unique(lower, errors.path)
    if {"week", "date"} <= set(lower):
        raise ImportError_(f"{errors.path}:1: column 'date': give either week or date, not both")
    at = {name: lower.index(name) for name in lower}
    week_col = at.get("week", at.get("date"))
    metric_col, value_col, seg_col = at["metric"], at["value"], at.get("segment")
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
        day = _day(row[week_col], line, header[week_col], errors, days)
        value = _value(row[value_col], line, header[value_col], errors)
        if day is None:
            continue
        if value is None:
            continue
        segment = row[seg_col].strip() if seg_col is not None else ""
        # the config's own id string: one object shared by every row of the metric
        _record(obs, (metric.id, segment, day), value, line, errors, header[value_col])
    return obs


def _check_unique(names: list[str], path: Path) -> None:
    """Two columns with one name would make one of them silently ignored."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ImportError_(f"{path}:1: column '{name}': appears twice in the header")
        seen.add(name)


def _safe_rows(rows: Iterator[list[str]], reader, errors: _Errors) -> Iterator[list[str]]:
    try:
        yield from rows
    except csv.Error as exc:
        errors.add(reader.line_num, "row", f"not valid CSV ({exc})")


def _day(text: str, line: int, where: str, errors: _Errors, days: set[date]) -> date | None:
    """The date in a cell; dates (not week strings) are also collected to tell daily files."""
    try:
        day = parse_day(text)
    except PeriodError as exc:
        errors.add(line, where, str(exc))
        return None
    if not is_week_string(text):
        days.add(day)
    return day


def _value(text: str, line: int, where: str, errors: _Errors) -> float | None:
    try:
        return parse_value(text)
    except ValueError:
        errors.add(line, where, f"'{text.strip()}' is not a number")
        return None


def _wide_columns(header: list[str], config: Config, path: Path) -> list[tuple[int, str, str]]:
    """(index, metric id, segment) for each metric column of a wide file."""
    _check_unique(header, path)
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
        out.append((i, metric.id, "" if metric.column == name else segment))
    return out


def _read_wide(
    rows: Iterator[list[str]],
    reader,
    header: list[str],
    config: Config,
    errors: _Errors,
    days: set[date],
) -> Observations:
    columns = _wide_columns(header, config, errors.path)
    obs: Observations = {}
    for row in _safe_rows(rows, reader, errors):
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            errors.add(line, "row", f"{len(row)} cells where the header has {len(header)}")
            continue
        day = _day(row[0], line, header[0] or "date", errors, days)
        if day is None:
            continue
        for i, metric_id, segment in columns:
            value = _value(row[i], line, header[i], errors)
            if value is not None:
                _record(obs, (metric_id, segment, day), value, line, errors, header[i])
    return obs


def _to_weeks(obs: Observations, days: set[date], config: Config, batch: Batch) -> None:
    """Fill the batch with one value per metric, segment and week.

    With daily rows, a week is imported only with all seven days; a week the file covers
    but where a metric has fewer values (from its first week on) is recorded as partial.
    """
    starts = config.review.week_starts
    if not batch.daily:  # one value per week, checked: the rows as they are
        weeks = _week_starts(obs, starts)
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
    for (metric_id, segment, day), (value, _) in obs.items():
        groups[(metric_id, segment)][week_start(day, starts)].append((day, value))
    file_weeks = {week_start(d, starts) for d in days}
    for (metric_id, segment), weeks in sorted(groups.items()):
        rollup = config.metric(metric_id).rollup
        first = min(weeks)
        for week in sorted(file_weeks | set(weeks)):
            values = weeks.get(week, [])
            if week < first:
                continue
            if len(values) < 7:
                batch.partial.append(Partial(metric_id, segment, week, len(values)))
            else:
                batch.rows.append((metric_id, week, segment, _roll_up(rollup, values)))


def _week_starts(obs: Observations, starts: int) -> dict[date, date]:
    """The week start of every day in ``obs``, each computed once."""
    return {day: week_start(day, starts) for day in {key[2] for key in obs}}


def _roll_up(rollup: str, days: list[tuple[date, float]]) -> float:
    values = [v for _, v in sorted(days)]
    if rollup == "sum":
        return math.fsum(values)
    if rollup == "mean":
        return math.fsum(values) / len(values)
    return values[-1]
