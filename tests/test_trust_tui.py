"""The TUI under hostile or broken input: markup typed in the form is text, an error in a worker
shows on screen, a crash exits non-zero, stored control sequences never reach the terminal."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kpireview import config
from tests.conftest import CONFIG, run
from tests.test_trust_terminal import RAW, hostile
from tests.tui_helpers import TODAY, USER, copy_db, drive, new_app, static_text, wait_until

MARKUP = ["[/", "[bold]", "[/]", "[@click=app.quit]x[/]", "[link=x]y", "\\[/"]


@pytest.fixture
def db(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KPIREVIEW_USER", USER)
    return copy_db(sample, tmp_path)


def screen_text(app) -> str:  # noqa: ANN001
    """Every character the current screen sends to the terminal (all its lines)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def notes_shown(app) -> str:  # noqa: ANN001
    return "\n".join(f"{n.title} {n.message}" for n in app._notifications)


# --- markup ----------------------------------------------------------------------------------


def test_markup_typed_into_every_field_is_only_text(db: Path) -> None:
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("d")
        form = app.screen
        await pilot.press(*"why [b]")
        for name in ("decision", "owner", "due", "expected"):
            for text in MARKUP:
                form.query_one(f"#{name}").value = ""
                form.query_one(f"#{name}").focus()
                await pilot.press(*text)
                await pilot.pause()
                assert app.is_running and app.screen is form
                assert form.query_one(f"#{name}").value == text
        assert form.query_one("#note").text == "why [b]"
        await pilot.press("ctrl+s")  # the due field holds a markup-like non-date
        await pilot.pause()
        assert app.is_running and app.screen is form
        assert "\\[/" in static_text(form.query_one("#due-error"))
        assert form.query_one("#note").text == "why [b]"

    drive(app, (100, 30), script)


def test_markup_in_the_decisions_filter_is_only_text(db: Path) -> None:
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("slash", *"[@click=app.quit]x[/]")
        await pilot.pause()
        assert app.is_running and type(app.screen).__name__ == "DecisionsScreen"
        assert "[@click=app.quit]x[/]" in screen_text(app)

    drive(app, (100, 30), script)


def test_a_crash_exits_non_zero(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.app import App

    from kpireview.tui.app import ReviewApp
    from kpireview.tui.screens.dashboard import DashboardScreen

    def crash(self) -> None:  # noqa: ANN001
        raise RuntimeError("boom")

    monkeypatch.setattr(DashboardScreen, "on_mount", crash)
    monkeypatch.setattr(ReviewApp, "run", lambda self, **kw: App.run(self, headless=True))
    result = run("--db", db, "--config", CONFIG)
    assert result.exit_code != 0


# --- errors in workers -----------------------------------------------------------------------


def test_an_unexpected_error_in_the_load_worker_is_shown(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpireview import review

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003
        raise RuntimeError("boom [/] in build")

    monkeypatch.setattr(review, "build", broken)
    app = new_app(db)

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            header = app.screen.query_one("#header")
            await wait_until(pilot, lambda: "boom" in header.error)
            assert "boom [/] in build" in notes_shown(app)
            assert "Loading" not in screen_text(app)
            assert "boom [/] in build" in screen_text(app)
            assert app.is_running

    asyncio.run(main())


PLAN_CONFIG = """
pillars: [{id: p, label: P}]
metrics:
  - {id: views, label: Views, pillar: p, target: {metric: plan}}
  - {id: plan, label: Plan, pillar: p}
"""


@pytest.fixture
def plan(tmp_path: Path) -> tuple[Path, Path]:
    """A plan-as-data target whose plan has no value in the latest week."""
    from datetime import date, timedelta

    from kpireview.store import Store

    cfg = tmp_path / "plan.yaml"
    cfg.write_text(PLAN_CONFIG)
    db = tmp_path / "plan.db"
    last = date(2026, 11, 16)
    rows = [("views", last - timedelta(weeks=k), "", 100.0 + k) for k in range(6)]
    rows += [("plan", last - timedelta(weeks=k), "", 90.0) for k in range(1, 6)]
    with Store(db) as store:
        store.upsert_snapshots(rows)
    return cfg, db


def test_plan_target_without_a_plan_value_in_summary_and_json(plan: tuple[Path, Path]) -> None:
    import json

    cfg, db = plan
    result = run("summary", "--db", db, "--config", cfg, "--week", "2026-W47")
    assert result.exit_code == 0, result.output
    assert "Views" in result.output
    args = ("--week", "2026-W47", "--db", db, "--config", cfg)
    doc = json.loads(run("export", "--format", "json", *args).output)
    target = doc["pillars"][0]["kpis"][0]["target"]
    assert target["status"] is None and target["reason"] == "no plan value this week"


def test_plan_target_without_a_plan_value_in_the_tui(plan: tuple[Path, Path]) -> None:
    from kpireview.tui.app import ReviewApp

    cfg, db = plan
    app = ReviewApp(config.load(cfg), db, today=TODAY, week=date(2026, 11, 16))

    async def script(pilot: Pilot) -> None:
        assert app.review.kpi("views").target.status is None
        await pilot.press("enter")
        await pilot.pause()
        assert "no plan value this week" in screen_text(app)

    drive(app, (100, 30), script)


# --- control sequences -----------------------------------------------------------------------


def test_stored_control_sequences_never_reach_the_terminal(tmp_path: Path) -> None:
    from kpireview.tui.app import ReviewApp

    cfg, db = hostile(tmp_path)
    app = ReviewApp(config.load(cfg), db, today=TODAY)

    def inert() -> str:
        text = screen_text(app)
        for ch in RAW:
            assert ch not in text, f"{ch!r} on the {type(app.screen).__name__}"
        return text

    async def script(pilot: Pilot) -> None:
        assert "␛]2;pwned" in inert()  # the title, shown as text
        await pilot.press("enter")  # the detail: label, owner, segment, decisions
        await pilot.pause()
        text = inert()
        assert "eu␛]52" in text and "note ␛]52" in text
        await pilot.press("escape", "D")  # the decisions, and those carried over
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "␛" in inert()
        await pilot.press("enter")  # the form, editing a hostile decision
        await pilot.pause()
        inert()
        app.show_error(f"error {RAW[0]}]2;x{RAW[2]}")
        await pilot.pause()
        assert all(ch not in notes_shown(app) for ch in RAW)

    drive(app, (160, 50), script)


def test_an_unexpected_error_while_saving_keeps_the_form_and_says_so(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpireview import decisions

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003
        raise RuntimeError("disk [/] gone")

    monkeypatch.setattr(decisions, "save_draft", broken)
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        await pilot.press("d", *"why", "ctrl+s")
        form = app.screen
        await wait_until(pilot, lambda: "disk [/] gone" in form.query_one("#form-status").message)
        assert app.screen is form and not form.saving
        assert form.query_one("#note").text == "why"

    drive(app, (100, 30), script)
