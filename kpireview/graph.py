"""The formula graph of derived KPIs, walked without recursion: cycles and depths.

Each KPI is visited once, so forty derived KPIs that each read the two before take forty
steps, not 2**40, and a chain of thousands cannot exhaust the stack.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def cycle_text(cycle: list[str]) -> str:
    if len(cycle) > 12:
        cycle = [*cycle[:6], "...", *cycle[-5:]]
    return " -> ".join(cycle)
