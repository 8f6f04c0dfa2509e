"""Screens mounted on their own: a small host app holding a review session fed by a fixture
database, not the whole review app (no dashboard, no loading worker, no polling)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.app import App

from kpireview import config
from kpireview.session import ReviewSession
from tests.conftest import CONFIG, run
from tests.tui_helpers import TODAY, static_text


class Host(App[None]):
    """What the screens ask of their app: the config, a session, the review on screen, today,
    and a way to reload (counted here)."""

    def __init__(self, db: Path) -> None:
        super().__init__()
        self.config = config.load(CONFIG)
        self.db_path = db
        self.read_only = False
        self.today = TODAY
        self.session = ReviewSession(self.config, db, today=lambda: TODAY)
        self.data, self.review = self.session.open_week(None)
        self.reloads = 0

    def reload(self) -> None:
        self.reloads += 1


def hosted(db: Path, screen, size=(100, 30), script=None):  # type: ignore[no-untyped-def]
    host = Host(db)

    async def main() -> None:
        async with host.run_test(size=size) as pilot:
            host.push_screen(screen)
            await pilot.pause()
            await host.workers.wait_for_complete()
            await pilot.pause()
            if script is not None:
                await script(pilot, host)

    asyncio.run(main())
    host.session.close()
    return host


def test_the_tree_screen_renders_the_session_s_review(sample_db: Path, tmp_path: Path) -> None:
    from kpireview.tui.screens.tree import TreeScreen

    db = tmp_path / "s.db"
    db.write_bytes(sample_db.read_bytes())
    screen = TreeScreen("ltv_cac")
    seen: list[str] = []

    async def script(pilot, host) -> None:  # type: ignore[no-untyped-def]
        seen.append(static_text(screen.query_one("#tree-text")))

    hosted(db, screen, script=script)
    assert "LTV:CAC" in seen[0] and "ARR" not in seen[0]


def test_the_decisions_screen_lists_and_toggles_through_the_session(
    sample_db: Path, tmp_path: Path
) -> None:
    from kpireview.tui.screens.decisions import DecisionList, DecisionsScreen

    db = tmp_path / "s.db"
    db.write_bytes(sample_db.read_bytes())
    assert run("decide", "nps", "--note", "survey", "--decision", "resend it", "--db", db,
               "--config", CONFIG).exit_code == 0  # fmt: skip
    screen = DecisionsScreen()

    async def script(pilot, host) -> None:  # type: ignore[no-untyped-def]
        listed = screen.query_one(DecisionList)
        assert any(d.decision == "resend it" for d in listed.items)
        mine = next(i for i, d in enumerate(listed.items) if d.decision == "resend it")
        screen.toggle(listed.items[mine].id, listed.items[mine].revision)
        await host.workers.wait_for_complete()
        await pilot.pause()

    host = hosted(db, screen, script=script)
    assert host.reloads == 1  # the screen asked for the review to be read again
    done = [d for d in host.session.decisions() if d.decision == "resend it"]
    assert done and done[0].status == "done"


def test_a_worker_error_reaches_the_screen_through_one_handler(
    sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing build (here: the week switch) posts one Failed message; the header says it."""
    from textual.pilot import Pilot

    from kpireview.errors import KpiError
    from kpireview.tui.widgets.header import ReviewHeader
    from tests.tui_helpers import drive, new_app, wait_until

    db = tmp_path / "s.db"
    db.write_bytes(sample_db.read_bytes())
    from kpireview.tui.app import ReviewApp

    failed: list[str] = []
    original = ReviewApp.on_review_app_failed

    def counted(self, message) -> None:  # type: ignore[no-untyped-def]
        failed.append(message.text)
        original(self, message)

    monkeypatch.setattr(ReviewApp, "on_review_app_failed", counted)
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise KpiError("s.db: database is locked")

        app.session.build = broken  # type: ignore[method-assign]
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: bool(failed))
        header = app.screen.query_one(ReviewHeader).render().plain
        assert "database is locked" in header

    drive(app, (100, 30), script)
    assert failed == ["s.db: database is locked"]
