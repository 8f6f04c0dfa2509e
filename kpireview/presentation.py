"""The review's one presentation vocabulary: a KPI row's state and symbol, the words of
target statuses and flag rules, the tone of a week-over-week move, the legend. Used by the
TUI, the summary and the notes alike; nothing here formats a number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kpireview.model import Kpi

STATUS_TEXT = {
    "met": "met",
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
    None: "",
}
RULE_TEXT = {
    "outside_limits": "limit",
    "run_of_8": "run",
    "near_limit": "near",
    "missing": "late",
    "target": "target",
    "divider": "settling",
    "proposed_divider": "new level",
}
TONE_COLOUR = {"good": "green", "bad": "red"}


def state(kpi: Kpi) -> str:
    """The one state a KPI's row shows, worst first."""
    if kpi.missing:
        return "missing"
    if any(f.tone == "bad" and f.rule != "target" for f in kpi.flags):
        return "alert"
    status = kpi.target.status if kpi.target else None
    if status in ("off_track", "at_risk"):
        return status
    if kpi.flags:
        return "signal"
    return status or "quiet"


SYMBOLS = {
    "missing": "?",
    "alert": "!",
    "off_track": "✗",
    "at_risk": "△",
    "signal": "★",
    "met": "●",
    "on_track": "✓",
    "quiet": "·",
}
LEGEND = (
    "! bad signal  ✗ off track  △ at risk  ★ good signal  ● target met  ✓ on track",
    "? missing  · nothing to note   limit: beyond a natural limit   run: 8+ weeks on",
    "one side of the average   near: 3 of 4 weeks near a limit   late: no data yet",
)


def wow_tone(kpi: Kpi) -> str | None:
    """'good' or 'bad' for the week-over-week move, by the KPI's direction."""
    delta = kpi.wow.abs
    if not delta or kpi.direction == "neutral":
        return None
    return "good" if (delta > 0) == (kpi.direction == "up") else "bad"


def plural(n: int, noun: str, nouns: str = "") -> str:
    """'1 value', '2 values', '1,234 KPIs': a count and its noun, in the singular for one."""
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"
