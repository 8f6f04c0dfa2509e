"""Process changes and acknowledgements from the shell: checked, saved, listed.

A divider may be set on any KPI of the config, derived ones included (a ratio can change
level while its inputs do not), at a week where that KPI has a value and that is not its
first: the limits after it come from that KPI's own weeks. Every check runs before anything
is written.
"""

from __future__ import annotations

from datetime import date

from kpireview.config import Config
from kpireview.decisions import current_user, default_week
from kpireview.divider_store import Divider
from kpireview.errors import KpiError
from kpireview.periods import week_label
from kpireview.store import Store
from kpireview.text import json_text, safe_line


def divide(config: Config, store: Store, metric: str, week: date, reason: str) -> str:
    """Save a divider on ``metric`` from ``week`` (committed on return); say what was saved."""
    _known(config, metric, "divide")
    if not reason.strip():
        raise KpiError("divide: --reason: required (what changed in the process)")
    label = week_label(week, config.review.week_starts)
    _check_week(config, store, metric, week, label)
    did = store.add_divider(metric, week, " ".join(reason.split()), author=current_user())
    return f"Divider {did} on {metric} from {label}: limits now come from the weeks after it."


def remove(config: Config, store: Store, metric: str, week: date) -> str:
    """Mark the divider at ``week`` removed (kept as history)."""
    label = week_label(week, config.review.week_starts)
    if not any(d.week == week for d in store.dividers(metric)):
        _known(config, metric, "divide")
        raise KpiError(f"divide --remove: no divider on {metric} at {label}")
    did = store.remove_divider(metric, week, by=current_user())
    return f"Removed divider {did} on {metric} at {label} (kept as history)."


def acknowledge(
    config: Config, store: Store, metric: str, week: date | None, rule: str | None, note: str
) -> str:
    """Record that the meeting saw a KPI's signals of a week (all, or the one ``rule``)."""
    from kpireview import review

    _known(config, metric, "acknowledge")
    week = week or default_week(config, store)
    if week is None:
        raise KpiError(f"{store.path}: no data yet; give --week")
    label = week_label(week, config.review.week_starts)
    data = review.load(config, store, around=week)
    rules = [f.rule for f in review.build(config, data, week).kpi(metric).flags]
    if not rules:
        raise KpiError(f"acknowledge: {metric} has no signal in {label}: nothing to acknowledge")
    if rule is not None and rule not in rules:
        raise KpiError(
            f"acknowledge: --rule: {metric} has no {rule!r} signal in {label} "
            f"(its signals: {', '.join(rules)})"
        )
    chosen = [rule] if rule is not None else list(dict.fromkeys(rules))
    store.add_acknowledgements(metric, week, chosen, " ".join(note.split()), current_user())
    return f"Acknowledged {metric} in {label}: {', '.join(chosen)}."


def _known(config: Config, metric: str, command: str) -> None:
    if metric not in config.by_id:
        raise KpiError(f"{command}: unknown metric '{metric}' (not in {config.path})")


def _check_week(config: Config, store: Store, metric: str, week: date, label: str) -> None:
    """A divider's week must hold a value of the KPI, after its first one."""
    from kpireview import review

    series = review.load(config, store).get(metric)
    if not series:
        raise KpiError(f"divide: {metric} has no data yet")
    first, last = min(series), max(series)
    starts = config.review.week_starts
    if week < first:
        raise KpiError(
            f"divide: --week {label} is before {metric}'s first data ({week_label(first, starts)})"
        )
    if week > last:
        raise KpiError(
            f"divide: --week {label} is after {metric}'s latest data ({week_label(last, starts)})"
        )
    if week not in series:
        raise KpiError(f"divide: {metric} has no value in {label}")
    if week == first:
        raise KpiError(
            f"divide: --week {label} is {metric}'s first week with data: a divider needs "
            "weeks before it"
        )
    if any(d.week == week for d in store.dividers(metric)):
        raise KpiError(f"divide: {metric} already has a divider at {label} (--remove it first)")


def listing(config: Config, items: list[Divider]) -> str:
    """One line per divider; a removed one says when and by whom."""
    if not items:
        return "No dividers.\n"
    starts = config.review.week_starts
    lines = [f"{'id':>4}  {'week':<8}  {'kpi':<20}  {'author':<10}  {'created':<10}  reason"]
    for d in items:
        reason = safe_line(d.reason)
        if d.removed_at:
            reason += f" (removed {d.removed_at[:10]} by {safe_line(d.removed_by) or '?'})"
        lines.append(
            f"{d.id:>4}  {week_label(d.week, starts):<8}  {_fit(safe_line(d.metric), 20):<20}  "
            f"{_fit(safe_line(d.author), 10):<10}  {d.created_at[:10]:<10}  {reason}"
        )
    return "\n".join(lines) + "\n"


def to_json(config: Config, items: list[Divider]) -> str:
    out = []
    for d in items:
        row = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(d).items()}
        row["week_label"] = week_label(d.week, config.review.week_starts)
        row["active"] = d.active
        out.append(row)
    return json_text(out)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
