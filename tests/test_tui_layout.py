"""The dashboard's layout at every width: sparklines of at least 20 cells, the 2×2 grid only
where each pane has that room, a pane's spare lines used, the value expected by now never cut,
and a mark on the KPIs with an open decision."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from kpireview.tui.widgets.rows import (
    DECIDED,
    FIXED,
    SPARK_MIN,
    PillarPane,
    _more,
    columns,
    min_width,
)
from kpireview.tui.widgets.text import target_text
from tests.tui_helpers import copy_db, drive, new_app

SIZES = [(80, 24), (100, 30), (120, 40), (140, 40), (150, 40), (160, 45), (200, 50), (240, 60)]
BRAILLE = range(0x2800, 0x2900)


@pytest.fixture
def db(sample: Path, tmp_path: Path) -> Path:
    return copy_db(sample, tmp_path)


def pane_lines(pane: PillarPane) -> list[str]:
    return [pane.render_line(y).text for y in range(len(pane.metrics) * pane.row_height)]


def spark_cells(line: str) -> int:
    return sum(ord(ch) in BRAILLE for ch in line)


def test_a_row_keeps_a_sparkline_of_20_cells_or_none() -> None:
    for width in range(20, 300):
        cols = columns(width)
        assert cols.spark == 0 or cols.spark >= SPARK_MIN, width
        assert (cols.spark >= SPARK_MIN) == (width >= min_width()), width
        assert cols.label + 1 + cols.spark + FIXED <= width or cols.spark == 0


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_row_on_screen_has_a_sparkline_of_20_cells(db: Path, size) -> None:
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        wide = screen.has_class("-wide")
        panes = [p for p in screen.query(PillarPane) if p.metrics]
        for pane in panes:
            width = pane.content_region.width
            assert width >= min_width()  # the grid only when each pane has room
            spark = columns(width, pane.spark_max).spark
            assert spark >= SPARK_MIN
            lines = pane_lines(pane)
            for first in range(0, len(lines), pane.row_height):
                drawn = [
                    line[width - 1 - spark : width - 1] for line in lines[first:][: pane.row_height]
                ]
                assert any(spark_cells(part) for part in drawn), (size, lines[first])
                assert all(len(part) == spark for part in drawn)
        assert wide == (size[0] // 2 - 2 >= min_width())  # 2×2 only from 144 columns here

    drive(app, size, script)


@pytest.mark.parametrize("size", [(160, 45), (200, 60), (150, 50)])
def test_a_grid_pane_with_room_shows_two_lines_per_kpi(db: Path, size) -> None:
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        assert app.screen.has_class("-wide")
        for pane in app.screen.query(PillarPane):
            inner = pane.content_region.height
            rows = len(pane.metrics)
            assert rows <= inner  # every KPI on screen
            assert pane.row_height == (2 if 2 * rows <= inner else 1), pane.pillar_id
        two = [p for p in app.screen.query(PillarPane) if p.row_height == 2]
        assert two  # the sample's panes do not all have the same count of KPIs
        line = pane_lines(two[0])[1]
        assert "YoY" in line  # the second line: YoY, target, signals

    drive(app, size, script)


def mrr(sample: Path):
    from kpireview import config
    from kpireview.session import ReviewSession
    from tests.conftest import CONFIG

    kpi = ReviewSession(config.load(CONFIG), sample).review(None).kpi("mrr")
    assert kpi.target is not None and kpi.target.expected is not None  # a paced target
    return kpi


def test_the_value_expected_by_now_is_never_cut(sample: Path) -> None:
    kpi = mrr(sample)
    expected = kpi.fmt(kpi.target.expected)
    shortest = len(f"target {target_text(kpi, 'short')}")
    for room in range(shortest, 120):
        text = _more(kpi, room)
        assert len(text) <= room, (room, text)
        assert expected in text, (room, text)
    wide = _more(kpi, 200)
    assert f"by {kpi.target.by.day} {kpi.target.by:%b %Y}" in wide  # the date whole
    assert f"({expected} expected now)" in wide


def test_the_shorter_target_forms_keep_every_value(sample: Path) -> None:
    kpi = mrr(sample)
    long, month, short = (target_text(kpi, form) for form in ("long", "month", "short"))
    assert len(long) > len(month) > len(short)
    for text in (long, month, short):
        assert kpi.fmt(kpi.target.value) in text and kpi.fmt(kpi.target.expected) in text


def test_a_kpi_with_an_open_decision_is_marked_until_it_is_done(db: Path) -> None:
    app = new_app(db)

    def row_of(label: str) -> str:
        for pane in app.screen.query(PillarPane):
            for line in pane_lines(pane):
                if label in line:
                    return line
        raise AssertionError(label)

    async def script(pilot: Pilot) -> None:
        assert DECIDED in row_of("Churn ")  # decision 4 is open
        assert DECIDED in row_of("Cost per acquisition")  # decision 5 too
        assert DECIDED not in row_of("MRR")  # its decision is done
        decision = next(d for d in app.session.decisions() if d.id == 4)
        app.session.toggle_done(4, decision.revision)  # done
        app.reload()
        await pilot.pause(0.5)
        for _ in range(50):
            if DECIDED not in row_of("Churn "):
                break
            await pilot.pause(0.1)
        assert DECIDED not in row_of("Churn ")
        assert DECIDED in row_of("Cost per acquisition")

    drive(app, (80, 24), script)
