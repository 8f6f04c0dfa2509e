"""The detail screen's divider key (v): the form, the chart marker and legend, the refusals,
and --read-only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kpireview.store import Store
from tests.conftest import file_digest
from tests.tui_helpers import SAMPLE_WEEK, USER, copy_db, drive, new_app, static_text, wait_until


@pytest.fixture
def db(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KPIREVIEW_USER", USER)
    return copy_db(sample, tmp_path)


def screen_name(app) -> str:
    return type(app.screen).__name__


def shown(app, selector: str) -> str:
    return static_text(app.screen.query_one(selector)).rstrip("\n")


def said(app) -> str:
    from kpireview.tui.widgets.message import MessageLine

    return " ".join(app.screen.query_one(MessageLine).message.split())


async def open_cpa(pilot: Pilot) -> None:
    await pilot.press("down", "down", "down", "enter")  # Cost per acquisition
    await pilot.pause()
    assert screen_name(pilot.app) == "DetailScreen"


def test_v_marks_a_divider_drawn_on_the_chart(db: Path) -> None:
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("down", "down", "down", "down", "enter")  # no proposal on it
        await pilot.pause()
        await pilot.press("v")
        assert screen_name(app) == "DividerForm"
        assert "Process change · Lead quality score · from 2026-W47" in shown(app, "#divider-title")
        await pilot.press(*"[b]ads", "enter")
        await wait_until(pilot, lambda: screen_name(app) == "DetailScreen")
        assert re.match(r"Divider \d+ on lead_quality from 2026-W47", said(app))
        await wait_until(pilot, lambda: bool(app.screen.query_one("#chart-weeks").chart.dividers))
        chart = app.screen.query_one("#chart-weeks").chart
        assert chart.dividers == (chart.points - 1,)
        assert "┃ process change" in shown(app, "#legend")
        assert "2026-W47 [b]ads" in shown(app, "#more")  # text, never markup
        assert "settling: 0 of 8 weeks" in app.review.kpi("lead_quality").flags[0].message

    drive(app, (100, 30), script)
    with Store(db) as store:
        (d,) = store.dividers("lead_quality")
    assert (d.metric, d.reason, d.author) == ("lead_quality", "[b]ads", USER)


def test_the_form_refuses_an_empty_reason_and_a_second_divider(db: Path) -> None:
    with Store(db) as store:
        store.add_divider("cpa", SAMPLE_WEEK, "earlier", USER)
    before = file_digest(db)
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await open_cpa(pilot)
        await pilot.press("v", "enter")
        assert screen_name(app) == "DividerForm"
        assert "required" in shown(app, "#divider-error")
        await pilot.press(*"again", "enter")
        await wait_until(pilot, lambda: "Not saved" in shown(app, "#divider-error"))
        assert "already has a divider" in shown(app, "#divider-error")
        assert screen_name(app) == "DividerForm"
        await pilot.press("escape")
        assert screen_name(app) == "DetailScreen"

    drive(app, (80, 24), script)
    assert file_digest(db) == before


def test_read_only_refuses_dividers(db: Path) -> None:
    before = file_digest(db)
    app = new_app(db, read_only=True)

    async def script(pilot: Pilot) -> None:
        await open_cpa(pilot)
        await pilot.press("v")
        await pilot.pause()
        assert screen_name(app) == "DetailScreen"
        assert said(app) == "read-only: process changes are off"

    drive(app, (80, 24), script)
    assert file_digest(db) == before
