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
from operator import itemgetter, lt

from kpireview import bandfit as fit
from kpireview import proposals, signals
from kpireview.bandmemo import PROPOSED as PROPOSED
from kpireview.bandmemo import Memo
from kpireview.bandmodel import FIT_WEEKS, SETTLE_WEEKS, Model, fit_model, run_length
from kpireview.bandmodel import SIGMAS as SIGMAS
from kpireview.bandtypes import FLAT, OFF, SEASONAL, TREND, Band, BandSignal, Options
from kpireview.bandtypes import METHODS as METHODS  # re-exported with the types
from kpireview.periods import week_label
from kpireview.proposals import CONFIRM_WEEKS as CONFIRM_WEEKS
from kpireview.proposals import PROPOSE_WEEKS as PROPOSE_WEEKS
from kpireview.signals import Signal  # the class's signals() hides the module in annotations

SETTLING, NONE = "settling", "none"  # band states besides the methods
RUN_WINDOW = 52
SINCE_WEEKS = 52  # a signal's since goes back this many weeks at most, its week included
WEEK = timedelta(weeks=1)


class History(Memo):
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
        values = [value for _, value in pts]
        span = (pts[-1][0].toordinal() - first) // 7 + 1 if pts else 0
        full = span == len(pts) and len(set(map(date.weekday, map(itemgetter(0), pts)))) == 1
        at = range(span) if full else [(week.toordinal() - first) // 7 for week, _ in pts]
        self.n = at[-1] + 1 if pts else 0
        self.y: list[float | None]
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
        super().__init__()  # the caches of what is computed (bandmemo.Memo)
        self._models: dict[int, Model | None] = {}
        self._res: dict[int, tuple[int, list[float | None]]] = {}

    # --- public ----------------------------------------------------------------------------

    def band(self, week: date) -> Band:
        """The expected band at ``week`` (cached); weeks after the data get the line carried
        on, weeks before it no band."""
        t = self._index(week)
        if t < 0:
            return Band(week, NONE, explanation="before the first data")
        if t in self.pending:
            self.pending.pop(t)()
        if t not in self._bands:
            self._bands[t] = self._band(t)
        return self._bands[t]

    def signals(self, week: date, direction: str = "neutral") -> list[BandSignal]:
        """Signals on the band at ``week``, each with ``since`` (at most SINCE_WEEKS weeks
        back) and ``began``."""
        t = self._index(week)
        band = self.band(week)
        out = []
        since_of = self._sinces(t, direction)
        for s in self._fire(t, direction):
            since = since_of.get((s.rule, s.side), t)
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

    def _sinces(self, t: int, direction: str) -> dict[tuple[str, str], int]:
        """For each (rule, side) firing at t, the first week of its unbroken stretch of weeks,
        at most SINCE_WEEKS - 1 weeks back: the week before's, when the same rule fired on the
        same side then, else t (cached). Chained week to week, so a week whose bands are
        stored needs no walk back."""
        if t in self.pending:
            self.pending.pop(t)()
        if (t, direction) in self._since:
            return self._since[t, direction]
        chain, k = [], t
        if t < 0:
            return {}
        while (k, direction) not in self._since and k >= 0 and t - k < SINCE_WEEKS:
            chain.append(k)
            if not self._fire(k, direction):
                break
            k -= 1
        below = self._since.get((k, direction), {})
        exact = (k, direction) in self._since or k < 0 or not self._fire(chain[-1], direction)
        found: dict[tuple[str, str], int] = {}
        for k in reversed(chain):
            found = {
                (s.rule, s.side): max(k - SINCE_WEEKS + 1, below.get((s.rule, s.side), k))
                for s in self._fire(k, direction)
            }
            if exact or k == t:  # a chain cut at SINCE_WEEKS is exact at t only
                self._since[k, direction] = found
            below = found
        return found

    def propose_divider(self, week: date) -> date | None:
        """The week a confirmed shift began, or None. Confirmed: the last CONFIRM_WEEKS weeks,
        ``week`` included, all on one side of the line and on average more than SHIFT_SIGMAS
        sigmas from it, widened for rho (it began where a step fits that stretch of weeks
        more than half a sigma from the line best, or at its first week when a ramp fits it
        better: :func:`kpireview.proposals._step_start`); or a CUSUM of the residuals since
        the segment began beyond CUSUM_H sigmas, with this week on its side (it began where
        the CUSUM left 0); or a stall, a bend of the line against its slope (it began at the
        bend, see :func:`kpireview.proposals._bend`). Cached by week."""
        t = self._index(week)
        if t in self.pending:
            self.pending.pop(t)()
        if t not in self._proposed:
            self._proposed[t] = proposals.propose(self, t, week)
        return self._proposed[t]

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

    def _model_of(self, t: int) -> Model | None:
        """The fit of week t's band, refitted when the band was stored (see :meth:`seed`)."""
        if t not in self._models and t in self._stored:
            self._band(t)
            self._models.setdefault(t, None)
        return self._models.get(t)

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
        m = self._model_of(t)
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
        if t in self.pending:
            self.pending.pop(t)()
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
