"""Property tests: hostile formulas, CSV files and date strings raise KpiError or nothing else."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kpireview import config as config_module
from kpireview.config import Config
from kpireview.errors import KpiError
from kpireview.formulas import Formula, FormulaError
from kpireview.importer import Batch, ImportError_, read
from kpireview.periods import PeriodError, parse_day, parse_due, parse_week
from tests.conftest import CONFIG

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
IDS = ("mrr", "cac", "ltv", "churn_rate", "x1")
OPS: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


@pytest.fixture(scope="module")
def cfg() -> Config:
    return config_module.load(CONFIG)


# --- formulas ----------------------------------------------------------------------------------

formula_chars = st.text(
    alphabet=st.sampled_from(list("abcmr_01259.eE+-*/%()[]{}<>=!~&|^@,;:'\"`\\ \t\n#$λ٣😀\x00")),
    max_size=80,
)


@FUZZ
@given(text=st.one_of(st.text(max_size=120), formula_chars))
def test_formula_text_raises_only_formula_errors(text: str) -> None:
    try:
        formula = Formula(text)
    except FormulaError:
        return
    result = formula.evaluate({name: 2.0 for name in formula.inputs})
    assert result.value is None or math.isfinite(result.value)


# An expression tree: (text, value under VALUES); None when Python would divide by zero.
VALUES = {"mrr": 3.0, "cac": -0.5, "ltv": 0.0, "churn_rate": 1e300, "x1": 7.25}
Expr = tuple[str, float | None]

numbers = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(float),
    st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False),
)
leaves: st.SearchStrategy[Expr] = st.one_of(
    numbers.map(lambda x: (repr(x), x)),
    st.sampled_from(IDS).map(lambda name: (name, VALUES[name])),
)


def _binary(pair: tuple[Expr, Expr], op: str) -> Expr:
    (left, a), (right, b) = pair
    if a is None or b is None or (op == "/" and b == 0):
        return f"({left} {op} {right})", None
    return f"({left} {op} {right})", OPS[op](a, b)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    binary = st.builds(_binary, st.tuples(children, children), st.sampled_from(list(OPS)))
    unary = children.map(lambda e: (f"-{e[0]}", None if e[1] is None else -e[1]))
    return st.one_of(binary, unary)


expressions = st.recursive(leaves, _extend, max_leaves=12)


@FUZZ
@given(expr=expressions)
def test_generated_expressions_parse_and_evaluate_like_python(expr: Expr) -> None:
    text, expected = expr
    assume(len(text) <= 500)
    formula = Formula(text)
    assert set(formula.inputs) <= set(IDS)
    result = formula.evaluate(VALUES)
    if expected is None or not math.isfinite(expected):
        assert result.value is None and result.reason
    else:
        assert result.value == pytest.approx(expected, rel=1e-12, abs=1e-300)


@FUZZ
@given(expr=expressions, missing=st.sampled_from(IDS))
def test_a_missing_input_gives_a_reason(expr: Expr, missing: str) -> None:
    text, _ = expr
    assume(len(text) <= 500)
    formula = Formula(text)
    result = formula.evaluate({**VALUES, missing: None})
    if missing in formula.inputs:
        assert result.value is None and missing in result.reason


# --- CSV files ---------------------------------------------------------------------------------


def read_file(tmp: Path, data: bytes, cfg: Config) -> Batch | None:
    path = tmp / "fuzz.csv"
    path.write_bytes(data)
    try:
        batch = read(path, cfg)
    except ImportError_ as exc:
        assert str(exc).startswith(str(path)), exc
        assert "\n" not in str(exc)
        return None
    for metric, week, _segment, value in batch.rows:
        assert metric in cfg.by_id and not cfg.by_id[metric].derived
        assert isinstance(week, date) and math.isfinite(value)
    return batch


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=st.binary(max_size=400))
def test_csv_reader_on_arbitrary_bytes(tmp: Path, cfg: Config, data: bytes) -> None:
    read_file(tmp, data, cfg)


@FUZZ
@given(text=st.text(max_size=400))
def test_csv_reader_on_arbitrary_text(tmp: Path, cfg: Config, text: str) -> None:
    read_file(tmp, text.encode("utf-8"), cfg)


hostile_cells = st.one_of(
    st.sampled_from(
        [
            "mrr",
            "cac",
            "ltv_cac",
            "signups",
            "traffic",
            "MRR",
            " mrr ",
            "",
            "2026-W47",
            "2026-W53",
            "2025-W53",
            "2026-11-16",
            "16/11/2026",
            "Sun, 05-Jan-2020",
            "9999-12-31",
            "0001-01-01",
            "1,234",
            "12.5%",
            "$48.30",
            "-3e2",
            "1e400",
            "nan",
            "-inf",
            "1_0",
            "--1",
            "€",
            "%",
            "1,2,3",
            '"',
            '""',
            "a\nb",
            "\r",
            "\x00",
            "😀",
            "٣",
            "１２",
        ]
    ),  # fmt: skip
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
header_names = st.sampled_from(
    ["metric", "week", "value", "segment", "date", "Metric", "VALUE", "mrr", "cac", "signups",
     "traffic:paid", "traffic", "", "bogus", "ltv_cac"]
)  # fmt: skip


@st.composite
def hostile_csv(draw: st.DrawFn) -> str:
    header = draw(st.lists(header_names, min_size=1, max_size=5))
    width = st.integers(min_value=max(len(header) - 1, 0), max_value=len(header) + 1)
    rows = draw(st.lists(width.flatmap(lambda n: st.lists(hostile_cells, min_size=n, max_size=n))))
    sep = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return sep.join(",".join(_quote(c) for c in row) for row in [header, *rows]) + sep


def _quote(cell: str) -> str:
    if any(c in cell for c in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@FUZZ
@given(text=hostile_csv(), bom=st.booleans())
def test_csv_reader_on_hostile_structured_files(
    tmp: Path, cfg: Config, text: str, bom: bool
) -> None:
    read_file(tmp, ("\ufeff" if bom else "").encode() + text.encode("utf-8"), cfg)


@FUZZ
@given(weeks=st.lists(st.sampled_from(["2026-W45", "2026-W46", "2026-W47"]), max_size=6))
def test_a_valid_long_file_imports_one_value_per_week(
    tmp: Path, cfg: Config, weeks: list[str]
) -> None:
    text = "metric,week,value\n" + "".join(f"mrr,{w},{n}\n" for n, w in enumerate(weeks))
    batch = read_file(tmp, text.encode(), cfg)
    if len(set(weeks)) == len(weeks):
        assert batch is not None and len(batch.rows) == len(weeks)
    else:
        assert batch is None


# --- date strings ------------------------------------------------------------------------------

date_text = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"\A[0-9W+\-/.: ,]{1,20}\Z"),
    st.from_regex(r"\A\+?\s*[0-9]{1,6}\s*[dwDWx]?\Z"),
)


@FUZZ
@given(text=date_text)
def test_date_parsers_raise_only_period_errors(text: str) -> None:
    for parse in (parse_day, parse_week, lambda t: parse_due(t, date(2026, 11, 18))):
        try:
            assert isinstance(parse(text), date)
        except PeriodError as exc:
            assert isinstance(exc, KpiError) and "\n" not in str(exc)
