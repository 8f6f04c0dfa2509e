"""SVG snapshots of the dashboard, a KPI's detail and help, at 80×24 and 160×45.

Update after a deliberate change with `pytest tests/test_tui_snapshots.py --snapshot-update`
and look at the report before committing the new SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.tui_helpers import loaded, make_sample, new_app, wait_until

SIZES = [(80, 24), (160, 45)]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample(tmp_path_factory.mktemp("snapshots"))


def keys(*presses: str):
    """Wait for the review, press keys, wait for what they started."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        for key in presses:
            await pilot.press(key)
            await wait_until(pilot, lambda: True)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x45"])
def test_dashboard(snap_compare, sample: Path, size) -> None:
    assert snap_compare(
        new_app(sample), terminal_size=size, run_before=keys("down", "down", "down")
    )


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x45"])
def test_detail(snap_compare, sample: Path, size) -> None:
    app = new_app(sample)
    assert snap_compare(app, terminal_size=size, run_before=keys("down", "down", "down", "enter"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x45"])
def test_detail_months(snap_compare, sample: Path, size) -> None:
    app = new_app(sample)
    assert snap_compare(app, terminal_size=size, run_before=keys("shift+tab", "enter", "m"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x45"])
def test_help(snap_compare, sample: Path, size) -> None:
    assert snap_compare(new_app(sample), terminal_size=size, run_before=keys("question_mark"))


def test_dashboard_without_colour(snap_compare, sample: Path, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(new_app(sample), terminal_size=(80, 24), run_before=keys("f", "f"))
