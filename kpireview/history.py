"""Restated values: every stored value an import replaced, read back from snapshot_history.

An import says what it revised ("signups 2026-W46 revised 1,204 → 1,187"); `kpireview history`
lists a KPI's restatements; the review model carries them per KPI (read in one query).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kpireview import units
from kpireview.config import Config
from kpireview.periods import week_label
from kpireview.store import Store, StoreError, UpsertCounts, stored_day

SEGMENT_SEP = ":"  # as in the CSV: metric:segment


@dataclass(frozen=True)
class Restatement:
    """A stored value replaced by another: ``old`` (from ``old_source``, loaded at
    ``old_loaded_at``) became ``new`` (from ``source``) at ``replaced_at``."""

    metric: str
    week: date
    segment: str
    old: float
    new: float | None
    source: str
    replaced_at: str
    old_source: str
    old_loaded_at: str


# Each replaced value, with the value that replaced it: the next one kept for the same
# (metric, week, segment), or the one stored now.
_QUERY = """
SELECT h.metric, h.week, h.segment, h.value,
       coalesce(lead(h.value) OVER w, s.value), coalesce(lead(h.source) OVER w, s.source),
       h.replaced_at, h.source, h.loaded_at
FROM snapshot_history h LEFT JOIN snapshots s
  ON s.metric = h.metric AND s.week = h.week AND s.segment = h.segment
{where}
WINDOW w AS (PARTITION BY h.metric, h.week, h.segment ORDER BY h.rowid)
ORDER BY h.metric, h.week, h.rowid
"""


def load(
    store: Store, metric: str | None = None, week: date | None = None, since: date | None = None
) -> list[Restatement]:
    """The restatements of a metric (or all), of one week or of the weeks from ``since`` on;
    by metric, week, then in the order they happened."""
    where, params = [], []
    for test, value in (("h.metric = ?", metric), ("h.week = ?", week), ("h.week >= ?", since)):
        if value is not None:
            where.append(test)
            params.append(value.isoformat() if isinstance(value, date) else value)
    sql = _QUERY.format(where=f"WHERE {' AND '.join(where)}" if where else "")
    out = []
    for m, w, seg, old, new, source, at, old_source, loaded in store.conn.execute(sql, params):
        try:
            day = stored_day(w, "week")
        except ValueError as exc:
            raise StoreError(f"{store.path}: snapshot_history row ({m!r}): {exc}") from None
        out.append(Restatement(m, day, seg, old, new, source or "", at, old_source or "",
                               loaded or ""))  # fmt: skip
    return out


def by_week(items: Iterable[Restatement]) -> dict[tuple[str, date], tuple[Restatement, ...]]:
    """Restatements grouped by (metric, week)."""
    out: dict[tuple[str, date], list[Restatement]] = {}
    for r in items:
        out.setdefault((r.metric, r.week), []).append(r)
    return {k: tuple(v) for k, v in out.items()}


def change_text(config: Config, metric: str, old: float, new: float | None) -> str:
    """'1,204 → 1,187' in the KPI's unit, in full."""
    m = config.by_id.get(metric)
    unit, currency = (m.unit, m.currency) if m else ("count", "$")
    after = units.exact(new, unit, currency) if new is not None else "(no value)"
    return f"{units.exact(old, unit, currency)} → {after}"


def _name(metric: str, segment: str) -> str:
    return f"{metric}{SEGMENT_SEP}{segment}" if segment else metric


def import_lines(config: Config, counts: UpsertCounts, dry_run: bool = False) -> list[str]:
    """What an import revised, a line per value (the first few), then how many more."""
    verb = "would revise" if dry_run else "revised"
    starts = config.review.week_starts
    lines = [
        f"{_name(r.metric, r.segment)} {week_label(r.week, starts)} {verb} "
        f"{change_text(config, r.metric, r.old, r.new)}"
        for r in counts.restated
    ]
    more = counts.changed - len(lines)
    if more > 0:
        lines.append(f"and {more:,} more {'would be ' if dry_run else ''}revised")
    return lines


def text(config: Config, items: list[Restatement]) -> str:
    """`kpireview history`: a line per restatement: week, old → new, source, when."""
    if not items:
        return "No restatements.\n"
    starts = config.review.week_starts
    rows = [
        (
            week_label(r.week, starts) + (f" {r.segment}" if r.segment else ""),
            change_text(config, r.metric, r.old, r.new),
            r.source or "–",
            r.replaced_at,
        )
        for r in items
    ]
    lines = [("week", "revised", "source", "when"), *rows]
    widths = [max(len(row[i]) for row in lines) for i in range(3)]
    return "".join(
        f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip() + "\n"
        for a, b, c, d in lines
    )
