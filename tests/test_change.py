"""Week-over-week and year-over-year changes: `rel` is the change relative to the size of the
earlier value, so its sign always says whether the KPI went up or down."""

from __future__ import annotations

import pytest

from kpireview.review import change


@pytest.mark.parametrize(
    ("value", "other", "abs_", "rel"),
    [
        (110.0, 100.0, 10.0, 0.10),  # the usual case: value / other − 1
        (90.0, 100.0, -10.0, -0.10),
        (-17.0, -27.0, 10.0, 10 / 27),  # net new customers −27 → −17: up, by 37%
        (-27.0, -17.0, -10.0, -10 / 17),  # down
        (5.0, -5.0, 10.0, 2.0),  # from a loss to a gain: up
        (0.0, -4.0, 4.0, 1.0),
    ],
)
def test_rel_has_the_sign_of_the_change(
    value: float, other: float, abs_: float, rel: float
) -> None:
    got = change(value, other)
    assert got.abs == pytest.approx(abs_)
    assert got.rel == pytest.approx(rel)
    assert (got.rel > 0) == (got.abs > 0)


@pytest.mark.parametrize(("value", "other"), [(5.0, 0.0), (None, 3.0), (3.0, None), (None, None)])
def test_rel_is_null_without_an_earlier_value_to_compare_with(value, other) -> None:
    assert change(value, other).rel is None
