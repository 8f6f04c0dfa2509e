"""Exact attribution: a derived KPI's change between two weeks, split into its inputs' shares.

The method is the Shapley value over the formula's inputs: each input's share is its marginal
effect on the formula, averaged over every order in which the inputs could have moved from the
earlier week's value to the later one's. It is exact for any formula of ``+ − × ÷`` (the shares
add up to the change, up to floating-point rounding), equals the plain differences for sums
and differences, and splits the interaction of a product or a ratio evenly between the inputs
that move together. (Log-mean Divisia (LMDI) is exact too, but only for products and ratios of
positive values; a formula such as ``(new - churned) / customers`` mixes both.) It costs
2**n evaluations of the formula for n inputs; beyond :data:`MAX_INPUTS` inputs there is no
split.

A derived input's share is split in turn among its own inputs, in proportion to their shares
of its own change (which add up to it); when it did not change its inputs' shares are null,
with the reason. A missing value, or a division by zero at either week or in any mix of the
two, gives a null share with the reason, never an infinity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from kpireview import units
from kpireview.config import Config, Metric
from kpireview.periods import YEAR_AGO

MAX_INPUTS = 12  # 4,096 evaluations of the formula
WEEK = timedelta(weeks=1)
Values = Mapping[str, float]  # the weeks' values of every KPI the formula reads


@dataclass(frozen=True)
class Share:
    """One input's share of a change, in the derived KPI's units (None with a reason)."""

    id: str
    amount: float | None
    reason: str = ""
    parts: tuple[Share, ...] = ()  # a derived input's own inputs' shares of ``amount``


@dataclass(frozen=True)
class Split:
    """A derived KPI's change between two weeks and its inputs' shares of it."""

    change: float | None
    shares: tuple[Share, ...]
    reason: str = ""

    def total(self) -> float | None:
        """The shares added up (the change itself, up to rounding), None when one is null."""
        amounts = [s.amount for s in self.shares]
        if self.change is None or any(a is None for a in amounts):
            return None
        return math.fsum(a for a in amounts if a is not None)


def split(config: Config, metric: Metric, before: Values, after: Values) -> Split:
    """The change of a derived ``metric`` from ``before`` to ``after`` (each the values of
    every KPI at one week), split among its formula's inputs, recursively."""
    formula = metric.formula
    assert formula is not None
    start, end = formula.evaluate(before), formula.evaluate(after)
    if start.value is None or end.value is None:
        reason = f"{'earlier' if start.value is None else 'this'} week: " + (
            start.reason if start.value is None else end.reason
        )
        return Split(None, _null_shares(formula.inputs, reason), reason)
    inputs = formula.inputs
    if len(inputs) > MAX_INPUTS:
        reason = f"more than {MAX_INPUTS} inputs: no exact split"
        return Split(end.value - start.value, _null_shares(inputs, reason), reason)
    amounts = _shapley(metric, before, after)
    if amounts is None:
        reason = "a mix of the two weeks' values cannot be computed (division by zero)"
        return Split(end.value - start.value, _null_shares(inputs, reason), reason)
    shares = tuple(
        _share(config, name, amount, before, after)
        for name, amount in zip(inputs, amounts, strict=True)
    )
    return Split(end.value - start.value, shares)


def _share(config: Config, name: str, amount: float, before: Values, after: Values) -> Share:
    """An input's share; a derived input's own inputs get its share in proportion to theirs."""
    m = config.by_id.get(name)
    if m is None or m.formula is None:
        return Share(name, amount)
    inner = split(config, m, before, after)
    if inner.change is None or inner.reason:
        return Share(name, amount, parts=_null_shares(m.formula.inputs, inner.reason))
    if inner.change == 0:
        reason = f"{m.label} did not change"
        return Share(name, amount, parts=_null_shares(m.formula.inputs, reason))
    scale = amount / inner.change
    return Share(name, amount, parts=tuple(_scaled(s, scale) for s in inner.shares))


def _scaled(share: Share, scale: float) -> Share:
    if share.amount is None:
        return share
    parts = tuple(_scaled(p, scale) for p in share.parts)
    return Share(share.id, share.amount * scale, share.reason, parts)


def _null_shares(inputs: tuple[str, ...], reason: str) -> tuple[Share, ...]:
    return tuple(Share(name, None, reason) for name in inputs)


def _shapley(metric: Metric, before: Values, after: Values) -> list[float] | None:
    """Each input's Shapley value of the formula moving from ``before`` to ``after``; None
    when a mix of the two weeks' values cannot be evaluated."""
    formula = metric.formula
    assert formula is not None
    inputs = formula.inputs
    n = len(inputs)
    worth: list[float] = []
    for mask in range(1 << n):  # the inputs in ``mask`` at the later week's value
        mixed = {name: (after if mask >> i & 1 else before)[name] for i, name in enumerate(inputs)}
        value = formula.evaluate(mixed).value
        if value is None:
            return None
        worth.append(value)
    weights = _weights(n)
    out = []
    for i in range(n):
        bit = 1 << i
        terms = [
            weights[_size(mask)] * (worth[mask | bit] - worth[mask])
            for mask in range(1 << n)
            if not mask & bit
        ]
        out.append(math.fsum(terms))
    return out


@lru_cache(maxsize=MAX_INPUTS + 1)
def _weights(n: int) -> tuple[float, ...]:
    """|S|! (n − |S| − 1)! / n! for each coalition size |S| (without the input itself)."""
    return tuple(
        math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)
    )


def _size(mask: int) -> int:
    return bin(mask).count("1")


class WeekValues(Mapping[str, float]):
    """Every KPI's value at one week, read from the series when asked (for :func:`split`)."""

    def __init__(self, get: Callable[[str], Mapping[date, float]], week: date) -> None:
        self._get, self._week = get, week

    def __getitem__(self, metric_id: str) -> float:
        return self._get(metric_id)[self._week]

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the KPIs of a week are read one by one")

    def __len__(self) -> int:
        raise TypeError("the KPIs of a week are read one by one")

    def get(self, metric_id: str, default: object = None) -> float | None:  # type: ignore[override]
        return self._get(metric_id).get(self._week)


@dataclass(frozen=True)
class Attribution:
    """A derived KPI's week-over-week and year-over-year changes, each split."""

    wow: Split
    yoy: Split


def attribute(
    config: Config, metric: Metric, get: Callable[[str], Mapping[date, float]], week: date
) -> Attribution:
    """The KPI's change from the week before and from 52 weeks before ``week``, split."""
    now = WeekValues(get, week)
    return Attribution(
        split(config, metric, WeekValues(get, week - WEEK), now),
        split(config, metric, WeekValues(get, week - YEAR_AGO), now),
    )


def signed(x: float, unit: str, currency: str = "$") -> str:
    """A change in the KPI's units with its sign: points for percent."""
    sign = "+" if x > 0 else "−" if x < 0 else "±"
    if unit == "percent":
        return f"{sign}{abs(x) * 100:.{2 if abs(x) < 0.001 else 1}f} pt"
    return sign + units.value(abs(x), unit, currency)


def sentence(
    label: str, unit: str, currency: str, found: Split, labels: Mapping[str, str], period: str
) -> str:
    """'ARR −$40.1k WoW: seats per customer −$52.3k, price per seat +$12.2k' (largest share
    first), or why there is no split."""
    if found.change is None:
        return f"{label} {period}: no split ({found.reason})"
    head = f"{label} {signed(found.change, unit, currency)} {period}"
    if found.reason:
        return f"{head}: no split ({found.reason})"
    ranked = sorted(found.shares, key=lambda s: -abs(s.amount or 0.0))
    parts = [f"{labels.get(s.id, s.id)} {signed(s.amount or 0.0, unit, currency)}" for s in ranked]
    return f"{head}: {', '.join(parts)}"
