"""Expected bands from one robust fit (kpireview.bands): the stable case against statprocon
2.0.0, the trend and seasonal fits on series worked out by hand, dividers, settling, a
proposal, locked limits and `since`."""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import date, timedelta

import pytest
from statprocon import XmR

from kpireview import bandfit, bands, signals
from kpireview.bands import Band, History, Options

START = date(2024, 1, 1)  # a Monday
LINE_TOL = 0.0025  # statprocon rounds each line to 3 decimals (see tests/test_signals.py)


def weeks(values: list[float]) -> list[tuple[date, float]]:
    return [(START + timedelta(weeks=k), v) for k, v in enumerate(values)]


def week(k: int) -> date:
    return START + timedelta(weeks=k)


def wobble(k: int) -> float:
    """+1 on even weeks, -1 on odd ones: noise whose every number is known."""
    return 1.0 if k % 2 == 0 else -1.0


def pattern(k: int) -> float:
    """+1, -1, -1, +1 repeated: sums to 0 and is orthogonal to a line over whole repeats."""
    return 1.0 if k % 4 in (0, 3) else -1.0


# --- flat: today's XmR numbers, identical to statprocon ----------------------------------------


def _statprocon_lines(series: list[float], baseline_weeks: int) -> dict[str, float]:
    end = len(series) - 1
    chart = XmR(series, subset_start_index=end - baseline_weeks, subset_end_index=end)
    return {
        "centre": float(chart.x_central_line()[-1]),
        "mr_bar": float(chart.mr_central_line()[-1]),
        "lower": float(chart.lower_natural_process_limit()[-1]),
        "upper": float(chart.upper_natural_process_limit()[-1]),
        "lower_half": float(chart.lower_halfway_line()[-1]),
        "upper_half": float(chart.upper_halfway_line()[-1]),
    }


@pytest.mark.parametrize("seed", range(40))
def test_flat_band_is_todays_xmr_and_statprocons(seed: int) -> None:
    rng = random.Random(seed)
    n_base = rng.randint(8, 20)
    level, sigma = rng.uniform(-500, 500), rng.choice([1.0, 3.0, 20.0])
    series = [rng.gauss(level, sigma) for _ in range(n_base + rng.randint(1, 10))]
    series[-1] += rng.uniform(-5, 5) * sigma
    history = History(weeks(series), options=Options(bands.FLAT, n_base))
    t = len(series) - 1
    band = history.band(week(t))
    assert band.method == bands.FLAT
    ours = signals.limits(series[t - n_base : t])
    assert ours is not None
    for name, value in _statprocon_lines(series, n_base).items():
        assert getattr(band, name) == getattr(ours, name)  # exactly today's numbers
        assert getattr(band, name) == pytest.approx(value, abs=LINE_TOL, rel=1e-9), name
    expected = signals.detect(ours, series[max(0, t - 51) :], "up")
    assert [(s.rule, s.side) for s in history.signals(week(t), "up")] == [
        (s.rule, s.side) for s in expected
    ]


def test_stationary_series_are_treated_as_stable() -> None:
    """At least 99% of 1,000 generated stationary series (independent normal values about one
    level, 12 to 156 weeks) get the flat band, today's XmR, from the automatic choice."""
    rng = random.Random(2026)
    methods: Counter[str] = Counter()
    for _ in range(1000):
        n = rng.choice([12, 20, 30, 52, 80, 110, 156])
        level, sigma = rng.uniform(-100, 1000), rng.choice([0.5, 3.0, 40.0])
        points = weeks([rng.gauss(level, sigma) for _ in range(n)])
        methods[History(points).band(points[-1][0]).method] += 1
    assert methods[bands.FLAT] >= 990, methods


# --- trend, worked by hand -------------------------------------------------------------------


def test_trend_band_by_hand() -> None:
    """y_k = 2k - 10 + pattern(k), k = 0..20 (values below 0: lines fit the values, not logs).
    The band for week 20 fits weeks 0..19: the pattern is orthogonal to the line, so the
    least-squares line is 2k - 10 exactly, 30 at week 20, and the residuals are the pattern:
    sum of squares 20 over 18 degrees of freedom, sigma = sqrt(20/18) = 1.05409; their lag-1
    autocorrelation is below 0, taken as 0. Week 20's leverage on a line over weeks 0..19 is
    1/20 + (20 - 9.5)² / 665 = 0.215789, so a limit is SIGMAS × 1.05409 × sqrt(1.215789)
    = SIGMAS × 1.162268 from the line, and the near-limit lines halfway (rho 0).
    Moving ranges of the residuals: 2, 0, 2, 0, ... (10 twos in 19) -> mr_bar 20/19."""
    values = [2 * k - 10 + pattern(k) for k in range(21)]
    history = History(weeks(values), options=Options(bands.TREND))
    band = history.band(week(20))
    spread = bands.SIGMAS * 1.162268
    assert band.method == bands.TREND
    assert band.centre == pytest.approx(30)
    assert band.slope == pytest.approx(2)
    assert band.mr_bar == pytest.approx(20 / 19)
    assert (band.lower, band.upper) == (pytest.approx(30 - spread), pytest.approx(30 + spread))
    assert band.upper_half == pytest.approx(30 + spread / 2)
    assert (band.weeks, band.first, band.last) == (20, week(0), week(19))
    assert band.explanation == "trend +6.7% a week over 20 weeks"
    assert history.signals(week(20), "up") == []  # 31: on the line's way


def test_auto_takes_the_trend_of_a_growing_kpi() -> None:
    """1% growth a week with ±1% noise: the logs rise by log(1.01) a week -> +1.0% a week."""
    values = [1000 * 1.01**k * (1 + 0.01 * wobble(k)) for k in range(41)]
    history = History(weeks(values))
    band = history.band(week(40))
    assert band.method == bands.TREND
    assert band.explanation == "trend +1.0% a week over 40 weeks"
    assert band.centre == pytest.approx(1000 * 1.01**40, rel=0.01)
    assert band.lower < values[40] < band.upper
    assert history.signals(week(40), "up") == []  # growing as it always has is not news
    flat = History(weeks(values), options=Options(bands.FLAT))
    assert any(s.rule == "outside_limits" for s in flat.signals(week(40), "up"))  # today
    values[40] *= 0.8  # a drop of a fifth below the trend: beyond the lower limit
    drop = History(weeks(values)).signals(week(40), "up")
    assert [(s.rule, s.side, s.tone) for s in drop][0] == ("outside_limits", "lower", "bad")
    assert drop[0].value == values[40] and drop[0].limit == pytest.approx(band.lower)


# --- seasonal, worked by hand ----------------------------------------------------------------


def _wave(n: int) -> list[float]:
    """100 × exp(0.1 sin(2πk/52) + 0.001 pattern(k)): a 10% yearly wave, tiny known noise."""
    return [100 * math.exp(0.1 * math.sin(2 * math.pi * k / 52) + 0.001 * pattern(k))
            for k in range(n)]  # fmt: skip


def test_seasonal_band_by_hand() -> None:
    """Week 130 (two and a half years in, weeks 0..129 fitted): the logs are a level of
    log 100, a wave of 0.1 sin(2πk/52) and noise of ±0.001, so the fit finds the wave: the
    factor at week 130 is exp(0.1 sin(2π 130/52)) = exp(0.1 sin(5π)) = 1, and at week 143
    (a quarter of a year later) exp(0.1 sin(5.5π)) = exp(-0.1) = 0.904837; the centre is 100
    times the factor."""
    values = _wave(150)
    history = History(weeks(values))
    band = history.band(week(130))
    assert band.method == bands.SEASONAL
    assert band.factor == pytest.approx(1.0, abs=1e-3)
    assert band.centre == pytest.approx(100, rel=1e-3)
    assert band.explanation == "seasonal: the same weeks of 2 earlier years"
    later = history.band(week(143))
    assert later.factor == pytest.approx(math.exp(-0.1), rel=1e-3)
    assert later.centre == pytest.approx(100 * math.exp(-0.1), rel=1e-3)
    assert all(history.signals(week(k), "up") == [] for k in range(110, 150))
    flat = History(weeks(values), options=Options(bands.FLAT))
    assert any(flat.signals(week(k), "up") for k in range(110, 150))  # today's flags


def test_seasonal_needs_two_years() -> None:
    values = _wave(100)
    band = History(weeks(values), options=Options(bands.SEASONAL)).band(week(99))
    assert band.method != bands.SEASONAL


# --- dividers, settling, proposals -----------------------------------------------------------


def _step(at: int, n: int, before: float = 100.0, after: float = 130.0) -> list[float]:
    return [(before if k < at else after) + wobble(k) for k in range(n)]


def test_limits_come_from_the_segment_after_a_divider() -> None:
    """Level 100 before week 40, 130 from it; divider at week 40. The fit has a step at the
    divider, no slope: stable, so week 52's band is today's XmR over weeks 40..51 only:
    130 ± 1 alternating -> centre 130, mr_bar 2, limits 130 ± 2.66 × 2 = 130 ± 5.32."""
    values = _step(40, 53)
    band = History(weeks(values), [week(40)]).band(week(52))
    assert band.method == bands.FLAT
    assert band.centre == pytest.approx(130)
    assert band.mr_bar == pytest.approx(2)
    assert (band.lower, band.upper) == (pytest.approx(124.68), pytest.approx(135.32))
    assert (band.weeks, band.first, band.divider) == (12, week(40), week(40))


def test_a_trend_continues_after_a_divider_with_a_new_level() -> None:
    """1% growth a week, then 30% higher from week 60 on, divider at week 60: the step takes
    the new level, the slope still comes from all the weeks."""
    values = [1000 * 1.01**k * (1.3 if k >= 60 else 1.0) * (1 + 0.01 * wobble(k))
              for k in range(80)]  # fmt: skip
    history = History(weeks(values), [week(60)])
    band = history.band(week(79))
    assert band.method == bands.TREND
    assert band.centre == pytest.approx(1300 * 1.01**79, rel=0.01)
    assert band.divider == week(60)
    assert history.signals(week(79), "up") == []


def test_a_new_segment_settles_before_it_has_limits() -> None:
    values = _step(40, 60)
    history = History(weeks(values), [week(40)])
    for t in range(40, 48):
        band = history.band(week(t))
        assert band.method == bands.SETTLING
        assert band.centre is None and band.upper is None
        assert band.explanation == f"new level since 2024-W41, settling ({t - 40} of 8 weeks)"
        assert history.signals(week(t), "up") == []
        assert history.propose_divider(week(t)) is None
    assert history.band(week(48)).method == bands.FLAT  # 8 weeks: limits again


def test_a_confirmed_shift_proposes_a_divider_at_the_week_it_began() -> None:
    """100 ± 1 then 120 from week 30. At week 33 the last 4 weeks are all above the line of
    the band before them (week 30's: centre 100, sigma about 1) and on average 20 above it:
    confirmed; it began at week 30, the first week of the stretch above the line."""
    values = _step(30, 40, after=120.0)
    history = History(weeks(values))
    assert [history.propose_divider(week(t)) for t in range(24, 33)] == [None] * 9
    assert history.propose_divider(week(33)) == week(30)
    accepted = History(weeks(values), [week(30)])
    assert accepted.propose_divider(week(34)) is None  # settling: nothing more to propose


def test_a_spike_proposes_no_divider() -> None:
    values = [100.0 + wobble(k) for k in range(40)] + [102.0] * 3 + [130.0]
    history = History(weeks(values))
    assert history.propose_divider(week(43)) is None


def test_quiet_series_propose_no_divider() -> None:
    rng = random.Random(5)
    points = weeks([rng.gauss(50, 2) for _ in range(120)])
    history = History(points)
    assert [w for w, _ in points if history.propose_divider(w)] == []


def test_an_older_shift_is_a_step_of_the_fit() -> None:
    """1% growth with a 40% jump at week 30 and no divider: the fit finds the step itself, so
    two years later the band follows the line after the jump."""
    values = [1000 * 1.01**k * (1.4 if k >= 30 else 1.0) * (1 + 0.01 * wobble(k))
              for k in range(100)]  # fmt: skip
    history = History(weeks(values))
    band = history.band(week(99))
    assert band.centre == pytest.approx(1400 * 1.01**99, rel=0.01)
    assert history.signals(week(99), "up") == []


# --- locked limits, off, options -------------------------------------------------------------


def test_locked_limits_come_from_their_range_only() -> None:
    rng = random.Random(9)
    values = [rng.gauss(100, 2) for _ in range(30)] + [rng.gauss(140, 2) for _ in range(30)]
    lock = (week(0), week(19))
    history = History(weeks(values), options=Options(bands.FLAT, lock=lock))
    expected = signals.limits(values[0:20])
    assert expected is not None
    for t in (25, 45, 59):
        band = history.band(week(t))
        assert band.locked and (band.first, band.last) == lock
        assert (band.centre, band.lower, band.upper) == (
            expected.centre,
            expected.lower,
            expected.upper,
        )
    assert history.signals(week(45), "up")[0].rule == "outside_limits"
    assert history.propose_divider(week(45)) is None  # locked limits: no proposals


def test_off_gives_no_band_and_no_signals() -> None:
    values = _step(30, 40, after=200.0)
    history = History(weeks(values), options=Options(bands.OFF))
    assert history.band(week(35)).method == bands.OFF
    assert history.band(week(35)).centre is None
    assert history.signals(week(35), "up") == []


def test_weeks_outside_the_data() -> None:
    history = History(weeks(_step(30, 40)))
    assert history.band(week(-1)).method == bands.NONE
    assert history.signals(week(-1)) == []
    assert history.band(week(3)).method == bands.NONE  # fewer than 8 weeks before it
    assert isinstance(history.band(week(45)), Band)  # after the data: the line carried on
    assert history.signals(week(45)) == [] and history.propose_divider(week(45)) is None


# --- since: new versus continuing -------------------------------------------------------------


def test_since_tells_new_from_continuing_over_consecutive_weeks() -> None:
    values = _step(30, 40, after=120.0)
    history = History(weeks(values), options=Options(bands.FLAT))
    seen = {}
    for t in range(29, 40):
        for s in history.signals(week(t), "up"):
            seen[t, s.rule] = s
    assert not any(t == 29 for t, _ in seen)
    outside = [seen[t, "outside_limits"] for t in (30, 31, 32)]
    assert [s.since for s in outside] == [week(30)] * 3
    assert all(s.tone == "good" and s.side == "upper" for s in outside)
    run = seen[37, "run_of_8"]
    assert (run.since, run.began, run.run) == (week(37), week(30), 8)
    assert seen[38, "run_of_8"].since == week(37)


# --- the numeric core --------------------------------------------------------------------------


def test_cholesky_solve_by_hand() -> None:
    """[[4, 2], [2, 3]] x = [2, 1]: x = [0.5, 0]; inverse [[3, -2], [-2, 4]] / 8."""
    found = bandfit.cholesky_solve([[4.0, 2.0], [2.0, 3.0]], [2.0, 1.0])
    assert found is not None
    x, inv = found
    assert x == [pytest.approx(0.5), pytest.approx(0.0)]
    assert inv == [[pytest.approx(0.375), pytest.approx(-0.25)],
                   [pytest.approx(-0.25), pytest.approx(0.5)]]  # fmt: skip
    assert bandfit.cholesky_solve([[1.0, 1.0], [1.0, 1.0]], [1.0, 1.0]) is None


def test_one_step_errors_are_against_the_weeks_before() -> None:
    """A level fitted on 1, 3 (mean 2, (X'X)^-1 = 1/2); then 5: error 3, leverage 1/2; the
    level becomes 3 (1, 3, 5), then 3: error 0, leverage 1/3."""
    base = bandfit.Sums([[1.0], [1.0]], [1.0, 3.0]).solve([0])
    assert base is not None
    errors = bandfit.one_step(base, [[1.0], [1.0]], [5.0, 3.0], [True, True])
    assert errors == [(pytest.approx(3.0), pytest.approx(0.5)),
                      (pytest.approx(0.0), pytest.approx(1 / 3))]  # fmt: skip


def test_a_constant_series_is_flat_not_a_trend() -> None:
    """The same value every week fits a line exactly: its slope is rounding (about 1e-17), not
    a trend, so the band is flat with limits on the value (zero moving range)."""
    history = History(weeks([5.0] * 40))
    band = history.band(week(39))
    assert band.method == bands.FLAT
    assert (band.centre, band.lower, band.upper) == (5.0, 5.0, 5.0)
