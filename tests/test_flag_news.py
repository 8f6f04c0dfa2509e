"""Flags that are news: one lead per KPI, since / new over consecutive weeks, the counts, the
digits of a sentence, and what the summary, the notes and the detail say."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from kpireview import config, export, news, review, units
from kpireview.records import Decision
from tests.conftest import CONFIG
from tests.test_review import CONFIG_TEXT, WEEK, W, make_data

BASE = [0.016, 0.017, 0.015, 0.016, 0.018, 0.016, 0.015, 0.017, 0.016, 0.017] * 2
"""20 quiet weeks of churn: centre 0.0163, upper limit 0.0201, halfway line 0.0182."""


FLAT = "direction: down, rollup: mean, signals: {method: flat},"
"""Churn's band held flat: the hand-worked XmR numbers below."""


@pytest.fixture
def cfg(tmp_path: Path) -> config.Config:
    path = tmp_path / "kpis.yaml"
    path.write_text(CONFIG_TEXT.replace("direction: down, rollup: mean,", FLAT))
    return config.load(path)


def _churn(cfg_: config.Config, db: Path, values: list[float], week: date = W) -> review.Kpi:
    return review.build(cfg_, make_data(cfg_, db, churn=values), week).kpi("churn")


def _flag(kpi: review.Kpi, rule: str) -> review.Flag:
    return next(f for f in kpi.flags if f.rule == rule)


# --- the lead ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "lead"),
    [
        (["near_limit", "run_of_8", "outside_limits"], "outside_limits"),
        (["near_limit", "run_of_8"], "run_of_8"),
        (["near_limit"], "near_limit"),
        (["target"], None),
        (["missing"], None),
        ([], None),
    ],
)
def test_lead_rule_ranks_limits_over_runs_over_near(rules: list[str], lead: str | None) -> None:
    assert news.lead_rule(rules) == lead


def test_a_week_beyond_the_limits_leads_over_near_and_the_target_is_its_own_line(
    cfg, db: Path
) -> None:
    churn = _churn(cfg, db, BASE + [0.031, 0.032, 0.033])
    assert [f.rule for f in churn.flags] == ["outside_limits", "near_limit", "target"]
    assert [f.lead for f in churn.flags] == [True, False, False]
    assert churn.lead is _flag(churn, "outside_limits")
    assert [f.rule for f in churn.headline] == ["outside_limits", "target"]


def test_a_run_leads_over_near_and_keeps_its_since_when_near_joins(cfg, db: Path) -> None:
    # 8 weeks a little above the centre (a run from W-4), then 3 weeks beyond the halfway line
    churn = _churn(cfg, db, BASE + [0.0175] * 8 + [0.0181, 0.0182, 0.0183])
    run, near = _flag(churn, "run_of_8"), _flag(churn, "near_limit")
    assert (run.lead, run.since, run.new) == (True, W - 4 * WEEK, False)
    assert (near.lead, near.since, near.new) == (False, W, True)


def test_a_missing_value_is_its_own_lead_and_new(cfg, db: Path) -> None:
    late = review.build(cfg, make_data(cfg, db)).kpi("late")
    (flag,) = late.flags
    assert (flag.rule, flag.lead, flag.since, flag.new) == ("missing", True, W, True)


# --- since and new over consecutive weeks ------------------------------------------------


def test_since_is_the_first_week_of_the_stretch_in_every_week_of_it(cfg, db: Path) -> None:
    data = make_data(cfg, db, churn=BASE + [0.031, 0.032, 0.033])
    for week, new in ((W - 2 * WEEK, True), (W - WEEK, False), (W, False)):
        flag = _flag(review.build(cfg, data, week).kpi("churn"), "outside_limits")
        assert (flag.since, flag.new) == (W - 2 * WEEK, new), week


def test_a_week_without_the_signal_starts_a_new_stretch(cfg, db: Path) -> None:
    churn = _churn(cfg, db, BASE + [0.031, 0.016, 0.031])
    assert [f.rule for f in churn.flags if f.rule != "target"] == ["outside_limits"]
    flag = _flag(churn, "outside_limits")
    assert (flag.since, flag.new) == (W, True)


def test_a_week_with_no_value_ends_the_stretch(cfg, db: Path) -> None:
    data = make_data(cfg, db, churn=BASE + [0.031, 0.032, 0.033])
    del data.series[("churn", "")][W - WEEK]  # the middle week of the stretch is missing
    flag = _flag(review.build(cfg, data, W).kpi("churn"), "outside_limits")
    assert (flag.since, flag.new) == (W, True)


def test_since_looks_back_at_most_52_weeks(cfg, db: Path) -> None:
    growth = [0.01 + 0.0001 * i for i in range(100)]  # beyond the upper limit for 80 weeks
    flag = _flag(_churn(cfg, db, growth), "outside_limits")
    assert flag.since == W - (news.SINCE_WEEKS - 1) * WEEK and not flag.new


def test_counts_new_and_continuing_by_the_lead(cfg, db: Path) -> None:
    data = make_data(cfg, db, churn=BASE + [0.0175] * 8 + [0.0181, 0.0182, 0.0183])
    r = review.build(cfg, data)
    leads = {k.id: k.lead.new for k in r.kpis if k.lead}
    assert leads["churn"] is False and leads["late"] is True  # the run is the lead, not near
    assert r.counts.new == sum(leads.values())
    assert r.counts.continuing == len(leads) - r.counts.new
    counted = f"· {r.counts.new} new · {r.counts.continuing} continuing ·"
    assert counted in export.header_lines(r)[1]


def test_a_continuing_signal_with_an_open_decision_is_handled(cfg, db: Path) -> None:
    data = make_data(cfg, db, churn=BASE + [0.031, 0.032, 0.033])

    def decision(week: date, metric: str, status: str = "open") -> Decision:
        return Decision(1, metric, week, "n", "", "", None, status, "", "", "", "")

    assert review.build(cfg, data).handled == frozenset()
    data.decisions = [decision(W - WEEK, "churn"), decision(W - WEEK, "late")]
    r = review.build(cfg, data)
    assert r.handled == {"churn"}  # late is new: not handled, though decided on
    data.decisions = [decision(W - WEEK, "churn", "done")]
    assert review.build(cfg, data).handled == frozenset()
    data.decisions = [decision(W - 2 * WEEK, "churn")]  # the signal's first week: new then
    assert review.build(cfg, data, W - 2 * WEEK).handled == frozenset()


# --- digits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "unit", "shown"),
    [
        (4.16, 4.1649, "score", ("4.160", "4.165")),
        (4.2, 4.0, "score", ("4.2", "4.0")),
        (4.2, 4.2, "score", ("4.2", "4.2")),
        (0.0451, 0.0449, "percent", ("4.51%", "4.49%")),
        (48_312.0, 48_349.0, "currency", ("$48.31k", "$48.35k")),
        (12.345, 12.349, "currency", ("$12.345", "$12.349")),
        (512.4, 512.3, "count", ("512.4", "512.3")),
        (1_204.0, 1_249.0, "count", ("1.20k", "1.25k")),
        (2.601, 2.604, "ratio", ("2.601×", "2.604×")),
        (2.21, 2.24, "days", ("2.21 d", "2.24 d")),
        (None, 4.2, "score", ("–", "4.2")),
    ],
)
def test_distinct_prints_two_different_values_apart(a, b, unit: str, shown) -> None:
    assert units.distinct(a, b, unit) == shown


def test_a_sentence_never_says_a_value_is_beyond_a_line_printed_the_same(cfg, db: Path) -> None:
    # 0.0183 and its halfway line 0.0180 both print as 1.8%
    churn = _churn(cfg, db, BASE + [0.0175] * 8 + [0.0181, 0.0182, 0.0183])
    near = _flag(churn, "near_limit")
    line = churn.limits.centre + 1.33 * churn.limits.mr_bar
    assert f"{line * 100:.1f}" == f"{0.0183 * 100:.1f}"
    assert near.message.startswith(f"Churn 1.83%: 3 of the last 4 weeks above {line * 100:.2f}%")


# --- what the renderings say ---------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_review(sample_db: Path) -> review.WeekReview:
    from kpireview.store import Store

    cfg_ = config.load(CONFIG)
    with Store(sample_db) as store:
        return review.build(cfg_, review.load(cfg_, store))


def test_summary_and_notes_say_one_lead_per_kpi_and_the_target_line(sample_review) -> None:
    r = sample_review
    churn = r.kpi("churn_rate")
    assert len(churn.flags) == 4
    assert [f.rule for f in churn.headline] == ["proposed_divider", "target"]
    assert not r.kpi("mrr").flags  # growing as planned: inside its trend band
    flags = export.summary_text(r).split("FLAGS\n")[1].split("\n\n")[0]
    assert flags.count("  - Churn ") == 2 and "Churn 2.7% is above its expected band" not in flags
    assert sum(line.startswith("  ") and line[2] in "+-" for line in flags.splitlines()) == sum(
        len(k.headline) for k in r.kpis
    )
    text = export.markdown(r)
    notes = text.split("## News this week\n")[1].split("\n## Acquisition")[0]
    assert notes.count("Churn moved to a new level from 2026-W44") == 1
    assert "Churn 2.7% is above its target 2.0% (off track)" in notes
    counted = f"{r.counts.flagged} of {r.counts.kpis} KPIs flagged, {r.counts.new} new this week"
    assert counted in text.split("\n\n")[1]


def test_csat_sentence_prints_its_value_and_line_apart(sample_review) -> None:
    csat = sample_review.kpi("csat").lead
    assert csat.message.startswith("CSAT 4.160: 3 of the last 4 weeks below 4.165")


def test_detail_shows_the_lead_first_then_the_others_as_also(sample_review) -> None:
    from kpireview.tui.screens.detail_text import _flags

    console = Console(width=250, record=True, color_system=None)
    console.print(_flags(sample_review.kpi("churn_rate")))
    lines = [line.strip() for line in console.export_text().splitlines() if line.strip()]
    assert lines[0].startswith("− Churn moved to a new level from 2026-W44")
    assert lines[1].startswith("− Churn 2.7% is above its target")
    assert lines[2] == "Also:"
    assert lines[3].startswith("· Churn 2.7% is above its expected band")
    assert len(lines) == 5
