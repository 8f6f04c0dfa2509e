"""Band choices and proposals measured against the signal bench: weak seasonality, spikes."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pytest

from kpireview import bandfit, bands
from kpireview.bands import History

START = date(2024, 1, 1)


def test_line_spread_by_hand() -> None:
    """0, 1, 0, 1 about their line (0.3 + 0.2 k): errors -0.2, 0.6, -0.6, 0.2, mean square 0.2."""
    assert bandfit.line_spread([0.0, 1.0, 0.0, 1.0], [0, 1, 2, 3]) == pytest.approx(0.2)  # type: ignore[arg-type]
    assert bandfit.line_spread([1.0, 3.0, 5.0], [0, 1, 2]) == pytest.approx(0.0)  # type: ignore[arg-type]


def test_weak_seasonality_that_helps_gives_a_seasonal_band() -> None:
    """A 5% yearly wave under 4% noise: the factors' spread is under 2 standard errors (1.86),
    but dividing the past year by them takes more than a tenth off its spread about a line,
    so the band is seasonal rather than a line that misses the wave."""
    rng = random.Random(7)
    values = [
        100 * (1 + 0.05 * math.sin(2 * math.pi * k / 52)) + rng.gauss(0, 4) for k in range(156)
    ]
    history = History([(START + timedelta(weeks=k), v) for k, v in enumerate(values)])
    z = bandfit.season_z(history.y, history.factors, list(range(135, 155)), 155)
    assert 1 < z <= bands.SEASON_T
    band = history.band(START + timedelta(weeks=155))
    assert band.method == bands.SEASONAL
    assert band.explanation.startswith("seasonal")


def test_a_spike_after_a_small_drift_proposes_no_divider() -> None:
    """100 ± 1 for 40 weeks, then 102 for three weeks and a spike to 130. The last 4 weeks are
    all above the line and on average 9 above it, beyond 2.25 sigmas (4.0, sigma 1.77), but the
    spike counts for at most 3 sigmas: on average 2.8 above, no shift. A sustained move to
    112 from week 43 instead is confirmed at week 45, as beginning at week 43."""
    values = [100.0 + (1.0 if k % 2 == 0 else -1.0) for k in range(40)] + [102.0] * 3 + [130.0]
    history = History([(START + timedelta(weeks=k), v) for k, v in enumerate(values)])
    assert history.band(START + timedelta(weeks=43)).method == bands.FLAT
    assert history.propose_divider(START + timedelta(weeks=43)) is None
    moved = values[:43] + [112.0] * 3
    history = History([(START + timedelta(weeks=k), v) for k, v in enumerate(moved)])
    assert history.propose_divider(START + timedelta(weeks=45)) == START + timedelta(weeks=43)
