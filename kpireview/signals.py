"""Target status and signals: plain arithmetic over plain values (DESIGN.md, "Numbers").

Targets
    :func:`pace` for a target to ``reach`` by a date, :func:`standing` for a ``stay_above`` /
    ``stay_below`` threshold. Both return a :class:`Pacing`; :data:`STATUS_RANK` orders statuses.

Natural process limits (XmR)
    :func:`limits` over the baseline weeks before the reviewed week, :func:`detect` for the
    signals on the run ending at the reviewed week. Sentences are written by the review module;
    a :class:`Signal` carries the numbers it needs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import pairwise

MET, ON_TRACK, AT_RISK, OFF_TRACK = "met", "on_track", "at_risk", "off_track"
STATUS_RANK: dict[str, int] = {MET: 3, ON_TRACK: 2, AT_RISK: 1, OFF_TRACK: 0}
"""Higher is better: met > on_track > at_risk > off_track."""

MIN_BASELINE = 8
LIMIT_FACTOR = 2.66
HALFWAY_FACTOR = LIMIT_FACTOR / 2
RUN_LENGTH = 8
NEAR_WINDOW, NEAR_COUNT = 4, 3

OUTSIDE_LIMITS, RUN_OF_8, NEAR_LIMIT = "outside_limits", "run_of_8", "near_limit"
UPPER, LOWER = "upper", "lower"
GOOD, BAD = "good", "bad"


# --- targets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pacing:
    """A target's status for one week; fields that do not apply are None.

    ``gap`` is ``value - expected`` for a paced target, ``value - target`` for a threshold.
    """

    criterion: str
    status: str | None
    value: float | None
    target: float
    baseline: float | None = None
    elapsed: float | None = None
    expected: float | None = None
    progress: float | None = None
    gap: float | None = None


def pace(
    target_value: float,
    baseline: float | None,
    start: date,
    by: date,
    week_end: date,
    value: float | None,
    direction: str,
    tolerance: float = 0.1,
) -> Pacing:
    """Status of a ``reach`` target: paced linearly from ``baseline`` at ``start`` to ``by``.

    The good direction is the metric's; for a neutral metric it is the way from the baseline
    to the target. Edge cases beyond DESIGN.md: with no baseline only ``met`` can be told
    (else status None); when target equals baseline, progress is undefined and a value on the
    wrong side is judged like a threshold (:func:`standing`).
    """
    elapsed = _elapsed(start, by, week_end)
    expected = None if baseline is None else baseline + (target_value - baseline) * elapsed
    result = Pacing("reach", None, value, target_value, baseline, elapsed, expected)
    if value is None:
        return result
    good = _good_direction(direction, target_value, baseline)
    gap = None if expected is None else value - expected
    if _at_or_beyond(value, target_value, good):
        status: str | None = MET
    elif baseline is None:
        status = None
    elif target_value == baseline:
        status = _band(abs(value - target_value), target_value, tolerance)
    else:
        progress = (value - baseline) / (target_value - baseline)
        status = _pace_status(progress, elapsed, tolerance)
        return replace(result, status=status, progress=progress, gap=gap)
    return replace(result, status=status, gap=gap)


def standing(
    target_value: float, criterion: str, value: float | None, tolerance: float = 0.1
) -> Pacing:
    """Status of a ``stay_above`` / ``stay_below`` threshold; at the threshold counts as met."""
    if criterion not in ("stay_above", "stay_below"):
        raise ValueError(f"not a standing criterion: {criterion!r}")
    if value is None:
        return Pacing(criterion, None, None, target_value)
    good = "up" if criterion == "stay_above" else "down"
    if _at_or_beyond(value, target_value, good):
        status = MET
    else:
        status = _band(abs(value - target_value), target_value, tolerance)
    return Pacing(criterion, status, value, target_value, gap=value - target_value)


def _elapsed(start: date, by: date, week_end: date) -> float:
    """Share of the target's span gone by at the end of the week, clamped to [0, 1]."""
    span = (by - start).days
    if span <= 0:
        return 1.0 if week_end >= by else 0.0
    return min(1.0, max(0.0, (week_end - start).days / span))


def _good_direction(direction: str, target_value: float, baseline: float | None) -> str | None:
    """'up' or 'down'; a neutral metric's is the sign of target − baseline (None if unknown)."""
    if direction in ("up", "down"):
        return direction
    if baseline is None or target_value == baseline:
        return None
    return "up" if target_value > baseline else "down"


def _at_or_beyond(value: float, target_value: float, good: str | None) -> bool:
    if good == "up":
        return value >= target_value
    if good == "down":
        return value <= target_value
    return value == target_value


def _pace_status(progress: float, elapsed: float, tolerance: float) -> str:
    if progress >= elapsed - tolerance:
        return ON_TRACK
    if progress >= elapsed - 2 * tolerance:
        return AT_RISK
    return OFF_TRACK


def _band(miss: float, target_value: float, tolerance: float) -> str:
    """at_risk when the value misses by at most tolerance × |target|, else off_track."""
    return AT_RISK if miss <= tolerance * abs(target_value) else OFF_TRACK


# --- natural process limits ------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """XmR natural process limits from ``n`` baseline values."""

    centre: float
    mr_bar: float
    lower: float
    upper: float
    lower_half: float
    upper_half: float
    n: int


@dataclass(frozen=True)
class Signal:
    """A signal about the reviewed week ``w``.

    ``limit`` is the line involved: the natural limit (outside_limits), the centre (run_of_8)
    or the halfway line (near_limit). ``run`` is how many weeks the rule counted: 1 for
    outside_limits, the full one-sided run ending at w (8 or more) for run_of_8, and how many
    of the last 4 weeks are beyond the halfway line (3 or 4) for near_limit.
    """

    rule: str
    side: str
    tone: str
    value: float
    limit: float
    run: int


def limits(baseline_values: Sequence[float]) -> Limits | None:
    """Limits over the baseline (the available weeks before w, oldest first); None if < 8.

    The centre is clamped into [min, max] of the values so float rounding of the mean can never
    put a constant series' own value outside zero-width limits.
    """
    values = list(baseline_values)
    if len(values) < MIN_BASELINE:
        return None
    centre = min(max(math.fsum(values) / len(values), min(values)), max(values))
    mr_bar = math.fsum(abs(b - a) for a, b in pairwise(values)) / (len(values) - 1)
    spread, half = LIMIT_FACTOR * mr_bar, HALFWAY_FACTOR * mr_bar
    return Limits(
        centre,
        mr_bar,
        centre - spread,
        centre + spread,
        centre - half,
        centre + half,
        n=len(values),
    )


def detect(limits: Limits | None, recent: Sequence[float | None], direction: str) -> list[Signal]:
    """Signals on the run ending at w: ``recent`` holds the weeks ending at w, oldest first.

    None marks a missing week: no signals when w itself is missing, a missing week ends a run
    of 8, and it is not beyond a halfway line. ``near_limit`` needs w itself beyond the halfway
    line (3 of the last 4 on one side, w among them) so that the signal is about this week.
    Rules are independent: a week far outside the limits is usually also near_limit.
    Tone: 'good' or 'bad' by direction; for a neutral metric every signal is 'bad' (an
    unexpected change worth a look).
    """
    if limits is None or not recent or recent[-1] is None:
        return []
    value = recent[-1]
    found = [_outside(limits, value), _run(limits, recent), _near(limits, recent)]
    return [
        Signal(rule, side, _tone(side, direction), value, line, run)
        for rule, side, line, run in (f for f in found if f)
    ]


_Found = tuple[str, str, float, int] | None


def _outside(lim: Limits, value: float) -> _Found:
    if value > lim.upper:
        return OUTSIDE_LIMITS, UPPER, lim.upper, 1
    if value < lim.lower:
        return OUTSIDE_LIMITS, LOWER, lim.lower, 1
    return None


def _run(lim: Limits, recent: Sequence[float | None]) -> _Found:
    side = _side_of_centre(lim, recent[-1])
    if side is None:
        return None
    run = 0
    for x in reversed(recent):
        if _side_of_centre(lim, x) != side:
            break
        run += 1
    return (RUN_OF_8, side, lim.centre, run) if run >= RUN_LENGTH else None


def _near(lim: Limits, recent: Sequence[float | None]) -> _Found:
    window = recent[-NEAR_WINDOW:]
    for side, line in ((UPPER, lim.upper_half), (LOWER, lim.lower_half)):
        beyond = sum(1 for x in window if _beyond(x, line, side))
        if _beyond(recent[-1], line, side) and beyond >= NEAR_COUNT:
            return NEAR_LIMIT, side, line, beyond
    return None


def _side_of_centre(lim: Limits, x: float | None) -> str | None:
    if x is None or x == lim.centre:
        return None
    return UPPER if x > lim.centre else LOWER


def _beyond(x: float | None, line: float, side: str) -> bool:
    if x is None:
        return False
    return x > line if side == UPPER else x < line


def _tone(side: str, direction: str) -> str:
    if direction == "up":
        return GOOD if side == UPPER else BAD
    if direction == "down":
        return GOOD if side == LOWER else BAD
    return BAD
