"""`kpireview check`: the config against the database, as a report and as plain text.

Warnings: KPIs without data (derived ones need their inputs' data), data without a KPI,
segments the config does not list, KPIs whose last value is older than the latest week.
Config and database errors (a locked range outside its KPI's data too) are raised as KpiError
before a report exists.
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kpireview import signal_options
from kpireview.config import Config, Metric
from kpireview.periods import week_label
from kpireview.presentation import plural
from kpireview.store import MetricRange, Store
from kpireview.text import safe

WIDTH = 80
ID_WIDTH = 28
MAX_LISTED = 10
Span = tuple[date, date]


@dataclass(frozen=True)
class KpiRow:
    """One KPI's data: first and last week, stored values (None if derived), status."""

    id: str
    first: date | None
    last: date | None
    values: int | None
    status: str  # ok | derived | stale | no data


@dataclass(frozen=True)
class Issue:
    level: str  # warning | error
    message: str


@dataclass
class Report:
    config_path: Path
    db_path: Path
    week_starts: int
    kpis: int
    derived: int
    stored_values: int
    latest: date | None
    rows: list[KpiRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    @property
    def exit_code(self) -> int:
        """0 when clean, 1 with warnings, 2 with errors."""
        return 2 if self.errors else 1 if self.warnings else 0

    def label(self, week: date | None) -> str:
        return week_label(week, self.week_starts) if week else "-"


def run(cfg: Config, store: Store) -> Report:
    """Check ``cfg`` against the data in ``store``."""
    ranges = store.metric_ranges()
    report = Report(
        config_path=cfg.path,
        db_path=store.path,
        week_starts=cfg.review.week_starts,
        kpis=len(cfg.metrics),
        derived=sum(m.derived for m in cfg.metrics),
        stored_values=sum(r.count for r in ranges),
        latest=store.latest_week(),
    )
    by_metric: dict[str, list[MetricRange]] = defaultdict(list)
    for r in ranges:
        by_metric[r.metric].append(r)
    spans = _spans(cfg, by_metric)
    found = {mid: span for mid, span in spans.items() if span is not None}
    signal_options.check_locks(cfg.locks(), found, cfg.review.week_starts)
    for metric in cfg.metrics:
        report.rows.append(_row(report, metric, spans.get(metric.id), by_metric))
    report.issues += _no_data(report, cfg)
    report.issues += _unknown_metrics(report, cfg, by_metric)
    report.issues += _unknown_segments(cfg, by_metric)
    report.issues += _stale(report, cfg)
    return report


def _spans(cfg: Config, by_metric: dict[str, list[MetricRange]]) -> dict[str, Span | None]:
    """First and last week per KPI; derived KPIs span the weeks all their inputs cover."""
    out: dict[str, Span | None] = {}

    def span(mid: str) -> Span | None:
        if mid not in out:
            formula = cfg.metric(mid).formula
            if formula:
                out[mid] = _derived_span([span(name) for name in formula.inputs])
            else:
                out[mid] = _stored_span(by_metric.get(mid, []))
        return out[mid]

    for m in cfg.metrics:
        span(m.id)
    return out


def _stored_span(ranges: list[MetricRange]) -> Span | None:
    if not ranges:
        return None
    return min(r.first for r in ranges), max(r.last for r in ranges)


def _derived_span(inputs: list[Span | None]) -> Span | None:
    spans = [s for s in inputs if s is not None]
    if not spans or len(spans) < len(inputs):
        return None
    first, last = max(s[0] for s in spans), min(s[1] for s in spans)
    return (first, last) if first <= last else None


def _row(
    report: Report, metric: Metric, span: Span | None, by_metric: dict[str, list[MetricRange]]
) -> KpiRow:
    values = None if metric.derived else sum(r.count for r in by_metric.get(metric.id, []))
    if span is None:
        return KpiRow(metric.id, None, None, values, "no data")
    stale = report.latest is not None and span[1] < report.latest
    status = "stale" if stale else "derived" if metric.derived else "ok"
    return KpiRow(metric.id, span[0], span[1], values, status)


def _no_data(report: Report, cfg: Config) -> list[Issue]:
    spans = {r.id: r.first for r in report.rows}
    out = []
    for row in report.rows:
        if row.status != "no data":
            continue
        formula = cfg.metric(row.id).formula
        if formula is None:
            text = f"{row.id}: no data in the database"
        else:
            missing = [name for name in formula.inputs if spans.get(name) is None]
            why = f"no data for {', '.join(missing)}" if missing else "its inputs share no week"
            text = f"{row.id}: derived ({formula.text}), but {why}"
        out.append(Issue("warning", text))
    return out


def _unknown_metrics(
    report: Report, cfg: Config, by_metric: dict[str, list[MetricRange]]
) -> list[Issue]:
    unknown = [m for m in by_metric if m not in cfg.by_id]
    if len(unknown) > MAX_LISTED:
        shown = ", ".join(unknown[:MAX_LISTED])
        more = len(unknown) - MAX_LISTED
        text = f"{len(unknown)} metrics in the database have no KPI in the config: {shown} "
        return [Issue("warning", text + f"and {more} more")]
    out = []
    for mid in unknown:
        first, last = min(r.first for r in by_metric[mid]), max(r.last for r in by_metric[mid])
        count = sum(r.count for r in by_metric[mid])
        out.append(
            Issue(
                "warning",
                f"{mid}: {plural(count, 'value')} in the database ({report.label(first)} to "
                f"{report.label(last)}) but no KPI in the config",
            )
        )
    return out


def _unknown_segments(cfg: Config, by_metric: dict[str, list[MetricRange]]) -> list[Issue]:
    out = []
    for metric in cfg.metrics:
        extra = [r.segment for r in by_metric.get(metric.id, []) if r.segment]
        extra = [s for s in extra if s not in metric.segments]
        if not extra:
            continue
        listed = ", ".join(metric.segments) if metric.segments else "none"
        names = ", ".join(f"'{s}'" for s in extra)
        out.append(
            Issue(
                "warning",
                f"{metric.id}: segments {names} in the data are not in the config "
                f"(listed: {listed})",
            )  # fmt: skip
        )
    return out


def _stale(report: Report, cfg: Config) -> list[Issue]:
    """Stale stored KPIs; a stale derived KPI is already explained by its inputs."""
    out = []
    for row in report.rows:
        if row.status != "stale" or cfg.metric(row.id).derived or not row.last:
            continue
        behind = (report.latest - row.last).days // 7  # type: ignore[operator]
        weeks = "week" if behind == 1 else "weeks"
        out.append(
            Issue("warning", f"{row.id}: stale, last value in {report.label(row.last)}, "
                  f"{behind} {weeks} before the latest week {report.label(report.latest)}")
        )  # fmt: skip
    return out


# --- text ----------------------------------------------------------------------------------


def render(report: Report) -> str:
    """The report as plain text within 80 columns."""
    latest = report.label(report.latest) if report.latest else "none"
    lines = _wrap(
        f"{report.config_path}: {plural(report.kpis, 'KPI')} ({report.derived} derived)",
        f"{report.db_path}: {plural(report.stored_values, 'value')}, latest week {latest}",
    )
    lines += ["", *_table(report), ""]
    for issue in report.issues:
        lines += _wrap(f"{issue.level}: {issue.message}")
    lines.append(_verdict(report))
    return safe("\n".join(lines))  # ids, segments and paths come from the files


def _wrap(*texts: str) -> list[str]:
    return [line for t in texts for line in textwrap.wrap(t, WIDTH, subsequent_indent="    ")]


def _table(report: Report) -> list[str]:
    width = min(ID_WIDTH, max([3, *(len(r.id) for r in report.rows)]))
    lines = [f"{'KPI':<{width}}  {'first':<8}  {'last':<8}  {'values':>7}  status"]
    for r in report.rows:
        name = r.id if len(r.id) <= width else r.id[: width - 1] + "…"
        values = "-" if r.values is None else f"{r.values:,}"
        lines.append(
            f"{name:<{width}}  {report.label(r.first):<8}  {report.label(r.last):<8}  "
            f"{values:>7}  {r.status}"
        )
    return lines


def _verdict(report: Report) -> str:
    if not report.issues:
        return "OK: the config and the database agree."
    parts = []
    for name, items in (("error", report.errors), ("warning", report.warnings)):
        if items:
            parts.append(f"{len(items)} {name}{'' if len(items) == 1 else 's'}")
    return ", ".join(parts) + "."
