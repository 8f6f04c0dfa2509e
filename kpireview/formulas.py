"""Derived metrics: a safe evaluator for formulas such as ``ltv / cac`` or ``12 * mrr``.

Only numbers, metric ids, ``+ - * /``, parentheses and unary minus are allowed; the formula
is parsed with :mod:`ast` and walked, never passed to ``eval``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kpireview.errors import KpiError

_OPS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
MAX_LENGTH = 500


class FormulaError(KpiError):
    """A formula that cannot be parsed."""


@dataclass(frozen=True)
class Result:
    """A formula's value, or None with the reason there is none."""

    value: float | None
    reason: str = ""


class Formula:
    """A parsed formula: its text, the metric ids it reads, and an evaluator."""

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise FormulaError("formula is empty")
        if len(text) > MAX_LENGTH:
            raise FormulaError(f"formula is longer than {MAX_LENGTH} characters")
        self.text = text.strip()
        try:
            tree = ast.parse(self.text, mode="eval")
        except (SyntaxError, ValueError):
            raise FormulaError(f"'{self.text}' is not a valid formula") from None
        self._tree = tree.body
        self.inputs: tuple[str, ...] = tuple(dict.fromkeys(_names(self._tree, self.text)))

    def evaluate(self, values: Mapping[str, float | None]) -> Result:
        known = {name: v for name in self.inputs if (v := values.get(name)) is not None}
        missing = [name for name in self.inputs if name not in known]
        if missing:
            return Result(None, f"no value for {', '.join(missing)}")
        try:
            value = _eval(self._tree, known)
        except ZeroDivisionError:
            return Result(None, "division by zero")
        except OverflowError:
            return Result(None, "overflow")
        if math.isnan(value) or math.isinf(value):
            return Result(None, "not a finite number")
        return Result(value)

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"


def _names(node: ast.AST, text: str) -> list[str]:
    """Check every node is allowed and return the metric ids read, in order."""
    if isinstance(node, ast.Name):
        written = ast.get_source_segment(text, node)
        if written != node.id:  # Python reads identifiers NFKC-normalised: 'ℌ' as 'H'
            raise FormulaError(
                f"'{text}': '{written}' would be read as '{node.id}'; write metric ids plainly"
            )
        return [node.id]
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise FormulaError(f"'{text}': only numbers and metric ids are allowed")
        return []
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _names(node.left, text) + _names(node.right, text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return _names(node.operand, text)
    what = type(getattr(node, "op", node)).__name__
    raise FormulaError(f"'{text}': {what} is not allowed (use numbers, metric ids, + - * / ( ))")


def _eval(node: ast.AST, values: Mapping[str, float]) -> float:
    if isinstance(node, ast.Name):
        return float(values[node.id])
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, int | float)  # checked by _names
        return float(node.value)
    if isinstance(node, ast.BinOp):
        return _OPS[type(node.op)](_eval(node.left, values), _eval(node.right, values))
    assert isinstance(node, ast.UnaryOp)
    operand = _eval(node.operand, values)
    return -operand if isinstance(node.op, ast.USub) else operand
