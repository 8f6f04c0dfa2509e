"""The flag walk: news first, handled KPIs skipped unless asked, and a status line that keeps
its height so the panes never move."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.test_tui import SIZES, current, status_text, walk_order
from tests.tui_helpers import drive, new_app


def _regions(app) -> list:
    from kpireview.tui.widgets.rows import PillarPane

    screen = app.screen
    widgets = [screen.query_one("#panes"), screen.query_one("#status")]
    if screen.has_class("-wide"):  # the 2×2 grid; one column scrolls its panes to the cursor
        widgets += screen.query(PillarPane)
    return [w.region for w in widgets]


@pytest.mark.parametrize("size", SIZES)
def test_the_panes_do_not_move_as_the_walk_moves(sample: Path, size) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        before = _regions(app)
        assert len(before) == (6 if size[0] >= 120 else 2)
        assert app.screen.query_one("#status").region.height == 2
        seen = set()
        walk = walk_order(app.review)
        for _ in walk:
            await pilot.press("f")
            seen.add(current(app)[1])
            assert _regions(app) == before, current(app)
        assert seen == set(walk) and len(walk) >= 4

    drive(app, size, script)


def _walk(app, pilot: Pilot):
    async def walk() -> list[str]:
        ids = []
        while True:
            await pilot.press("f")
            if ids and current(app)[1] == ids[0]:
                return ids
            ids.append(current(app)[1])

    return walk()


def test_the_walk_skips_handled_kpis_unless_asked(sample: Path) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        walked = await _walk(app, pilot)
        r = app.review
        assert walked == walk_order(r) and "cpa" not in walked  # handled: skipped
        news = [k for k in walked if r.kpi(k).lead is not None and r.kpi(k).lead.new]
        assert news and walked[: len(news)] == news  # news first
        await pilot.press("down")  # off the walk: H starts a new one
        await pilot.press("H")
        assert "visits the handled KPIs too" in status_text(app)
        walked = await _walk(app, pilot)
        assert walked == walk_order(r, handled_too=True) and "cpa" in walked
        await pilot.press("down")
        await pilot.press("H")
        assert await _walk(app, pilot) == walk_order(r)

    drive(app, (160, 45), script)


def test_a_handled_kpi_says_so_with_its_lead_and_target_lines(sample: Path) -> None:
    from kpireview.tui.widgets.status import StatusLine

    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await pilot.press("H")
        while current(app)[1] != "cpa":
            await pilot.press("f")
        cpa = app.review.kpi("cpa")
        lines = app.screen.query_one(StatusLine).render().plain.splitlines()
        assert len(lines) == 2
        assert lines[0].startswith("[") and "− handled · Cost per acquisition moved" in lines[0]
        assert lines[1].strip() == "− " + cpa.flags[-1].message  # the target miss
        assert len(cpa.flags) > 2  # the other rules: on the detail screen only

    drive(app, (160, 45), script)
