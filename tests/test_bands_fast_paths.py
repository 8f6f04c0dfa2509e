"""The bands' fast paths give what the plain computations give: the History set-up with and
without gaps, the Cholesky inverse, residuals, the sums before a week, cached proposals."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from kpireview import bandfit, bands


def _week(k: int) -> date:
    return date(2024, 1, 1) + timedelta(weeks=k)


def _rows(n: int, seed: int = 3) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    weeks = list(range(n))
    rows = bandfit.rows(weeks, n, (n // 2,))
    z = [5.0 + 0.01 * k + math.sin(k / 5) + rng.gauss(0, 0.1) for k in weeks]
    return rows, z


def test_history_setup_with_and_without_gaps() -> None:
    full = bands.History([(_week(k), 10.0 + k) for k in range(12)])
    assert full.y == [10.0 + k for k in range(12)]
    assert full.log and full.z == [math.log(10.0 + k) for k in range(12)]
    gaps = bands.History([(_week(k), 10.0 + k) for k in (5, 0, 2, 3)])
    assert gaps.n == 6 and gaps.y == [10.0, None, 12.0, 13.0, None, 15.0]
    assert gaps.z == [math.log(v) if v is not None else None for v in gaps.y]
    signed = bands.History([(_week(k), float(k - 1)) for k in range(4)])  # -1, 0, 1, 2
    assert not signed.log and signed.z == [-1.0, 0.0, 1.0, 2.0]
    odd = bands.History([(_week(0), 1.0), (_week(1) + timedelta(days=2), 2.0)])
    assert odd.n == 2 and odd.y == [1.0, 2.0]  # a mid-week date counts in its week


def test_cholesky_inverse_is_symmetric_and_inverts() -> None:
    rows, z = _rows(40)
    sums = bandfit.Sums(rows, z)
    cols = list(range(len(rows[0])))
    a = [[sums.xx[max(i, j)][min(i, j)] for j in cols] for i in cols]
    found = bandfit.cholesky_solve(a, [sums.xz[i] for i in cols])
    assert found is not None
    x, inv = found
    p = len(cols)
    for i in range(p):
        assert inv[i] == [inv[j][i] for j in range(p)]
        for j in range(p):
            assert math.isclose(sum(a[i][m] * inv[m][j] for m in range(p)), float(i == j),
                                abs_tol=1e-9)  # fmt: skip
        assert math.isclose(sum(a[i][m] * x[m] for m in range(p)), sums.xz[i], rel_tol=1e-9)


def test_residuals_match_each_rows_prediction() -> None:
    rows, z = _rows(60)
    for cols in ([0, 1], [0, 1, 2, 3], [0, 1, 4, 5], [0, 2]):
        solved = bandfit.Sums(rows, z).solve(cols)
        assert solved is not None
        expected = [v - solved.predict(x) for x, v in zip(rows, z, strict=True)]
        assert bandfit.residuals(solved, rows, z) == expected


def test_sums_of_the_earlier_weeks_match_the_full_sums_less_the_later_ones() -> None:
    rows, z = _rows(80)
    less = bandfit.Sums(rows, z)
    for x, v in zip(rows[50:], z[50:], strict=True):
        less.add(x, v, -1)
    direct = bandfit.Sums(rows[:50], z[:50])
    assert direct.n == less.n == 50
    for a, b in zip(direct.xx, less.xx, strict=True):
        assert all(
            math.isclose(p, q, rel_tol=1e-9, abs_tol=1e-9) for p, q in zip(a, b, strict=True)
        )
    assert all(math.isclose(p, q, rel_tol=1e-9) for p, q in zip(direct.xz, less.xz, strict=True))


def test_one_step_errors_match_a_fit_on_the_weeks_before() -> None:
    rows, z = _rows(70)
    cols = [0, 1, 2, 3]
    base = bandfit.Sums(rows[:40], z[:40]).solve(cols)
    assert base is not None
    errors = bandfit.one_step(base, rows[40:], z[40:], [True] * 30)
    for j in (0, 7, 29):
        before = bandfit.Sums(rows[: 40 + j], z[: 40 + j]).solve(cols)
        assert before is not None
        e, h = errors[j]
        assert math.isclose(e, z[40 + j] - before.predict(rows[40 + j]), rel_tol=1e-7)
        assert math.isclose(h, before.leverage(rows[40 + j]), rel_tol=1e-7)


def test_proposals_are_cached_and_equal_a_fresh_history() -> None:
    values = [100.0 * 1.004**k * (1 + 0.03 * math.sin(k)) for k in range(130)]
    values[-6:] = [v * 1.4 for v in values[-6:]]  # a shift in the last weeks
    points = [(_week(k), v) for k, v in enumerate(values)]
    hist = bands.History(points)
    answers = [hist.propose_divider(_week(k)) for k in range(100, 130)]
    assert any(a is not None for a in answers)
    assert [hist.propose_divider(_week(k)) for k in range(100, 130)] == answers
    assert [bands.History(points).propose_divider(_week(k)) for k in (124, 129)] == [
        answers[24],
        answers[29],
    ]
