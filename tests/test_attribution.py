"""Exact attribution (kpireview.attribution): a derived KPI's change split among its inputs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpireview import attribution, config

HEAD = """review: {title: Tree}
pillars:
  - {id: revenue, label: Revenue}
metrics:
"""


def make_config(tmp_path: Path, formulas: dict[str, str], stored: list[str]) -> config.Config:
    lines = [f"  - {{id: {m}, label: {m.upper()}, pillar: revenue, unit: count}}" for m in stored]
    lines += [
        f"  - {{id: {m}, label: {m.upper()}, pillar: revenue, unit: count, formula: '{f}'}}"
        for m, f in formulas.items()
    ]
    path = tmp_path / "kpis.yaml"
    path.write_text(HEAD + "\n".join(lines) + "\n")
    return config.load(path)


def shares(found: attribution.Split) -> dict[str, float | None]:
    return {s.id: s.amount for s in found.shares}


def test_sums_and_differences_split_into_their_own_changes(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, {"net": "new - churned + 2 * won"}, ["new", "churned", "won"])
    found = attribution.split(
        cfg,
        cfg.metric("net"),
        {"new": 10, "churned": 4, "won": 1},
        {"new": 13, "churned": 9, "won": 2},
    )
    assert found.change == pytest.approx(0.0)
    assert shares(found) == pytest.approx({"new": 3, "churned": -5, "won": 2})


def test_a_product_splits_its_interaction_evenly(tmp_path: Path) -> None:
    """a 10 → 12, b 3 → 5: a × b 30 → 60; a's share 2 × (3 + 5) / 2 = 8, b's 2 × 22 / 2 = 22."""
    cfg = make_config(tmp_path, {"p": "a * b"}, ["a", "b"])
    found = attribution.split(cfg, cfg.metric("p"), {"a": 10, "b": 3}, {"a": 12, "b": 5})
    assert found.change == 30
    assert shares(found) == pytest.approx({"a": 8, "b": 22})


def test_flat_while_one_input_falls_and_another_rises(tmp_path: Path) -> None:
    """ARR flat: seats per customer fall 10%, price per seat rises by as much in value."""
    cfg = make_config(
        tmp_path, {"arr": "customers * seats * price * 12"}, ["customers", "seats", "price"]
    )
    before = {"customers": 100, "seats": 10, "price": 50}
    after = {"customers": 100, "seats": 9, "price": 50 * 10 / 9}
    found = attribution.split(cfg, cfg.metric("arr"), before, after)
    assert found.change == pytest.approx(0, abs=1e-6)
    got = shares(found)
    assert got["customers"] == 0
    assert got["seats"] < -50_000 and got["price"] > 50_000
    assert got["seats"] + got["price"] == pytest.approx(0, abs=1e-6)


def test_a_derived_input_is_split_in_turn(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, {"c": "a * b", "d": "c / e"}, ["a", "b", "e"])
    before, after = {"a": 2, "b": 3, "e": 4}, {"a": 4, "b": 3, "e": 5}
    values = lambda v: {**v, "c": v["a"] * v["b"]}  # noqa: E731
    found = attribution.split(cfg, cfg.metric("d"), values(before), values(after))
    assert found.change == pytest.approx(12 / 5 - 6 / 4)
    c = next(s for s in found.shares if s.id == "c")
    assert c.amount is not None
    assert math.fsum(p.amount or 0 for p in c.parts) == pytest.approx(c.amount)
    assert {p.id: p.amount for p in c.parts}["b"] == 0  # b did not move


def test_division_by_zero_or_a_missing_value_is_a_null_with_the_reason(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, {"r": "a / (b - c)"}, ["a", "b", "c"])
    m = cfg.metric("r")
    zero = attribution.split(cfg, m, {"a": 1, "b": 3, "c": 1}, {"a": 2, "b": 3, "c": 3})
    assert zero.change is None and "division by zero" in zero.reason
    assert all(s.amount is None and s.reason for s in zero.shares)
    mixed = attribution.split(cfg, m, {"a": 1, "b": 2, "c": 1}, {"a": 1, "b": 3, "c": 2})
    assert mixed.change == 0.0 and mixed.total() is None  # b old with c new divides by 0
    assert "division by zero" in mixed.reason
    missing = attribution.split(cfg, m, {"a": 1, "b": 3}, {"a": 2, "b": 3, "c": 1})
    assert missing.change is None and "no value for c" in missing.reason


OPS = ["+", "-", "*", "/"]


@st.composite
def trees(draw: st.DrawFn, depth: int = 0) -> str:
    """A random formula over a0..a5 and small constants."""
    if depth > 3 or draw(st.booleans()):
        return draw(st.sampled_from([f"a{i}" for i in range(6)] + ["2", "0.5"]))
    op = draw(st.sampled_from(OPS))
    return f"({draw(trees(depth + 1))} {op} {draw(trees(depth + 1))})"


positive = st.floats(min_value=0.1, max_value=1000, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    formula=trees(),
    before=st.lists(positive, min_size=6, max_size=6),
    after=st.lists(positive, min_size=6, max_size=6),
)
def test_the_shares_add_up_to_the_change_exactly(
    tmp_path_factory: pytest.TempPathFactory, formula: str, before: list, after: list
) -> None:
    stored = [f"a{i}" for i in range(6)]
    cfg = make_config(tmp_path_factory.mktemp("h"), {"f": formula}, stored)
    m = cfg.metric("f")
    if not m.formula or not m.formula.inputs:
        return
    found = attribution.split(
        cfg, m, dict(zip(stored, before, strict=True)), dict(zip(stored, after, strict=True))
    )
    if found.change is None or found.reason:
        assert all(s.amount is None for s in found.shares)
        return
    total = found.total()
    assert total is not None
    scale = max(1.0, abs(found.change), *(abs(s.amount or 0) for s in found.shares))
    assert abs(total - found.change) <= 1e-9 * scale


def test_the_sample_review_and_its_json_carry_the_split(sample_db: Path) -> None:
    from kpireview import export
    from tests.conftest import CONFIG, run

    out = run("export", "--format", "json", "--db", sample_db, "--config", CONFIG).output
    import json

    kpis = {k["id"]: k for p in json.loads(out)["pillars"] for k in p["kpis"]}
    ratio = kpis["ltv_cac"]
    total = ratio["contributions_total"]
    assert [c["id"] for c in ratio["contributions"]] == ["ltv", "cac"]
    assert math.fsum(c["wow"] for c in ratio["contributions"]) == pytest.approx(
        total["wow"], rel=1e-9
    )
    assert math.fsum(c["yoy"] for c in ratio["contributions"]) == pytest.approx(
        total["yoy"], rel=1e-9
    )
    assert kpis["mrr"]["contributions"] == [] and kpis["mrr"]["contributions_total"] is None
    notes = run("export", "--db", sample_db, "--config", CONFIG).output
    assert "LTV:CAC" in notes and "WoW: " in notes
    assert export  # the notes come from the same model


def test_the_tree_command_prints_each_tree_within_80_columns(sample_db: Path) -> None:
    from tests.conftest import CONFIG, run

    result = run("tree", "--db", sample_db, "--config", CONFIG)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert max(map(len, lines)) <= 80
    assert any(line.startswith("! LTV:CAC") for line in lines)
    assert any(line.startswith("├─ ! LTV") and "−0.12×" in line.split()[-2:] for line in lines)
    assert any(line.startswith("└─ ! CAC") and "+0.22×" in line.split()[-2:] for line in lines)
    one = run("tree", "cac", "--db", sample_db, "--config", CONFIG)
    assert one.exit_code == 0 and "LTV:CAC" not in one.output
    bad = run("tree", "nope", "--db", sample_db, "--config", CONFIG)
    assert bad.exit_code == 2 and "unknown KPI 'nope'" in bad.output
