"""The review model: comparisons, targets, limits and signals, derived KPIs, months, flags."""

from __future__ import annotations

import csv
import math
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpireview import config, review
from kpireview.review import change
from kpireview.store import Store
from tests.conftest import WBR_CONFIG, run

WEEK = timedelta(days=7)
W = date(2026, 11, 16)  # 2026-W47, a Monday

CONFIG_TEXT = """\
review: {title: Test review, week_starts: monday, history_weeks: 8, baseline_weeks: 20}
pillars:
  - {id: acquisition, label: Acquisition}
  - {id: revenue, label: Revenue}
metrics:
  - {id: visits, label: Visits, pillar: acquisition, unit: count, rollup: sum, segments: [paid, organic]}
  - {id: signups, label: Sign-ups, pillar: acquisition, unit: count, rollup: sum}
  - {id: conv, label: Conversion, pillar: acquisition, unit: percent, rollup: mean, formula: signups / visits,
     target: {value: 0.05, by: 2027-03-31, from: 2026-10-01}}
  - {id: churn, label: Churn, pillar: revenue, unit: percent, direction: down, rollup: mean,
     target: {value: 0.02, criterion: stay_below}}
  - {id: plan, label: Plan, pillar: revenue, unit: currency, rollup: last}
  - {id: mrr, label: MRR, pillar: revenue, unit: currency, rollup: last, target: {metric: plan}}
  - {id: late, label: Late metric, pillar: revenue}
"""


@pytest.fixture
def cfg(tmp_path: Path) -> config.Config:
    path = tmp_path / "kpis.yaml"
    path.write_text(CONFIG_TEXT)
    return config.load(path)


def weeks_back(n: int) -> list[date]:
    return [W - WEEK * k for k in range(n - 1, -1, -1)]


def make_data(cfg: config.Config, db: Path, churn: list[float] | None = None) -> review.Data:
    rows = []
    for i, w in enumerate(weeks_back(60)):
        visits = 1000 + 10 * i
        rows += [("visits", w, "", visits), ("visits", w, "paid", visits * 0.4)]
        rows += [("visits", w, "organic", visits * 0.6), ("signups", w, "", 40 + i * 0.5)]
        rows += [("plan", w, "", 1000.0 + i), ("mrr", w, "", 1005.0 + i)]
        if w != W:
            rows.append(("late", w, "", 5.0))
    for w, value in zip(weeks_back(len(churn or [])), churn or [], strict=True):
        rows.append(("churn", w, "", value))
    with Store(db) as store:
        store.upsert_snapshots(rows)
        return review.load(cfg, store)


def test_values_and_comparisons(cfg, db: Path) -> None:
    data = make_data(cfg, db)
    r = review.build(cfg, data)
    assert r.week == W and r.label == "2026-W47" and r.span == "16–22 Nov 2026"
    visits = r.kpi("visits")
    assert (visits.value, visits.previous) == (1590, 1580)
    assert visits.year_ago == 1590 - 520  # 52 weeks earlier
    assert visits.wow.abs == 10 and visits.wow.rel == pytest.approx(10 / 1580)
    assert visits.yoy.rel == pytest.approx(1590 / 1070 - 1)
    assert [p.week for p in visits.history] == weeks_back(8)


def test_derived_kpi_is_recomputed_and_has_drivers(cfg, db: Path) -> None:
    r = review.build(cfg, make_data(cfg, db))
    conv = r.kpi("conv")
    assert conv.value == pytest.approx((40 + 59 * 0.5) / 1590)
    assert conv.formula == "signups / visits"
    assert [d.id for d in conv.drivers] == ["signups", "visits"]
    assert conv.drivers[1].value == 1590


def test_derived_division_by_zero_gives_null_with_reason(cfg, db: Path) -> None:
    with Store(db) as store:
        store.upsert_snapshots([("signups", W, "", 5.0), ("visits", W, "", 0.0)])
        data = review.load(cfg, store)
    conv = review.build(cfg, data, W).kpi("conv")
    assert conv.value is None and conv.reason == "division by zero"


def test_months_recompute_derived_from_rolled_up_inputs(cfg, db: Path) -> None:
    r = review.build(cfg, make_data(cfg, db))
    conv = r.kpi("conv")
    october = next(m for m in conv.months if m.month == date(2026, 10, 1))
    thursday = timedelta(days=3)  # a week belongs to the month holding most of its days
    data_weeks = [w for w in weeks_back(60) if (w + thursday).replace(day=1) == date(2026, 10, 1)]
    assert len(data_weeks) == 5
    index = {w: i for i, w in enumerate(weeks_back(60))}
    signups = sum(40 + index[w] * 0.5 for w in data_weeks)
    visits = sum(1000 + 10 * index[w] for w in data_weeks)
    assert october.value == pytest.approx(signups / visits)  # not the mean of weekly ratios
    assert len(conv.months) == 12 and conv.months[-1].month == date(2026, 11, 1)
    assert not conv.months[-1].complete  # November still has a week to go after W47


def test_segments_with_share(cfg, db: Path) -> None:
    visits = review.build(cfg, make_data(cfg, db)).kpi("visits")
    assert [s.name for s in visits.segments] == ["paid", "organic"]
    assert visits.segments[0].share == pytest.approx(0.4)
    assert visits.segments[1].wow.abs == pytest.approx(6.0)


def test_target_from_another_metrics_series(cfg, db: Path) -> None:
    mrr = review.build(cfg, make_data(cfg, db)).kpi("mrr")
    assert mrr.target.metric == "plan" and mrr.target.value == 1059
    assert mrr.target.status == "met"


def test_paced_target_uses_value_in_week_of_from(cfg, db: Path) -> None:
    conv = review.build(cfg, make_data(cfg, db)).kpi("conv")
    t = conv.target
    start_week = date(2026, 9, 28)  # the week containing 2026-10-01
    i = weeks_back(60).index(start_week)
    assert t.baseline == pytest.approx((40 + 0.5 * i) / (1000 + 10 * i))
    elapsed = (date(2026, 11, 22) - date(2026, 10, 1)).days / (
        date(2027, 3, 31) - date(2026, 10, 1)
    ).days
    assert t.elapsed == pytest.approx(elapsed)
    assert t.expected == pytest.approx(t.baseline + (0.05 - t.baseline) * elapsed)


def test_missing_flag_when_last_week_had_a_value(cfg, db: Path) -> None:
    r = review.build(cfg, make_data(cfg, db))
    late = r.kpi("late")
    assert late.missing and late.value is None
    assert [f.rule for f in late.flags] == ["missing"]
    assert "Late metric has no value for this week" in late.flags[0].message
    assert r.counts.missing == 1


def test_outside_limits_flag_sentence_and_counts(cfg, db: Path) -> None:
    base = [0.016, 0.017, 0.015, 0.016, 0.018, 0.016, 0.015, 0.017, 0.016, 0.017] * 2
    r = review.build(cfg, make_data(cfg, db, churn=base + [0.031]))
    churn = r.kpi("churn")
    centre = statistics.fmean(base)
    mr = statistics.fmean(abs(b - a) for a, b in zip(base, base[1:], strict=False))
    assert churn.limits.centre == pytest.approx(centre)
    assert churn.limits.upper == pytest.approx(centre + 2.66 * mr)
    assert churn.limits.weeks == 20
    outside = next(f for f in churn.flags if f.rule == "outside_limits")
    assert outside.tone == "bad"
    assert outside.message == (
        f"Churn 3.1% is above its upper natural limit {churn.limits.upper * 100:.1f}% "
        "(20-week baseline)"
    )
    target = next(f for f in churn.flags if f.rule == "target")
    assert target.message == "Churn 3.1% is above its target 2.0% (off track)"
    assert r.counts.bad >= 1 and r.counts.off_track >= 1


def test_no_limits_with_fewer_than_8_baseline_weeks(cfg, db: Path) -> None:
    churn = review.build(cfg, make_data(cfg, db, churn=[0.02] * 7 + [0.05])).kpi("churn")
    assert churn.limits is None
    assert not [f for f in churn.flags if f.rule != "target"]


def test_week_navigation(cfg, db: Path) -> None:
    data = make_data(cfg, db)
    r = review.build(cfg, data, W - WEEK)
    assert r.next_week == W and r.previous_week == W - 2 * WEEK
    assert review.build(cfg, data, W).next_week is None


MONEY = st.floats(-1e6, 1e6).filter(lambda x: x == 0 or abs(x) > 1e-6)


@given(MONEY, MONEY)
def test_abs_and_rel_agree(value: float, other: float) -> None:
    c = change(value, other)
    assert c.abs == pytest.approx(value - other)
    if other == 0:
        assert c.rel is None
    else:
        assert c.abs == pytest.approx(abs(other) * c.rel, rel=1e-9, abs=1e-9)


@given(st.floats(allow_nan=False), st.floats(allow_nan=False))
def test_rel_is_never_infinite(value: float, other: float) -> None:
    rel = change(value, other).rel
    assert rel is None or math.isfinite(rel)


def test_change_with_missing_values() -> None:
    assert change(None, 3.0) == change(3.0, None) == review.Change(None, None)


# --- the real WBR export ----------------------------------------------------------------------


def daily_by_week(path: Path) -> dict[str, dict[date, list[float]]]:
    """Hand roll-up: Sunday weeks, complete weeks only, from the raw daily rows."""
    out: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(list))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            day = datetime.strptime(row["Date"], "%a, %d-%b-%Y").date()
            sunday = day - timedelta(days=(day.weekday() + 1) % 7)
            for column in ("Impressions", "Clicks"):
                cell = row[column].replace(",", "")
                if cell:
                    out[column][sunday].append(float(cell))
    return out


def test_wbr_weekly_comparisons_and_ctr_match_hand_computation(wbr_csv: Path, db: Path) -> None:
    assert run("import", wbr_csv, "--db", db, "--config", WBR_CONFIG).exit_code == 0
    cfg = config.load(WBR_CONFIG)
    with Store(db) as store:
        data = review.load(cfg, store)
    hand = daily_by_week(wbr_csv)
    week = date(2021, 9, 19)  # the last complete week of clicks
    r = review.build(cfg, data, week)
    clicks_w = sum(hand["Clicks"][week])
    clicks_prev = sum(hand["Clicks"][week - WEEK])
    clicks_ya = sum(hand["Clicks"][week - timedelta(days=364)])
    clicks = r.kpi("clicks")
    assert clicks.value == pytest.approx(clicks_w)
    assert clicks.wow.rel == pytest.approx(clicks_w / clicks_prev - 1)
    assert clicks.yoy.rel == pytest.approx(clicks_w / clicks_ya - 1)
    assert (week - timedelta(days=364)).weekday() == 6  # year-ago week also starts on Sunday
    impressions_w = sum(hand["Impressions"][week])
    ctr = r.kpi("ctr")
    assert ctr.value == pytest.approx(clicks_w / impressions_w)
    ctr_prev = clicks_prev / sum(hand["Impressions"][week - WEEK])
    assert ctr.wow.abs == pytest.approx(clicks_w / impressions_w - ctr_prev)
    # Monthly CTR is the month's clicks over the month's impressions.
    august = next(m for m in ctr.months if m.month == date(2021, 8, 1))
    aug_weeks = [w for w in hand["Clicks"] if (w + timedelta(days=3)).month == 8 and w.year == 2021]
    aug_clicks = sum(sum(hand["Clicks"][w]) for w in aug_weeks)
    aug_impr = sum(sum(hand["Impressions"][w]) for w in aug_weeks)
    assert august.value == pytest.approx(aug_clicks / aug_impr)
