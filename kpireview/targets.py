"""Targets: a fixed value or another metric's series, paced to a date or held."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from kpireview.ranges import outside
from kpireview.yamltree import Node, Reader, kind

if TYPE_CHECKING:
    from kpireview.config import Metric

CRITERIA = ("reach", "stay_above", "stay_below")
KEYS = {"value", "metric", "by", "from", "criterion", "baseline", "tolerance"}


@dataclass(frozen=True)
class Target:
    """A target: a fixed value or another metric's series, paced or standing."""

    criterion: str
    value: float | None = None
    metric: str | None = None
    by: date | None = None
    start: date | None = None
    baseline: float | None = None
    tolerance: float = 0.1


def read_targets(r: Reader, node: Node, where: str, direction: str) -> tuple[Target, ...]:
    """A ``targets:`` list: each with a date, in date order, each pacing from the one before."""
    if not isinstance(node.value, list) or not node.value:
        raise r.fail(node.line, where, "expected a list of targets")
    targets: list[Target] = []
    for i, item in enumerate(node.value):
        previous = targets[-1] if targets else None
        target = read_target(r, item, f"{where}[{i}]", direction, previous)
        if target.by is None:
            raise r.fail(
                item.line, f"{where}[{i}].by", "missing (each target in a list needs a date)"
            )
        if previous and previous.by and target.by <= previous.by:
            raise r.fail(item.line, f"{where}[{i}].by", "targets must be in date order")
        targets.append(target)
    return tuple(targets)


def read_target(
    r: Reader, node: Node, where: str, direction: str, previous: Target | None
) -> Target:
    """One target; its criterion follows from its keys and the metric's direction."""
    if not isinstance(node.value, dict):
        raise r.fail(
            node.line,
            where,
            f"expected a mapping like {{value: 3, by: 2027-03-31}}, got {kind(node.value)}",
        )
    f = r.mapping(node, where, KEYS)
    if "value" not in f and "metric" not in f:
        raise r.fail(node.line, f"{where}.value", "missing (a target needs a value or a metric)")
    out: dict[str, Any] = {}
    if "value" in f:
        out["value"] = r.number(f["value"][1], f"{where}.value")
    if "metric" in f:
        out["metric"] = r.scalar(f["metric"][1], f"{where}.metric", (str,), "a metric id")
    for key, name in (("by", "by"), ("from", "start")):
        if key in f:
            out[name] = r.day(f[key][1], f"{where}.{key}")
    for key in ("baseline", "tolerance"):
        if key in f:
            out[key] = r.number(f[key][1], f"{where}.{key}")
    if out.get("tolerance", 0) < 0:
        raise r.fail(f["tolerance"][1].line, f"{where}.tolerance", "must not be negative")
    if "criterion" in f:
        criterion = r.choice(f["criterion"][1], f"{where}.criterion", CRITERIA, "criterion")
    elif "by" in f and "metric" not in f:
        criterion = "reach"
    elif direction == "neutral":
        raise r.fail(
            node.line,
            f"{where}.criterion",
            "missing (a neutral metric's target needs stay_above or stay_below)",
        )
    else:
        criterion = "stay_above" if direction == "up" else "stay_below"
    out["criterion"] = criterion
    if criterion == "reach":
        if "by" not in out:
            raise r.fail(node.line, f"{where}.by", "missing (a target to reach needs a date)")
        if "start" not in out and previous and previous.by:
            out["start"] = previous.by
        if "start" not in out:
            raise r.fail(
                node.line,
                f"{where}.from",
                "missing (a target to reach needs a start date to pace from)",
            )
        if out["start"] >= out["by"]:
            raise r.fail(f["by"][1].line, f"{where}.by", "must be after 'from'")
    return Target(**out)


def check_target_values(r: Reader, node: Node, where: str, metric: Metric) -> None:
    """A target or baseline outside the KPI's range can never be right."""
    nodes = node.value if isinstance(node.value, list) else [node]
    for i, (item, target) in enumerate(zip(nodes, metric.targets, strict=True)):
        at = f"{where}[{i}]" if isinstance(node.value, list) else where
        for key in ("value", "baseline"):
            value = getattr(target, key)
            problem = outside(metric, value) if value is not None else ""
            if problem:
                line = item.value[key][1].line
                hint = ""
                if metric.unit == "percent" and value > 1:
                    hint = f" (percent values are fractions: {value / 100:g} is {value:g}%)"
                raise r.fail(line, f"{at}.{key}", f"{value:g} is {problem}{hint}")
