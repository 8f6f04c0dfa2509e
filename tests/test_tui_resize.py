"""Resizing the running app, and hostile text on screen."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from kpireview import config
from kpireview.store import Store
from tests.tui_helpers import SAMPLE_WEEK, drive, make_sample, new_app, static_text, wait_until

SIZES = [(40, 12), (300, 100), (80, 24), (41, 13), (160, 45), (40, 12), (120, 30)]


async def resize_through(pilot: Pilot) -> None:
    for width, height in SIZES:
        await pilot.resize_terminal(width, height)
        await pilot.pause()
        assert pilot.app.size == (width, height)
        assert pilot.app.screen.size == (width, height)


@pytest.mark.parametrize(
    "keys", [(), ("enter",), ("enter", "m"), ("D",), ("d",), ("question_mark",)]
)
def test_resizing_any_screen_from_40x12_to_300x100_and_back(sample: Path, keys: tuple) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await pilot.press(*keys)
        await pilot.pause()
        screen = type(app.screen)
        await resize_through(pilot)
        assert type(app.screen) is screen  # still there, still the same screen
        assert app.review.week == SAMPLE_WEEK
        await pilot.press("escape")  # and it still answers keys

    drive(app, (80, 24), script)


def test_hostile_labels_and_notes_show_intact(tmp_path: Path) -> None:
    label = 'Ré"ten;tion 📉 שלום ' + "x" * 200
    text = (Path(config.load.__code__.co_filename).parents[1] / "config" / "kpis.yaml").read_text()
    cfg_path = tmp_path / "kpis.yaml"
    cfg_path.write_text(text.replace("label: Churn\n", f"label: '{label}'\n"))
    db = make_sample(tmp_path)
    note = "Churn | up; `DROP TABLE`; <b>emoji</b> 🚀\nsecond line"
    with Store(db) as store:
        store.add_decision("churn_rate", date(2026, 11, 16), note, owner="Zoë 🙂")
    from kpireview.tui.app import ReviewApp

    app = ReviewApp(config.load(cfg_path), db, today=date(2026, 11, 23))

    async def script(pilot: Pilot) -> None:
        await wait_until(pilot, lambda: app.review is not None)
        assert app.review.kpi("churn_rate").label == label
        for _ in range(40):
            if app.screen.current.kpi.id == "churn_rate":
                break
            await pilot.press("down")
        assert app.screen.current.kpi.id == "churn_rate"
        await pilot.press("enter")
        await pilot.pause()
        shown = " ".join(" ".join(static_text(w).split()) for w in app.screen.query(Static))
        assert 'Ré"ten;tion 📉 שלום' in shown
        assert "Churn | up; `DROP TABLE`; <b>emoji</b> 🚀" in shown and "Zoë 🙂" in shown

    drive(app, (160, 45), script)
