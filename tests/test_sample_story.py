"""The sample tells its story: on its latest week few KPIs are flagged, and every event the
generator planted in the last 12 weeks is among them; the WBR export is mostly quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpireview import config, review
from kpireview.sample_series import DIVIDERS, STORY
from kpireview.store import Store
from tests.conftest import CONFIG, WBR_CONFIG, run

MOST_FLAGGED = 11  # KPIs flagged on the sample's latest week (of 29)
MOST_UNPLANTED = 1  # of them, flagged with no planted event behind them
WBR_SHARE = 0.15  # flagged KPI-weeks in the WBR export's second year


@pytest.fixture(scope="module")
def latest(sample_db: Path) -> review.WeekReview:
    cfg = config.load(CONFIG)
    with Store(sample_db, read_only=True) as store:
        return review.build(cfg, review.load(cfg, store))


def test_few_kpis_are_flagged_on_the_latest_week(latest: review.WeekReview) -> None:
    flagged = [k.id for k in latest.kpis if k.flags]
    assert latest.counts.flagged == len(flagged)
    assert 0 < len(flagged) <= MOST_FLAGGED, flagged
    planted = {m for moved in STORY.values() for m in moved}
    assert len(set(flagged) - planted) <= MOST_UNPLANTED, flagged


@pytest.mark.parametrize("event", sorted(STORY))
def test_every_planted_event_is_flagged(latest: review.WeekReview, event: str) -> None:
    """Each event of the last 12 weeks flags at least one of the KPIs it moves, with a signal
    (not only a target miss)."""
    moved = STORY[event]
    signalled = [k.id for k in latest.kpis if k.id in moved and k.lead and k.lead.rule != "target"]
    assert signalled, f"{event}: none of {moved} is flagged"


def test_the_marked_onboarding_change_is_quiet_by_now(latest: review.WeekReview) -> None:
    """The KPIs the team marked a process change on are judged on their new level: not flagged
    by a signal, their limits from the weeks after the divider."""
    for metric, _weeks_back, _reason, _author in DIVIDERS:
        kpi = latest.kpi(metric)
        assert not [f for f in kpi.flags if f.rule != "target"], (metric, kpi.flags)
        assert kpi.dividers and kpi.limits is not None
        assert kpi.limits.since is not None and kpi.limits.since >= kpi.dividers[-1].week


def test_wbr_second_year_is_mostly_quiet(wbr_csv: Path, tmp_path: Path) -> None:
    db = tmp_path / "wbr.db"
    result = run("import", wbr_csv, "--db", db, "--config", WBR_CONFIG)
    assert result.exit_code == 0, result.output
    cfg = config.load(WBR_CONFIG)
    with Store(db, read_only=True) as store:
        data = review.load(cfg, store)
    first = min(w for m in cfg.metrics for w in data.get(m.id))
    last = max(w for m in cfg.metrics for w in data.get(m.id))
    weeks = [w for w in sorted({w for m in cfg.metrics for w in data.get(m.id)})
             if (w - first).days >= 364 and w <= last]  # fmt: skip
    assert len(weeks) >= 40
    flagged = total = 0
    for week in weeks:
        r = review.build(cfg, data, week)
        signalled = [k for k in r.kpis if k.value is not None]
        total += len(signalled)
        flagged += sum(1 for k in signalled if any(f.rule != "target" for f in k.flags))
    assert total > 0
    assert flagged / total <= WBR_SHARE, f"{flagged} of {total} KPI-weeks flagged"
