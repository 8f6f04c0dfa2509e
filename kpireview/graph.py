"""The formula graph of derived KPIs, walked without recursion: cycles and depths.

Each KPI is visited once, so forty derived KPIs that each read the two before take forty
steps, not 2**40, and a chain of thousands cannot exhaust the stack.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kpireview.config import Metric


def _inputs(metric: Metric) -> tuple[str, ...]:
    return metric.formula.inputs if metric.formula else ()


def walk(root: str, by_id: Mapping[str, Metric], depth: dict[str, int]) -> list[str]:
    """Depth-first from ``root`` without recursion: each KPI's formula depth into ``depth``
    (0 when stored); the cycle met on the way, if any."""
    if root in depth:
        return []
    stack: list[tuple[str, int]] = [(root, 0)]
    on_path = {root}
    while stack:
        mid, next_input = stack[-1]
        inputs = _inputs(by_id[mid])
        if next_input < len(inputs):
            stack[-1] = (mid, next_input + 1)
            name = inputs[next_input]
            if name in on_path:
                path = [m for m, _ in stack]
                return path[path.index(name) :] + [name]
            if name not in depth:
                stack.append((name, 0))
                on_path.add(name)
            continue
        stack.pop()
        on_path.discard(mid)
        depth[mid] = 1 + max(depth[n] for n in inputs) if inputs else 0
    return []


def in_order(metrics: Iterable[Metric], by_id: Mapping[str, Metric]) -> list[Metric]:
    """The metrics and every input they read, each after its inputs (stable: stored ones and
    equal depths in the config's order). The config has no cycle (checked when loaded)."""
    depth: dict[str, int] = {}
    order: dict[str, None] = {}
    for m in metrics:
        walk(m.id, by_id, depth)
        order[m.id] = None
    for name in depth:
        order.setdefault(name, None)
    return [by_id[name] for name in sorted(order, key=depth.__getitem__)]


def leaves(by_id: Mapping[str, Metric]) -> dict[str, frozenset[str]]:
    """Each KPI's stored metrics (itself when it is not derived), without recursion."""
    out: dict[str, frozenset[str]] = {}
    for m in in_order(by_id.values(), by_id):
        inputs = _inputs(m)
        out[m.id] = frozenset().union(*(out[n] for n in inputs)) if inputs else frozenset({m.id})
    return out


def cycle_text(cycle: list[str]) -> str:
    if len(cycle) > 12:
        cycle = [*cycle[:6], "...", *cycle[-5:]]
    return " -> ".join(cycle)
