"""When a KPI's band proposes a divider: a confirmed shift (the last weeks on one side, far
from the line fitted before them), a CUSUM of the one-step errors, or a stall (a bend of the
line against its slope). See :meth:`kpireview.bands.History.propose_divider`."""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING

from kpireview import bandfit as fit
from kpireview import bandmodel
from kpireview.bandmodel import SETTLE_WEEKS, SIGMAS, Model
from kpireview.bandtypes import FLAT

if TYPE_CHECKING:
    from kpireview.bands import History

SHIFT_SIGMAS = 2.3  # a confirmed shift's average distance from the line, in sigmas (rho 0)
SHIFT_CAP = 3.0  # sigmas a week counts for at most in a shift's average distance
CONFIRM_WEEKS = 4  # the last weeks, all on one side of the line, that confirm a shift
CUSUM_K, CUSUM_H = 0.5, 10.0  # allowance and decision line of the CUSUM, in sigmas
CUSUM_WEEKS = 26  # weeks of a segment before the CUSUM proposes
PROPOSE_WEEKS = 104  # weeks of data before a band other than flat proposes
EARLY_SIGMAS = 4.0  # SHIFT_SIGMAS before then
BEND_Z, BEND_WEEKS, BEND_MIN = 3.3, 26, 8  # a stall's bend test: its z, weeks back at most,
# weeks back at least (the new segment then has its SETTLE_WEEKS already)


def propose(hist: History, t: int, week: date) -> date | None:
    band = hist.band(week)
    if t >= hist.n or band.centre is None or band.locked or hist.y[t] is None:
        return None
    if band.weeks < hist.options.baseline_weeks:
        return None
    if t < PROPOSE_WEEKS and band.method != FLAT:  # a yearly wave would look like shifts
        return None
    sigma = band._spread / (3 if band.method == FLAT else SIGMAS)  # XmR: 3 sigmas
    if sigma <= 0:
        return None
    lo, res = hist._residuals(band, t)
    d = hist._divider(t)
    began = _confirmed_shift(hist, t, res, sigma)
    if began is None and band.method != FLAT and t - (d or 0) >= CUSUM_WEEKS:
        model = hist._model_of(t)
        infl = model.inflation() if model is not None and band.method != FLAT else 1.0
        began = _cusum_start(res, sigma * math.sqrt(infl))
        if began is None and model is not None:
            began = _bend(hist, t, model, res, lo)
    if began is None:
        return None
    began += lo
    settled = d is None or began >= d + SETTLE_WEEKS
    return hist._week(began) if settled and began < t else None


def _bend(hist: History, t: int, model: Model, res: list[float | None], lo: int) -> int | None:
    """The index in res a stall began at, or None: the strongest bend of the fit's line
    at a week c from BEND_WEEKS to BEND_MIN weeks back (within the segment, past its
    settling weeks) against the fitted slope, beyond BEND_Z, with this week on its side."""
    last = res[-1]
    if last is None or last * model.slope >= 0:  # this week is not against the slope
        return None
    d = hist._divider(t)
    first = max(t - BEND_WEEKS, 0 if d is None else d + SETTLE_WEEKS, lo + 1)
    z, c = bandmodel.bend_scan(model, first, t - BEND_MIN)
    if c < 0 or abs(z) <= BEND_Z or z * last <= 0 or z * model.slope > 0:
        return None  # not beyond BEND_Z, this week not on its side, or growth speeding up
    return c - lo


# --- the band --------------------------------------------------------------------------


def _confirmed_shift(hist: History, t: int, res: list[float | None], sigma: float) -> int | None:
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
    before = hist.band(hist._week(t0))
    if before.centre is None or before._spread <= 0 or hist.y[t0 - 1] is None:
        return None
    m = hist._model_of(t0)  # the fit, even when a flat band was chosen
    if m is None:
        off = [v - before._level for v in hist.y[t0 : t + 1]]  # type: ignore[operator]
        sigma0 = before._spread / 3  # a flat band's: XmR's 3 sigmas
    else:
        off = [v - m.line(k) for k, v in zip(range(t0, t + 1), hist.z[t0 : t + 1], strict=True)]  # type: ignore[operator]
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
    return _step_start(res, k, sign)


def _step_start(res: list[float | None], first: int, sign: int) -> int:
    """Where in res[first:] (no week missing) the move away from the line began. A jump: the
    index i maximising the sum of sign * res[i:] over the square root of its length, the
    least-squares change point against the known level before it, so weeks of ordinary
    noise on its side just before it stay in the old segment. A move that builds up week by
    week (a creep: the stretch fits a ramp from ``first`` better than any step) began at
    ``first``."""
    x = [sign * r for r in res[first:]]  # type: ignore[operator]
    n = len(x)
    best, at, tail = 0.0, first, 0.0
    for j in range(n - 1, -1, -1):
        tail += x[j]
        if tail > 0 and (score := tail * tail / (n - j)) > best:
            best, at = score, first + j  # the sum of squares a step from j explains
    lift = math.fsum(v * (j + 1) for j, v in enumerate(x))
    ramp = lift * lift / math.fsum((j + 1) ** 2 for j in range(n)) if lift > 0 else 0.0
    return first if ramp >= best else at


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
