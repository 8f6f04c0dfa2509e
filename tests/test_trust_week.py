"""The default week is the latest complete one; a partial week says so; an empty database
says how to import."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from kpireview import config, export, review
from kpireview.store import Store
from tests.conftest import CONFIG, run
from tests.tui_helpers import TODAY, wait_until

W47, W48 = date(2026, 11, 16), date(2026, 11, 23)


@pytest.fixture
def db(tmp_path: Path, sample_db: Path) -> Path:
    path = tmp_path / "kpi.db"
    shutil.copyfile(sample_db, path)
    return path


def _add(db: Path, rows: list[tuple[str, date, str, float]]) -> None:
    with Store(db) as store:
        store.upsert_snapshots(rows, source="early.csv")


def _review(db: Path, week: date | None = None) -> review.WeekReview:
    cfg = config.load(CONFIG)
    with Store.reader(db) as store:
        return review.build(cfg, review.load(cfg, store), week)


def test_a_week_of_segment_rows_only_is_not_the_default(db: Path) -> None:
    _add(db, [("traffic", W48, "paid", 100.0), ("traffic", W48, "organic", 50.0)])
    assert _review(db).week == W47
    result = run("summary", "--db", db, "--config", CONFIG)
    assert result.exit_code == 0 and "2026-W47" in result.output.splitlines()[0]


def test_a_week_with_a_few_kpis_is_not_the_default_and_says_partial(db: Path) -> None:
    _add(db, [(m, W48, "", 1.0) for m in ("traffic", "signups", "mrr", "cac", "nps")])
    model = _review(db)
    assert model.week == W47 and model.partial == ""
    assert model.next_week == W48  # still reachable
    shown = _review(db, W48)
    assert shown.partial == "partial: 5 of 26 KPIs have a value"
    text = export.summary_text(shown)
    assert "partial: 5 of 26 KPIs have a value" in text.splitlines()[1]
    notes = run("export", "--week", "2026-W48", "--db", db, "--config", CONFIG).output
    assert "partial: 5 of 26 KPIs have a value" in notes
    doc = run("export", "--format", "json", "--week", "2026-W48", "--db", db, "--config", CONFIG)
    assert json.loads(doc.output)["partial"] == "partial: 5 of 26 KPIs have a value"
    summary = run("summary", "--db", db, "--config", CONFIG).output
    assert summary.splitlines()[0].split(" · ")[1] == "2026-W47" and "partial" not in summary


def test_the_tui_opens_on_the_complete_week_and_marks_a_partial_one(db: Path) -> None:
    from kpireview.tui.app import ReviewApp

    _add(db, [(m, W48, "", 1.0) for m in ("traffic", "signups", "mrr", "cac", "nps")])
    app = ReviewApp(config.load(CONFIG), db, today=TODAY)

    async def main() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: app.review is not None)
            assert app.review.week == W47
            await pilot.press("right_square_bracket")
            await wait_until(pilot, lambda: app.review.week == W48)
            header = app.screen.query_one("#header").render().plain
            assert "partial: 5 of 26 KPIs have a value" in header

    asyncio.run(main())


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.db"
    assert run("init", "--db", path, "--config", CONFIG).exit_code == 0
    return path


@pytest.mark.parametrize("command", ["summary", "export"])
def test_summary_and_export_on_an_empty_database(empty: Path, command: str) -> None:
    result = run(command, "--db", empty, "--config", CONFIG)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "kpireview import" in result.stderr
    assert result.output == result.stderr


def test_the_tui_on_an_empty_database_says_how_to_import(empty: Path) -> None:
    from kpireview.tui.app import ReviewApp
    from tests.test_trust_tui import screen_text

    app = ReviewApp(config.load(CONFIG), empty, today=TODAY)

    async def main() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: "kpireview import" in screen_text(app))
            assert "Loading" not in screen_text(app)
            assert app.is_running

    asyncio.run(main())


def test_decide_without_a_week_uses_the_week_the_review_shows(db: Path) -> None:
    """`kpireview decide` with no --week records against the week `kpireview` opens on, not
    a partial week holding a few early rows."""
    _add(db, [(m, W48, "", 1.0) for m in ("traffic", "signups")])
    result = run("decide", "mrr", "--note", "MRR up", "--db", db, "--config", CONFIG)
    assert result.exit_code == 0, result.output
    assert "for 2026-W47" in result.output
    with Store.reader(db) as store:
        assert [d.week for d in store.decisions(metric="mrr") if d.note == "MRR up"] == [W47]
