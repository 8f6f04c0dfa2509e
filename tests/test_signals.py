"""Target pacing, thresholds, natural process limits and signals (DESIGN.md, "Numbers").

Limits and rule verdicts are checked against an independent implementation, statprocon 2.0.0;
target arithmetic against examples worked out by hand in the comments.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from statprocon import XmR

from kpireview.signals import STATUS_RANK, Limits, detect, limits, pace, standing

# --- (a) natural process limits and rules versus statprocon ----------------------------------
#
# statprocon rounds every line to 3 decimals (ROUNDING = 3), then builds the next line from the
# rounded ones: upper = round(round(centre) + 2.66 × round(mR̄)), halfway = round((upper − centre)
# × 0.5 + centre). The worst drift is 0.0005 + 0.0005 + 2.66 × 0.0005 ≈ 0.0023, so lines are
# compared to 0.0025, on series whose spread (≥ 1) dwarfs that rounding. Verdicts are compared
# only when no value of the last 8 weeks lies within EDGE of a line, where rounding could flip
# them.
#
# Where statprocon's rules differ from DESIGN.md's, the comparison is adjusted:
# - rule 2 (runs): statprocon skips a value exactly on the centre (it neither extends nor breaks
#   the run); ours breaks the run. Random continuous values never sit exactly on the centre, so
#   the verdicts are compared directly; the centre case is tested by hand below.
# - rule 3 (near the limits): statprocon marks all four points of a qualifying window, so the
#   latest week is flagged even when it is itself inside the halfway lines; ours requires w to
#   be one of the three. And statprocon sums ±1 per point, so "3 above the upper halfway line
#   + 1 below the lower one" (sum 2) does not count for it, while it is 3 of 4 for us. We
#   compare `ours == statprocon and w beyond a halfway line`, and skip windows with points
#   beyond both halfway lines (tested by hand below).
# - statprocon crashes on None, so missing weeks are tested by hand only.

LINE_TOL = 0.0025
EDGE = 0.005


def _statprocon(series: list[float], baseline_weeks: int) -> XmR:
    """statprocon's chart over the whole series, limits from the weeks before the last one."""
    end = len(series) - 1
    return XmR(series, subset_start_index=end - baseline_weeks, subset_end_index=end)


def _lines(chart: XmR) -> dict[str, float]:
    return {
        "centre": float(chart.x_central_line()[-1]),
        "mr_bar": float(chart.mr_central_line()[-1]),
        "lower": float(chart.lower_natural_process_limit()[-1]),
        "upper": float(chart.upper_natural_process_limit()[-1]),
        "lower_half": float(chart.lower_halfway_line()[-1]),
        "upper_half": float(chart.upper_halfway_line()[-1]),
    }


def _random_series(rng: random.Random) -> tuple[list[float], int, int]:
    """A noisy series, often with a shift near its end so that signals fire.

    Returns the series (last value = the reviewed week), the baseline length and how many
    weeks ending at w are passed to detect().
    """
    baseline_weeks = rng.randint(8, 20)
    before = rng.randint(0, 10)
    level, sigma = rng.uniform(-500, 500), rng.choice([1.0, 3.0, 20.0])
    series = [rng.gauss(level, sigma) for _ in range(before + baseline_weeks + 1)]
    if rng.random() < 0.7:
        shift = rng.uniform(-4, 4) * sigma
        start = len(series) - rng.randint(1, 10)
        series = [x + shift if i >= start else x for i, x in enumerate(series)]
    return series, baseline_weeks, rng.randint(8, min(12, len(series)))


def _compare_with_statprocon(series: list[float], baseline_weeks: int, recent_n: int) -> Counter:
    """Assert our limits and verdicts for the last week match statprocon's; count outcomes."""
    seen: Counter = Counter()
    ours = limits(series[-1 - baseline_weeks : -1])
    theirs = _lines(_statprocon(series, baseline_weeks))
    for name, value in theirs.items():
        assert getattr(ours, name) == pytest.approx(value, abs=LINE_TOL, rel=1e-9), name
    chart = _statprocon(series, baseline_weeks)
    recent = series[-recent_n:]
    if any(abs(x - line) < EDGE for x in series[-8:] for line in theirs.values()):
        seen["ambiguous"] += 1
        return seen
    found = {s.rule: s for s in detect(ours, recent, "up")}
    w = series[-1]

    # rule 1: a point beyond a limit (at the limit is inside for both).
    expected = chart.rule_1_x_indices_beyond_limits()[-1]
    assert ("outside_limits" in found) == expected
    if expected:
        side = "upper" if w > theirs["upper"] else "lower"
        assert found["outside_limits"].side == side
        seen["outside_limits", side] += 1

    # rule 2: eight successive values on one side of the centre.
    expected = chart.rule_2_runs_about_central_line()[-1]
    assert ("run_of_8" in found) == expected
    if expected:
        side = "upper" if w > theirs["centre"] else "lower"
        assert found["run_of_8"].side == side
        assert 8 <= found["run_of_8"].run <= recent_n
        seen["run_of_8", side] += 1

    # rule 3: three of four beyond the same halfway line (see the differences above).
    window = series[-4:]
    above = [x > theirs["upper_half"] for x in window]
    below = [x < theirs["lower_half"] for x in window]
    if any(above) and any(below):
        seen["mixed"] += 1
        return seen
    expected = chart.rule_3_runs_near_limits()[-1] and (above[-1] or below[-1])
    assert ("near_limit" in found) == expected
    if expected:
        side = "upper" if above[-1] else "lower"
        assert found["near_limit"].side == side
        assert found["near_limit"].run == sum(above if above[-1] else below)
        seen["near_limit", side] += 1
    elif chart.rule_3_runs_near_limits()[-1]:
        seen["statprocon flags a week inside the halfway lines"] += 1
    return seen


def test_limits_and_rules_match_statprocon_on_many_series():
    rng = random.Random(20261122)
    seen: Counter = Counter()
    for _ in range(3000):
        seen += _compare_with_statprocon(*_random_series(rng))
    # The comparison must not be vacuous: every rule fired on both sides many times.
    for rule in ("outside_limits", "run_of_8", "near_limit"):
        for side in ("upper", "lower"):
            assert seen[rule, side] >= 20, (rule, side, seen)
    assert seen["statprocon flags a week inside the halfway lines"] > 0
    assert seen["ambiguous"] < 300


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**64))
def test_limits_and_rules_match_statprocon_hypothesis(seed: int):
    _compare_with_statprocon(*_random_series(random.Random(seed)))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
        min_size=8,
        max_size=40,
    )
)
def test_limits_match_statprocon_on_any_values(values: list[float]):
    chart = XmR(values)
    ours = limits(values)
    for name, value in _lines(chart).items():
        assert getattr(ours, name) == pytest.approx(value, abs=LINE_TOL, rel=1e-9), name
    assert ours.n == len(values)


def test_limits_worked_by_hand():
    # 1..8: mean 4.5; every moving range is 1, so mR̄ = 1.
    # limits 4.5 ∓ 2.66 = 1.84 / 7.16; halfway lines 4.5 ∓ 1.33 = 3.17 / 5.83.
    lim = limits([1, 2, 3, 4, 5, 6, 7, 8])
    assert lim.centre == pytest.approx(4.5)
    assert lim.mr_bar == pytest.approx(1)
    assert (lim.lower, lim.upper) == (pytest.approx(1.84), pytest.approx(7.16))
    assert (lim.lower_half, lim.upper_half) == (pytest.approx(3.17), pytest.approx(5.83))
    assert lim.n == 8


def test_baseline_of_seven_values_gives_no_limits():
    assert limits([1, 2, 3, 4, 5, 6, 7]) is None
    assert limits([]) is None


# Hand-made limits for the rule examples: baseline 0, 2, 0, 2, 0, 2, 0, 2 → centre 1, mR̄ 2,
# limits 1 ∓ 5.32 = −4.32 / 6.32, halfway lines 1 ∓ 2.66 = −1.66 / 3.66.
ZIGZAG = [0, 2, 0, 2, 0, 2, 0, 2]


@pytest.fixture
def lim() -> Limits:
    lim = limits(ZIGZAG)
    assert (lim.centre, lim.mr_bar) == (pytest.approx(1), pytest.approx(2))
    assert (lim.lower, lim.upper) == (pytest.approx(-4.32), pytest.approx(6.32))
    assert (lim.lower_half, lim.upper_half) == (pytest.approx(-1.66), pytest.approx(3.66))
    return lim


def _rules(found) -> dict[str, tuple]:
    return {s.rule: (s.side, s.tone, s.run) for s in found}


@pytest.mark.parametrize(
    "direction, tone_up, tone_down",
    [("up", "good", "bad"), ("down", "bad", "good"), ("neutral", "bad", "bad")],
)
def test_outside_limits_sides_and_tones(lim, direction, tone_up, tone_down):
    # 7 > 6.32 is above the upper limit; −5 < −4.32 below the lower one.
    [high] = [s for s in detect(lim, [1, 1.5, 7], direction) if s.rule == "outside_limits"]
    assert (high.side, high.tone, high.value, high.run) == ("upper", tone_up, 7, 1)
    assert high.limit == pytest.approx(6.32)
    [low] = [s for s in detect(lim, [1, 0.5, -5], direction) if s.rule == "outside_limits"]
    assert (low.side, low.tone, low.value) == ("lower", tone_down, -5)
    assert low.limit == pytest.approx(-4.32)


def test_inside_the_limits_no_outside_signal(lim):
    assert detect(lim, [6.3], "up") == []
    assert detect(lim, [-4.3], "up") == []


def test_near_limit_three_of_four_including_this_week(lim):
    # 4 > 3.66 in weeks 1, 2 and 4 of the window; 4 < 6.32 so not outside.
    found = detect(lim, [4, 4, 0, 4], "up")
    assert _rules(found) == {"near_limit": ("upper", "good", 3)}
    assert found[0].limit == pytest.approx(3.66)
    assert _rules(detect(lim, [-2, -2, -2, -2], "up")) == {"near_limit": ("lower", "bad", 4)}


def test_near_limit_needs_this_week_beyond(lim):
    # Three of four are beyond, but w (0) is not: the signal would not be about this week.
    # (statprocon flags w here, marking all four points of the window.)
    assert detect(lim, [4, 4, 4, 0], "up") == []


def test_near_limit_counts_three_even_if_the_fourth_is_beyond_the_other_line(lim):
    # 3 above 3.66, one below −1.66: 3 of 4 beyond the same line (statprocon: sum 2, no).
    assert _rules(detect(lim, [4, 4, -2, 4], "up")) == {"near_limit": ("upper", "good", 3)}


def test_near_limit_missing_week_is_not_beyond(lim):
    assert _rules(detect(lim, [4, None, 4, 4], "up")) == {"near_limit": ("upper", "good", 3)}
    assert detect(lim, [None, 4, 0, 4], "up") == []


def test_run_of_8(lim):
    # Eight values of 1.5 (above the centre 1, inside the halfway line 3.66).
    assert _rules(detect(lim, [1.5] * 8, "up")) == {"run_of_8": ("upper", "good", 8)}
    [signal] = detect(lim, [0.5] * 10, "up")
    assert (signal.rule, signal.side, signal.tone, signal.run) == ("run_of_8", "lower", "bad", 10)
    assert signal.limit == pytest.approx(1)
    # a lower value before the run is not part of it
    assert _rules(detect(lim, [0.5, *[1.5] * 9], "down")) == {"run_of_8": ("upper", "bad", 9)}


def test_run_of_8_is_broken(lim):
    assert detect(lim, [1.5] * 7, "up") == []  # only seven weeks known
    assert detect(lim, [1.5, 0.5, *[1.5] * 6], "up") == []  # one below the centre
    assert detect(lim, [1.5, 1, *[1.5] * 6], "up") == []  # one exactly on the centre
    assert detect(lim, [1.5, 1.5, None, *[1.5] * 5], "up") == []  # a missing week
    assert detect(lim, [1.5] * 8 + [None], "up") == []  # w itself missing


def test_all_rules_at_once(lim):
    # Seven weeks above the centre, the last four beyond 3.66, w beyond 6.32.
    found = detect(lim, [1.5, 1.5, 1.5, 1.5, 4, 4, 4, 7], "down")
    assert _rules(found) == {
        "outside_limits": ("upper", "bad", 1),
        "run_of_8": ("upper", "bad", 8),
        "near_limit": ("upper", "bad", 4),
    }


def test_no_limits_no_signals():
    assert detect(None, [100.0] * 8, "up") == []
    assert detect(limits(ZIGZAG), [], "up") == []


# --- (b) pacing --------------------------------------------------------------------------------
#
# Up: signup conversion from 3% to 4.5%, from 2026-10-01 by 2027-03-31, week ending Sun
# 2026-11-22. Days gone: 31 (Oct) + 21 = 52; span: 31+30+31+31+28 + 30 = 181.
#   elapsed  = 52/181 ≈ 0.28729
#   expected = 0.03 + 0.015 × 52/181 ≈ 0.0343094
#   thresholds: on_track when progress ≥ 0.18729, at_risk when ≥ 0.08729.
UP = dict(target_value=0.045, baseline=0.03, start=date(2026, 10, 1), by=date(2027, 3, 31))
UP_WEEK = date(2026, 11, 22)
UP_ELAPSED = 52 / 181
UP_EXPECTED = 0.03 + 0.015 * 52 / 181


@pytest.mark.parametrize(
    "value, progress, status",
    [
        (0.034, 0.004 / 0.015, "on_track"),  # progress 0.267 ≥ 0.187
        (0.032, 0.002 / 0.015, "at_risk"),  # progress 0.133: < 0.187, ≥ 0.087
        (0.031, 0.001 / 0.015, "off_track"),  # progress 0.067 < 0.087
        (0.0449, 0.0149 / 0.015, "on_track"),  # just short of the target: not met
        (0.029, -0.001 / 0.015, "off_track"),  # below the baseline
    ],
)
def test_pace_up(value, progress, status):
    p = pace(**UP, week_end=UP_WEEK, value=value, direction="up")
    assert p.status == status
    assert p.criterion == "reach"
    assert (p.value, p.target, p.baseline) == (value, 0.045, 0.03)
    assert p.elapsed == pytest.approx(UP_ELAPSED)
    assert p.expected == pytest.approx(UP_EXPECTED)
    assert p.progress == pytest.approx(progress)
    assert p.gap == pytest.approx(value - UP_EXPECTED)


def test_pace_up_gap_worked_out():
    # 0.034 − 0.0343094 = −0.0003094: a little behind the pace line.
    p = pace(**UP, week_end=UP_WEEK, value=0.034, direction="up")
    assert p.gap == pytest.approx(-0.0003094, abs=1e-7)
    assert p.expected == pytest.approx(0.0343094, abs=1e-7)
    assert p.elapsed == pytest.approx(0.28729, abs=1e-5)


@pytest.mark.parametrize("value", [0.045, 0.046, 0.2])
def test_pace_up_met_at_or_beyond_target(value):
    p = pace(**UP, week_end=UP_WEEK, value=value, direction="up")
    assert p.status == "met"
    assert p.gap == pytest.approx(value - UP_EXPECTED)


# Down: churn from 5% to 3%, from 2026-01-01 by 2026-12-31, week ending Sun 2026-04-05.
# Days gone: 31 + 28 + 31 + 4 = 94; span 364.
#   elapsed  = 94/364 ≈ 0.25824
#   expected = 0.05 − 0.02 × 94/364 ≈ 0.0448352
#   progress = (value − 0.05) / (0.03 − 0.05); on_track ≥ 0.15824, at_risk ≥ 0.05824.
DOWN = dict(target_value=0.03, baseline=0.05, start=date(2026, 1, 1), by=date(2026, 12, 31))
DOWN_WEEK = date(2026, 4, 5)
DOWN_EXPECTED = 0.05 - 0.02 * 94 / 364


@pytest.mark.parametrize(
    "value, progress, status",
    [
        (0.045, 0.25, "on_track"),  # 0.25 ≥ 0.158
        (0.031, 0.95, "on_track"),
        (0.048, 0.1, "at_risk"),  # 0.1: < 0.158, ≥ 0.058
        (0.05, 0.0, "off_track"),  # no progress yet
        (0.051, -0.05, "off_track"),  # worse than the baseline
        (0.03, 1.0, "met"),  # at the target
        (0.025, 1.25, "met"),  # beyond it
    ],
)
def test_pace_down(value, progress, status):
    p = pace(**DOWN, week_end=DOWN_WEEK, value=value, direction="down")
    assert p.status == status
    assert p.elapsed == pytest.approx(94 / 364)
    assert p.expected == pytest.approx(DOWN_EXPECTED)
    assert p.expected == pytest.approx(0.0448352, abs=1e-7)
    if status != "met":
        assert p.progress == pytest.approx(progress)
    assert p.gap == pytest.approx(value - DOWN_EXPECTED)


@pytest.mark.parametrize(
    "week_end, elapsed, value, status",
    [
        # Before the start (Sun 2026-09-27): elapsed 0, expected = baseline 0.03.
        # progress: 0.029 → −0.067 ≥ −0.1; 0.028 → −0.133 ≥ −0.2; 0.026 → −0.267.
        (date(2026, 9, 27), 0.0, 0.029, "on_track"),
        (date(2026, 9, 27), 0.0, 0.028, "at_risk"),
        (date(2026, 9, 27), 0.0, 0.026, "off_track"),
        (date(2026, 10, 1), 0.0, 0.03, "on_track"),  # on the start day: progress 0 ≥ −0.1
        # After the deadline (Sun 2027-04-04): elapsed 1, expected = target 0.045.
        # progress: 0.044 → 0.933 ≥ 0.9; 0.0425 → 0.833 ≥ 0.8; 0.04 → 0.667.
        (date(2027, 4, 4), 1.0, 0.044, "on_track"),
        (date(2027, 4, 4), 1.0, 0.0425, "at_risk"),
        (date(2027, 4, 4), 1.0, 0.04, "off_track"),
        (date(2027, 4, 4), 1.0, 0.045, "met"),
        (date(2027, 3, 31), 1.0, 0.044, "on_track"),  # on the deadline
    ],
)
def test_pace_clamps_elapsed(week_end, elapsed, value, status):
    p = pace(**UP, week_end=week_end, value=value, direction="up")
    assert p.elapsed == elapsed
    assert p.expected == pytest.approx(0.03 + 0.015 * elapsed)
    assert p.status == status


@pytest.mark.parametrize(
    "value, status",
    [
        (0.034, "on_track"),  # progress 0.267 ≥ 0.287 − 0.05 = 0.237
        (0.033, "at_risk"),  # progress 0.2: < 0.237, ≥ 0.187
        (0.032, "off_track"),  # progress 0.133 < 0.187 (at_risk with the default 0.1)
    ],
)
def test_pace_tolerance(value, status):
    assert pace(**UP, week_end=UP_WEEK, value=value, direction="up", tolerance=0.05).status == (
        status
    )


@pytest.mark.parametrize(
    "baseline, target, value, status",
    [
        # 100 → 80: smaller is better here. Elapsed 94/364 ≈ 0.258 (the DOWN dates).
        (100, 80, 80, "met"),
        (100, 80, 79, "met"),
        (100, 80, 96, "on_track"),  # progress 0.2 ≥ 0.158
        (100, 80, 110, "off_track"),  # progress −0.5
        # 100 → 120: larger is better.
        (100, 120, 120, "met"),
        (100, 120, 121, "met"),
        (100, 120, 105, "on_track"),  # progress 0.25 ≥ 0.158
        (100, 120, 80, "off_track"),
        # 100 → 100: no good direction; only the target itself is met, and a miss is judged
        # by the threshold band 0.1 × 100 = 10.
        (100, 100, 100, "met"),
        (100, 100, 95, "at_risk"),
        (100, 100, 105, "at_risk"),
        (100, 100, 111, "off_track"),
    ],
)
def test_pace_neutral_uses_the_way_to_the_target(baseline, target, value, status):
    p = pace(target, baseline, date(2026, 1, 1), date(2026, 12, 31), DOWN_WEEK, value, "neutral")
    assert p.status == status


def test_pace_without_a_value():
    p = pace(**UP, week_end=UP_WEEK, value=None, direction="up")
    assert (p.status, p.value, p.progress, p.gap) == (None, None, None, None)
    assert p.elapsed == pytest.approx(UP_ELAPSED)
    assert p.expected == pytest.approx(UP_EXPECTED)


def test_pace_without_a_baseline_only_tells_met():
    args = dict(target_value=0.045, baseline=None, start=UP["start"], by=UP["by"])
    met = pace(**args, week_end=UP_WEEK, value=0.05, direction="up")
    assert (met.status, met.expected, met.progress, met.gap) == ("met", None, None, None)
    unknown = pace(**args, week_end=UP_WEEK, value=0.04, direction="up")
    assert unknown.status is None


@pytest.mark.parametrize(
    "value, status",
    [
        (0.031, "met"),
        (0.0295, "at_risk"),  # misses by 0.0005 ≤ 0.1 × 0.03 = 0.003
        (0.02, "off_track"),  # misses by 0.01 > 0.003
    ],
)
def test_pace_target_equal_to_baseline_falls_back_to_the_threshold_band(value, status):
    p = pace(0.03, 0.03, UP["start"], UP["by"], UP_WEEK, value, "up")
    assert p.status == status
    assert p.progress is None
    assert p.expected == 0.03


# --- (c) standing thresholds ------------------------------------------------------------------
#
# Values chosen to be exact in binary so the band edges are exact: stay_above 4 with tolerance
# 0.25 → band 1.0, so 3.0 is at_risk (misses by exactly the band) and 2.5 is off_track.


@pytest.mark.parametrize(
    "criterion, target, tolerance, value, status",
    [
        ("stay_above", 4, 0.25, 4, "met"),  # at the threshold
        ("stay_above", 4, 0.25, 9, "met"),
        ("stay_above", 4, 0.25, 3.5, "at_risk"),
        ("stay_above", 4, 0.25, 3.0, "at_risk"),  # at the band edge
        ("stay_above", 4, 0.25, 2.5, "off_track"),
        ("stay_below", 8, 0.5, 8, "met"),  # at the threshold
        ("stay_below", 8, 0.5, 1, "met"),
        ("stay_below", 8, 0.5, 12, "at_risk"),  # band 0.5 × 8 = 4: at the edge
        ("stay_below", 8, 0.5, 12.5, "off_track"),
        ("stay_above", -4, 0.25, -5, "at_risk"),  # band uses |target| = 4 → 1
        ("stay_above", -4, 0.25, -5.5, "off_track"),
        ("stay_below", 0, 0.1, 0.001, "off_track"),  # a zero target has no band
        ("stay_below", 0, 0.1, 0, "met"),
    ],
)
def test_standing(criterion, target, tolerance, value, status):
    s = standing(target, criterion, value, tolerance)
    assert s.status == status
    assert (s.criterion, s.value, s.target, s.gap) == (criterion, value, target, value - target)
    assert (s.baseline, s.elapsed, s.expected, s.progress) == (None, None, None, None)


@pytest.mark.parametrize(
    "value, status",
    [
        # churn stay_below 2%, default tolerance 0.1 → band 0.002
        (0.015, "met"),
        (0.021, "at_risk"),  # 0.001 over
        (0.023, "off_track"),  # 0.003 over
    ],
)
def test_standing_default_tolerance(value, status):
    assert standing(0.02, "stay_below", value).status == status


def test_standing_without_a_value():
    s = standing(3, "stay_above", None)
    assert (s.status, s.gap, s.value) == (None, None, None)


def test_standing_rejects_reach():
    with pytest.raises(ValueError):
        standing(3, "reach", 2.0)


def test_status_rank():
    order = sorted(STATUS_RANK, key=STATUS_RANK.get, reverse=True)
    assert order == ["met", "on_track", "at_risk", "off_track"]


# --- (d) properties ---------------------------------------------------------------------------

numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
steps = st.floats(min_value=0, max_value=1e6, allow_nan=False)
days = st.integers(min_value=-100, max_value=900)


@given(
    target=numbers,
    baseline=numbers,
    value=numbers,
    step=steps,
    span=st.integers(min_value=1, max_value=800),
    offset=days,
    direction=st.sampled_from(["up", "down", "neutral"]),
    tolerance=st.floats(min_value=0, max_value=0.5),
)
def test_pace_never_improves_when_the_value_moves_the_bad_way(
    target, baseline, value, step, span, offset, direction, tolerance
):
    if direction == "neutral":
        assume(target != baseline)
        good = "up" if target > baseline else "down"
    else:
        good = direction
    worse = value - step if good == "up" else value + step
    start = date(2026, 1, 1)
    args = (target, baseline, start, start + timedelta(span), start + timedelta(offset))
    before = pace(*args, value, direction, tolerance).status
    after = pace(*args, worse, direction, tolerance).status
    assert STATUS_RANK[after] <= STATUS_RANK[before]


@given(
    target=numbers,
    value=numbers,
    step=steps,
    criterion=st.sampled_from(["stay_above", "stay_below"]),
    tolerance=st.floats(min_value=0, max_value=0.5),
)
def test_standing_never_improves_when_the_value_moves_the_bad_way(
    target, value, step, criterion, tolerance
):
    worse = value - step if criterion == "stay_above" else value + step
    before = standing(target, criterion, value, tolerance).status
    after = standing(target, criterion, worse, tolerance).status
    assert STATUS_RANK[after] <= STATUS_RANK[before]


@given(st.lists(numbers, min_size=8, max_size=60))
def test_limits_are_symmetric_around_the_centre(values):
    lim = limits(values)
    assert lim.mr_bar >= 0
    assert lim.upper - lim.centre == pytest.approx(lim.centre - lim.lower, abs=1e-6)
    assert lim.upper_half - lim.centre == pytest.approx(lim.centre - lim.lower_half, abs=1e-6)
    assert lim.upper_half - lim.centre == pytest.approx((lim.upper - lim.centre) / 2, abs=1e-6)
    assert lim.lower <= lim.lower_half <= lim.centre <= lim.upper_half <= lim.upper


@given(st.lists(numbers, max_size=7))
def test_fewer_than_eight_values_give_no_limits(values):
    assert limits(values) is None


@given(
    value=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    n=st.integers(min_value=8, max_value=60),
    direction=st.sampled_from(["up", "down", "neutral"]),
)
def test_constant_series_has_zero_range_and_no_false_signal(value, n, direction):
    lim = limits([value] * n)
    assert lim.mr_bar == 0
    assert lim.centre == value
    assert lim.lower == lim.upper == value
    # A week equal to the centre is on the centre: not outside, not in a run, not near a limit.
    assert detect(lim, [value] * 8, direction) == []


@given(st.lists(st.one_of(st.none(), numbers), min_size=1, max_size=12))
def test_no_signals_when_this_week_is_missing(recent):
    assert detect(limits(ZIGZAG), [*recent, None], "up") == []
