"""The TUI open while other processes write the same database, as the README's workflow has it:
the team's review on screen, engineers and cron running `kpireview decide` and `import` beside it.

Every save the TUI or a command acknowledges is in the database afterwards, the TUI keeps saving
after the commands ran, and every external change shows on screen.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.conftest import CONFIG
from tests.tui_helpers import SAMPLE_WEEK, USER, copy_db, drive, new_app, wait_until

CLI = [sys.executable, "-c", "from kpireview.cli import main; main()"]
SHOWN_WITHIN = 20.0  # seconds: a generous bound for a poll every 2 s on a busy machine


@pytest.fixture
def db(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KPIREVIEW_USER", USER)
    return copy_db(sample, tmp_path)


async def kpireview(*args: object) -> str:
    """Run the command line in another process, without stopping the app; its stdout."""
    proc = await asyncio.create_subprocess_exec(
        *CLI, *map(str, args), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def import_traffic(db: Path, value: int) -> None:
    csv = db.parent / f"traffic-{value}.csv"
    csv.write_text(f"metric,week,value\ntraffic,{SAMPLE_WEEK},{value}\n")
    await kpireview("import", csv, "--db", db, "--config", CONFIG)


async def shown(pilot: Pilot, value: float) -> None:
    """Wait until the review on screen has traffic at ``value``."""
    app = pilot.app
    await wait_until(pilot, lambda: app.review.kpi("traffic").value == value, timeout=SHOWN_WITHIN)
    assert app.screen.current.kpi.value == value  # the row on screen, not only the model


def said(app) -> str:
    from kpireview.tui.widgets.status import StatusLine

    return " ".join(app.screen.query_one(StatusLine).render().plain.split())


async def save_in_tui(pilot: Pilot, note: str) -> int:
    """Record a decision with the form; the id the app says it saved."""
    app = pilot.app
    await pilot.press("d", *note, "ctrl+s")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "DashboardScreen", timeout=15)
    message = said(app)
    assert message.startswith("Saved decision "), message
    return int(message.split()[2])


def test_tui_and_command_line_writers_side_by_side(db: Path) -> None:
    """Each round: a save in the TUI, a `decide` and an `import` in other processes."""
    app = new_app(db)
    acknowledged: dict[int, str] = {}

    async def script(pilot: Pilot) -> None:
        for n in range(3):
            acknowledged[await save_in_tui(pilot, f"tui{n}")] = f"tui{n}"
            out = await kpireview(
                "decide", "mrr", "--note", f"cli{n}", "--db", db, "--config", CONFIG
            )
            assert out.startswith("Recorded decision "), out
            acknowledged[int(out.split()[2])] = f"cli{n}"
            # The app's connections are still open: nobody may have tidied their WAL away.
            assert Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists()
            await import_traffic(db, 50_000 + n)
            await shown(pilot, 50_000 + n)
        acknowledged[await save_in_tui(pilot, "last")] = "last"

    drive(app, (80, 24), script)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = dict(conn.execute("SELECT id, note FROM decisions"))
        value = conn.execute(
            "SELECT value FROM snapshots WHERE metric = 'traffic' AND week = ? AND segment = ''",
            (SAMPLE_WEEK.isoformat(),),
        ).fetchone()[0]
    finally:
        conn.close()
    assert {i: stored.get(i) for i in acknowledged} == acknowledged
    assert len(set(acknowledged)) == 7
    assert value == 50_002


def test_every_external_import_shows(db: Path) -> None:
    """Three imports in a row for the same week: each new value appears in turn."""
    app = new_app(db)

    async def script(pilot: Pilot) -> None:
        for value in (61_001, 61_002, 61_003, 61_004):
            await import_traffic(db, value)
            await shown(pilot, value)

    drive(app, (80, 24), script)


def test_every_change_by_another_connection_shows(db: Path) -> None:
    """The same with a connection in another thread of the process committing the changes."""
    app = new_app(db)

    def commit(value: int) -> None:
        conn = sqlite3.connect(db, isolation_level=None)
        try:
            conn.execute(
                "UPDATE snapshots SET value = ? WHERE metric = 'traffic' AND week = ? "
                "AND segment = ''",
                (value, SAMPLE_WEEK.isoformat()),
            )
        finally:
            conn.close()

    async def script(pilot: Pilot) -> None:
        for value in (71_001, 71_002, 71_003, 71_004):
            await asyncio.to_thread(commit, value)
            await shown(pilot, value)

    drive(app, (80, 24), script)


def test_the_watcher_looks_again_after_a_failed_look(db: Path) -> None:
    """A look that fails (its connection broke) is followed by a fresh connection, and counts
    as a change, so that nothing committed meanwhile is missed."""
    from kpireview.tui.app import Watcher

    watcher = Watcher(db)
    try:
        assert watcher.changed() is False
        assert watcher._conn is not None
        watcher._conn.close()  # every look through it fails from now on
        with pytest.raises(sqlite3.Error):
            watcher.changed()
        assert watcher.changed() is True
        assert watcher.changed() is False
        conn = sqlite3.connect(db)
        with conn:
            conn.execute("UPDATE snapshots SET value = 1 WHERE metric = 'traffic'")
        conn.close()
        assert watcher.changed() is True
    finally:
        watcher.close()
