"""review.detail: a year of one KPI's weeks with its target line, and its decisions."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from kpireview import config, review
from kpireview.store import Store

WEEK = timedelta(days=7)
W = date(2026, 11, 16)  # 2026-W47, a Monday

CONFIG_TEXT = """\
review: {title: Detail test, history_weeks: 8, baseline_weeks: 20}
pillars:
  - {id: revenue, label: Revenue}
metrics:
  - {id: conv, label: Conversion, pillar: revenue, unit: percent, rollup: mean,
     target: {value: 0.05, by: 2027-03-31, from: 2026-10-01}}
  - {id: churn, label: Churn, pillar: revenue, unit: percent, direction: down, rollup: mean,
     target: {value: 0.02, criterion: stay_below}}
  - {id: plan, label: Plan, pillar: revenue, unit: currency, rollup: last}
  - {id: mrr, label: MRR, pillar: revenue, unit: currency, rollup: last, target: {metric: plan}}
  - {id: steps, label: Stepped, pillar: revenue, unit: count, rollup: sum,
     targets: [{value: 100, by: 2026-09-30, criterion: stay_above},
               {value: 200, by: 2027-03-31, criterion: stay_above}]}
  - {id: bare, label: No target, pillar: revenue}
"""


def weeks_back(n: int) -> list[date]:
    return [W - WEEK * k for k in range(n - 1, -1, -1)]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[config.Config, review.Data]:
    path = tmp_path / "kpis.yaml"
    path.write_text(CONFIG_TEXT)
    cfg = config.load(path)
    rows = []
    for i, w in enumerate(weeks_back(70)):
        rows += [("conv", w, "", 0.03 + i * 0.0001), ("churn", w, "", 0.02)]
        rows += [("plan", w, "", 1000.0 + i), ("mrr", w, "", 990.0 + i), ("steps", w, "", 150.0)]
        if i % 3:
            rows.append(("bare", w, "", float(i)))
    with Store(tmp_path / "d.db") as store:
        store.upsert_snapshots(rows)
        store.add_decision("churn", W - 3 * WEEK, "Watch churn", created_at="2026-11-01T00:00:00")
        store.add_decision("churn", W, "Churn again", created_at="2026-11-20T00:00:00")
        store.add_decision("mrr", W, "Other metric", created_at="2026-11-20T00:00:00")
        data = review.load(cfg, store)
    return cfg, data


def test_history_is_52_weeks_ending_at_the_week(setup) -> None:
    cfg, data = setup
    d = review.detail(cfg, data, W, "bare")
    assert [p.week for p in d.history52] == weeks_back(52)
    assert [p.value for p in d.history52] == [data.get("bare").get(w) for w in weeks_back(52)]
    assert any(p.value is None for p in d.history52)  # gaps stay gaps


def test_history_agrees_with_the_kpi_history(setup) -> None:
    cfg, data = setup
    kpi = review.build(cfg, data, W).kpi("conv")
    d = review.detail(cfg, data, W, "conv")
    assert d.history52[-len(kpi.history) :] == kpi.history


def test_paced_target_line_starts_at_from_and_meets_the_week_expected(setup) -> None:
    cfg, data = setup
    kpi = review.build(cfg, data, W).kpi("conv")
    d = review.detail(cfg, data, W, "conv")
    by_week = {p.week: p.value for p in d.pace}
    assert by_week[date(2026, 9, 21)] is None  # week ends 27 Sep, before the target's start
    assert by_week[date(2026, 9, 28)] is not None  # the week holding 1 Oct
    assert by_week[W] == pytest.approx(kpi.target.expected)
    started = [v for v in by_week.values() if v is not None]
    assert started == sorted(started)  # paced toward a higher target


def test_standing_target_line_is_the_threshold(setup) -> None:
    cfg, data = setup
    d = review.detail(cfg, data, W, "churn")
    assert {p.value for p in d.pace} == {0.02}


def test_plan_target_line_is_the_plan_series(setup) -> None:
    cfg, data = setup
    d = review.detail(cfg, data, W, "mrr")
    assert [p.value for p in d.pace] == [data.get("plan").get(w) for w in weeks_back(52)]


def test_changing_targets_give_each_week_its_own(setup) -> None:
    cfg, data = setup
    d = review.detail(cfg, data, W, "steps")
    by_week = {p.week: p.value for p in d.pace}
    assert by_week[date(2026, 9, 28)] == 100  # `by` 30 Sep is on or after this week
    assert by_week[date(2026, 10, 5)] == 200
    assert {p.week for p in d.pace} == set(weeks_back(52))


def test_no_target_no_line(setup) -> None:
    cfg, data = setup
    assert {p.value for p in review.detail(cfg, data, W, "bare").pace} == {None}


def test_decisions_are_every_decision_on_the_metric(setup) -> None:
    cfg, data = setup
    d = review.detail(cfg, data, W, "churn")
    assert [x.note for x in d.decisions] == ["Watch churn", "Churn again"]
    assert d.metric == "churn" and d.week == W
