"""The numeric core of :mod:`kpireview.bands`: one robust least-squares fit of a KPI's weeks.

The model, in the units lines are fitted in (logs when all values are positive): a level, a
slope, a yearly wave (one sine and one cosine of the 52-week year) and, for each divider inside
the fitted weeks, a step (a new level from it on) and a bend (a new slope from it on, once it
has :data:`BEND_WEEKS` weeks). Pure Python: the normal equations are summed once per fit and
every candidate model is solved from a part of them (Cholesky), so choosing the model costs
no pass over the data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter, mul

YEAR = 52
BEND_WEEKS = 10  # weeks after a divider before its segment gets its own slope
OUTLIER = 3.5  # robust sigmas beyond which a week is left out of the fit (a spike)
LEVEL, SLOPE, SIN, COS = 0, 1, 2, 3  # the first columns; then a step and a bend per divider
OMEGA = 2 * math.pi / YEAR
_WAVE = [(math.sin(OMEGA * k), math.cos(OMEGA * k)) for k in range(YEAR)]


def row(k: int, t: int, dividers: Sequence[int], steps: Sequence[int] = ()) -> list[float]:
    """Week k's regressors for a fit predicting week t (every column, see module; then a
    step for each of ``steps``, older level shifts found by :func:`best_step`)."""
    out = [1.0, (k - t) / YEAR, *_WAVE[k % YEAR]]
    for d in dividers:
        out += (1.0, (k - d) / YEAR) if k >= d else (0.0, 0.0)
    if steps:
        out += [1.0 if k >= s else 0.0 for s in steps]
    return out


def rows(weeks: Sequence[int], t: int, dividers: Sequence[int]) -> list[list[float]]:
    """:func:`row` of each week."""
    if dividers:
        return [row(k, t, dividers) for k in weeks]
    wave = _WAVE
    return [[1.0, (k - t) / YEAR, *wave[k % YEAR]] for k in weeks]


def _picker(cols: Sequence[int]) -> Callable[[list[float]], Sequence[float]]:
    """The model's columns of a row (the row itself when they are its first ones: a product
    with the coefficients stops at their end)."""
    if tuple(cols) == tuple(range(len(cols))):
        return lambda x: x
    get = itemgetter(*cols)
    return (lambda x: (get(x),)) if len(cols) == 1 else get


def best_step(res: list[float], weeks: list[int], first: int, last: int) -> tuple[int, float]:
    """The week c in [first, last] where a step in the residuals explains most, and the sum of
    squares it explains: (sum of the residuals from c on)² × n / (m (n − m)), m weeks from c."""
    n, tail, best, at = len(res), 0.0, 0.0, -1
    for i in range(n - 1, 0, -1):
        tail += res[i]
        if weeks[i] > last:
            continue
        if weeks[i] < first:
            break
        m = n - i
        score = tail * tail * n / (m * (n - m))
        if score > best:
            best, at = score, weeks[i]
    return at, best


def cholesky_solve(
    a: list[list[float]], b: list[float]
) -> tuple[list[float], list[list[float]]] | None:
    """x with a x = b and the inverse of a (symmetric positive definite); None if singular."""
    p = len(b)
    lo = [[0.0] * p for _ in range(p)]
    for i in range(p):
        li, ai = lo[i], a[i]
        for j in range(i + 1):
            s = ai[j] - sum(map(mul, li[:j], lo[j][:j]))
            if i == j:
                if s <= 1e-12 * max(1.0, abs(ai[i])):
                    return None
                li[i] = math.sqrt(s)
            else:
                li[j] = s / lo[j][j]
    inv_lo = [[0.0] * p for _ in range(p)]  # inverse of the lower triangle
    for i in range(p):
        li, out = lo[i], inv_lo[i]
        out[i] = 1 / li[i]
        for j in range(i):
            out[j] = -sum(map(mul, li[j:i], [inv_lo[m][j] for m in range(j, i)])) / li[i]
    cols = [[r[i] for r in inv_lo] for i in range(p)]  # its columns
    inv = [[0.0] * p for _ in range(p)]  # symmetric: each product pair computed once
    for i in range(p):
        for j in range(i + 1):
            m = max(i, j)
            inv[i][j] = inv[j][i] = sum(map(mul, cols[i][m:], cols[j][m:]))
    x = [sum(map(mul, r, b)) for r in inv]
    return x, inv


class Sums:
    """The normal equations of every column over a set of weeks: X'X, X'z and z'z."""

    def __init__(self, rows: list[list[float]], z: list[float]) -> None:
        columns = list(zip(*rows, strict=True))
        self.xx = [[sum(map(mul, a, b)) for b in columns[: i + 1]] for i, a in enumerate(columns)]
        self.xz = [sum(map(mul, a, z)) for a in columns]
        self.zz, self.n = sum(map(mul, z, z)), len(z)

    def add(self, x: list[float], v: float, sign: int) -> None:
        xx, xz = self.xx, self.xz
        for i, xi in enumerate(x):
            if xi:
                wi = sign * xi
                xz[i] += wi * v
                ri = xx[i]
                ri[: i + 1] = [a + wi * xj for a, xj in zip(ri, x[: i + 1], strict=True)]
        self.zz += sign * v * v
        self.n += sign

    def copy(self) -> Sums:
        out = Sums([], [])
        out.xx, out.xz = [list(r) for r in self.xx], list(self.xz)
        out.zz, out.n = self.zz, self.n
        return out

    def solve(self, cols: Sequence[int]) -> Solved | None:
        a = [[self.xx[max(i, j)][min(i, j)] for j in cols] for i in cols]
        b = [self.xz[i] for i in cols]
        found = cholesky_solve(a, b)
        if found is None:
            return None
        beta, inv = found
        rss = max(0.0, self.zz - math.fsum(c * v for c, v in zip(beta, b, strict=True)))
        return Solved(tuple(cols), beta, inv, rss, self.n)


@dataclass(frozen=True)
class Solved:
    """One model solved: its columns, coefficients, (X'X)^-1 and residual sum of squares."""

    cols: tuple[int, ...]
    beta: list[float]
    inv: list[list[float]]
    rss: float
    n: int

    def predict(self, x: list[float]) -> float:
        return sum(map(mul, self.beta, _picker(self.cols)(x)))

    def leverage(self, x: list[float]) -> float:
        """x'(X'X)^-1 x over the model's columns: the line's variance at x, in sigma²."""
        return _quad([x[c] for c in self.cols], self.inv)

    def coef(self, weights: dict[int, float]) -> tuple[float, float]:
        """A combination of coefficients (by column) and its variance in sigma²; columns not in
        the model count 0."""
        w = [weights.get(c, 0.0) for c in self.cols]
        value = sum(wi * b for wi, b in zip(w, self.beta, strict=True))
        return value, _quad(w, self.inv)

    def sigma2(self) -> float:
        dof = self.n - len(self.cols)
        return self.rss / dof if dof > 0 else 0.0


def _quad(v: list[float], m: list[list[float]]) -> float:
    """v' m v."""
    return math.fsum(vi * math.fsum(a * b for a, b in zip(r, v, strict=True))
                     for vi, r in zip(v, m, strict=True))  # fmt: skip


def residuals(model: Solved, rows: list[list[float]], z: list[float]) -> list[float]:
    """z minus the fitted values, summed column by column in the order of :meth:`predict`."""
    if not rows:
        return []
    fitted = [0.0] * len(rows)
    for c, b in zip(model.cols, model.beta, strict=True):
        fitted = [f + b * x[c] for f, x in zip(fitted, rows, strict=True)]
    return [v - f for v, f in zip(z, fitted, strict=True)]


def mad_sigma(res: list[float]) -> float:
    """1.4826 times the median absolute residual (about 0: the fit's residuals)."""
    s = sorted(map(abs, res))
    n = len(s)
    mid = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    return 1.4826 * mid


def lag1(res: list[float], weeks: list[int]) -> float:
    """The lag-1 autocorrelation of residuals over consecutive weeks, in [0, 0.9]."""
    n = len(res)
    if n < 3:
        return 0.0
    mean = math.fsum(res) / n
    d = [r - mean for r in res]
    var = math.fsum([x**2 for x in d])
    if weeks[-1] - weeks[0] == n - 1:  # every week consecutive
        cov = math.fsum(map(mul, d, d[1:]))
    else:
        cov = math.fsum([d[i] * d[i + 1] for i in range(n - 1) if weeks[i + 1] == weeks[i] + 1])
    return min(0.9, max(0.0, cov / var)) if var > 0 else 0.0


def cusum(res: list[float], sigma: float, k: float) -> tuple[float, int, float, int]:
    """Upper and lower CUSUM of res / sigma with allowance k at the last value, each with the
    index its current excursion began at."""
    hi = lo = 0.0
    hi_from = lo_from = len(res)
    for i, r in enumerate(res):
        u = r / sigma
        if hi == 0:
            hi_from = i
        if lo == 0:
            lo_from = i
        hi, lo = hi + u - k, lo - u - k
        hi, lo = (hi if hi > 0.0 else 0.0), (lo if lo > 0.0 else 0.0)  # max(0.0, ...)
    return hi, hi_from, lo, lo_from


def one_step(
    base: Solved, rows: list[list[float]], z: list[float], keep: list[bool]
) -> list[tuple[float, float]]:
    """Each row's error against the fit on the weeks before it (base, then recursive least
    squares adding the kept rows one by one), with its leverage x'(X'X)^-1 x."""
    pick = _picker(base.cols)
    beta = list(base.beta)
    p_mat = [list(r) for r in base.inv]
    out = []
    for x_all, v, ok in zip(rows, z, keep, strict=True):
        x = pick(x_all)
        px = [sum(map(mul, r, x)) for r in p_mat]
        h = sum(map(mul, x, px))
        e = v - sum(map(mul, x, beta))
        out.append((e, h))
        if ok:
            g = 1 + h
            beta = [b + q * e / g for b, q in zip(beta, px, strict=True)]
            p_mat = [[a - pi * pj / g for a, pj in zip(r, px, strict=True)]
                     for r, pi in zip(p_mat, px, strict=True)]  # fmt: skip
    return out
