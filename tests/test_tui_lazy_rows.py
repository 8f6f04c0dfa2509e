"""The dashboard draws only the rows on screen: a row's sparkline is drawn when the row comes
into view, not before (start-up with hundreds of KPIs draws one screen, not every row)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from kpireview import config
from kpireview.tui import charts
from kpireview.tui.widgets.rows import PillarPane
from tests.conftest import CONFIG, run
from tests.test_startup_bench import bench
from tests.test_trust_tui import screen_text
from tests.tui_helpers import TODAY, drive

SIZE = (80, 24)


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """60 KPIs: far more rows than a screen holds."""
    db = tmp_path_factory.mktemp("many") / "many.db"
    result = run("sample", "-o", db, "--metrics", "60", "--weeks", "80", "--config", CONFIG)
    assert result.exit_code == 0, result.output
    return db, db.with_suffix(".yaml")


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """The values of every sparkline asked for (cached or not)."""
    calls: list[tuple] = []
    real = charts.sparkline

    def spy(values: tuple, width: int, height: int = 1) -> tuple[str, ...]:
        calls.append(values)
        return real(values, width, height)

    monkeypatch.setattr(charts, "sparkline", spy)
    return calls


def new_app(paths: tuple[Path, Path]):
    from kpireview.tui.app import ReviewApp

    db, cfg = paths
    return ReviewApp(config.load(cfg), db, today=TODAY)


def history(app, metric_id: str) -> tuple:
    kpi = next(k for k in app.review.kpis if k.id == metric_id)
    return tuple(p.value for p in kpi.history)


def test_only_the_rows_on_screen_get_a_sparkline(many: tuple[Path, Path], drawn: list) -> None:
    app = new_app(many)
    labels = {m.label for m in app.config.metrics}

    async def script(pilot: Pilot) -> None:
        panes = [p for p in app.screen.query(PillarPane) if p.metrics]
        in_view = {p.metrics[i].id for p in panes for i in p.rows_in_view()}
        every = {m.id for p in panes for m in p.metrics}
        assert 10 < len(in_view) < len(every) / 2
        drawn_ids = {m for m in every if history(app, m) in drawn}
        assert drawn_ids == in_view
        assert bench.dashboard_ready(screen_text(app).splitlines(), labels)

    drive(app, SIZE, script)


def test_a_row_scrolled_into_view_gets_its_sparkline(many: tuple[Path, Path], drawn: list) -> None:
    app = new_app(many)
    labels = {m.label for m in app.config.metrics}

    async def script(pilot: Pilot) -> None:
        last = [p for p in app.screen.query(PillarPane) if p.metrics][-1]
        metric = last.metrics[-1]
        assert history(app, metric.id) not in drawn
        assert metric.label not in screen_text(app)
        last.focus()
        last.move_to(len(last.metrics) - 1)
        await pilot.pause()
        await pilot.pause()
        assert history(app, metric.id) in drawn
        shown = screen_text(app).splitlines()
        row = next(line for line in shown if metric.label in line)
        assert bench.BRAILLE.search(row)
        assert bench.dashboard_ready(shown, labels)

    drive(app, SIZE, script)
