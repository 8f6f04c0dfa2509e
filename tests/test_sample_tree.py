"""The sample's KPI tree: ARR = paying customers × seats per customer × price per seat × 12,
net new customers = new − churned, LTV:CAC; its series agree with one another, and since the
pricing change ARR holds while seats fall and price rises, which only the tree explains."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pytest

from kpireview import attribution, config, review
from kpireview.sample_series import PRICING_WEEKS, STORY
from kpireview.store import Store
from tests.conftest import CONFIG, run

DRIVERS = ("paying_customers", "seats_per_customer", "price_per_seat")


@pytest.fixture(scope="module")
def data(sample_db: Path) -> review.Data:
    with Store(sample_db, read_only=True) as store:
        return review.load(config.load(CONFIG), store)


@pytest.fixture(scope="module")
def latest(data: review.Data) -> review.WeekReview:
    return review.build(config.load(CONFIG), data)


def test_the_sample_config_has_the_example_company_s_tree() -> None:
    cfg = config.load(CONFIG)
    assert cfg.metric("arr").formula.inputs == DRIVERS
    assert cfg.metric("net_new_customers").formula.inputs == ("new_customers", "churned_customers")
    assert cfg.metric("ltv_cac").formula.inputs == ("ltv", "cac")


def test_paying_customers_change_by_new_minus_churned(data: review.Data) -> None:
    paying, new, churned = (data.get(m) for m in ("paying_customers", "new_customers",
                                                  "churned_customers"))  # fmt: skip
    churn, net = data.get("churn_rate"), data.get("net_new_customers")
    weeks = sorted(paying)
    assert len(weeks) == 156
    for before, week in zip(weeks, weeks[1:], strict=False):
        assert paying[week] == paying[before] + new[week] - churned[week], week
        assert net[week] == new[week] - churned[week]
        assert churned[week] == round(churn[week] * paying[before]), week


def test_arr_is_twelve_times_mrr_every_week(data: review.Data) -> None:
    arr, mrr = data.get("arr"), data.get("mrr")
    assert set(arr) == set(mrr)
    for week, value in mrr.items():
        assert arr[week] == pytest.approx(12 * value, rel=1e-7), week


def test_arr_holds_while_seats_fall_and_price_rises(
    data: review.Data, latest: review.WeekReview
) -> None:
    """From the week before the pricing change to the latest: ARR's change is small, the
    contributions of seats per customer and price per seat are large and opposite, and the
    contributions add up to the change exactly."""
    cfg = config.load(CONFIG)
    before = latest.week - timedelta(weeks=PRICING_WEEKS)
    found = attribution.split(
        cfg,
        cfg.metric("arr"),
        attribution.WeekValues(data.get, before),
        attribution.WeekValues(data.get, latest.week),
    )
    shares = {s.id: s.amount for s in found.shares}
    assert found.change is not None and set(shares) == set(DRIVERS)
    assert shares["seats_per_customer"] < 0 < shares["price_per_seat"]
    assert abs(found.change) < 0.03 * data.get("arr")[before]
    assert abs(found.change) < 0.25 * min(abs(shares["seats_per_customer"]),
                                          abs(shares["price_per_seat"]))  # fmt: skip
    assert math.fsum(shares.values()) == pytest.approx(found.change, rel=1e-9)
    text = attribution.sentence(
        "ARR", "currency", "$", found, {m.id: m.label for m in cfg.metrics}, "since W43"
    )
    assert "Price per seat +$" in text and "Seats per customer −$" in text


def test_the_review_flags_the_drivers_and_not_arr(latest: review.WeekReview) -> None:
    arr = latest.kpi("arr")
    assert not [f for f in arr.flags if f.rule != "target"], arr.flags
    for metric in ("seats_per_customer", "price_per_seat", "churned_customers"):
        kpi = latest.kpi(metric)
        assert kpi.lead is not None and kpi.lead.rule != "target", metric
        assert metric in STORY["pricing change"]
    assert latest.kpi("seats_per_customer").lead.tone == "bad"
    assert latest.kpi("price_per_seat").lead.tone == "good"


@pytest.mark.parametrize("period", ["wow", "yoy"])
def test_the_attribution_of_arr_adds_up_every_week(latest: review.WeekReview, period: str) -> None:
    found = getattr(latest.kpi("arr").attribution, period)
    assert found.total() == pytest.approx(found.change, rel=1e-9)
    assert [s.id for s in found.shares] == list(DRIVERS)


def test_kpireview_tree_arr_shows_each_driver_s_wow_and_yoy_share(
    sample_db: Path, latest: review.WeekReview
) -> None:
    result = run("tree", "arr", "--db", sample_db, "--config", CONFIG)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    assert lines[2].split()[-4:] == ["WoW", "share", "YoY", "share"]
    arr = latest.kpi("arr").attribution
    labels = {"paying_customers": "Paying customers", "seats_per_customer": "Seats per customer",
              "price_per_seat": "Price per seat"}  # fmt: skip
    rows = {m: next(line for line in lines if labels[m] in line) for m in DRIVERS}
    for wow, yoy in zip(arr.wow.shares, arr.yoy.shares, strict=True):
        shown = rows[wow.id].split()[-2:]
        assert shown == [attribution.signed(wow.amount, "currency"),
                         attribution.signed(yoy.amount, "currency")], rows[wow.id]  # fmt: skip
    assert rows["price_per_seat"].startswith("└─ ")


def test_the_tree_s_kpis_without_mrr_or_churn_get_plain_series(tmp_path: Path) -> None:
    """A config naming some of the tree's KPIs, but not MRR or churn, still gets a sample."""
    cfg = tmp_path / "kpis.yaml"
    cfg.write_text(
        "review: {title: T}\npillars:\n  - {id: revenue, label: Revenue}\nmetrics:\n"
        "  - {id: paying_customers, label: Paying, pillar: revenue, unit: count}\n"
        "  - {id: price_per_seat, label: Price, pillar: revenue, unit: currency}\n"
    )
    db = tmp_path / "s.db"
    result = run("sample", "-o", db, "--config", cfg, "--weeks", "8")
    assert result.exit_code == 0, result.output
    with Store(db, read_only=True) as store:
        ranges = {r.metric: r.count for r in store.metric_ranges()}
    assert ranges == {"paying_customers": 8, "price_per_seat": 8}
