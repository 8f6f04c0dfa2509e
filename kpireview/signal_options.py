"""A KPI's ``signals:`` key: how its expected band is chosen (:class:`bandtypes.Options`).

``signals: {method: auto|flat|trend|seasonal|off, baseline_weeks: N, lock: [FIRST, LAST]}``;
every error names the file, the line and the field. A lock range is checked against the data
where the data is known (:func:`check_locks`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kpireview import signals
from kpireview.bandtypes import METHODS, OFF, Options
from kpireview.errors import ConfigError
from kpireview.periods import week_label, week_start
from kpireview.yamltree import Node, Reader

KEYS = {"method", "baseline_weeks", "lock"}
MAX_BASELINE = 520


@dataclass(frozen=True)
class Lock:
    """Where a KPI's ``lock`` is written (``file:line: field``), to name it in an error."""

    metric: str
    where: str
    first: date
    last: date


def read(r: Reader, node: Node, where: str, baseline_weeks: int, starts: int) -> Options:
    """A ``signals:`` mapping; ``baseline_weeks`` defaults to the review's."""
    f = r.mapping(node, where, KEYS)
    method = "auto"
    if "method" in f:
        node_ = f["method"][1]
        if node_.value is False:  # YAML reads a bare `off` as false
            method = OFF
        else:
            method = r.choice(node_, f"{where}.method", METHODS, "method")
    if "baseline_weeks" in f:
        n = f["baseline_weeks"][1]
        baseline_weeks = r.scalar(n, f"{where}.baseline_weeks", (int,), "a whole number")
        if not signals.MIN_BASELINE <= baseline_weeks <= MAX_BASELINE:
            raise r.fail(
                n.line,
                f"{where}.baseline_weeks",
                f"must be between {signals.MIN_BASELINE} and {MAX_BASELINE}",
            )
    lock = _lock(r, f["lock"][1], f"{where}.lock", starts) if "lock" in f else None
    return Options(method, baseline_weeks, lock)


def _lock(r: Reader, node: Node, where: str, starts: int) -> tuple[date, date]:
    if not isinstance(node.value, list) or len(node.value) != 2:
        raise r.fail(
            node.line, where, "expected [FIRST_WEEK, LAST_WEEK], e.g. [2025-W01, 2025-W26]"
        )
    first, last = (week_start(r.day(n, f"{where}[{i}]"), starts) for i, n in enumerate(node.value))
    if first > last:
        raise r.fail(
            node.line,
            where,
            f"the first week {week_label(first, starts)} is after the last "
            f"{week_label(last, starts)}",
        )
    weeks = (last - first).days // 7 + 1
    if weeks < signals.MIN_BASELINE:
        raise r.fail(
            node.line, where, f"{weeks} weeks; locked limits need at least {signals.MIN_BASELINE}"
        )
    return first, last


def check_locks(locks: Iterable[Lock], spans: dict[str, tuple[date, date]], starts: int) -> None:
    """Each lock range within its KPI's data (first to last week with a value); a KPI without
    data is not checked. Raises ConfigError naming the file, line and field."""
    for lock in locks:
        span = spans.get(lock.metric)
        if span is None or span[0] <= lock.first and lock.last <= span[1]:
            continue
        raise ConfigError(
            f"{lock.where}: {week_label(lock.first, starts)} to {week_label(lock.last, starts)} "
            f"is outside {lock.metric}'s data ({week_label(span[0], starts)} to "
            f"{week_label(span[1], starts)})"
        )
