"""How far a trend or seasonal band's limits lie from its line (kpireview.bands): 3.5
prediction sigmas. On series like real KPIs' (growth, a yearly wave, autocorrelated noise) the
weekly errors have heavier tails than a normal curve: at 3.3 sigmas about 0.27% of quiet weeks
fell beyond the limits, almost three times the 0.1% a normal curve gives."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kpireview import bands
from kpireview.bands import History, Options

START = date(2024, 1, 1)  # a Monday
UNIT = 1.162268  # one prediction sigma at week 20 of the series below (see test_bands.py)


def series(last: float) -> list[tuple[date, float]]:
    """y_k = 2k - 10 ± 1 for k = 0..19 (the hand-worked trend of tests/test_bands.py: the line
    fitted on weeks 0..19 is 30 at week 20, one prediction sigma there is UNIT), then ``last``."""
    values = [2 * k - 10 + (1.0 if k % 4 in (0, 3) else -1.0) for k in range(20)] + [last]
    return [(START + timedelta(weeks=k), v) for k, v in enumerate(values)]


def rules(last: float) -> list[tuple[str, str]]:
    history = History(series(last), options=Options(bands.TREND))
    return [(s.rule, s.side) for s in history.signals(START + timedelta(weeks=20), "up")]


def test_limits_are_3_5_prediction_sigmas_from_the_line() -> None:
    band = History(series(30.0), options=Options(bands.TREND)).band(START + timedelta(weeks=20))
    assert bands.SIGMAS == 3.5
    assert (band.lower, band.upper) == (
        pytest.approx(30 - 3.5 * UNIT),
        pytest.approx(30 + 3.5 * UNIT),
    )


def test_a_week_3_4_sigmas_out_is_within_the_limits() -> None:
    assert ("outside_limits", "upper") not in rules(30 + 3.4 * UNIT)
    assert ("outside_limits", "lower") not in rules(30 - 3.4 * UNIT)


def test_a_week_3_6_sigmas_out_is_beyond_them() -> None:
    assert ("outside_limits", "upper") in rules(30 + 3.6 * UNIT)
    assert ("outside_limits", "lower") in rules(30 - 3.6 * UNIT)
