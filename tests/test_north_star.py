"""The North Star (review.north_star): first on the dashboard, in the summary and the notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.conftest import CONFIG, run
from tests.tui_helpers import TODAY, drive, wait_until


def star_config(tmp_path: Path, metric: str = "ltv_cac") -> Path:
    text = CONFIG.read_text().replace("review:\n", f"review:\n  north_star: {metric}\n", 1)
    path = tmp_path / "kpis.yaml"
    path.write_text(text)
    return path


def test_an_unknown_north_star_is_one_line_naming_file_line_and_field(
    tmp_path: Path, sample_db: Path
) -> None:
    cfg = star_config(tmp_path, "nope")
    result = run("summary", "--db", sample_db, "--config", cfg)
    assert result.exit_code == 2
    assert f"{cfg}:4: review.north_star: unknown KPI 'nope'" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_north_star_comes_first_in_the_summary_the_notes_and_the_json(
    tmp_path: Path, sample_db: Path
) -> None:
    cfg = star_config(tmp_path)
    summary = run("summary", "--db", sample_db, "--config", cfg).output.splitlines()
    assert summary[4] == "NORTH STAR" and "LTV:CAC" in summary[5]
    flags = summary[summary.index("FLAGS") + 1]
    assert "LTV:CAC" in flags  # its flags first
    notes = run("export", "--db", sample_db, "--config", cfg).output
    assert notes.index("## North Star") < notes.index("## Acquisition")
    assert notes.index("LTV:CAC") < notes.index("## Acquisition")
    doc = json.loads(run("export", "--format", "json", "--db", sample_db, "--config", cfg).output)
    assert doc["north_star"] == "ltv_cac"
    plain = json.loads(
        run("export", "--format", "json", "--db", sample_db, "--config", CONFIG).output
    )
    assert plain["north_star"] is None


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_the_dashboard_has_the_north_star_row_above_the_pillars(
    tmp_path: Path, sample_db: Path, size: tuple[int, int]
) -> None:
    from kpireview import config
    from kpireview.tui.app import ReviewApp

    db = tmp_path / "s.db"
    db.write_bytes(sample_db.read_bytes())
    app = ReviewApp(config.load(star_config(tmp_path)), db, today=TODAY)

    async def script(pilot: Pilot) -> None:
        await wait_until(pilot, lambda: app.review is not None)
        panes = app.screen.panes  # type: ignore[attr-defined]
        assert panes[0].id == "pane-north_star" and panes[0].metrics[0].id == "ltv_cac"
        assert panes[0].region.y < panes[1].region.y
        await pilot.press("enter")  # the North Star has the focus first
        await wait_until(pilot, lambda: getattr(app.screen, "metric_id", "") == "ltv_cac")

    drive(app, size, script)
