"""Expected bands from one robust fit: a KPI-week's expected value and natural limits.

The same interface as :mod:`kpireview.bands` (``History``, ``band``, ``signals``,
``propose_divider``, the types of :mod:`kpireview.bandtypes`), another way of fitting. Pure
functions over (week, value) points; every band uses only the weeks before its week.

For the week t, the weeks before it (up to :data:`FIT_WEEKS`, logs when all values are
positive) get one least-squares fit (:mod:`kpireview.expectfit`): a level, a slope, a yearly
wave once there are two years of data, and a step and a bend (a new slope) at each divider, so
the level and slope after a process change come from its own weeks while earlier segments
still inform the wave. Weeks more than 3.5 robust sigmas off the first fit (spikes) are left
out and the fit is solved again. ``auto`` keeps the wave when it explains more than noise
would (an F test, corrected for the residuals' lag-1 autocorrelation rho), and the line when
its slope is significant. With neither, and values that do not wander (rho small), the band
is today's XmR exactly (:func:`kpireview.signals.limits` over the baseline, the three rules
of :func:`kpireview.signals.detect`). Otherwise the limits are parallel to the line at
:data:`SIGMAS` prediction sigmas (the residuals' sigma, widened by the line's own error at
the week, inflated by (1 + rho) / (1 - rho)); the rules run on the residuals, a run counting
when it is as unlikely as 8 weeks would be for independent values.

A divider starts a new segment that settles for :data:`SETTLE_WEEKS` weeks without limits.
:meth:`History.propose_divider` proposes one when the last 4 weeks confirm a shift, or when a
CUSUM of the residuals confirms a slower move (a stall in growth).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import pairwise

from kpireview import expectfit as fit
from kpireview import signals
from kpireview.bandtypes import AUTO, FLAT, OFF, SEASONAL, TREND, Band, BandSignal, Options
from kpireview.bandtypes import METHODS as METHODS  # re-exported with the types
from kpireview.periods import week_label

SETTLING, NONE = "settling", "none"  # band states besides the methods
SETTLE_WEEKS = 8  # weeks a new segment needs before it has limits
FIT_WEEKS = 156  # weeks the fit looks back at most
SEASON_WEEKS = 104  # two years of data before the yearly wave is fitted
SEASON_F = 8.0  # the wave's F statistic (over rho's inflation) above which auto keeps it
TREND_T, TREND_SMALL = 3.0, 8.0  # |slope| / its error above TREND_T + TREND_SMALL / dof
WANDER = 3.0  # rho above WANDER / sqrt(weeks): the values wander, no flat band
BEND_T = 2.0  # |a divider's change of slope| / its error above which the fit keeps it
SIGMAS = 3.3  # from the line to a limit, in prediction sigmas
SHIFT_SIGMAS = 2.6  # a confirmed shift's average distance from the line, in sigmas
SHIFT_CAP = 3.0  # sigmas a week counts for at most in a shift's average distance
CONFIRM_WEEKS = 4  # the last weeks, all on one side of the line, that confirm a shift
CUSUM_K, CUSUM_H = 0.5, 10.0  # allowance and decision line of the CUSUM, in sigmas
CUSUM_WEEKS = 26  # weeks of a segment before the CUSUM proposes
AUTO_STEPS, STEP_F, RECENT_WEEKS = 2, 12.0, 26  # older shifts the fit finds, see _new_model
PROPOSE_WEEKS = 104  # weeks of data before a band other than flat proposes
EARLY_SIGMAS = 4.0  # SHIFT_SIGMAS before then
RUN_BASE = 11  # weeks on one side a run must be as unlikely as, for independent values
RUN_WINDOW = 52
WEEK = timedelta(weeks=1)


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


class History:
    """One KPI's weekly points, its dividers and options; bands and signals by week."""

    def __init__(
        self,
        points: Sequence[tuple[date, float]],
        dividers: Sequence[date] = (),
        options: Options | None = None,
    ) -> None:
        self.options = options or Options()
        pts = sorted(points)
        self.start = pts[0][0] if pts else date.min
        self.n = self._index(pts[-1][0]) + 1 if pts else 0
        self.y: list[float | None] = [None] * self.n
        for week, value in pts:
            self.y[self._index(week)] = value
        self.dividers = sorted({self._index(d) for d in dividers if pts and d >= self.start})
        self.log = bool(pts) and all(v > 0 for _, v in pts)  # fit lines to logs: growth in %
        self.z = [None if v is None else math.log(v) if self.log else v for v in self.y]
        self._bands: dict[int, Band] = {}
        self._models: dict[int, Model | None] = {}
        self._fired: dict[tuple[int, str], list[signals.Signal]] = {}
        self._res: dict[int, tuple[int, list[float | None]]] = {}

    # --- public ----------------------------------------------------------------------------

    def band(self, week: date) -> Band:
        """The expected band at ``week`` (cached); weeks after the data get the line carried
        on, weeks before it no band."""
        t = self._index(week)
        if t < 0:
            return Band(week, NONE, explanation="before the first data")
        if t not in self._bands:
            self._bands[t] = self._band(t)
        return self._bands[t]

    def signals(self, week: date, direction: str = "neutral") -> list[BandSignal]:
        """Signals on the band at ``week``, each with ``since`` and ``began``."""
        t = self._index(week)
        band = self.band(week)
        out = []
        for s in self._fire(t, direction):
            since = t
            while since - 1 >= 0 and any(
                (o.rule, o.side) == (s.rule, s.side) for o in self._fire(since - 1, direction)
            ):
                since -= 1
            began = t - s.run + 1 if s.rule == signals.RUN_OF_8 else since
            value = self.y[t]
            assert value is not None
            limit = s.limit if band.method == FLAT else self._out(band._level + s.limit)
            out.append(
                BandSignal(
                    s.rule, s.side, s.tone, value, limit, s.run, self._week(since),
                    self._week(began),
                )
            )  # fmt: skip
        return out

    def propose_divider(self, week: date) -> date | None:
        """The week a confirmed shift began, or None. Confirmed: the last CONFIRM_WEEKS weeks,
        ``week`` included, all on one side of the line and on average more than SHIFT_SIGMAS
        sigmas from it (it began at the first week of the current stretch more than half a
        sigma from the line); or a CUSUM of the residuals since the segment began beyond
        CUSUM_H sigmas, with this week on its side (it began where the CUSUM left 0)."""
        t = self._index(week)
        band = self.band(week)
        if t >= self.n or band.centre is None or band.locked or self.y[t] is None:
            return None
        if band.weeks < self.options.baseline_weeks:
            return None
        if t < PROPOSE_WEEKS and band.method != FLAT:  # a yearly wave would look like shifts
            return None
        sigma = band._spread / (3 if band.method == FLAT else SIGMAS)  # XmR: 3 sigmas
        if sigma <= 0:
            return None
        lo, res = self._residuals(band, t)
        d = self._divider(t)
        began = self._confirmed_shift(t, res, sigma)
        if began is None and band.method != FLAT and t - (d or 0) >= CUSUM_WEEKS:
            model = self._models.get(t)
            infl = model.inflation() if model is not None and band.method != FLAT else 1.0
            began = _cusum_start(res, sigma * math.sqrt(infl))
        if began is None:
            return None
        began += lo
        settled = d is None or began >= d + SETTLE_WEEKS
        return self._week(began) if settled and began < t else None

    # --- the band --------------------------------------------------------------------------

    def _band(self, t: int) -> Band:
        week, opts = self._week(t), self.options
        if opts.method == OFF:
            return Band(week, OFF, explanation="signals are off")
        d = self._divider(t)
        lock = self._lock_range()
        if lock is not None and (d is None or d <= lock[1]):
            base = self._known(lock[0], lock[1] + 1)
            band = self._fit_band(t, base, lock[0], lock[1] + 1)
            return replace(band, locked=True, explanation=band.explanation + ", limits locked")
        start, end = (0 if d is None else d), min(t, self.n)
        if d is not None and len(seg := self._known(d, end)) < SETTLE_WEEKS:
            label = week_label(self._week(d), self.start.weekday())
            return Band(
                week, SETTLING, weeks=len(seg), divider=self._week(d),
                explanation=f"new level since {label}, settling ({len(seg)} of "
                f"{SETTLE_WEEKS} weeks)",
            )  # fmt: skip
        base = self._known(max(start, t - opts.baseline_weeks), end)
        band = self._fit_band(t, base, max(0, t - FIT_WEEKS), end)
        return replace(band, divider=None if d is None else self._week(d))

    def _fit_band(self, t: int, base: list[int], lo: int, hi: int) -> Band:
        """The band at t from the weeks [lo, hi): today's XmR on ``base`` when flat."""
        week, method = self._week(t), self.options.method
        if len(base) < signals.MIN_BASELINE:
            return Band(week, NONE, weeks=len(base), explanation="too few weeks for limits")
        model = None if method == FLAT else self._model(t, lo, hi)
        if model is None or model.flat:
            return self._flat(week, base)
        level, spread = model.line(t), model.spread(t)
        wave = model.wave(t)
        near = min(1.0, (1 + model.rho) / 2)  # the near-limit lines' share of the way
        out = self._out
        centre = out(level)
        step = centre * math.expm1(model.slope) if self.log else model.slope
        factor = math.exp(wave) if self.log else (level / (level - wave) if level != wave else 1.0)
        return Band(
            week, SEASONAL if model.seasonal else TREND, centre, out(level - spread),
            out(level + spread), out(level - near * spread), out(level + near * spread),
            model.mr_bar, step, factor, len(model.weeks), self._week(model.weeks[0]),
            self._week(model.weeks[-1]), explanation=self._words(model, level),
            run_length=_run_length(model.rho), _level=level, _step=model.slope,
            _spread=spread, _near=near,
        )  # fmt: skip

    def _flat(self, week: date, base: list[int]) -> Band:
        lim = signals.limits([self.y[k] for k in base])  # type: ignore[misc]
        assert lim is not None
        return Band(
            week, FLAT, lim.centre, lim.lower, lim.upper, lim.lower_half, lim.upper_half,
            lim.mr_bar, weeks=lim.n, first=self._week(base[0]), last=self._week(base[-1]),
            explanation=f"stable around its {lim.n}-week average", _level=lim.centre,
            _spread=lim.upper - lim.centre,
        )  # fmt: skip

    def _words(self, model: Model, level: float) -> str:
        parts = []
        if model.seasonal:
            years = min(3, (model.weeks[-1] - model.weeks[0] + 1) // fit.YEAR)
            parts.append(f"seasonal: the same weeks of {years} earlier year{'s' * (years > 1)}")
        if model.trend or not model.seasonal:
            first = max([model.weeks[0], *model.dividers])
            n = sum(1 for k in model.weeks if k >= first)
            s = model.slope
            pct = 100 * math.expm1(s) if self.log else 100 * s / level if level else 0.0
            parts.append(f"trend {pct:+.1f}% a week over {n} weeks")
        return ", ".join(parts)

    def _model(self, t: int, lo: int, hi: int) -> Model | None:
        if t not in self._models:
            self._models[t] = self._new_model(t, lo, hi)
        return self._models[t]

    def _new_model(self, t: int, lo: int, hi: int) -> Model | None:
        """The fit for week t over the known weeks in [lo, hi) (see the module docstring)."""
        method = self.options.method
        weeks = self._known(lo, hi)
        divs = tuple(d for d in self.dividers if weeks and weeks[0] < d < hi)
        rows = [fit.row(k, t, divs) for k in weeks]
        z: list[float] = [self.z[k] for k in weeks]  # type: ignore[misc]
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
        kept = [i for i, r in enumerate(res) if abs(r) <= cut] if cut > 0 else list(range(len(z)))
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
        flat = method == AUTO and not (seasonal or trend or wanders)
        mr = [abs(b - a) for a, b in pairwise(res)]
        return Model(
            model, divs, steps, t, math.sqrt(model.sigma2()), rho, seasonal, trend, flat,
            slope / fit.YEAR, weeks, math.fsum(mr) / len(mr) if mr else 0.0, rows, z, keep,
            sums,
        )  # fmt: skip

    def _confirmed_shift(self, t: int, res: list[float | None], sigma: float) -> int | None:
        """The index in res a shift confirmed by the last CONFIRM_WEEKS weeks began at, or None:
        all on one side of the line of the band before them and on average more than
        SHIFT_SIGMAS of its sigmas from it (the band at t has taken them in already)."""
        last = res[-CONFIRM_WEEKS:]
        if len(last) < CONFIRM_WEEKS or any(r is None for r in last):
            return None
        sign = 1 if last[-1] > 0 else -1  # type: ignore[operator]
        if any(sign * r <= 0 for r in last):  # type: ignore[operator]
            return None
        t0 = t - CONFIRM_WEEKS + 1
        before = self.band(self._week(t0))
        if before.centre is None or before._spread <= 0 or self.y[t0 - 1] is None:
            return None
        m = self._models.get(t0)  # the fit, even when a flat band was chosen
        if m is None:
            off = [v - before._level for v in self.y[t0 : t + 1]]  # type: ignore[operator]
            sigma0 = before._spread / 3  # a flat band's: XmR's 3 sigmas
        else:
            off = [v - m.line(k) for k, v in zip(range(t0, t + 1), self.z[t0 : t + 1], strict=True)]  # type: ignore[operator]
            sigma0 = m.spread(t) / SIGMAS
        need = SHIFT_SIGMAS if t >= PROPOSE_WEEKS else EARLY_SIGMAS
        cap = max(SHIFT_CAP, need + 1) * sigma0  # a one-week spike does not make a shift
        mean = math.fsum(max(-cap, min(cap, r)) for r in off) / CONFIRM_WEEKS
        if any(sign * r <= 0 for r in off) or sign * mean <= need * sigma0:
            return None
        k = len(res) - CONFIRM_WEEKS
        while k > 0 and (r := res[k - 1]) is not None and sign * r > min(sigma, sigma0) / 2:
            k -= 1
        return k

    # --- rules -----------------------------------------------------------------------------

    def _residuals(self, band: Band, t: int) -> tuple[int, list[float | None]]:
        """The first week and the values about the band's line for the weeks up to t (within
        its segment and the rules' window); None for missing weeks. Cached."""
        if t not in self._res:
            self._res[t] = self._new_residuals(band, t)
        return self._res[t]

    def _new_residuals(self, band: Band, t: int) -> tuple[int, list[float | None]]:
        """About a flat band, the values minus its centre. About a fitted line, each week's
        error against the fit on the weeks before it (one-step, so a slow move is not
        absorbed), scaled to the spread at t; the first weeks after a divider in the window,
        and locked limits, against the line."""
        d = self._divider(t)
        lo = max(t - RUN_WINDOW + 1, 0 if d is None else d)
        if band.method == FLAT:
            return lo, [None if v is None else v - band._level for v in self.y[lo : t + 1]]
        m = self._models[t]
        assert m is not None
        out: dict[int, float] = {}
        b = lo if d is None or d <= m.weeks[0] else max(lo, d + SETTLE_WEEKS)
        i = bisect.bisect_left(m.weeks, b)
        base = m.sums.copy()
        for j in range(i, len(m.weeks)):
            if m.keep[j]:
                base.add(m.rows[j], m.zs[j], -1)
        solved = None if band.locked else base.solve(m.solved.cols)
        if solved is None:
            out = {k: v - m.line(k) for k in range(lo, t + 1) if (v := self.z[k]) is not None}
        else:
            for k in self._known(lo, b):
                out[k] = self.z[k] - solved.predict(m.rows[bisect.bisect_left(m.weeks, k)])  # type: ignore[operator]
            x_t, z_t = fit.row(t, t, m.dividers, m.steps), self.z[t]
            errors = fit.one_step(
                solved, [*m.rows[i:], x_t], [*m.zs[i:], z_t], [*m.keep[i:], False]
            )  # type: ignore[list-item]
            infl = m.inflation()
            at_t = math.sqrt(1 + errors[-1][1] * infl)
            for k, (e, h) in zip([*m.weeks[i:], t], errors, strict=True):
                out[k] = e * at_t / math.sqrt(1 + h * infl)
        return lo, [out.get(k) for k in range(lo, t + 1)]

    def _fire(self, t: int, direction: str) -> list[signals.Signal]:
        """The rules firing at t on the band at t (cached; signals in fitted units)."""
        if (t, direction) not in self._fired:
            self._fired[t, direction] = self._rules(t, direction)
        return self._fired[t, direction]

    def _rules(self, t: int, direction: str) -> list[signals.Signal]:
        if t < 0 or t >= self.n or self.y[t] is None:
            return []
        band = self.band(self._week(t))
        if band.centre is None or band.mr_bar is None:
            return []
        _, res = self._residuals(band, t)
        if band.method == FLAT:
            lim = signals.Limits(
                band.centre, band.mr_bar, band.lower, band.upper,  # type: ignore[arg-type]
                band.lower_half, band.upper_half, band.weeks,  # type: ignore[arg-type]
            )  # fmt: skip
            return signals.detect(lim, [None if r is None else r + band._level for r in res],
                                  direction)  # fmt: skip
        spread, half = band._spread, band._spread * band._near
        lim = signals.Limits(0.0, band.mr_bar, -spread, spread, -half, half, band.weeks)
        found = signals.detect(lim, res, direction)
        return [s for s in found if s.rule != signals.RUN_OF_8 or s.run >= band.run_length]

    # --- weeks -----------------------------------------------------------------------------

    def _out(self, z: float) -> float:
        return math.exp(z) if self.log else z

    def _known(self, lo: int, hi: int) -> list[int]:
        return [k for k in range(max(0, lo), min(hi, self.n)) if self.y[k] is not None]

    def _divider(self, t: int) -> int | None:
        i = bisect.bisect_right(self.dividers, t)
        return self.dividers[i - 1] if i else None

    def _lock_range(self) -> tuple[int, int] | None:
        lock = self.options.lock
        if lock is None:
            return None
        return max(0, self._index(lock[0])), min(self.n - 1, self._index(lock[1]))

    def _index(self, week: date) -> int:
        return (week - self.start).days // 7

    def _week(self, t: int) -> date:
        return self.start + WEEK * t


def _cusum_start(res: list[float | None], sigma: float) -> int | None:
    """The index a CUSUM beyond CUSUM_H (this week on its side) began at, or None."""
    known = [(i, r) for i, r in enumerate(res) if r is not None]
    if len(known) < CONFIRM_WEEKS:
        return None
    cap = SHIFT_CAP * sigma
    values = [max(-cap, min(cap, r)) for _, r in known]
    hi, _, lo, _ = fit.cusum(values, sigma, CUSUM_K)
    sign = 1 if hi > CUSUM_H and values[-1] > 0 else -1 if lo > CUSUM_H and values[-1] < 0 else 0
    if not sign:
        return None
    best, began, tail = 0.0, None, 0.0
    for j in range(len(values) - 1, 0, -1):  # where a step would explain most
        tail += sign * values[j]
        m = len(values) - j
        score = tail * tail / (m * (len(values) - m)) if tail > 0 else 0.0
        if score > best:
            best, began = score, known[j][0]
    return began


def _t(model: fit.Solved, weights: dict[int, float], infl: float) -> float:
    """A combination of coefficients over its standard error (inflated for rho)."""
    value, var = model.coef(weights)
    se = math.sqrt(max(0.0, var * model.sigma2() * infl))
    return value / se if se > 0 else math.inf if value else 0.0


def _run_length(rho: float) -> int:
    """Weeks on one side of the line as unlikely as 8 for independent values, given the
    residuals' lag-1 autocorrelation (a week stays on its side with probability
    1/2 + asin(rho)/pi for normal values)."""
    stay = 0.5 + math.asin(min(0.9, max(0.0, rho))) / math.pi
    runs = 1 + (RUN_BASE - 1) * math.log(0.5) / math.log(stay)
    return max(signals.RUN_LENGTH, math.ceil(runs))
