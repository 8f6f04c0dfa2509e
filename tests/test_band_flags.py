"""The review's flags from the expected bands: a growing KPI inside its trend band, a seasonal
one, a divider's segment, a proposed divider (shown, in the JSON, accepted on the detail
screen), and the `signals:` options of the config."""

from __future__ import annotations

import json
import math
import random
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kpireview import config, export, review, signals
from kpireview.periods import week_label
from kpireview.store import Store
from tests.conftest import file_digest
from tests.tui_helpers import drive, wait_until

W = date(2026, 11, 16)  # 2026-W47
WEEK = timedelta(weeks=1)
SHIFT = date(2026, 10, 26)  # 2026-W44: churn's new level begins
CONFIG_TEXT = """\
review: {title: Bands, week_starts: monday, history_weeks: 8, baseline_weeks: 20}
pillars:
  - {id: revenue, label: Revenue}
metrics:
  - {id: churn, label: Churn, pillar: revenue, unit: percent, direction: down, rollup: mean}
  - {id: mrr, label: MRR, pillar: revenue, unit: currency, rollup: last}
  - {id: mrr_flat, label: MRR flat, pillar: revenue, unit: currency, rollup: last,
     signals: {method: flat}}
  - {id: mrr_off, label: MRR off, pillar: revenue, unit: currency, rollup: last,
     signals: {method: off}, target: {value: 200000, criterion: stay_above}}
  - {id: visits, label: Visits, pillar: revenue, unit: count}
"""


def weeks(n: int) -> list[date]:
    return [W - WEEK * k for k in range(n - 1, -1, -1)]


def growing(n: int = 80) -> list[float]:
    """1% a week with a little noise."""
    rng = random.Random(3)
    return [40_000 * 1.01**i * (1 + rng.gauss(0, 0.004)) for i in range(n)]


def seasonal(n: int = 170) -> list[float]:
    """A yearly wave of ±10%; the last week is at its peak."""
    rng = random.Random(4)
    return [
        10_000 * (1 + 0.10 * math.sin(2 * math.pi * i / 52)) * (1 + rng.gauss(0, 0.01))
        for i in range(n)
    ]


def shifted(n: int = 60) -> list[float]:
    """2.0% churn, up by 0.6 pt from 2026-W44 (the last four weeks)."""
    rng = random.Random(5)
    return [(0.020 if i < n - 4 else 0.026) + rng.gauss(0, 0.0008) for i in range(n)]


SERIES = {"churn": shifted(), "mrr": growing(), "mrr_flat": growing(), "mrr_off": growing()}
SERIES["visits"] = seasonal()


@pytest.fixture
def cfg_path(tmp_path: Path) -> Path:
    path = tmp_path / "kpis.yaml"
    path.write_text(CONFIG_TEXT)
    return path


@pytest.fixture
def cfg(cfg_path: Path) -> config.Config:
    return config.load(cfg_path)


@pytest.fixture
def bands_db(db: Path) -> Path:
    rows = [
        (mid, w, "", v)
        for mid, values in SERIES.items()
        for w, v in zip(weeks(len(values)), values, strict=True)
    ]
    with Store(db) as store:
        store.upsert_snapshots(rows)
    return db


def build(cfg: config.Config, db: Path, week: date = W) -> review.WeekReview:
    with Store.reader(db) as store:
        return review.build(cfg, review.load(cfg, store), week)


def spiked(db: Path, metric: str, factor: float) -> None:
    with Store(db) as store:
        store.upsert_snapshots([(metric, W, "", SERIES[metric][-1] * factor)])


# --- bands ------------------------------------------------------------------------------------


def test_a_growing_kpi_is_inside_its_trend_band_where_plain_xmr_flags_three(cfg, bands_db) -> None:
    r = build(cfg, bands_db)
    mrr = r.kpi("mrr")
    assert mrr.flags == () and mrr.limits is not None
    assert (mrr.limits.method, mrr.limits.explanation) == (
        "trend",
        "trend +1.0% a week over 79 weeks",  # every week before the reviewed one
    )
    assert mrr.limits.lower < mrr.value < mrr.limits.upper
    plain = {f.rule for f in r.kpi("mrr_flat").flags}
    assert {"outside_limits", "run_of_8", "near_limit"} <= plain


def test_flat_keeps_todays_xmr_numbers(cfg, bands_db) -> None:
    lim = build(cfg, bands_db).kpi("mrr_flat").limits
    xmr = signals.limits(SERIES["mrr_flat"][-21:-1])
    assert lim is not None and xmr is not None
    assert (lim.centre, lim.lower, lim.upper, lim.mr_bar, lim.weeks) == pytest.approx(
        (xmr.centre, xmr.lower, xmr.upper, xmr.mr_bar, 20)
    )
    assert (lim.method, lim.since) == ("flat", W - 20 * WEEK)


def test_off_gives_no_signal_flags_but_keeps_the_target(cfg, bands_db) -> None:
    off = build(cfg, bands_db).kpi("mrr_off")
    assert off.limits is None
    assert [f.rule for f in off.flags] == ["target"]


def test_a_trend_band_sentence_states_the_expected_value(cfg, bands_db) -> None:
    spiked(bands_db, "mrr", 1.2)
    mrr = build(cfg, bands_db).kpi("mrr")
    lead = mrr.lead
    assert lead is not None and lead.rule == "outside_limits" and lead.new
    value, line = (mrr.fmt(mrr.value), mrr.fmt(mrr.limits.upper))
    assert lead.message == (
        f"MRR {value} is above its expected band {line} (expected {mrr.fmt(mrr.limits.centre)}; "
        "trend +1.0% a week over 79 weeks)"
    )


def test_a_seasonal_peak_is_expected_and_a_spike_on_it_is_not(cfg, bands_db) -> None:
    visits = build(cfg, bands_db).kpi("visits")
    assert visits.limits is not None and visits.limits.method == "seasonal"
    assert visits.limits.explanation.startswith("seasonal: the same weeks of 3 earlier years")
    assert visits.flags == ()
    spiked(bands_db, "visits", 1.3)
    lead = build(cfg, bands_db).kpi("visits").lead
    assert lead is not None and lead.rule == "outside_limits"
    assert re.fullmatch(
        r"Visits [\d.]+k is above its expected band [\d.]+k \(expected [\d.]+k; seasonal: .*\)",
        lead.message,
    )


def test_the_detail_draws_a_trend_band_week_by_week(cfg, bands_db) -> None:
    with Store.reader(bands_db) as store:
        data = review.load(cfg, store)
    detail = review.detail(cfg, data, W, "mrr")
    assert len(detail.band) == 52 and detail.band[-1].centre == pytest.approx(
        review.build(cfg, data, W).kpi("mrr").limits.centre
    )
    shown = [p.upper for p in detail.band if p.upper is not None]
    assert len(shown) >= 20 and shown[-1] > shown[0] * 1.15  # the band grows with the trend
    assert review.detail(cfg, data, W, "mrr_flat").band == ()  # a flat band is drawn flat


# --- proposals and dividers ---------------------------------------------------------------------


def test_a_confirmed_shift_proposes_a_divider_as_the_lead(cfg, bands_db) -> None:
    churn = build(cfg, bands_db).kpi("churn")
    lead = churn.lead
    assert lead is not None and churn.flags[0] is lead
    assert (lead.rule, lead.tone, lead.proposed, lead.since) == (
        "proposed_divider", "bad", SHIFT, SHIFT,
    )  # fmt: skip
    assert re.fullmatch(
        r"Churn moved to a new level from 2026-W44: 2\.\d% against 2\.0% before "
        r"\(proposed: press v on the detail screen to mark it\)",
        lead.message,
    )
    assert all(not f.lead for f in churn.flags[1:])
    doc = json.loads(export.to_json(build(cfg, bands_db)))
    flag = doc["pillars"][0]["kpis"][0]["flags"][0]
    assert (flag["rule"], flag["proposed"], flag["lead"]) == (
        "proposed_divider",
        "2026-10-26",
        True,
    )


def test_a_proposal_is_new_the_first_week_it_shows(cfg, bands_db) -> None:
    with Store.reader(bands_db) as store:
        data = review.load(cfg, store)
    leads = [review.build(cfg, data, w).kpi("churn").lead for w in (W - WEEK, W)]
    proposals = [lead for lead in leads if lead and lead.rule == "proposed_divider"]
    assert proposals and proposals[0].new
    assert all(not p.new for p in proposals[1:])


def test_accepted_the_proposal_becomes_a_settling_new_level(cfg, bands_db) -> None:
    with Store(bands_db) as store:
        store.add_divider("churn", SHIFT, "pricing change", "ana")
    churn = build(cfg, bands_db).kpi("churn")
    assert churn.limits is None
    (flag,) = churn.flags
    assert flag.rule == "divider" and flag.lead and flag.proposed is None
    assert flag.message.startswith("Churn moved to a new level from 2026-W44: ")
    assert flag.message.endswith("(settling: 3 of 8 weeks)")


def test_limits_after_a_divider_come_from_its_segment(cfg, bands_db) -> None:
    divider = W - 12 * WEEK
    with Store(bands_db) as store:
        store.add_divider("mrr_flat", divider, "new plan", "ana")
    lim = build(cfg, bands_db).kpi("mrr_flat").limits
    xmr = signals.limits(SERIES["mrr_flat"][-13:-1])
    assert lim is not None and xmr is not None
    assert (lim.since, lim.weeks) == (divider, 12)
    assert lim.centre == pytest.approx(xmr.centre) and lim.upper == pytest.approx(xmr.upper)


def test_v_on_a_proposal_marks_the_divider_where_the_shift_began(
    cfg, bands_db, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpireview.tui.app import ReviewApp

    monkeypatch.setenv("KPIREVIEW_USER", "alice")
    app = ReviewApp(cfg, bands_db, today=W + WEEK)

    async def script(pilot: Pilot) -> None:
        assert app.review is not None and app.review.kpi("churn").lead.rule == "proposed_divider"
        await pilot.press("enter")  # churn, the first row
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DetailScreen")
        await pilot.press("v")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DividerForm")
        title = app.screen.query_one("#divider-title").render()
        assert "Process change · Churn · from 2026-W44" in str(title)
        await pilot.press(*"pricing", "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DetailScreen")
        await wait_until(pilot, lambda: app.review.kpi("churn").lead.rule == "divider")

    drive(app, (100, 30), script)
    with Store(bands_db) as store:
        (d,) = store.dividers()
    assert (d.metric, d.week, d.reason, d.author) == ("churn", SHIFT, "pricing", "alice")


# --- the signals: key -------------------------------------------------------------------------


def test_baseline_weeks_and_lock_are_honoured(tmp_path: Path, bands_db: Path) -> None:
    path = tmp_path / "opts.yaml"
    path.write_text(
        CONFIG_TEXT.replace(
            "signals: {method: flat}}",
            "signals: {method: flat, baseline_weeks: 12}}",
        ).replace(
            "  - {id: visits, label: Visits, pillar: revenue, unit: count}",
            "  - {id: visits, label: Visits, pillar: revenue, unit: count,\n"
            "     signals: {method: flat, lock: [2025-W40, 2025-W49]}}",
        )
    )
    r = build(config.load(path), bands_db)
    assert r.kpi("mrr_flat").limits.weeks == 12
    locked = r.kpi("visits").limits
    assert locked is not None and locked.locked and locked.weeks == 10
    assert locked.since == date(2025, 9, 29) and locked.explanation.endswith("limits locked")


@pytest.mark.parametrize(
    ("signals_text", "line", "message"),
    [
        ("{method: linear}", 6, "metrics[0].signals.method: unknown method 'linear' (one of auto"),
        ("{baseline_weeks: 5}", 6, "metrics[0].signals.baseline_weeks: must be between 8 and 520"),
        ("{baseline_weeks: ten}", 6, "signals.baseline_weeks: expected a whole number, got text"),
        ("{baseline_weeks: 12.5}", 6, "signals.baseline_weeks: expected a whole number"),
        ("{lock: 2025-W01}", 6, "metrics[0].signals.lock: expected [FIRST_WEEK, LAST_WEEK]"),
        ("{lock: [2025-W01]}", 6, "metrics[0].signals.lock: expected [FIRST_WEEK, LAST_WEEK]"),
        ("{lock: [2025-W20, 2025-W01]}", 6, "signals.lock: the first week 2025-W20 is after"),
        ("{lock: [2025-W01, 2025-W03]}", 6, "signals.lock: 3 weeks; locked limits need at least 8"),
        ("{lock: [2025-W01, soon]}", 6, "metrics[0].signals.lock[1]:"),
        ("{every: 2}", 6, "metrics[0].signals.every: unknown key (known: baseline_weeks, lock"),
        ("weekly", 6, "metrics[0].signals: expected a mapping, got text 'weekly'"),
    ],
)
def test_bad_signals_keys_are_one_line_naming_file_line_and_field(
    tmp_path: Path, bands_db: Path, signals_text: str, line: int, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        CONFIG_TEXT.replace("direction: down, rollup: mean}", f"direction: down, rollup: mean,\n"
                            f"     signals: {signals_text}}}")
    )  # fmt: skip
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    said = str(err.value)
    assert said.startswith(f"{path}:{line}: ") and message in said and "\n" not in said
    result = cli("check", "--db", bands_db, "--config", path)
    assert result.exit_code == 2 and result.stderr == f"kpireview: error: {said}\n"


def cli(*args: object):
    from tests.conftest import run

    return run(*args)


@pytest.mark.parametrize("command", [("check",), ("export", "-o", "notes.md"), ("summary",)])
def test_a_lock_outside_the_data_is_one_line_and_writes_nothing(
    tmp_path: Path, bands_db: Path, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "lock.yaml"
    path.write_text(
        CONFIG_TEXT.replace(
            "  - {id: visits, label: Visits, pillar: revenue, unit: count}",
            "  - {id: visits, label: Visits, pillar: revenue, unit: count,\n"
            "     signals: {lock: [2026-W40, 2027-W10]}}",
        )
    )
    before = file_digest(bands_db)
    result = cli(*command, "--db", bands_db, "--config", path)
    assert result.exit_code == 2
    first = week_label(weeks(len(SERIES["visits"]))[0])
    assert result.stderr == (
        f"kpireview: error: {path}:12: metrics[4].signals.lock: 2026-W40 to 2027-W10 is outside "
        f"visits's data ({first} to 2026-W47)\n"
    )
    assert not (tmp_path / "notes.md").exists() and file_digest(bands_db) == before


def test_off_parses_bare_and_quoted(tmp_path: Path) -> None:
    for text in ("off", '"off"', "OFF"):
        path = tmp_path / "off.yaml"
        path.write_text(
            CONFIG_TEXT.replace("signals: {method: off}", f"signals: {{method: {text}}}")
        )
        assert config.load(path).metric("mrr_off").signals.method == "off"
