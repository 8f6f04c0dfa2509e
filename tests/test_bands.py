"""Expected bands (kpireview.bands): each method on series worked out by hand, the stable case
against statprocon 2.0.0, dividers, settling, locked limits, `since`, and the automatic choice.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import date, timedelta

import pytest
from statprocon import XmR

from kpireview import bands, signals
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
    level, 12 to 156 weeks) get the flat band from the automatic choice."""
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
    """y_k = 2k - 10 + wobble(k), k = 0..20 (values below 0, so lines are fitted to the
    values, not their logs). The band for week 20, baseline weeks 0..19:

    slope: half the span apart, h = 10; (y[k+10] - y[k]) / 10 = 20/10 = 2 for k = 0..9 (the
      wobbles cancel, k and k+10 have the same parity); median 2.
    level at week 20: median of y_k - 2(k - 20) = 30 + wobble(k): ten 31s and ten 29s -> 30.
    residuals about the line: wobble(k); moving ranges all 2 -> mr_bar 2.
    sigma: median moving range 2 / 0.954 = 2.0964 (the median absolute deviation, 1.4826, is
      smaller); the slope's standard error: moving ranges of y alternate 0 and 4, average
      36/19 = 1.8947, sigma 1.6797, se = 1.25 * 1.6797 * sqrt(2/10) / 10 = 0.09389, times the
      10.5 weeks from the middle of the fit = 0.9858.
      sqrt(2.0964^2 * (1 + 1.57/20) + 0.9858^2) = sqrt(4.7399 + 0.9718) = 2.3899.
    limits: 30 ± 3 × 2.3899 = 30 ± 7.1697, times the band's record scale (>= 1).
    words: 2 / 30 = +6.7% a week over 20 weeks.
    """
    values = [2 * k - 10 + wobble(k) for k in range(21)]
    band = History(weeks(values), options=Options(bands.TREND)).band(week(20))
    assert band.method == bands.TREND
    assert band.centre == pytest.approx(30)
    assert band.slope == pytest.approx(2)
    assert band.mr_bar == pytest.approx(2)
    assert band.scale >= 1
    assert (band.upper - band.centre) / band.scale == pytest.approx(7.1697, abs=1e-3)
    assert (band.centre - band.lower) / band.scale == pytest.approx(7.1697, abs=1e-3)
    assert (band.upper_half - band.centre) / band.scale == pytest.approx(7.1697 / 2, abs=1e-3)
    assert (band.weeks, band.first, band.last) == (20, week(0), week(19))
    assert band.explanation == "trend +6.7% a week over 20 weeks"


def test_auto_takes_the_trend_of_a_growing_kpi() -> None:
    """1% growth a week with ±1% noise: the logs rise by log(1.01) a week -> +1.0% a week."""
    values = [1000 * 1.01**k * (1 + 0.01 * wobble(k)) for k in range(41)]
    history = History(weeks(values))
    band = history.band(week(40))
    assert band.method == bands.TREND
    assert band.explanation == "trend +1.0% a week over 20 weeks"
    assert band.centre == pytest.approx(1000 * 1.01**40, rel=0.01)
    assert band.lower < values[40] < band.upper
    assert history.signals(week(40), "up") == []  # growing as it always has is not news
    flat = History(weeks(values), options=Options(bands.FLAT))
    assert any(s.rule == "outside_limits" for s in flat.signals(week(40), "up"))  # today


# --- seasonal, worked by hand ----------------------------------------------------------------


def _seasons(n: int) -> list[float]:
    """110 in weeks 0..39 of each 52-week year, 90 in weeks 40..51, ±0.5% wobble."""
    return [(110 if k % 52 < 40 else 90) * (1 + 0.005 * wobble(k)) for k in range(n)]


def test_seasonal_band_by_hand() -> None:
    """Every centred 2×52 average spans a whole year: (40 × 110 + 12 × 90) / 52 = 105.385
    (the wobble nearly cancels), so each ratio is the value / 105.385: 1.0438 in weeks 0..39
    of a year, 0.8540 in weeks 40..51; a week 4 or more weeks away from a turn has that
    factor (the same weeks ± 4 of each earlier year share it). Week 134 is week 30 of the
    third year: its baseline (weeks 10..29 of that year) and itself are far from a turn, so
    divided by their factors they are 105.385 ± 0.5% and week 134 is expected at
    105.385 × 1.0438 = 110."""
    values = _seasons(140)
    history = History(weeks(values))
    band = history.band(week(134))
    assert band.method == bands.SEASONAL
    assert band.factor == pytest.approx(110 / 105.385, rel=1e-3)
    assert band.centre == pytest.approx(110, rel=1e-3)
    assert band.lower < values[134] < band.upper
    assert band.explanation.startswith("seasonal: the same weeks of 2 earlier years")
    assert history.signals(week(134), "up") == []
    # A flat band, today's, flags the turns of the seasons.
    flat = History(weeks(values), options=Options(bands.FLAT))
    assert any(flat.signals(week(k), "up") for k in range(104, 140))


def test_seasonal_needs_two_years() -> None:
    values = _seasons(100)
    band = History(weeks(values), options=Options(bands.SEASONAL)).band(week(99))
    assert band.method != bands.SEASONAL


# --- dividers, settling, proposals -----------------------------------------------------------


def _step(at: int, n: int, before: float = 100.0, after: float = 130.0) -> list[float]:
    return [(before if k < at else after) + wobble(k) for k in range(n)]


def test_limits_come_from_the_segment_after_a_divider() -> None:
    """Level 100 before week 40, 130 from it; divider at week 40. Week 52's baseline is weeks
    40..51 only: 130 ± 1 alternating -> centre 130, moving ranges 2 -> mr_bar 2, limits
    130 ± 2.66 × 2 = 130 ± 5.32 (independent noise about a level: the flat band)."""
    values = _step(40, 53)
    band = History(weeks(values), [week(40)]).band(week(52))
    assert band.method == bands.FLAT
    assert band.centre == pytest.approx(130)
    assert band.mr_bar == pytest.approx(2)
    assert (band.lower, band.upper) == (pytest.approx(124.68), pytest.approx(135.32))
    assert (band.weeks, band.first, band.divider) == (12, week(40), week(40))
    without = History(weeks(values)).band(week(52))
    assert without.centre is None or without.centre != pytest.approx(130)


def test_a_new_segment_settles_before_it_has_limits() -> None:
    values = _step(40, 60)
    history = History(weeks(values), [week(40)])
    for t in range(40, 48):
        band = history.band(week(t))
        assert band.method == bands.SETTLING
        assert band.centre is None and band.upper is None
        assert band.explanation == f"new level since 2024-W41, settling ({t - 40} of 8 weeks)"
        assert history.signals(week(t), "up") == []
    assert history.band(week(48)).method == bands.FLAT  # 8 weeks: limits again


def test_a_confirmed_shift_proposes_a_divider_at_the_week_it_began() -> None:
    """100 ± 1 then 120 from week 30. At week 33 the last 4 weeks are all above the line and
    on average 17 above a centre of about 103, more than 2.25 sigmas (about 2.4): the shift
    is confirmed, and it began at week 30, the first week of the stretch above the line."""
    values = _step(30, 40, after=120.0)
    history = History(weeks(values))
    assert [history.propose_divider(week(t)) for t in range(24, 33)] == [None] * 9
    assert history.propose_divider(week(33)) == week(30)
    accepted = History(weeks(values), [week(30)])
    assert accepted.propose_divider(week(34)) is None  # settling: nothing more to propose


def test_quiet_series_propose_no_divider() -> None:
    rng = random.Random(5)
    points = weeks([rng.gauss(50, 2) for _ in range(120)])
    history = History(points)
    assert [w for w, _ in points if history.propose_divider(w)] == []


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


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown method"):
        Options("wiggly")
    with pytest.raises(ValueError, match="baseline_weeks"):
        Options(baseline_weeks=3)
    with pytest.raises(ValueError, match="lock"):
        Options(lock=(week(5), week(1)))


def test_weeks_outside_the_data() -> None:
    history = History(weeks(_step(30, 40)))
    assert history.band(week(-1)).method == bands.NONE
    assert history.signals(week(-1)) == []
    assert history.band(week(3)).method == bands.NONE  # fewer than 8 weeks before it
    assert isinstance(history.band(week(45)), Band)  # after the data: the line carried on
    assert history.signals(week(45)) == [] and history.propose_divider(week(45)) is None


# --- since: new versus continuing -------------------------------------------------------------


def test_since_tells_new_from_continuing_over_consecutive_weeks() -> None:
    """100 ± 1 (limits 100 ± 5.32), then 120 from week 30. Week 30: beyond the upper limit,
    new (since week 30). Weeks 31 and 32: the baseline has taken in one and two of the high
    weeks (centre about 101 and 102, mr_bar about 2.9 and 2.9, upper limits about 109 and
    110), still beyond: continuing, since week 30. A run of 8 above the centre begins at
    week 30 too; it first fires at week 37, so it is new there."""
    values = _step(30, 40, after=120.0)
    history = History(weeks(values), options=Options(bands.FLAT))
    seen = {}
    for t in range(29, 40):
        for s in history.signals(week(t), "up"):
            seen[t, s.rule] = s
    assert not any(t == 29 for t, _ in seen)
    outside = [seen[t, "outside_limits"] for t in (30, 31, 32)]
    assert [s.since for s in outside] == [week(30)] * 3
    assert [s.since == week(t) for s, t in zip(outside, (30, 31, 32), strict=True)] == [
        True,
        False,
        False,
    ]
    assert all(s.tone == "good" and s.side == "upper" for s in outside)
    run = seen[37, "run_of_8"]
    assert (run.since, run.began, run.run) == (week(37), week(30), 8)
    assert seen[38, "run_of_8"].since == week(37)


def test_signals_on_a_trend_band_are_in_the_kpis_units() -> None:
    values = [1000 * 1.01**k * (1 + 0.01 * wobble(k)) for k in range(41)]
    values[40] *= 0.8  # a drop of a fifth below the trend
    history = History(weeks(values))
    band = history.band(week(40))
    found = {s.rule: s for s in history.signals(week(40), "up")}
    assert band.method == bands.TREND
    drop = found["outside_limits"]
    assert (drop.side, drop.tone, drop.since) == ("lower", "bad", week(40))
    assert drop.value == values[40]
    assert drop.limit == pytest.approx(band.lower)
    assert math.isclose(band.centre, 1000 * 1.01**40, rel_tol=0.01)
