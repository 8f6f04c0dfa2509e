"""The numeric pieces of the expected bands (kpireview.bands): seasonal factors, robust
spreads, and how much the values about a line wander or stick to one side."""

from __future__ import annotations

import bisect
import math
import statistics
from itertools import accumulate, pairwise

from kpireview import signals

SEASON_WEEKS = 104  # two years of data before a seasonal band
SEASON_SPAN, SEASON_HALF, SEASON_NEAR = 52, 26, 4
SEASON_YEARS = 3  # earlier years the seasonal factors come from
WANDER = 2.4  # see wanders()


class Factors:
    """Seasonal factor of each week from earlier years only (None where unknown), computed
    when first asked for.

    ratio[u] = y[u] / its centred 2×52 moving average, where that average has every week and
    no divider inside; factor[t] = mean, without the lowest and highest, of ratio[t − 52k + j]
    for the SEASON_YEARS years before t and |j| ≤ SEASON_NEAR (at least 3 of them). Values
    must all be positive; otherwise there are no factors.
    """

    def __init__(self, y: list[float | None], dividers: list[int]) -> None:
        self.y, self.dividers, self.n = y, dividers, len(y)
        self.ok = self.n >= SEASON_WEEKS and all(v is None or v > 0 for v in y)
        self.sums = [0.0, *accumulate(0.0 if v is None else v for v in y)] if self.ok else []
        self.gaps = [0, *accumulate(v is None for v in y)] if self.ok else []
        self.cache: dict[int, float | None] = {}
        self.ratios: dict[int, float | None] = {}

    def __getitem__(self, t: int) -> float | None:
        if t not in self.cache:
            self.cache[t] = self._factor(t) if self.ok and SEASON_SPAN <= t < self.n else None
        return self.cache[t]

    def _factor(self, t: int) -> float | None:
        near = [
            r
            for k in range(
                t - SEASON_SPAN, max(-1, t - SEASON_SPAN * (SEASON_YEARS + 1)), -SEASON_SPAN
            )
            for j in range(-SEASON_NEAR, SEASON_NEAR + 1)
            if k + j + SEASON_HALF < t and (r := self._ratio(k + j)) is not None
        ]
        return trimmed_mean(near) if len(near) >= 3 else None

    def _ratio(self, u: int) -> float | None:
        if u not in self.ratios:
            self.ratios[u] = self._new_ratio(u)
        return self.ratios[u]

    def _new_ratio(self, u: int) -> float | None:
        lo, hi = u - SEASON_HALF, u + SEASON_HALF
        if lo < 0 or hi >= self.n or self.gaps[hi + 1] != self.gaps[lo]:
            return None
        if spans_divider(self.dividers, u):
            return None
        inner = self.sums[hi] - self.sums[lo + 1]
        cma = (inner + (self.y[lo] + self.y[hi]) / 2) / SEASON_SPAN  # type: ignore[operator]
        return self.y[u] / cma  # type: ignore[operator]


class Adjusted:
    """The values as lines are fitted to them (see History._adjusted), computed when asked."""

    def __init__(self, y: list[float | None], factors: Factors | None, log: bool) -> None:
        self.y, self.factors, self.log = y, factors, log
        self.cache: dict[int, float | None] = {}

    def __getitem__(self, k: int) -> float | None:
        if k not in self.cache:
            y = self.y[k]
            g = 1.0 if self.factors is None else self.factors[k]
            if y is None or g is None:
                self.cache[k] = None
            else:
                self.cache[k] = math.log(y / g) if self.log else y / g
        return self.cache[k]


def sigma(res: list[float], n_level: int, line_error: float) -> float:
    """The spread of a value about a fitted line, robust to spikes and a recent shift: the
    larger of the median moving range's estimate and the residuals' median absolute deviation
    (which also sees slow wander: autocorrelated noise, the noise of seasonal factors),
    widened for the error of the level (a median of ``n_level`` weeks) and of the line
    (``line_error``, the slope's standard error times the weeks from the fit's middle)."""
    mid = statistics.median(res)
    mad = 1.4826 * statistics.median(abs(r - mid) for r in res)
    mr = statistics.median(abs(b - a) for a, b in pairwise(res)) / 0.954
    sigma = max(mr, mad)
    return math.sqrt(sigma * sigma * (1 + 1.57 / n_level) + line_error * line_error)


def wanders(values: list[float]) -> bool:
    """Whether values wander more than independent noise about one level would: their
    standard deviation against the moving-range estimate of it, beyond the 99.5th percentile
    of that ratio for independent normal values (about 1 + 2.4 / sqrt(n))."""
    n = len(values)
    mr = math.fsum(abs(b - a) for a, b in pairwise(values)) / (n - 1)
    if mr == 0:
        return False
    return statistics.stdev(values) / (mr / 1.128) > 1 + WANDER / math.sqrt(n)


def rho(res: list[float]) -> float:
    mean = math.fsum(res) / len(res)
    dev = [r - mean for r in res]
    var = math.fsum(d * d for d in dev)
    return min(0.9, max(0.0, math.fsum(a * b for a, b in pairwise(dev)) / var)) if var else 0.0


def run_length(res: list[float]) -> int:
    """Weeks on one side of the line as unlikely as 8 for independent values, given the
    residuals' lag-1 autocorrelation (a week stays on its side with probability
    1/2 + asin(rho)/pi for normal values)."""
    mean = math.fsum(res) / len(res)
    dev = [r - mean for r in res]
    var = math.fsum(d * d for d in dev)
    rho = math.fsum(a * b for a, b in pairwise(dev)) / var if var > 0 else 0.0
    stay = 0.5 + math.asin(min(0.9, max(0.0, rho))) / math.pi
    runs = 1 + (signals.RUN_LENGTH - 1) * math.log(0.5) / math.log(stay)
    return max(signals.RUN_LENGTH, math.ceil(runs))


def season_z(y: list[float | None], f: Factors, base: list[int], before: int) -> float:
    """How much the seasonal factors matter: the spread of the past year's factors over a
    factor's standard error (the baseline's noise, from its moving ranges divided by the
    factors, over the square root of the ratios a factor averages); 0 when unknown."""
    year = [g for k in range(max(0, before - SEASON_SPAN), before) if (g := f[k]) is not None]
    ratios = [y[k] / f[k] for k in base]  # type: ignore[operator]
    mr = math.fsum(abs(b - a) for a, b in pairwise(ratios)) / (len(ratios) - 1)
    mean = math.fsum(ratios) / len(ratios)
    noise = mr / 1.128 / mean if mean > 0 else math.inf
    years = max(1, min(SEASON_YEARS, before // SEASON_SPAN - 1))
    se = noise / math.sqrt((2 * SEASON_NEAR + 1) * years - 2)
    return sd(year, 0) / se if len(year) > 8 and se > 0 else 0.0


def line_spread(z: Adjusted, weeks: list[int]) -> float:
    """The mean square of z at ``weeks`` (all known) about their least-squares line."""
    n = len(weeks)
    sk = sz = skk = skz = szz = 0.0
    for k in weeks:
        v = z[k]
        sk, sz, skk, skz, szz = sk + k, sz + v, skk + k * k, skz + k * v, szz + v * v  # type: ignore
    sxx, sxy, syy = skk - sk * sk / n, skz - sk * sz / n, szz - sz * sz / n
    return max(0.0, syy - (sxy * sxy / sxx if sxx > 0 else 0.0)) / n


def sd(values: list[float], ddof: int) -> float:
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - ddof))


def trimmed_mean(values: list[float]) -> float:
    """The mean without the lowest and the highest value (robust to one spike)."""
    values = sorted(values)[1:-1]
    return math.fsum(values) / len(values)


def spans_divider(dividers: list[int], u: int) -> bool:
    i = bisect.bisect_right(dividers, u - SEASON_HALF)
    return i < len(dividers) and dividers[i] <= u + SEASON_HALF
