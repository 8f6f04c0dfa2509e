"""Expected bands: a KPI-week's expected value and natural limits, chosen from its own history.

Pure functions over (week, value) points; no store, no Textual. A :class:`History` is built
once per KPI (and set of dividers) and answers for any week, caching what it computed; every
band uses only the weeks before its week.

Methods (``Options.method``; ``auto`` picks one per week and says why in words):

flat
    Today's XmR numbers exactly (:func:`kpireview.signals.limits` over the baseline weeks
    before the week, :func:`kpireview.signals.detect` for the three rules). ``auto`` takes it
    unless a trend is significant, the values are seasonal, or they wander more than
    independent noise about one level would.
trend
    A line through the baseline weeks (fitted to the logs when all values are positive, so
    growth is in % a week): its slope is the median of the slopes between weeks half the
    baseline apart (robust half-averages), its level the median of the baseline about it;
    the limits are parallel to it at 3 sigmas, sigma being robust (the larger of the median
    moving range's and the median absolute deviation's estimate) and widened by the line's
    own uncertainty and by its record (the root mean square of the past year's errors, each
    from that week's own fit, when above 1). Given the lag-1 autocorrelation rho about the
    line, a run counts when it is as unlikely as 8 weeks would be for independent values, and
    the near-limit rule uses lines (1 + rho) / 2 of the way to the limits, not halfway.
seasonal
    With two years of data: each week's factor is the trimmed mean, over the same weeks
    (± 4) of up to three earlier years, of the value divided by its centred 52-week average.
    The values divided by their factors get a trend band (slope and sigma over a year),
    multiplied back by the week's factor.

A divider (a process change) starts a new segment: limits come only from the weeks from the
latest divider on, and until it has :data:`SETTLE_WEEKS` weeks the band is ``settling`` and
gives no signals. :meth:`History.propose_divider` proposes one when a shift is confirmed.
Locked limits (``Options.lock``) are fitted on their range only and carried on.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise

from kpireview import bandfit, signals
from kpireview.bandtypes import AUTO, FLAT, OFF, SEASONAL, TREND, Band, BandSignal, Options
from kpireview.bandtypes import METHODS as METHODS  # re-exported with the types
from kpireview.periods import week_label

SETTLING, NONE = "settling", "none"  # band states besides the methods
SETTLE_WEEKS = 8  # weeks a new segment needs before it has limits
TREND_T = 3.0  # |slope| / its standard error above which auto takes the trend
SEASON_T = 2.0  # spread of the seasonal factors / their standard error, likewise
SEASON_KEEP, SEASON_GAIN = 1.0, 0.9  # weaker factors that helped count, see _seasonal_ok
FIT_WEEKS = 52  # weeks a seasonal band's slope and spread are fitted on
NEAR_RHO = 1.0  # near-limit lines at (1 + NEAR_RHO × rho) / 2 of the way to the limits
SIGMAS = 3.0  # from the line to a limit, in sigmas, for the trend and seasonal bands
SHIFT_SIGMAS = 2.25  # a confirmed shift's average distance from the line, in sigmas
SCALE_STEP, SCALE_MIN, SCALE_CAP = 1, 8, 3.0  # weeks apart, errors needed, largest counted
SHIFT_CAP = 3.0  # sigmas a week counts for at most in a shift's average distance
CONFIRM_WEEKS = 4  # the last weeks, all on one side of the line, that confirm a shift
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
        self.n = self._index(pts[-1][0]) + 1 if pts else 0
        self.y: list[float | None] = [None] * self.n
        for week, value in pts:
            self.y[self._index(week)] = value
        self.dividers = sorted({self._index(d) for d in dividers if pts and d >= self.start})
        self.factors = bandfit.Factors(self.y, self.dividers)
        self.log = bool(pts) and all(v > 0 for _, v in pts)  # fit lines to logs: growth in %
        self._z: dict[bool, bandfit.Adjusted] = {}
        self._bands: dict[int, Band] = {}
        self._raws: dict[int, Band] = {}
        self._errors: dict[int, float | None] = {}
        self._fired: dict[tuple[int, str], list[signals.Signal]] = {}

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
            value, limit = self._to_values(band, t, s)
            out.append(
                BandSignal(
                    s.rule, s.side, s.tone, value, limit, s.run, self._week(since),
                    self._week(began),
                )
            )  # fmt: skip
        return out

    def propose_divider(self, week: date) -> date | None:
        """The week a confirmed shift began, or None: the last CONFIRM_WEEKS weeks, ``week``
        included, all on one side of the line of a band fitted on a full baseline, and on
        average more than SHIFT_SIGMAS sigmas from it. The shift began at the first week of
        the current stretch more than half a sigma from the line on that side."""
        t = self._index(week)
        band = self.band(week)
        if t >= self.n or band.centre is None or band.weeks < self.options.baseline_weeks:
            return None
        if band.locked:
            return None
        sigma = (band._spread if band.method != FLAT else band.upper - band.centre) / SIGMAS
        if sigma <= 0:
            return None
        res = self._residuals(band, t, RUN_WINDOW)
        last = res[-CONFIRM_WEEKS:]
        if len(last) < CONFIRM_WEEKS or any(r is None for r in last):
            return None
        cap = SHIFT_CAP * sigma  # a one-week spike among them does not make a shift
        mean = math.fsum(max(-cap, min(cap, r)) for r in last) / CONFIRM_WEEKS  # type: ignore
        sign = 1 if mean > 0 else -1
        if any(sign * r <= 0 for r in last) or abs(mean) <= SHIFT_SIGMAS * sigma:  # type: ignore
            return None
        k = len(res)
        while k > 0 and (r := res[k - 1]) is not None and sign * r > sigma / 2:
            k -= 1
        began = t - (len(res) - k) + 1
        d = self._divider(t)
        return self._week(began) if k < len(res) and (d is None or began > d) else None

    # --- the band --------------------------------------------------------------------------

    def _band(self, t: int) -> Band:
        """The fitted band, a trend or seasonal one widened to match its record (see _scale)."""
        raw = self._raw(t)
        if raw.method not in (TREND, SEASONAL) or raw.locked:
            return raw
        c = self._scale(t)
        if c <= 1:
            return raw
        spread, f, out = raw._spread * c, raw.factor, self._out
        lo, hi = raw._level - spread, raw._level + spread
        return replace(
            raw, lower=out(lo) * f, upper=out(hi) * f,
            lower_half=out(raw._level - raw._near * spread) * f,
            upper_half=out(raw._level + raw._near * spread) * f, scale=c, _spread=spread,
        )  # fmt: skip

    def _scale(self, t: int) -> float:
        """How much wider the band must be to match its record: the root mean square of the
        past year's errors (value minus the line, over the band's sigma, each from its own
        week's fit, within the segment), when it is above 1 and has SCALE_MIN errors."""
        d = self._divider(t)
        lo = max(0 if d is None else d + SETTLE_WEEKS, t - FIT_WEEKS)
        lo += -lo % SCALE_STEP  # every few weeks: fewer fits, shared by consecutive weeks
        errors = [
            e for k in range(lo, min(t, self.n), SCALE_STEP) if (e := self._error(k)) is not None
        ]
        if len(errors) < SCALE_MIN:
            return 1.0
        return math.sqrt(math.fsum(e * e for e in errors) / len(errors))

    def _error(self, k: int) -> float | None:
        """Week k's distance from the line of its own trend or seasonal fit, in its sigmas
        (capped at SCALE_CAP); None for other bands or a missing week. Cached."""
        if k not in self._errors:
            raw, e = self._raw(k), None
            if raw.method in (TREND, SEASONAL) and self.y[k] is not None and raw._spread > 0:
                r = self._residuals(raw, k, 1)[-1]
                e = None if r is None else min(SCALE_CAP, abs(r) * SIGMAS / raw._spread)
            self._errors[k] = e
        return self._errors[k]

    def _raw(self, t: int) -> Band:
        if t not in self._raws:
            self._raws[t] = self._fitted(t)
        return self._raws[t]

    def _fitted(self, t: int) -> Band:
        week, opts = self._week(t), self.options
        if opts.method == OFF:
            return Band(week, OFF, explanation="signals are off")
        d = self._divider(t)
        lock = self._lock_range()
        if lock is not None and (d is None or d <= lock[1]):
            base = [k for k in range(lock[0], lock[1] + 1) if self.y[k] is not None]
            band = self._fit(t, base, base, lock[1] + 1)
            return replace(band, locked=True, explanation=band.explanation + ", limits locked")
        start = 0 if d is None else d
        end = min(t, self.n)
        base = [k for k in range(max(start, t - opts.baseline_weeks), end) if self.y[k] is not None]
        fit = [k for k in range(max(start, t - FIT_WEEKS), end) if self.y[k] is not None]
        if d is not None and len(base) < SETTLE_WEEKS:
            label = week_label(self._week(d), self.start.weekday())
            return Band(
                week, SETTLING, weeks=len(base), divider=self._week(d),
                explanation=f"new level since {label}, settling ({len(base)} of "
                f"{SETTLE_WEEKS} weeks)",
            )  # fmt: skip
        band = self._fit(t, base, fit, t)
        return replace(band, divider=None if d is None else self._week(d))

    def _fit(self, t: int, base: list[int], fit: list[int], before: int) -> Band:
        """Fit the chosen method for week t: the level on ``base`` (the baseline weeks), the
        slope and spread on ``fit`` (up to a year), all before ``before``."""
        week, method = self._week(t), self.options.method
        if len(base) < signals.MIN_BASELINE:
            return Band(week, NONE, weeks=len(base), explanation="too few weeks for limits")
        seasonal = method in (AUTO, SEASONAL) and self._seasonal_ok(t, base, before, method)
        z = self._adjusted(seasonal)
        zfit = [k for k in fit if z[k] is not None] if seasonal else base
        slope, se = self._slope(z, zfit)
        trend = method == TREND or (
            method != FLAT and slope != 0 and (se == 0 or abs(slope) > TREND_T * se)
        )
        if not seasonal and not trend:
            if method == FLAT or not bandfit.wanders([self.y[k] for k in fit]):  # type: ignore[misc]
                return self._flat(week, base)
            trend = True  # not independent noise about a level: a line with a robust spread
        if not trend:
            slope, se = 0.0, 0.0
        fit = zfit
        level = statistics.median(z[k] - slope * (k - t) for k in base)  # type: ignore[operator]
        res = [z[k] - level - slope * (k - t) for k in fit]  # type: ignore[operator]
        mr_bar = math.fsum(abs(b - a) for a, b in pairwise(res)) / (len(res) - 1)
        sigma = bandfit.sigma(res, len(base), se * (t - sum(fit) / len(fit)))
        f = self.factors[t] if seasonal else 1.0
        assert f is not None
        spread, out = SIGMAS * sigma, self._out
        near = min(1.0, (1 + NEAR_RHO * bandfit.rho(res)) / 2)  # share of the way to a limit
        centre = out(level) * f
        step = centre * math.expm1(slope) if self.log else slope * f
        words = self._words(seasonal, trend, slope, level, len(fit), t)
        return Band(
            week, SEASONAL if seasonal else TREND, centre, out(level - spread) * f,
            out(level + spread) * f, out(level - near * spread) * f,
            out(level + near * spread) * f, mr_bar, step, f, len(fit),
            self._week(fit[0]), self._week(fit[-1]), explanation=words,
            run_length=bandfit.run_length(res), _level=level, _step=slope, _spread=spread,
            _near=near,
        )  # fmt: skip

    def _flat(self, week: date, base: list[int]) -> Band:
        lim = signals.limits([self.y[k] for k in base])  # type: ignore[misc]
        assert lim is not None
        return Band(
            week, FLAT, lim.centre, lim.lower, lim.upper, lim.lower_half, lim.upper_half,
            lim.mr_bar, weeks=lim.n, first=self._week(base[0]), last=self._week(base[-1]),
            explanation=f"stable around its {lim.n}-week average", _level=lim.centre,
        )  # fmt: skip

    def _words(
        self, seasonal: bool, trend: bool, slope: float, level: float, n: int, t: int
    ) -> str:
        parts = []
        if seasonal:
            years = sum(
                1 for k in range(t - bandfit.SEASON_SPAN, -1, -bandfit.SEASON_SPAN) if k < self.n
            )
            parts.append(f"seasonal: the same weeks of {years} earlier year{'s' * (years > 1)}")
        if trend:
            pct = 100 * math.expm1(slope) if self.log else 100 * slope / level if level else 0.0
            parts.append(f"trend {pct:+.1f}% a week over {n} weeks")
        return ", ".join(parts)

    # --- pieces ----------------------------------------------------------------------------

    def _slope(self, z: list[float | None], base: list[int]) -> tuple[float, float]:
        """Median slope between weeks h apart (h = half the span), and its standard error."""
        h = max(1, (base[-1] - base[0] + 1) // 2)
        present = set(base)
        slopes = [
            (z[k + h] - z[k]) / h  # type: ignore[operator]
            for k in base
            if k + h in present and not self._crosses(k, k + h)
        ]
        if len(slopes) < 3:
            return 0.0, 0.0
        values = [z[k] for k in base]
        mr = math.fsum(abs(b - a) for a, b in pairwise(values)) / (len(values) - 1)  # type: ignore
        sigma = mr / 1.128
        se = 1.25 * sigma * math.sqrt(2 / len(slopes)) / h
        return statistics.median(slopes), se

    def _seasonal_ok(self, t: int, base: list[int], before: int, method: str) -> bool:
        """Two years of data, factors for every week used, and (auto) factors that matter: their
        spread beyond SEASON_T standard errors, or beyond SEASON_KEEP when dividing the past
        year by them took a tenth or more off its spread about a line (weak but real
        seasonality, which would otherwise flip the band in and out of seasonal)."""
        if not self._factors_known(t, base, before):
            return False
        if method == SEASONAL:
            return True
        z = bandfit.season_z(self.y, self.factors, base, before)
        if z > SEASON_T:
            return True
        if z <= SEASON_KEEP or before != t:
            return False
        return self._factors_help(before)

    def _factors_help(self, before: int) -> bool:
        """Whether the past year (in its segment), divided by its factors, spreads less about
        a straight line than it does undivided, by SEASON_GAIN."""
        d = self._divider(before - 1)
        lo = max(0 if d is None else d, before - bandfit.SEASON_SPAN)
        plain, divided = self._adjusted(False), self._adjusted(True)
        weeks = [k for k in range(lo, min(before, self.n)) if divided[k] is not None]
        if len(weeks) < bandfit.SEASON_HALF:
            return False
        spread = bandfit.line_spread
        return spread(divided, weeks) < SEASON_GAIN * spread(plain, weeks)

    def _factors_known(self, t: int, base: list[int], before: int) -> bool:
        f = self.factors
        return (
            before >= bandfit.SEASON_WEEKS
            and f[t] is not None
            and all(f[k] is not None for k in base)
        )

    def _adjusted(self, seasonal: bool) -> bandfit.Adjusted:
        """The values the lines are fitted to: logs (when all are positive) of the values
        divided by their seasonal factors (when seasonal), else the values."""
        if seasonal not in self._z:
            self._z[seasonal] = bandfit.Adjusted(
                self.y, self.factors if seasonal else None, self.log
            )
        return self._z[seasonal]

    def _out(self, z: float) -> float:
        return math.exp(z) if self.log else z

    def _residuals(self, band: Band, t: int, n: int) -> list[float | None]:
        """Values about the band's line for the n weeks ending at t (within its segment)."""
        d = self._divider(t)
        lo = max(t - n + 1, 0 if d is None else d)
        z = self.y if band.method == FLAT else self._adjusted(band.method == SEASONAL)
        return [
            None if (v := z[k]) is None else v - band._level - band._step * (k - t)
            for k in range(lo, t + 1)
        ]

    def _fire(self, t: int, direction: str) -> list[signals.Signal]:
        """The rules firing at t on the band at t (cached; signals in the band's units)."""
        if (t, direction) not in self._fired:
            self._fired[t, direction] = self._rules(t, direction)
        return self._fired[t, direction]

    def _rules(self, t: int, direction: str) -> list[signals.Signal]:
        if t < 0 or t >= self.n or self.y[t] is None:
            return []
        band = self.band(self._week(t))
        if band.centre is None or band.mr_bar is None:
            return []
        if band.method == FLAT:
            lim = signals.Limits(
                band.centre, band.mr_bar, band.lower, band.upper,  # type: ignore[arg-type]
                band.lower_half, band.upper_half, band.weeks,  # type: ignore[arg-type]
            )  # fmt: skip
            d = self._divider(t)
            lo = max(t - RUN_WINDOW + 1, 0 if d is None else d)
            return signals.detect(lim, self.y[lo : t + 1], direction)
        spread = band._spread
        half = spread * band._near
        lim = signals.Limits(0.0, band.mr_bar, -spread, spread, -half, half, band.weeks)
        found = signals.detect(lim, self._residuals(band, t, RUN_WINDOW), direction)
        return [s for s in found if s.rule != signals.RUN_OF_8 or s.run >= band.run_length]

    def _to_values(self, band: Band, t: int, s: signals.Signal) -> tuple[float, float]:
        """A signal's value and line in the KPI's units."""
        value = self.y[t]
        assert value is not None
        if band.method == FLAT:
            return value, s.limit
        return value, self._out(band._level + s.limit) * band.factor

    def _divider(self, t: int) -> int | None:
        i = bisect.bisect_right(self.dividers, t)
        return self.dividers[i - 1] if i else None

    def _crosses(self, a: int, b: int) -> bool:
        """Whether a divider lies in (a, b]."""
        i = bisect.bisect_right(self.dividers, a)
        return i < len(self.dividers) and self.dividers[i] <= b

    def _lock_range(self) -> tuple[int, int] | None:
        lock = self.options.lock
        if lock is None:
            return None
        return max(0, self._index(lock[0])), min(self.n - 1, self._index(lock[1]))

    def _index(self, week: date) -> int:
        return (week - self.start).days // 7

    def _week(self, t: int) -> date:
        return self.start + WEEK * t
