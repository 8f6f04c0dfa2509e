import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpireview.formulas import Formula, FormulaError


def test_inputs_in_order_without_repeats() -> None:
    assert Formula("ltv / cac + ltv").inputs == ("ltv", "cac")
    assert Formula("12 * mrr").inputs == ("mrr",)


def test_evaluates_arithmetic_and_precedence() -> None:
    f = Formula("-(a + b) * 2 / c - 1")
    assert f.evaluate({"a": 1, "b": 2, "c": 3}).value == pytest.approx(-3.0)


def test_division_by_zero_is_null_with_reason() -> None:
    result = Formula("ltv / cac").evaluate({"ltv": 10, "cac": 0})
    assert result.value is None and result.reason == "division by zero"


def test_missing_input_is_null_with_reason() -> None:
    result = Formula("ltv / cac").evaluate({"ltv": 10, "cac": None})
    assert result.value is None and "cac" in result.reason


def test_overflow_is_null_not_inf() -> None:
    result = Formula("a * a").evaluate({"a": 1e300})
    assert result.value is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a ** 2",
        "__import__('os')",
        "a.b",
        "f(a)",
        "a if b else c",
        "[a]",
        "a // b",
        "a % b",
        "'text'",
        "True + a",
        "a +",
        "lambda: 1",
        "(" * 300 + "a" + ")" * 300,
    ],
)
def test_rejects_anything_else(text: str) -> None:
    with pytest.raises(FormulaError):
        Formula(text)


@given(st.text(max_size=60))
def test_fuzz_only_formula_error_escapes(text: str) -> None:
    try:
        f = Formula(text)
    except FormulaError:
        return
    result = f.evaluate(dict.fromkeys(f.inputs, 2.0))
    assert result.value is None or math.isfinite(result.value)


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_matches_python_arithmetic(a: float, b: float) -> None:
    value = Formula("a * 2 - b / 4").evaluate({"a": a, "b": b}).value
    assert value == pytest.approx(a * 2 - b / 4)
