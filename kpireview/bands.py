"""Expected bands from one robust fit: a KPI-week's expected value and natural limits.

``History`` (one KPI's weekly points, its dividers and options) answers ``band``, ``signals``
and ``propose_divider`` for any week, with the types of :mod:`kpireview.bandtypes`. Pure
functions over (week, value) points; every band uses only the weeks before its week.

For the week t, the weeks before it (up to :data:`FIT_WEEKS`) get one robust least-squares fit
(:mod:`kpireview.bandmodel`): level, slope, a yearly wave once there are two years of data,
a step and a bend at each divider (the level and slope after a process change come from its
own weeks, earlier segments still inform the wave), older level shifts found as steps. A band
the fit finds stable is today's XmR exactly (:func:`kpireview.signals.limits` over the
baseline, the three rules of :func:`kpireview.signals.detect`). Otherwise the limits are
parallel to the line at :data:`SIGMAS` prediction sigmas (the residuals' sigma, widened by the
line's own error at the week, inflated for their lag-1 autocorrelation rho), and the rules run
on each week's one-step error (its value against the fit on the weeks before it, scaled to
the spread at t), so a slow move is not taken in by the line; a run counts when it is as
unlikely as RUN_BASE weeks would be for independent values, the near-limit lines are
(1 + rho) / 2 of the way to the limits.

A divider starts a new segment that settles for :data:`SETTLE_WEEKS` weeks without limits.
:meth:`History.propose_divider` proposes one when the last 4 weeks confirm a shift against the
band before them, when a CUSUM of the one-step errors confirms a slower move, or when growth
stalls. A shift's 4-week mean must lie SHIFT_SIGMAS sigmas from the line times the standard
error ratio of a mean of 4 AR(1) weeks with the residuals' rho (weeks that stick together
make 4-week excursions common: at rho 0.5 the mean varies 1.44 times more). A stall bends the
line: the fit's score test for a change of slope at a week c (the t statistic the bend's
coefficient would have in the fit, corrected for rho; all candidates from one pass of suffix
sums) takes the strongest c from BEND_WEEKS to BEND_MIN weeks back. It proposes c when beyond
BEND_Z and against the fitted slope: growth that slows, one-sided, which halves the false
alarms at the same z (faster growth is left to the runs and limits); c at least BEND_MIN
weeks back means the new segment has its settling weeks already, and a bend is too gentle to
be told from noise sooner. Before two years of data only a flat band proposes, and only
large shifts: a yearly wave not yet fitted looks like shifts.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from functools import partial
from operator import lt

from kpireview import bandfit as fit
from kpireview import bandmodel, signals
from kpireview.bandmodel import FIT_WEEKS, SETTLE_WEEKS, SIGMAS, Model, fit_model, run_length
from kpireview.bandtypes import FLAT, OFF, SEASONAL, TREND, Band, BandSignal, Options
from kpireview.bandtypes import METHODS as METHODS  # re-exported with the types
from kpireview.periods import week_label
from kpireview.signals import Signal  # the class's signals() hides the module in annotations

SETTLING, NONE = "settling", "none"  # band states besides the methods
SHIFT_SIGMAS = 2.3  # a confirmed shift's average distance from the line, in sigmas (rho 0)
SHIFT_CAP = 3.0  # sigmas a week counts for at most in a shift's average distance
CONFIRM_WEEKS = 4  # the last weeks, all on one side of the line, that confirm a shift
CUSUM_K, CUSUM_H = 0.5, 10.0  # allowance and decision line of the CUSUM, in sigmas
CUSUM_WEEKS = 26  # weeks of a segment before the CUSUM proposes
PROPOSE_WEEKS = 104  # weeks of data before a band other than flat proposes
EARLY_SIGMAS = 4.0  # SHIFT_SIGMAS before then
BEND_Z, BEND_WEEKS, BEND_MIN = 3.3, 26, 8  # a stall's bend test: its z, weeks back at most,
# weeks back at least (the new segment then has its SETTLE_WEEKS already)
RUN_WINDOW = 52
WEEK = timedelta(weeks=1)


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
        first = self.start.toordinal() if pts else 0
        at = [(week.toordinal() - first) // 7 for week, _ in pts]
        values = [value for _, value in pts]
        self.n = at[-1] + 1 if pts else 0
        self.y: list[float | None]
        full = at == list(range(self.n))  # every week has a value
        if full:
            self.y = list(values)
        else:
            self.y = [None] * self.n
            for k, value in zip(at, values, strict=True):
                self.y[k] = value
        self.dividers = sorted({self._index(d) for d in dividers if pts and d >= self.start})
        self.log = bool(pts) and all(map(partial(lt, 0.0), values))  # logs: growth in %
        self.z = self.y
        if self.log and full:
            self.z = list(map(math.log, values))
        elif self.log:
            self.z = [None if v is None else math.log(v) for v in self.y]
        self._bands: dict[int, Band] = {}
        self._models: dict[int, Model | None] = {}
        self._fired: dict[tuple[int, str], list[Signal]] = {}
        self._res: dict[int, tuple[int, list[float | None]]] = {}
        self._proposed: dict[int, date | None] = {}

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
        sigmas from it, widened for rho (it began at the first week of the current stretch
        more than half a sigma from the line); or a CUSUM of the residuals since the segment
        began beyond CUSUM_H sigmas, with this week on its side (it began where the CUSUM left
        0); or a stall, a bend of the line against its slope (it began at the bend, see
        :meth:`_bend`). Cached by week."""
        t = self._index(week)
        if t not in self._proposed:
            self._proposed[t] = self._propose(t, week)
        return self._proposed[t]

    def _propose(self, t: int, week: date) -> date | None:
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
            if began is None and model is not None:
                began = self._bend(t, model, res, lo)
        if began is None:
            return None
        began += lo
        settled = d is None or began >= d + SETTLE_WEEKS
        return self._week(began) if settled and began < t else None

    def _bend(self, t: int, model: Model, res: list[float | None], lo: int) -> int | None:
        """The index in res a stall began at, or None: the strongest bend of the fit's line
        at a week c from BEND_WEEKS to BEND_MIN weeks back (within the segment, past its
        settling weeks) against the fitted slope, beyond BEND_Z, with this week on its side."""
        last = res[-1]
        if last is None or last * model.slope >= 0:  # this week is not against the slope
            return None
        d = self._divider(t)
        first = max(t - BEND_WEEKS, 0 if d is None else d + SETTLE_WEEKS, lo + 1)
        z, c = bandmodel.bend_scan(model, first, t - BEND_MIN)
        if c < 0 or abs(z) <= BEND_Z or z * last <= 0 or z * model.slope > 0:
            return None  # not beyond BEND_Z, this week not on its side, or growth speeding up
        return c - lo

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
            run_length=run_length(model.rho), _level=level, _step=model.slope,
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
        """The fit for week t over the known weeks in [lo, hi) (cached)."""
        if t not in self._models:
            weeks = self._known(lo, hi)
            self._models[t] = fit_model(self.z, weeks, t, hi, self.dividers, self.options.method)
        return self._models[t]

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
        if m is not None:  # weeks that stick together make 4-week excursions common
            need *= math.sqrt(bandmodel.mean_inflation(m.rho, CONFIRM_WEEKS))
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
        kept = [j for j in range(i) if m.keep[j]]  # the fit's weeks before b
        base = fit.Sums([m.rows[j] for j in kept], [m.zs[j] for j in kept])
        solved = None if band.locked or not kept else base.solve(m.solved.cols)
        if solved is None:
            out = {k: v - m.line(k) for k in range(lo, t + 1) if (v := self.z[k]) is not None}
        else:
            for k in self._known(lo, b):
                out[k] = self.z[k] - solved.predict(m.rows[bisect.bisect_left(m.weeks, k)])  # type: ignore[operator]
            x_t, z_t = fit.row(t, t, m.dividers, m.steps), self.z[t]
            assert z_t is not None  # a band's week with no value has no rules to run
            errors = fit.one_step(
                solved, [*m.rows[i:], x_t], [*m.zs[i:], z_t], [*m.keep[i:], False]
            )
            infl = m.inflation()
            at_t = math.sqrt(1 + errors[-1][1] * infl)
            for k, (e, h) in zip([*m.weeks[i:], t], errors, strict=True):
                out[k] = e * at_t / math.sqrt(1 + h * infl)
        return lo, [out.get(k) for k in range(lo, t + 1)]

    def _fire(self, t: int, direction: str) -> list[Signal]:
        """The rules firing at t on the band at t (cached; signals in fitted units)."""
        if (t, direction) not in self._fired:
            self._fired[t, direction] = self._rules(t, direction)
        return self._fired[t, direction]

    def _rules(self, t: int, direction: str) -> list[Signal]:
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
    low = -cap  # each value within [-cap, cap]
    values = [low if (v := r if r < cap else cap) <= low else v for _, r in known]
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
