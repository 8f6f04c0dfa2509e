"""Stalls and correlated noise in the divider proposals of kpireview.bands: growth that stops
is proposed as a new segment within weeks 3-20 of the stall (the bend test), a steady trend
proposes nothing, and a shift must stand out from noise whose weeks stick together (the
4-week mean's standard error under the residuals' lag-1 autocorrelation)."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pytest

from kpireview import bandfit, bandmodel
from kpireview.bands import History

START = date(2024, 1, 1)  # a Monday
STALL = 120  # the week growth stops


def weeks(values: list[float]) -> list[tuple[date, float]]:
    return [(START + timedelta(weeks=k), v) for k, v in enumerate(values)]


def growing(seed: int, stall: int | None, n: int = 156) -> list[tuple[date, float]]:
    """0.6% growth a week, an 8% yearly wave, 3% noise; the growth stops at ``stall``."""
    rng = random.Random(seed)
    end = n if stall is None else stall
    return weeks([
        1000 * math.exp(0.006 * min(k, end))
        * (1 + 0.08 * math.sin(2 * math.pi * k / 52) + rng.gauss(0, 0.03))
        for k in range(n)
    ])  # fmt: skip


def proposals(points: list[tuple[date, float]], first: int, last: int) -> dict[int, int]:
    """Weeks in [first, last] (as indices) with a proposal -> the week it proposes."""
    history = History(points)
    out = {}
    for t in range(first, last + 1):
        found = history.propose_divider(points[t][0])
        if found is not None:
            out[t] = (found - START).days // 7
    return out


@pytest.mark.parametrize("seed", range(4))
def test_a_growth_stall_is_proposed_within_weeks_3_to_20(seed: int) -> None:
    found = proposals(growing(seed, STALL), 104, STALL + 20)
    assert found, "no proposal within 20 weeks of the stall"
    first = min(found)
    assert STALL + 3 <= first <= STALL + 20
    assert abs(found[first] - STALL) <= 8  # the new segment begins near the bend


@pytest.mark.parametrize("seed", range(4))
def test_steady_growth_proposes_nothing(seed: int) -> None:
    assert proposals(growing(seed, None), 104, 155) == {}


def test_the_mean_of_correlated_weeks_varies_more() -> None:
    assert bandmodel.mean_inflation(0.0, 4) == 1.0
    # 1 + 2 (3/4 r + 2/4 r^2 + 1/4 r^3) at r = 1/2
    assert bandmodel.mean_inflation(0.5, 4) == pytest.approx(1 + 2 * (0.375 + 0.125 + 0.03125))


def test_rho_is_the_chosen_models_when_the_wave_is_dropped() -> None:
    """A wave too weak to keep is dropped; the residuals' lag-1 autocorrelation (runs, the
    limits' inflation) is then that of the line without it, which the wave no longer
    soaks up."""
    rng = random.Random(11)
    points = weeks([
        1000 * math.exp(0.005 * k) * (1 + 0.008 * math.sin(2 * math.pi * k / 52) + rng.gauss(0, 0.03))
        for k in range(130)
    ])  # fmt: skip
    history = History(points)
    t = 129
    history.band(points[t][0])
    model = history._models[t]
    assert model is not None and not model.seasonal
    kept = [i for i, ok in enumerate(model.keep) if ok]
    res = bandfit.residuals(
        model.solved, [model.rows[i] for i in kept], [model.zs[i] for i in kept]
    )
    assert model.rho == pytest.approx(bandfit.lag1(res, [model.weeks[i] for i in kept]), abs=1e-12)
