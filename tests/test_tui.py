"""The TUI driven by keys (Textual's Pilot): navigation, weeks, the flag walk, detail, help."""

from __future__ import annotations

import asyncio
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kpireview.store import Store
from tests.conftest import CONFIG, file_digest, run
from tests.tui_helpers import (
    SAMPLE_WEEK,
    copy_db,
    drive,
    new_app,
    static_text,
    wait_until,
)

SIZES = [(80, 24), (160, 45)]


def current(app):
    """(pillar id, KPI id) under the dashboard's cursor."""
    pane = app.screen.current
    return pane.pillar_id, pane.kpi.id


def status_text(app) -> str:
    from kpireview.tui.widgets.status import StatusLine

    return " ".join(app.screen.query_one(StatusLine).render().plain.split())


def header_text(app) -> str:
    from kpireview.tui.widgets.header import ReviewHeader

    return app.screen.query_one(ReviewHeader).render().plain


@pytest.mark.parametrize("size", SIZES)
def test_opens_at_the_latest_week(sample: Path, size) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        assert app.review.week == SAMPLE_WEEK
        text = header_text(app)
        # at 80 columns the span of dates gives way, so the title stays whole
        span = " · 16–22 Nov 2026" if size[0] > 80 else ""
        assert f"Zira weekly KPI review · 2026-W47{span}" in text
        assert "2 decisions carried over" in text
        c = app.review.counts
        counted = f"{c.flagged} flagged ({c.bad} bad) · {c.new} new · {c.continuing} continuing"
        assert counted in text and "0 missing" in text
        assert current(app) == ("acquisition", "traffic")
        assert app.screen.has_class("-wide") == (size[0] >= 120)

    drive(app, size, script)


@pytest.mark.parametrize("size", SIZES)
def test_arrows_move_between_kpis_and_across_panes(sample: Path, size) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await pilot.press("down")
        assert current(app) == ("acquisition", "signups")
        await pilot.press("up", "up")  # the first row stays the first
        assert current(app) == ("acquisition", "traffic")
        await pilot.press(*["down"] * 6)  # past Acquisition's 6 rows
        assert current(app) == ("activation", "onboarding_completion")
        await pilot.press("up")
        assert current(app) == ("acquisition", "new_customers")
        await pilot.press(*["down"] * 24)  # 23 to the last row, one more stays there
        assert current(app) == ("revenue", "price_per_seat")

    drive(app, size, script)


@pytest.mark.parametrize("size", SIZES)
def test_tab_and_shift_tab_change_pane(sample: Path, size) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await pilot.press("down", "tab")
        assert current(app) == ("activation", "onboarding_completion")
        await pilot.press("tab", "tab")
        assert current(app)[0] == "revenue"
        await pilot.press("tab")
        assert current(app) == ("acquisition", "signups")  # each pane keeps its row
        await pilot.press("shift+tab")
        assert current(app)[0] == "revenue"

    drive(app, size, script)


@pytest.mark.parametrize("size", SIZES)
def test_brackets_change_the_week(sample: Path, size) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await pilot.press("down", "down")
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: "2026-W46" in header_text(app))
        assert "9–15 Nov 2026" in header_text(app)
        assert current(app) == ("acquisition", "signup_conversion")  # selection kept
        await pilot.press("left_square_bracket", "left_square_bracket")
        await wait_until(pilot, lambda: "2026-W44" in header_text(app))
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: "2026-W45" in header_text(app))
        await pilot.press("right_square_bracket", "right_square_bracket")
        await wait_until(pilot, lambda: "2026-W47" in header_text(app))
        await pilot.press("right_square_bracket")  # no later week: stays, says so
        await pilot.pause()
        assert "2026-W47" in header_text(app)
        assert any("latest week" in n.message for n in app._notifications)

    drive(app, size, script)


def walk_order(review, handled_too: bool = False) -> list[str]:
    """The walk's order from the model: new bad leads, new good ones, then the others, each
    in dashboard order; handled KPIs left out unless asked."""
    from kpireview.tui.screens.dashboard import _walk_group

    flagged = [k for k in review.kpis if k.flags and (handled_too or k.id not in review.handled)]
    return [k.id for k in sorted(flagged, key=_walk_group)]


@pytest.mark.parametrize("size", SIZES)
def test_f_and_shift_f_walk_the_flags(sample: Path, size) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        r = app.review
        walk = walk_order(r)
        assert len(walk) >= 4 and r.handled == {"cpa"}  # continuing, an open decision
        await pilot.press("f")
        assert current(app)[1] == walk[0] == "churn_rate"  # a new bad signal first
        kpi = app.review.kpi(walk[0])
        text = status_text(app)
        assert text.startswith(f"[1/{len(walk)}]")
        assert kpi.lead is not None and kpi.lead.new
        assert " ".join(kpi.lead.message.split())[:40] in text
        await pilot.press("f")
        assert current(app)[1] == walk[1]
        await pilot.press("F", "F")
        assert current(app)[1] == walk[-1]  # wraps around
        assert status_text(app).startswith(f"[{len(walk)}/{len(walk)}]")
        await pilot.press("f")
        assert current(app)[1] == walk[0]
        await pilot.press("down")  # an arrow ends the walk's counter
        assert not status_text(app).startswith("[")

    drive(app, size, script)


def test_status_line_says_no_flags(sample: Path) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await pilot.press(*["down"] * 4)
        assert current(app)[1] == "lead_quality"
        assert status_text(app) == "No flags for Lead quality score"

    drive(app, (80, 24), script)


@pytest.mark.parametrize("size", SIZES)
def test_enter_opens_the_detail_m_toggles_escape_returns(sample: Path, size) -> None:
    from kpireview.tui.screens.dashboard import DashboardScreen
    from kpireview.tui.screens.detail import DetailHeader, DetailScreen

    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailScreen) and screen.metric_id == "cpa"
        head = screen.query_one(DetailHeader).render().plain
        assert "Cost per acquisition · $47.54" in head and "target ≤ $45.00" in head
        more = static_text(screen.query_one("#more"))
        assert "Pause the two worst paid campaigns" in more  # a decision on CPA
        assert screen.query_one("#chart-weeks").display
        await pilot.press("m")
        assert screen.months and screen.has_class("-months")
        assert not screen.query_one("#chart-weeks").display
        assert screen.query_one("#chart-months").display
        await pilot.press("m")
        assert not screen.months
        await pilot.press("left_square_bracket")  # weeks change here too
        await wait_until(pilot, lambda: "2026-W46" in screen.query_one(DetailHeader).render().plain)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        assert current(app) == ("acquisition", "cpa")
        assert "2026-W46" in header_text(app)

    drive(app, size, script)


def test_detail_of_a_derived_kpi_shows_its_drivers_and_segments(sample: Path) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await pilot.press("shift+tab", *["down"] * 5, "enter")
        await pilot.pause()
        assert app.screen.metric_id == "ltv_cac"
        numbers = static_text(app.screen.query_one("#numbers"))
        assert "Drivers" in numbers
        assert "LTV:CAC +0.09× WoW: CAC +0.22×, LTV −0.12×" in numbers  # the exact split
        await pilot.press("escape", "tab", "enter")  # back to Traffic, which has segments
        await pilot.pause()
        assert app.screen.metric_id == "traffic"
        assert "Segments" in static_text(app.screen.query_one("#more"))

    drive(app, (160, 45), script)


@pytest.mark.parametrize("size", SIZES)
def test_question_mark_opens_help_and_escape_closes_it(sample: Path, size) -> None:
    from kpireview.tui.screens.help import HelpScreen

    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = static_text(app.screen.query_one("#help-text"))
        text += static_text(app.screen.query_one("#help-decisions"))
        for words in ("Next flagged KPI", "Previous week", "6 weeks + 12 months", "! bad signal",
                      "Record a decision", "Mark the decision done", "Filter by KPI or owner",
                      "Save the decision", "meeting notes", "--read-only"):  # fmt: skip
            assert words in text, words
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

    drive(app, size, script)


def test_q_quits(sample: Path) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await pilot.press("q")
        await pilot.pause()
        assert app._exit

    drive(app, (80, 24), script)


@pytest.mark.parametrize("size", SIZES)
def test_every_key_is_in_the_footer_and_the_command_palette(sample: Path, size) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        keys = set(app.screen.active_bindings)
        wanted = {"up", "down", "tab", "shift+tab", "left_square_bracket",
                  "right_square_bracket", "f", "F", "enter", "d", "D", "e", "question_mark",
                  "q"}  # fmt: skip
        assert wanted <= keys
        bar = app.screen.query_one("KeyBar").render().plain
        for shown in ("↑ ↓ KPI", "[ ] Week", "⏎ Detail", "d Decide", "D Decisions",
                      "e Notes", "? Help"):  # fmt: skip
            assert shown in bar
        assert ("f F H Flag" if size[0] > 80 else "f F Flag") in bar
        # 80 columns leave out the pane, quit and handled keys (help and the palette list them)
        for spare in ("tab ⇧⇥ Pane", "q Quit"):
            assert (spare in bar) == (size[0] > 80), spare
        names = [c.title for c in app.get_system_commands(app.screen)]
        for name in ("Next KPI (↓)", "Next flagged KPI", "Previous week ([)", "Next pane (tab)",
                     "Record a decision on the KPI for the week on screen (d)", "Quit (q)"):  # fmt: skip
            assert any(n.startswith(name) for n in names), name

    drive(app, size, script)


def test_palette_command_runs_its_action(sample: Path) -> None:
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        command = next(
            c for c in app.get_system_commands(app.screen) if c.title.startswith("Next KPI")
        )
        command.callback()
        await pilot.pause()
        assert current(app)[1] == "signups"

    drive(app, (80, 24), script)


def test_week_option_opens_that_week(sample: Path) -> None:
    app = new_app(sample, week=date(2026, 10, 5))

    async def script(pilot: Pilot) -> None:
        assert "2026-W41 · 5–11 Oct 2026" in header_text(app)

    drive(app, (80, 24), script)


def test_read_only_opens_a_read_only_file_and_writes_nothing(sample: Path, tmp_path: Path) -> None:
    db = copy_db(sample, tmp_path)
    before = file_digest(db)
    db.chmod(0o444)
    app = new_app(db, read_only=True)

    async def script(pilot: Pilot) -> None:
        assert "read-only" in header_text(app)
        assert app.review.week == SAMPLE_WEEK

    try:
        drive(app, (80, 24), script)
    finally:
        db.chmod(0o644)
    assert file_digest(db) == before
    assert not Path(f"{db}-wal").exists()


def test_cli_passes_read_only_and_week(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpireview.tui.app import ReviewApp

    seen = {}
    monkeypatch.setattr(ReviewApp, "run", lambda self: seen.update(vars(self)))
    result = run("--db", sample, "--read-only", "--week", "2026-W40")
    assert result.exit_code == 0, result.output
    assert seen["read_only"] is True and seen["week"] == date(2026, 9, 28)


def test_new_snapshots_show_within_seconds(sample: Path, tmp_path: Path) -> None:
    db = copy_db(sample, tmp_path)
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        assert app.review.kpi("traffic").value != 123_456
        with Store(db) as store:  # another connection, as another process would be
            store.upsert_snapshots([("traffic", SAMPLE_WEEK, "", 123_456.0)], source="test")
        await wait_until(pilot, lambda: app.review.kpi("traffic").value == 123_456, timeout=5)
        assert app.screen.current.kpi.value == 123_456  # the same week and row, new value
        assert current(app) == ("acquisition", "traffic")

    drive(app, (80, 24), script)


def test_a_missing_database_is_reported_then_read_when_it_appears(
    sample: Path, tmp_path: Path
) -> None:
    db = copy_db(sample, tmp_path)
    app = new_app(db)
    os.remove(db)

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            header = app.screen.query_one("#header")
            await wait_until(pilot, lambda: "no such database" in header.error)
            assert "no such database" in header_text(app)
            assert app.review is None
            copy_db(sample, tmp_path)  # the file appears: the app reads it
            await wait_until(pilot, lambda: app.review is not None, timeout=5)
            assert not header.error

    asyncio.run(main())


def test_first_screen_reads_a_window_then_every_week(sample: Path) -> None:
    """The dashboard appears from its week's window; all weeks follow for moving back."""
    with Store(sample) as store:
        every_week = sorted({w for s in store.load_snapshots().values() for w in s})
    app = new_app(sample)

    async def script(pilot: Pilot) -> None:
        await wait_until(pilot, lambda: app.data.weeks == every_week)
        assert app.review.week == SAMPLE_WEEK

    drive(app, SIZES[0], script)


def test_ready_to_exit_reads_only_the_window(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KPIREVIEW_EXIT_WHEN_READY", "1")
    long = tmp_path / "long.db"  # seven years: longer than the window the bands need
    assert run("sample", "-o", long, "--config", CONFIG, "--weeks", "360").exit_code == 0
    app = new_app(long)
    app.run(headless=True, size=SIZES[0])
    assert app.review.week == SAMPLE_WEEK
    assert app.data.weeks[0] > SAMPLE_WEEK - timedelta(weeks=359)  # the window, not all 360


def test_watcher_closes_safely_while_another_thread_looks(sample: Path, tmp_path: Path) -> None:
    """Closing on exit while a poll worker is looking must wait, not crash the process."""
    import threading

    from kpireview.session import Watcher

    watcher = Watcher(copy_db(sample, tmp_path))
    stop = threading.Event()
    looks = []

    def poll() -> None:
        while not stop.is_set():
            looks.append(watcher.changed())

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    while len(looks) < 200:
        pass
    watcher.close()
    after = len(looks)
    stop.set()
    for thread in threads:
        thread.join()
    assert watcher._conn is None and not any(looks[after + 2 :])  # closed: no more changes
    assert watcher.changed() is False and watcher._conn is None
