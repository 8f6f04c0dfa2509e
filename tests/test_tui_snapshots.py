"""SVG snapshots of the dashboard, a KPI's detail, help, the decision form and the decisions
screen, at 80×24 and 160×45 (today and the user fixed: tui_helpers.TODAY and USER).

Update after a deliberate change with `pytest tests/test_tui_snapshots.py --snapshot-update`
and look at the report before committing the new SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.tui_helpers import USER, loaded, new_app, wait_until

SIZES = [(80, 24), (160, 45)]


@pytest.fixture(autouse=True)
def user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPIREVIEW_USER", USER)


def keys(*presses: str):
    """Wait for the review, press keys, wait for what they started; cursors stop blinking."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        for key in presses:
            await pilot.press(key)
            await wait_until(pilot, lambda: True)
        for widget in pilot.app.screen.query("Input, TextArea"):
            widget.cursor_blink = False
        await pilot.pause()

    return run_before


LAYOUTS = [(80, 24), (120, 40), (140, 40), (160, 45)]  # one column up to 140; the grid at 160


@pytest.mark.parametrize("size", LAYOUTS, ids=[f"{w}x{h}" for w, h in LAYOUTS])
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


def fill(*presses: str, **fields: str):
    """Press keys (opening the form), then fill its fields (as typing would, without the time
    each key press takes), then wait."""

    async def run_before(pilot: Pilot) -> None:
        await keys(*presses)(pilot)
        screen = pilot.app.screen
        for name, value in fields.items():
            widget = screen.query_one(f"#{name}")
            if name == "note":
                widget.text = value
            else:
                widget.value = value
        await wait_until(pilot, lambda: True)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x45"])
def test_decision_form(snap_compare, sample: Path, size) -> None:
    form = fill("down", "d", note="Sign-ups jumped after the launch",
                decision="Keep the launch budget", due="fri")  # fmt: skip
    assert snap_compare(new_app(sample), terminal_size=size, run_before=form)


def test_decision_form_errors(snap_compare, sample: Path) -> None:
    form = fill("d", due="soon")

    async def run_before(pilot: Pilot) -> None:
        await form(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: True)

    assert snap_compare(new_app(sample), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x45"])
def test_decisions(snap_compare, sample: Path, size) -> None:
    assert snap_compare(new_app(sample), terminal_size=size, run_before=keys("D", "down"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x45"])
def test_decisions_with_the_note(snap_compare, sample: Path, size) -> None:
    assert snap_compare(new_app(sample), terminal_size=size, run_before=keys("D", "down", "n"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x45"])
def test_tree(snap_compare, sample: Path, size) -> None:
    assert snap_compare(new_app(sample), terminal_size=size, run_before=keys("t"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x45"])
def test_dashboard_with_a_north_star(snap_compare, sample: Path, tmp_path: Path, size) -> None:
    from kpireview import config
    from kpireview.tui.app import ReviewApp
    from tests.test_north_star import star_config
    from tests.tui_helpers import TODAY

    app = ReviewApp(config.load(star_config(tmp_path)), sample, today=TODAY)
    assert snap_compare(app, terminal_size=size, run_before=keys())


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x45"])
def test_initiatives(snap_compare, sample: Path, tmp_path: Path, size) -> None:
    from kpireview import config
    from kpireview.tui.app import ReviewApp
    from tests.test_initiatives import with_bets
    from tests.tui_helpers import TODAY

    app = ReviewApp(config.load(with_bets(tmp_path)), sample, today=TODAY)
    assert snap_compare(app, terminal_size=size, run_before=keys("i"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x45"])
def test_go_to_week_prompt(snap_compare, sample: Path, size) -> None:
    """The prompt over the dashboard, saying why a week typed cannot be shown."""
    app = new_app(sample)
    assert snap_compare(app, terminal_size=size, run_before=keys("g", *"2031-W02", "enter"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x45"])
def test_dashboard_filtered(snap_compare, sample: Path, size) -> None:
    """`/cust`: the KPIs whose name holds it, the filter's line saying how many."""
    app = new_app(sample)
    assert snap_compare(app, terminal_size=size, run_before=keys("slash", *"cust", "enter", "down"))
