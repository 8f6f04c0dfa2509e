"""Small things a careful reader notices: plurals, negative zero, the header's title at 80
columns, write keys offered under --read-only, one spelling of weeks in an output."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kpireview import units
from kpireview.presentation import plural
from tests.conftest import run
from tests.tui_helpers import copy_db, drive, new_app


@pytest.mark.parametrize(
    "n, noun, expected",
    [(0, "value", "0 values"), (1, "value", "1 value"), (2, "KPI", "2 KPIs"),
     (1_234, "value", "1,234 values"), (1, "week", "1 week")],
)  # fmt: skip
def test_plural(n: int, noun: str, expected: str) -> None:
    assert plural(n, noun) == expected


@pytest.mark.parametrize(
    "abs_, rel, unit, expected",
    [
        (-0.01, -0.0001, "count", "±0.0%"),  # rounds to zero: no minus sign
        (0.01, 0.0004, "count", "±0.0%"),
        (-0.00001, None, "percent", "±0.00 pt"),
        (-0.01, -0.0006, "count", "−0.1%"),
    ],
)
def test_a_change_that_rounds_to_zero_has_no_sign(abs_, rel, unit: str, expected: str) -> None:
    assert units.change(abs_, rel, unit) == expected


@pytest.mark.parametrize(
    "x, unit, expected",
    [(-0.0000001, "percent", "0.00%"), (-0.0004, "count", "0"), (0.0004, "count", "0"),
     (-0.001, "score", "0.0"), (-0.001, "ratio", "0.00×"), (-0.01, "days", "0.0 d"),
     (-0.001, "currency", "$0.00"), (-0.5, "count", "-0.5")],
)  # fmt: skip
def test_a_value_that_rounds_to_zero_has_no_sign(x: float, unit: str, expected: str) -> None:
    assert units.value(x, unit) == expected


def test_import_of_one_value_says_value_and_metric_in_the_singular(tmp_path: Path) -> None:
    csv = tmp_path / "one.csv"
    csv.write_text("week,traffic\n2026-11-16,100\n")
    result = run("import", csv, "--db", tmp_path / "one.db")
    assert result.exit_code == 0, result.output
    assert "Imported 1 value: 1 new" in result.output
    assert "; 1 metric, " in result.output and "1 metrics" not in result.output
    assert "0 partial weeks skipped" in result.output


def test_header_says_one_decision_in_the_singular(sample: Path, tmp_path: Path) -> None:
    db = copy_db(sample, tmp_path)
    from kpireview.store import Store

    with Store(db) as store:
        store.update_decision(4, status="done")
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        text = header(app)
        assert "1 decision carried over" in text and "decisions" not in text

    drive(app, (160, 45), script)


def header(app) -> str:
    from kpireview.tui.widgets.header import ReviewHeader

    return app.screen.query_one(ReviewHeader).render().plain


@pytest.mark.parametrize("read_only", [False, True])
def test_the_title_is_whole_at_80_columns(sample: Path, read_only: bool) -> None:
    """The span of dates gives way first (the week label says the same), then the long form
    of the decisions carried over; the title stays whole."""
    app = new_app(sample, read_only=read_only)

    async def script(pilot: Pilot) -> None:
        first = header(app).splitlines()[0]
        assert first.startswith(" Zira weekly KPI review · 2026-W47")
        assert "carried over" in first and "1 overdue" in first
        assert ("read-only" in first) is read_only

    drive(app, (80, 24), script)


def test_the_header_keeps_everything_when_there_is_room(sample: Path) -> None:
    app = new_app(sample, read_only=True)

    async def script(pilot: Pilot) -> None:
        first = header(app).splitlines()[0]
        assert "Zira weekly KPI review · 2026-W47 · 16–22 Nov 2026  read-only" in first
        assert "2 decisions carried over · ! 1 overdue" in first

    drive(app, (160, 45), script)


def key_bar(app) -> str:
    from kpireview.tui.widgets.keybar import KeyBar

    return app.screen.query_one(KeyBar).render().plain


def test_read_only_footer_offers_no_writes(sample: Path) -> None:
    app = new_app(sample, read_only=True)

    async def script(pilot: Pilot) -> None:
        assert "Decide" not in key_bar(app) and "Ack" not in key_bar(app)
        assert "Decisions" in key_bar(app)
        await pilot.press("D")
        await pilot.pause()
        bar = key_bar(app)
        assert "Done" not in bar and "Edit" not in bar and "Notes" in bar
        await pilot.press("escape", "enter")
        await pilot.pause()
        assert "Decide" not in key_bar(app) and "Divider" not in key_bar(app)

    drive(app, (160, 45), script)


def test_footer_offers_the_writes_when_not_read_only(sample: Path) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        assert "Decide" in key_bar(app)

    drive(app, (160, 45), script)


def test_a_divider_error_names_the_week_by_its_label(sample: Path, tmp_path: Path) -> None:
    db = copy_db(sample, tmp_path)
    args = ("divide", "churn_rate", "--db", db, "--week", "2026-W40", "--reason", "x")
    assert run(*args).exit_code == 0
    again = run(*args)
    assert again.exit_code == 2
    assert "churn_rate already has a divider at 2026-W40" in again.stderr
    assert "2026-09-28" not in again.stderr


def test_a_paced_target_without_a_start_value_names_the_week_by_its_label() -> None:
    from kpireview.config import Metric, Target
    from kpireview.pacing import paced

    class NoData:
        def get(self, metric: str) -> dict:
            return {}

    target = Target(criterion="reach", value=0.5, start=date(2026, 1, 5), by=date(2026, 6, 1))
    metric = Metric("m", "M", "acquisition", unit="percent")
    status = paced(NoData(), metric, target, date(2026, 3, 2), 0.3)  # type: ignore[arg-type]
    assert status.reason == "no value in 2026-W02 to pace from"


def test_read_only_palette_offers_no_writes(sample: Path) -> None:
    """The palette lists the screen's keys by what they do: under --read-only, not the ones
    that write."""
    app = new_app(sample, read_only=True)

    async def script(pilot: Pilot) -> None:
        names = [c.title for c in app.get_system_commands(app.screen)]
        assert not any(n.startswith(("Record a decision", "Acknowledge")) for n in names)
        assert any(n.startswith("All decisions") for n in names)

    drive(app, (80, 24), script)


def test_the_store_names_a_divider_week_by_its_label(tmp_path: Path) -> None:
    """The message the detail's divider form shows when the week has one already."""
    from kpireview.errors import StoreError
    from kpireview.store import Store

    with Store(tmp_path / "d.db") as store:
        store.add_divider("churn_rate", date(2026, 9, 28), "new pricing")
        with pytest.raises(StoreError, match=r"churn_rate already has a divider at 2026-W40$"):
            store.add_divider("churn_rate", date(2026, 9, 28), "again")
        with pytest.raises(StoreError, match=r"no divider on churn_rate at 2026-W41 to remove"):
            store.remove_divider("churn_rate", date(2026, 10, 5))
