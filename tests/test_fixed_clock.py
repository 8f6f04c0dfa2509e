"""KPIREVIEW_NOW fixes the clock the commands read: stored time stamps and the day due dates
and overdue are judged by (for reproducible examples, such as the README's)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CONFIG, run

NOW = "2026-11-24T09:00:00+00:00"


def test_time_stamps_and_overdue_follow_the_fixed_clock(
    sample_db: Path, tmp_path: Path, monkeypatch
) -> None:
    db = tmp_path / "team.db"
    db.write_bytes(sample_db.read_bytes())
    monkeypatch.setenv("KPIREVIEW_NOW", NOW)
    monkeypatch.setenv("KPIREVIEW_USER", "maria")
    args = ("--db", db, "--config", CONFIG)
    assert (
        run("divide", "churn_rate", "--week", "2026-W44", "--reason", "pricing", *args).exit_code
        == 0
    )
    listed = run("dividers", "--format", "json", *args).output
    assert '"created_at": "2026-11-24T09:00:00+00:00"' in listed
    # Decision 5 of the sample is due 2026-11-20: overdue on the 24th, not on the 19th.
    assert "overdue" in run("decisions", "--open", *args).output
    monkeypatch.setenv("KPIREVIEW_NOW", "2026-11-19T09:00:00+00:00")
    assert "overdue" not in run("decisions", "--open", *args).output
    saved = run("decide", "mrr", "--note", "x", "--due", "+7d", *args)
    assert saved.exit_code == 0, saved.output
    assert "2026-11-26" in run("decisions", "--metric", "mrr", *args).output


def test_a_bad_fixed_clock_is_one_line(sample_db: Path, monkeypatch) -> None:
    monkeypatch.setenv("KPIREVIEW_NOW", "tuesday")
    result = run("decisions", "--db", sample_db, "--config", CONFIG)
    assert result.exit_code == 2
    assert (
        result.output == "kpireview: error: KPIREVIEW_NOW: 'tuesday' is not an ISO date and time\n"
    )


def test_the_review_session_and_the_app_judge_overdue_by_the_fixed_clock(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from kpireview import config
    from kpireview.session import ReviewSession
    from kpireview.tui.app import ReviewApp
    from tests.conftest import CONFIG

    monkeypatch.setenv("KPIREVIEW_NOW", "2031-02-03T10:00:00+00:00")
    cfg = config.load(CONFIG)
    assert ReviewSession(cfg, CONFIG).today() == date(2031, 2, 3)
    assert ReviewApp(cfg, CONFIG).today == date(2031, 2, 3)
