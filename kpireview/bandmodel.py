"""The model of :mod:`kpireview.bands`: which fit a week gets, and its spread.

For the week t, the known weeks before it (logs when all values are positive) get one
least-squares fit (:mod:`kpireview.bandfit`): a level, a slope, a yearly wave once there are
two years of data, and a step and a bend (a new slope, kept when significant) at each divider.
Weeks more than 3.5 robust sigmas off the first fit (spikes) are left out; up to
:data:`AUTO_STEPS` older level shifts (at least :data:`RECENT_WEEKS` weeks back) that no divider
marks become steps of the fit when they explain enough (an F test). ``auto`` keeps the wave
when it explains more than noise would, and calls the band flat (today's XmR) when neither
the wave nor a slope is significant and the residuals do not wander. Every test is corrected
for the residuals' lag-1 autocorrelation rho, by (1 + rho) / (1 - rho); once the wave is
dropped, rho is that of the line without it (a wave left out makes the residuals stick
together, and the runs and limits must expect it). :func:`bend_scan` tests the fit for a
change of slope at each of a range of weeks (growth that stalls).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from operator import ge, mul, sub

from kpireview import bandfit as fit
from kpireview import signals
from kpireview.bandtypes import AUTO, SEASONAL, TREND

SETTLE_WEEKS = 8  # weeks a new segment needs before it has limits
FIT_WEEKS = 156  # weeks the fit looks back at most
SEASON_WEEKS = 104  # two years of data before the yearly wave is fitted
SEASON_F = 8.0  # the wave's F statistic (over rho's inflation) above which auto keeps it
TREND_T, TREND_SMALL = 3.0, 8.0  # |slope| / its error above TREND_T + TREND_SMALL / dof
WANDER = 3.0  # rho above WANDER / sqrt(weeks): the values wander, no flat band
BEND_T = 2.0  # |a divider's change of slope| / its error above which the fit keeps it
SIGMAS = 3.5  # from the line to a limit, in prediction sigmas (weekly errors' tails are heavier
# than a normal curve's: at 3.3, 0.27% of quiet weeks fell beyond, against 0.1%)
AUTO_STEPS, STEP_F, RECENT_WEEKS = 2, 12.0, 26  # older shifts the fit finds, see fit_model
EXACT = 1e-9  # a coefficient of an exact fit below this is rounding, not a slope
RUN_BASE = 11  # weeks on one side a run must be as unlikely as, for independent values


@dataclass(frozen=True)
class Model:
    """The fit for week t: the solved model, the dividers it has steps for, and its spread."""

    solved: fit.Solved
    dividers: tuple[int, ...]
    steps: tuple[int, ...]  # older level shifts the fit found itself
    t: int
    sigma: float
    rho: float
    seasonal: bool
    trend: bool
    flat: bool
    slope: float  # the current segment's slope per week, in fitted units
    weeks: list[int]
    mr_bar: float
    rows: list[list[float]]  # the weeks' regressors, their fitted values, whether kept
    zs: list[float]
    keep: list[bool]
    sums: fit.Sums  # the normal equations of the kept weeks

    def line(self, k: int) -> float:
        return self.solved.predict(fit.row(k, self.t, self.dividers, self.steps))

    def wave(self, k: int) -> float:
        if not self.seasonal:
            return 0.0
        x = fit.row(k, self.t, ())
        b = dict(zip(self.solved.cols, self.solved.beta, strict=True))
        return b[fit.SIN] * x[fit.SIN] + b[fit.COS] * x[fit.COS]

    def inflation(self) -> float:
        return (1 + self.rho) / (1 - self.rho)

    def spread(self, k: int) -> float:
        lev = self.solved.leverage(fit.row(k, self.t, self.dividers, self.steps))
        return SIGMAS * self.sigma * math.sqrt(1 + lev * self.inflation())


def fit_model(
    z_all: list[float | None], weeks: list[int], t: int, hi: int, dividers: list[int], method: str
) -> Model | None:
    """The fit for week t over ``weeks`` (all known, before ``hi``), with a step and a bend for
    each divider inside them (see the module docstring); None when it cannot be solved."""
    divs = tuple(d for d in dividers if weeks and weeks[0] < d < hi)
    rows = fit.rows(weeks, t, divs)
    z: list[float] = [z_all[k] for k in weeks]  # type: ignore[misc]
    cols = [fit.LEVEL, fit.SLOPE]
    wave = method in (AUTO, SEASONAL) and weeks[-1] - weeks[0] + 1 >= SEASON_WEEKS
    cols += [fit.SIN, fit.COS] if wave else []
    bends = {}
    for i, d in enumerate(divs):
        after = sum(1 for k in weeks if k >= d)
        cols.append(4 + 2 * i)
        if after >= SETTLE_WEEKS:
            cols.append(5 + 2 * i)
            bends[5 + 2 * i] = 1.0
    sums = fit.Sums(rows, z)
    full = sums.solve(cols)
    if full is None:
        return None
    res = fit.residuals(full, rows, z)
    cut = fit.OUTLIER * fit.mad_sigma(res)
    kept = list(range(len(z)))
    if cut > 0 and not all(map(partial(ge, cut), map(abs, res))):  # some |r| > cut
        kept = [i for i, r in enumerate(res) if abs(r) <= cut]
    keep = [False] * len(z)
    for i in kept:
        keep[i] = True
    if len(kept) < len(z):
        for i in set(range(len(z))) - set(kept):
            sums.add(rows[i], z[i], -1)
        full = sums.solve(cols)
        if full is None:
            return None
        res = fit.residuals(full, [rows[i] for i in kept], [z[i] for i in kept])
    kept_weeks = [weeks[i] for i in kept]
    rho = fit.lag1(res, kept_weeks)
    infl = (1 + rho) / (1 - rho)
    steps: tuple[int, ...] = ()
    while len(steps) < AUTO_STEPS and full.sigma2() > 0:
        at, gain = fit.best_step(res, kept_weeks, weeks[0] + SETTLE_WEEKS, t - RECENT_WEEKS)
        if at < 0 or at in steps or gain < STEP_F / 4 * full.sigma2():  # clearly no step
            break
        more = [*cols, 4 + 2 * len(divs) + len(steps)]
        x = [fit.row(k, t, divs, (*steps, at)) for k in weeks]
        s2 = fit.Sums([x[i] for i in kept], [z[i] for i in kept])
        found = s2.solve(more)
        if found is None or found.sigma2() <= 0:
            break
        r2 = fit.residuals(found, [x[i] for i in kept], [z[i] for i in kept])
        rho2 = fit.lag1(r2, kept_weeks)
        if (full.rss - found.rss) / found.sigma2() * (1 - rho2) / (1 + rho2) <= STEP_F:
            break
        steps, cols, rows, sums, full, res, rho = (*steps, at), more, x, s2, found, r2, rho2
        infl = (1 + rho) / (1 - rho)
    model, seasonal = full, wave
    if wave:
        plain = sums.solve([c for c in cols if c not in (fit.SIN, fit.COS)])
        f = (plain.rss - full.rss) / 2 / full.sigma2() / infl if plain and full.rss else 0
        if method != SEASONAL and f <= SEASON_F:
            model, seasonal = plain, False  # type: ignore[assignment]
            kept_rows, kept_z = [rows[i] for i in kept], [z[i] for i in kept]
            res = fit.residuals(model, kept_rows, kept_z)  # rho of the model chosen
            rho = fit.lag1(res, kept_weeks)
            infl = (1 + rho) / (1 - rho)
    weak = [c for c in bends if abs(_t(model, {c: 1.0}, infl)) < BEND_T]
    if weak and (fewer := sums.solve([c for c in model.cols if c not in weak])):
        model = fewer
        bends = {c: w for c, w in bends.items() if c not in weak}
    slope, _ = model.coef({fit.SLOPE: 1.0, **bends})
    need = TREND_T + TREND_SMALL / max(1, model.n - len(model.cols))
    trend = method == TREND or any(
        abs(_t(model, w, infl)) > need for w in ({fit.SLOPE: 1.0, **bends}, {fit.SLOPE: 1.0})
    )
    wanders = rho > WANDER / math.sqrt(len(kept))
    if method == AUTO and model.sigma2() <= EXACT * EXACT:  # an exact fit: rounding is no noise
        trend, wanders = abs(slope) > EXACT, False
    flat = method == AUTO and not (seasonal or trend or wanders)
    mr = list(map(abs, map(sub, res[1:], res)))  # |b - a| of each pair
    return Model(
        model, divs, steps, t, math.sqrt(model.sigma2()), rho, seasonal, trend, flat,
        slope / fit.YEAR, weeks, math.fsum(mr) / len(mr) if mr else 0.0, rows, z, keep,
        sums,
    )  # fmt: skip


def _t(model: fit.Solved, weights: dict[int, float], infl: float) -> float:
    """A combination of coefficients over its standard error (inflated for rho)."""
    value, var = model.coef(weights)
    se = math.sqrt(max(0.0, var * model.sigma2() * infl))
    if se > 0:
        return value / se
    return math.inf if abs(value) > EXACT else 0.0  # an exact fit: rounding is no slope


def run_length(rho: float) -> int:
    """Weeks on one side of the line as unlikely as 8 for independent values, given the
    residuals' lag-1 autocorrelation (a week stays on its side with probability
    1/2 + asin(rho)/pi for normal values)."""
    stay = 0.5 + math.asin(min(0.9, max(0.0, rho))) / math.pi
    runs = 1 + (RUN_BASE - 1) * math.log(0.5) / math.log(stay)
    return max(signals.RUN_LENGTH, math.ceil(runs))


def bend_scan(m: Model, first: int, last: int) -> tuple[float, int]:
    """The strongest bend of the fit's line (a change of slope at a week c in [first, last],
    its effect (k - c + 1) on each week k from c on): its score statistic, the bend's
    coefficient over its standard error had it been fitted (corrected for rho), and c."""
    cols, inv = m.solved.cols, m.solved.inv
    p = len(cols)
    sigma2 = m.solved.sigma2() * m.inflation()
    if sigma2 <= 0:
        return 0.0, -1
    s_r0 = s_r1 = s_0 = s_1 = s_2 = 0.0
    s_x0, s_x1 = [0.0] * p, [0.0] * p
    best, at = 0.0, -1
    i = len(m.weeks) - 1
    for c in range(last, first - 1, -1):
        while i >= 0 and m.weeks[i] >= c:
            if m.keep[i]:
                k, row = m.weeks[i], m.rows[i]
                x = [row[j] for j in cols]
                r = m.zs[i] - sum(map(mul, x, m.solved.beta))
                s_r0, s_r1 = s_r0 + r, s_r1 + k * r
                s_0, s_1, s_2 = s_0 + 1, s_1 + k, s_2 + k * k
                s_x0 = [a + b for a, b in zip(s_x0, x, strict=True)]
                s_x1 = [a + k * b for a, b in zip(s_x1, x, strict=True)]
            i -= 1
        if s_0 < 1:
            continue
        a = c - 1
        ur = s_r1 - a * s_r0
        xu = [u1 - a * u0 for u0, u1 in zip(s_x0, s_x1, strict=True)]
        proj = sum(xi * sum(map(mul, row_i, xu)) for xi, row_i in zip(xu, inv, strict=True))
        q = s_2 - 2 * a * s_1 + a * a * s_0 - proj
        if q <= 0:
            continue
        z = ur / math.sqrt(sigma2 * q)
        if abs(z) > abs(best):
            best, at = z, c
    return best, at


def mean_inflation(rho: float, n: int) -> float:
    """The variance of the mean of n consecutive AR(1) values over that of n independent ones."""
    return 1 + 2 * sum((1 - j / n) * rho**j for j in range(1, n))
