"""What each initiative's KPIs did since it started, in words: ``kpireview initiatives`` and
the notes' "Initiatives" section (see :mod:`kpireview.initiatives` for the arithmetic)."""

from __future__ import annotations

import textwrap
from datetime import date

from kpireview import units
from kpireview.attribution import signed
from kpireview.config import Config
from kpireview.dataset import Data
from kpireview.initiatives import Initiative, Moved, moved
from kpireview.periods import week_label
from kpireview.presentation import STATUS_TEXT
from kpireview.text import safe_line

WIDTH = 80


def progress(config: Config, data: Data, bet: Initiative, week: date) -> list[Moved]:
    """Each of the initiative's KPIs, as of ``week``."""
    out = []
    for metric in bet.kpis:
        earlier = [d.week for d in data.changes.active.get(metric, ()) if d.week < bet.start]
        baseline = config.options(config.metric(metric)).baseline_weeks
        out.append(
            moved(data.get(metric), bet, metric, week, earlier[-1] if earlier else None, baseline)
        )
    return out


def entries(config: Config, data: Data, week: date) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each initiative's heading and a sentence per KPI: 'Activation rate +1.8 pt since
    2026-W28 (36.2% → 38.0%); expected +3.0 pt by 2027-W10: on track (+1.2 pt by now) ·
    beyond the noise' (texts from the config made safe, on one line)."""
    starts = config.review.week_starts
    out: list[tuple[str, tuple[str, ...]]] = []
    for bet in config.initiatives:
        head = f"{bet.title} ({bet.id})"
        if bet.owner:
            head += f" · {bet.owner}"
        head = safe_line(f"{head} · since {week_label(bet.start, starts)} · {bet.status}")
        if bet.start > week:
            out.append((head, (f"starts {week_label(bet.start, starts)}, after this week",)))
            continue
        said = [
            safe_line(_sentence(config, bet, m, starts)) for m in progress(config, data, bet, week)
        ]
        out.append((head, tuple(said)))
    return tuple(out)


def lines(found: tuple[tuple[str, tuple[str, ...]], ...]) -> list[str]:
    """The entries within 80 columns, for the shell and the TUI."""
    if not found:
        return ["No initiatives in the config (see `initiatives:` in the README)."]
    out = []
    for head, said in found:
        out.append(head)
        for text in said:
            out += textwrap.wrap(text, WIDTH, initial_indent="  ", subsequent_indent="    ")
    return out


def _sentence(config: Config, bet: Initiative, m: Moved, starts: int) -> str:
    metric = config.metric(m.metric)
    unit, cur = metric.unit, metric.currency
    since = week_label(bet.start, starts)
    if m.change is None or m.before is None or m.after is None:
        return f"{metric.label}: not enough weeks before and since {since} to compare"
    levels = f"{units.value(m.before, unit, cur)} → {units.value(m.after, unit, cur)}"
    text = f"{metric.label} {signed(m.change, unit, cur)} since {since} ({levels})"
    e = bet.expect
    if e is not None and e.metric == m.metric and m.status and m.expected is not None:
        by = week_label(e.by, starts)
        text += (
            f"; expected {signed(e.change, unit, cur)} by {by}: {STATUS_TEXT[m.status]}"
            f" ({signed(m.expected, unit, cur)} by now)"
        )
    if m.beyond_noise is not None:
        text += " · beyond the noise" if m.beyond_noise else " · within the noise"
    return text
