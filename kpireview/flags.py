"""A KPI-week's flags, read from its expected band (:mod:`kpireview.bands`).

Each KPI gets one :class:`bands.History` (its weekly values, its active dividers, its options);
the band at the reviewed week gives the limits and the signals, each with the week it began
(``since``). The lead flag is the strongest evidence (:func:`news.lead_rule`); a settling new
level after a divider, or a shift the band proposes a divider for, leads instead. A target
miss is its own line. Sentences state the numbers with enough digits never to contradict the
digits on screen (:func:`units.distinct`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from kpireview import bands, news, process, units
from kpireview.bandtypes import FLAT, OFF, SEASONAL, TREND, Band, BandSignal
from kpireview.periods import week_label

if TYPE_CHECKING:
    from kpireview.model import Kpi, TargetStatus
    from kpireview.store import Decision

WEEK = timedelta(weeks=1)
PROPOSED_RULE = "proposed_divider"
SLOPED = (TREND, SEASONAL)  # bands whose lines move from week to week
Series = dict[date, float]


@dataclass(frozen=True)
class Limits:
    """The expected band at the reviewed week: ``since`` is the first week it was fitted on,
    ``method`` flat (XmR over the baseline), trend or seasonal; ``explanation`` in words."""

    centre: float
    lower: float
    upper: float
    mr_bar: float
    weeks: int
    since: date | None = None
    method: str = FLAT
    explanation: str = ""
    locked: bool = False


@dataclass(frozen=True)
class Flag:
    """One rule's flag. ``lead``: the KPI's strongest signal (or its missing value);
    ``since``: the first week of the signal's unbroken stretch (None for a target miss);
    ``new``: the stretch began this week (a proposal: first proposed this week);
    ``proposed``: the week a proposed divider would go (rule ``proposed_divider``);
    ``plain``: the sentence for readers of the notes, without the method's words (empty: the
    message is already plain)."""

    rule: str
    tone: str
    message: str
    since: date | None = None
    new: bool = False
    lead: bool = False
    acknowledged: process.Acknowledged | None = None
    proposed: date | None = None
    plain: str = ""


def limits(band: Band) -> Limits | None:
    """The band as the review's limits; None without lines (settling, off, too few weeks)."""
    if band.method not in (FLAT, TREND, SEASONAL) or band.centre is None:
        return None
    assert band.lower is not None and band.upper is not None
    return Limits(
        band.centre, band.lower, band.upper, band.mr_bar or 0.0, band.weeks, band.first,
        band.method, band.explanation, band.locked,
    )  # fmt: skip


def kpi_flags(
    kpi: Kpi,
    hist: bands.History,
    band: Band,
    s: Series,
    changes: process.Changes,
    baseline_weeks: int,
) -> list[Flag]:
    """Every flag of a KPI at its reviewed week (``band.week``), the lead marked."""
    week = band.week
    flags: list[Flag] = []
    if kpi.missing:
        flags.append(_missing(kpi, week))
    lead = _settling(kpi, band, s, changes, baseline_weeks)
    if lead is None and kpi.value is not None and band.method != OFF:
        lead = _proposal(kpi, hist, week, s, changes)
    if lead is not None:
        flags.append(lead)
    if kpi.limits is not None and kpi.value is not None:
        found = hist.signals(week, kpi.direction)
        strongest = None if lead else news.lead_rule([x.rule for x in found])
        for x in found:
            text = signal_sentence(kpi, kpi.limits, x)
            since = max(x.since, week - WEEK * (news.SINCE_WEEKS - 1))  # a year back at most
            plain = plain_sentence(kpi, kpi.limits, x)
            flags.append(
                Flag(x.rule, x.tone, text, since, since == week, x.rule == strongest, plain=plain)
            )
    target = kpi.target
    if target is not None and target.status in ("at_risk", "off_track"):
        flags.append(Flag("target", "bad", target_sentence(kpi, target)))
    if changes.acks:
        flags = [
            replace(f, acknowledged=changes.acknowledged(kpi.id, week, f.rule, f.since))
            for f in flags
        ]
    return flags


def _missing(kpi: Kpi, week: date) -> Flag:
    prev_label = week_label(week - WEEK, week.weekday())
    return Flag(
        "missing",
        "bad",
        f"{kpi.label} has no value for this week (late data?); last value "
        f"{kpi.fmt(kpi.previous)} the week before ({prev_label})",
        since=week,
        new=True,
        lead=True,
    )


def _settling(
    kpi: Kpi, band: Band, s: Series, changes: process.Changes, baseline_weeks: int
) -> Flag | None:
    """The lead of a KPI whose new segment after a divider is too short for a band."""
    if band.method != bands.SETTLING or band.divider is None or kpi.value is None:
        return None
    start, week = band.divider, band.week
    if start < week - WEEK * baseline_weeks:
        return None  # an old divider on sparse data: too few values, not a new level
    state = process.moved(s, start, _previous(changes, kpi.id, start), week, kpi.direction)
    moved = f"{kpi.label} moved to a new level from {week_label(start, week.weekday())}"
    message = f"{moved}{_level(kpi, state)} (settling: {band.weeks} of {bands.SETTLE_WEEKS} weeks)"
    plain = (
        f"{moved} after a process change{_level(kpi, state)}, too new to judge "
        f"({band.weeks} of the {bands.SETTLE_WEEKS} weeks needed)"
    )
    return Flag(process.DIVIDER_RULE, state.tone, message, start, start == week, True, plain=plain)


def _proposal(
    kpi: Kpi, hist: bands.History, week: date, s: Series, changes: process.Changes
) -> Flag | None:
    """The lead of a KPI whose band proposes a divider where it has none."""
    began = hist.propose_divider(week)
    if began is None or any(d.week == began for d in changes.active.get(kpi.id, ())):
        return None
    state = process.moved(s, began, _previous(changes, kpi.id, began), week, kpi.direction)
    plain = f"{kpi.label} moved to a new level from {week_label(began, week.weekday())}"
    plain += _level(kpi, state)
    message = f"{plain} (proposed: press v on the detail screen to mark it)"
    new = hist.propose_divider(week - WEEK) != began
    return Flag(PROPOSED_RULE, state.tone, message, began, new, True, proposed=began, plain=plain)


def _previous(changes: process.Changes, metric: str, start: date) -> date | None:
    earlier = [d.week for d in changes.active.get(metric, ()) if d.week < start]
    return earlier[-1] if earlier else None


def _level(kpi: Kpi, state: process.Settling) -> str:
    if state.mean is None or state.before is None:
        return ""
    now, before = units.distinct(state.mean, state.before, kpi.unit, kpi.currency)
    return f": {now} against {before} before"


def signal_sentence(kpi: Kpi, lim: Limits, signal: BandSignal) -> str:
    """One rule's sentence: a flat band's in XmR words, a trend or seasonal band's against
    its expected value, with the band's explanation."""
    side = signal.side
    above = "above" if side == "upper" else "below"
    value, line = units.distinct(kpi.value, signal.limit, kpi.unit, kpi.currency)
    if lim.method == FLAT:
        base = f"({lim.weeks}-week baseline{', locked' if lim.locked else ''})"
        if signal.rule == "outside_limits":
            return f"{kpi.label} {value} is {above} its {side} natural limit {line} {base}"
        if signal.rule == "run_of_8":
            return (
                f"{kpi.label} has been {above} its average {kpi.fmt(lim.centre)} for "
                f"{signal.run} weeks in a row {base}"
            )
        return (
            f"{kpi.label} {value}: {signal.run} of the last 4 weeks {above} "
            f"{line}, halfway to its {side} natural limit {base}"
        )
    expected = units.distinct(kpi.value, lim.centre, kpi.unit, kpi.currency)[1]
    why = f"(expected {expected}; {lim.explanation})"
    if signal.rule == "outside_limits":
        return f"{kpi.label} {value} is {above} its expected band {line} {why}"
    if signal.rule == "run_of_8":
        run = f"{signal.run} weeks in a row"
        return f"{kpi.label} has been {above} its expected line for {run} {why}"
    end = "top" if side == "upper" else "bottom"
    return (
        f"{kpi.label} {value}: {signal.run} of the last 4 weeks near the {end} of its "
        f"expected band, {above} {line} {why}"
    )


def plain_sentence(kpi: Kpi, lim: Limits, signal: BandSignal) -> str:
    """A flat band's signal without the method's words (natural limit, baseline); empty for
    a trend or seasonal band, whose sentence already says what was expected and why."""
    if lim.method != FLAT:
        return ""
    high = signal.side == "upper"
    above = "above" if high else "below"
    value, line = units.distinct(kpi.value, signal.limit, kpi.unit, kpi.currency)
    if signal.rule == "outside_limits":
        return (
            f"{kpi.label} {value} is {'higher' if high else 'lower'} than its usual range "
            f"({'up' if high else 'down'} to {line}, judged on {lim.weeks} weeks)"
        )
    if signal.rule == "run_of_8":
        return (
            f"{kpi.label} has been {above} its usual average {kpi.fmt(lim.centre)} for "
            f"{signal.run} weeks in a row"
        )
    return (
        f"{kpi.label} {value}: {signal.run} of the last 4 weeks {above} {line}, at the "
        f"{'high' if high else 'low'} end of its usual range"
    )


def target_sentence(kpi: Kpi, t: TargetStatus) -> str:
    status = "off track" if t.status == "off_track" else "at risk"
    if t.criterion == "reach" and t.by is not None:
        value, expected = units.distinct(kpi.value, t.expected, kpi.unit, kpi.currency)
        return (
            f"{kpi.label} {value} is {status} for {kpi.fmt(t.value)} by "
            f"{t.by.day} {t.by:%b %Y}: {expected} expected by now"
        )
    side = "below" if t.criterion == "stay_above" else "above"
    what = f"the {t.metric} value" if t.metric else "its target"
    value, target = units.distinct(kpi.value, t.value, kpi.unit, kpi.currency)
    return f"{kpi.label} {value} is {side} {what} {target} ({status})"


# --- the week's KPIs together -----------------------------------------------------------------


def handled(kpis: Iterable[Kpi], open_actions: tuple[Decision, ...]) -> frozenset[str]:
    """Flagged KPIs being handled: a lead that is not new (or only a target miss) with an open
    decision on the KPI, from this week or carried over, or a divider; an acknowledged lead."""
    decided = {d.metric for d in open_actions}
    return frozenset(k.id for k in kpis if k.flags and _is_handled(k, decided))


def _is_handled(k: Kpi, decided: set[str]) -> bool:
    """Continuing and decided on, settling after a divider the team marked, or acknowledged."""
    lead = k.lead
    if lead is not None and lead.acknowledged is not None:
        return True
    if lead is not None and lead.new:
        return False
    return k.id in decided or (lead is not None and lead.rule == process.DIVIDER_RULE)
