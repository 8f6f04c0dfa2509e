"""`kpireview sample`: deterministic, realistic, with the story the review should catch."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from statistics import mean

import pytest

from kpireview import config
from kpireview.store import Store
from tests.conftest import CONFIG, file_digest, run

END = date(2026, 11, 16)  # 2026-W47, the default last week


def rows(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT metric, week, segment, value FROM snapshots ORDER BY metric, week, segment"
        ).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def series(sample_db: Path) -> dict[str, list[float]]:
    """Each total series, oldest week first."""
    with Store(sample_db) as store:
        data = store.load_snapshots()
    return {m: [v for _, v in sorted(s.items())] for (m, seg), s in data.items() if seg == ""}


def test_summary_line(tmp_path: Path) -> None:
    result = run("sample", "-o", tmp_path / "s.db", "--weeks", "60", "--config", CONFIG)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{tmp_path / 's.db'}: 1,800 values, 26 metrics, 2025-W40 to 2026-W47 (60 weeks), "
        "5 decisions"
    ]


def test_same_seed_same_file_other_seed_other_values(tmp_path: Path) -> None:
    a, b, c = (tmp_path / f"{name}.db" for name in "abc")
    for path, seed in ((a, "3"), (b, "3"), (c, "4")):
        assert run("sample", "-o", path, "--weeks", "60", "--seed", seed).exit_code == 0
    assert rows(a) == rows(b)
    assert a.read_bytes() == b.read_bytes()
    assert [r[:3] for r in rows(a)] == [r[:3] for r in rows(c)]
    assert rows(a) != rows(c)


def test_end_week_and_length(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    assert run("sample", "-o", db, "--weeks", "10", "--end", "2025-03-05").exit_code == 0
    with Store(db) as store:
        (churn,) = [r for r in store.metric_ranges() if r.metric == "churn_rate"]
    assert (churn.first, churn.last, churn.count) == (date(2024, 12, 30), date(2025, 3, 3), 10)


def test_every_stored_kpi_has_data_and_no_derived_kpi_is_stored(sample_db: Path) -> None:
    cfg = config.load(CONFIG)
    with Store(sample_db) as store:
        ranges = store.metric_ranges()
    stored = {r.metric for r in ranges}
    assert stored == {m.id for m in cfg.metrics if not m.derived}
    assert {"arr", "ltv_cac"}.isdisjoint(stored)
    assert {(r.first, r.last, r.count) for r in ranges} == {(date(2023, 11, 27), END, 156)}


def test_traffic_total_is_the_sum_of_its_segments(sample_db: Path) -> None:
    with Store(sample_db) as store:
        data = store.load_snapshots()
    segments = ("organic", "paid", "referral", "social")
    total = data[("traffic", "")]
    for week, value in total.items():
        assert value == sum(data[("traffic", s)][week] for s in segments)
    assert {seg for m, seg in data if m == "traffic"} == {"", *segments}


def test_values_look_like_their_units(series: dict[str, list[float]]) -> None:
    cfg = config.load(CONFIG)
    for metric_id, values in series.items():
        unit = cfg.metric(metric_id).unit
        if unit == "percent":
            assert all(0 < v < 1.2 for v in values), metric_id
        if unit == "count":
            assert all(v == int(v) and v > 0 for v in values), metric_id
    assert 0.014 < mean(series["churn_rate"][:-4]) < 0.018
    assert 4.0 < mean(series["csat"]) < 4.4
    assert 30 <= mean(series["nps"]) <= 45
    assert 60 <= mean(series["lead_quality"]) <= 75
    assert 2 <= mean(series["time_to_value"]) <= 4
    assert 200 < mean(series["cac"]) < 700


def test_churn_jumps_after_the_pricing_change(series: dict[str, list[float]]) -> None:
    churn = series["churn_rate"]
    assert mean(churn[-4:]) > 1.4 * mean(churn[-24:-4])
    assert all(0.025 < v < 0.031 for v in churn[-4:])


def test_cpa_creeps_above_its_ceiling(series: dict[str, list[float]]) -> None:
    cpa = series["cpa"]
    assert cpa[-1] > 45
    assert mean(cpa[-4:]) > mean(cpa[-12:-8]) > mean(cpa[-24:-12])
    assert max(cpa[-64:-12]) < 45


def test_ltv_cac_dips_under_three(series: dict[str, list[float]]) -> None:
    ratio = [ltv / cac for ltv, cac in zip(series["ltv"], series["cac"], strict=True)]
    assert ratio[-1] < 3
    earlier_year = ratio[-64:-12]
    assert sum(r > 3 for r in earlier_year) >= 0.9 * len(earlier_year)


def test_activation_improves_after_the_onboarding_change(series: dict[str, list[float]]) -> None:
    for metric_id in ("activation_rate", "onboarding_completion"):
        values = series[metric_id]
        centre = mean(values[-30:-10])
        assert all(v > centre for v in values[-9:]), metric_id


def test_mrr_grows(series: dict[str, list[float]]) -> None:
    mrr = series["mrr"]
    assert mrr[-1] > 1.5 * mrr[0]
    assert 440_000 < mrr[-1] < 520_000


def test_decisions_are_recorded_with_fixed_times(sample_db: Path) -> None:
    with Store(sample_db) as store:
        decisions = store.decisions()
    assert 3 <= len(decisions) <= 6
    assert {"cpa", "churn_rate", "activation_rate"} <= {d.metric for d in decisions}
    assert {d.status for d in decisions} == {"open", "done"}
    assert all(d.owner and d.due and d.week < END for d in decisions)
    assert all(d.created_at.endswith("T10:30:00+00:00") for d in decisions)


def test_synthetic_kpis_and_their_config(tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    result = run("sample", "-o", db, "--metrics", "40", "--weeks", "8")
    assert result.exit_code == 0, result.output
    assert f"{tmp_path / 'bench.yaml'}: config with the 40 KPIs" in result.stdout
    cfg = config.load(tmp_path / "bench.yaml")
    synthetic = [m for m in cfg.metrics if m.id.startswith("synthetic_")]
    assert len(cfg.metrics) == 40 and len(synthetic) == 11
    assert synthetic[0].id == "synthetic_0001"
    assert {m.pillar for m in synthetic} == {"acquisition", "activation", "retention", "revenue"}
    with Store(db) as store:
        stored = {r.metric for r in store.metric_ranges()}
    assert stored == {m.id for m in cfg.metrics if not m.derived}


def test_fewer_metrics_than_configured_is_refused(tmp_path: Path) -> None:
    result = run("sample", "-o", tmp_path / "s.db", "--metrics", "5")
    assert result.exit_code == 2
    assert "the config already has 29 KPIs" in result.stderr
    assert not (tmp_path / "s.db").exists()


def test_existing_file_needs_force(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    assert run("sample", "-o", db, "--weeks", "20", "--seed", "1").exit_code == 0
    before = file_digest(db)
    result = run("sample", "-o", db, "--weeks", "20", "--seed", "2")
    assert result.exit_code == 2
    assert result.stderr == f"kpireview: error: {db}: already exists (use --force to replace it)\n"
    assert file_digest(db) == before
    assert run("sample", "-o", db, "--weeks", "20", "--seed", "2", "--force").exit_code == 0
    assert file_digest(db) != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.db"]  # no temp file left


def test_output_defaults_to_the_db_path(tmp_path: Path) -> None:
    db = tmp_path / "default.db"
    result = run("sample", "--db", db, "--weeks", "8")
    assert result.exit_code == 0
    assert len(rows(db)) == 8 * 30
