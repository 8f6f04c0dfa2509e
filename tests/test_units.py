import pytest

from kpireview import units


@pytest.mark.parametrize(
    "x, unit, expected",
    [
        (1234, "count", "1.2k"),
        (999, "count", "999"),
        (1_260_000, "count", "1.3M"),
        (48_300, "currency", "$48.3k"),
        (41.5, "currency", "$41.50"),
        (-1200, "currency", "-$1.2k"),
        (0.045, "percent", "4.5%"),
        (0.0031, "percent", "0.31%"),
        (1.05, "percent", "105.0%"),
        (3.14159, "ratio", "3.14×"),
        (2.44, "days", "2.4 d"),
        (72.26, "score", "72.3"),
        (None, "count", "–"),
    ],
)
def test_value_by_unit(x, unit: str, expected: str) -> None:
    assert units.value(x, unit) == expected


@pytest.mark.parametrize(
    "abs_, rel, unit, expected",
    [
        (0.004, 0.1, "percent", "+0.4 pt"),
        (-0.01, -0.3, "percent", "−1.0 pt"),
        (120, 0.032, "count", "+3.2%"),
        (-5, -0.125, "currency", "−12.5%"),
        (0, 0.0, "count", "±0.0%"),
        (5, None, "count", "–"),
    ],
)
def test_change_in_unit_terms(abs_, rel, unit: str, expected: str) -> None:
    assert units.change(abs_, rel, unit) == expected
