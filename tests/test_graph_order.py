"""The formula graph's one walk (kpireview.graph): order and leaves, without recursion."""

from __future__ import annotations

from dataclasses import dataclass

from kpireview import graph


@dataclass(frozen=True)
class F:
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class M:
    id: str
    formula: F | None = None


def chain(n: int) -> dict[str, M]:
    """m0 stored; m_k = f(m_{k-1}): a chain deeper than Python's recursion limit."""
    by_id = {"m0": M("m0")}
    for k in range(1, n):
        by_id[f"m{k}"] = M(f"m{k}", F((f"m{k - 1}",)))
    return by_id


def test_every_metric_comes_after_its_inputs_even_in_a_deep_chain() -> None:
    by_id = chain(5000)
    order = [m.id for m in graph.in_order(reversed(list(by_id.values())), by_id)]  # type: ignore[arg-type]
    assert order == [f"m{k}" for k in range(5000)]
    assert graph.leaves(by_id)["m4999"] == {"m0"}  # type: ignore[arg-type]


def test_leaves_of_a_diamond_and_stored_metrics_keep_the_config_order() -> None:
    by_id = {
        "b": M("b"),
        "a": M("a"),
        "ltv": M("ltv", F(("a", "b"))),
        "ratio": M("ratio", F(("ltv", "a"))),
    }
    assert graph.leaves(by_id)["ratio"] == {"a", "b"}  # type: ignore[arg-type]
    order = [m.id for m in graph.in_order(by_id.values(), by_id)]  # type: ignore[arg-type]
    assert order == ["b", "a", "ltv", "ratio"]
