"""The KPI tree screen: from the dashboard (every tree) and from a detail (its subtree)."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from tests.tui_helpers import drive, new_app, static_text, wait_until


def test_t_opens_the_tree_which_follows_the_week_and_a_detail_opens_its_subtree(
    sample: Path,
) -> None:
    from kpireview.tui.screens.tree import TreeScreen

    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, TreeScreen))
        text = static_text(app.screen.query_one("#tree-text"))
        assert "2026-W47 · KPI tree" in text and "WoW share  YoY share" in text
        assert "├─ ! LTV" in text and "+0.22×" in text and "ARR" in text
        assert "└─ ★ Price per seat" in text and "+$205.6k   +$880.6k" in text
        await pilot.press("left_square_bracket")
        await wait_until(
            pilot, lambda: "2026-W46" in static_text(app.screen.query_one("#tree-text"))
        )
        await pilot.press("escape", "shift+tab", *["down"] * 5, "enter")
        await wait_until(pilot, lambda: getattr(app.screen, "metric_id", "") == "ltv_cac")
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, TreeScreen))
        sub = static_text(app.screen.query_one("#tree-text"))
        assert "LTV:CAC" in sub and "ARR" not in sub

    drive(app, (100, 30), script)
