"""Which flags are news: each KPI's lead flag, and since when a signal has been firing.

A KPI's signals are ranked by the strength of their evidence (:data:`RANK`): beyond a natural
limit, then a run of 8, then near a limit. The strongest is the lead; a missing value is its own
lead; a target miss is its own line and never the lead. A signal's ``since`` (from its band, see
:mod:`kpireview.flags`) is the first week of the unbroken stretch of weeks, ending at the
reviewed one, in which the same rule fired on the same side, at most :data:`SINCE_WEEKS` weeks
back; it is new when that is the reviewed week.
"""

from __future__ import annotations

from kpireview import signals

SINCE_WEEKS = 52
RANK = {signals.OUTSIDE_LIMITS: 0, signals.RUN_OF_8: 1, signals.NEAR_LIMIT: 2}
"""Lower is stronger evidence."""


def lead_rule(rules: list[str]) -> str | None:
    """The strongest of a KPI's signal rules (None when there is no signal)."""
    ranked = [r for r in rules if r in RANK]
    return min(ranked, key=RANK.__getitem__) if ranked else None
